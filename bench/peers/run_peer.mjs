// Runs one npm peer on the query stream: node run_peer.mjs ENGINE ENCODINGS_DIR QUERIES DECISIONS
// ENGINE: cedar | casbin | json_rules_engine. Decides every query once, timed in batches of 1,000
// (p50/p99 over the batches' per-decision means); writes "allow"/"deny" a line; prints JSON.
// Each call builds the engine's request from the query's string fields, as a caller would.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [, , engine, encDir, queriesPath, decisionsPath] = process.argv;
const queries = fs.readFileSync(queriesPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

const rss0 = process.memoryUsage().rss;
// Region classes: the compiler's partition of regions (dated group memberships flattened); every
// peer looks the subject's region and the destination up here inside the timed call.
const classes = JSON.parse(fs.readFileSync(path.join(encDir, 'classes.json'), 'utf8'));
const regionClass = new Map(Object.entries(classes.regions));
const destClass = new Map(Object.entries(classes.destinations));
const rc = (q) => regionClass.get(q.subject.region) ?? 'unknown';
const dc = (q) => destClass.get(q.destination) ?? 'unknown';
const t0 = process.hrtime.bigint();
let decide;       // (q) => boolean
let isAsync = false;
let rules = 0;

if (engine === 'cedar') {
  const cedar = require('@cedar-policy/cedar-wasm/nodejs');
  const text = fs.readFileSync(path.join(encDir, 'cedar', 'policies.cedar'), 'utf8');
  const parsed = cedar.preparsePolicySet('flowgate', { staticPolicies: text });
  if (parsed.type !== 'success') throw new Error('cedar parse: ' + JSON.stringify(parsed.errors).slice(0, 2000));
  rules = (text.match(/^permit/gm) || []).length;
  const principal = { type: 'Subject', id: 'subject' };
  const action = { type: 'Action', id: 'decide' };
  const resource = { type: 'Flow', id: 'flow' };
  decide = (q) => {
    const s = q.signals;
    const ans = cedar.statefulIsAuthorized({
      principal, action, resource, entities: [], preparsedPolicySetId: 'flowgate',
      context: {
        data: q.data, purpose: q.purpose, action: q.action, recipient: q.recipient,
        destination_class: dc(q), region_class: rc(q),
        age: q.subject.age ?? -1, as_of_days: q.as_of_days,
        gpc: s.gpc, ads_personalization: s.ads_personalization,
        consents: s.consents, features: s.features,
      },
    });
    if (ans.type !== 'success') throw new Error('cedar: ' + JSON.stringify(ans.errors));
    if (ans.response.diagnostics.errors.length) throw new Error('cedar eval: ' + JSON.stringify(ans.response.diagnostics.errors[0]));
    return ans.response.decision === 'allow';
  };
} else if (engine === 'casbin') {
  const { newEnforcer } = require('casbin');
  const e = await newEnforcer(path.join(encDir, 'casbin', 'model.conf'), path.join(encDir, 'casbin', 'policy.csv'));
  const memo = new Map();
  const ranges = (s) => {
    let r = memo.get(s);
    if (!r) {
      r = { unknown: false, r: [], sig: null };
      for (const part of s.split(';')) {
        if (part === 'u') r.unknown = true;
        else if (part) { const [lo, hi] = part.split(':').map(Number); r.r.push([lo, hi]); }
      }
      memo.set(s, r);
    }
    return r;
  };
  const sigMemo = new Map();
  const sigTerms = (s) => {
    let t = sigMemo.get(s);
    if (!t) {
      t = s.split(';').map((p) => { const [k, v] = p.split('='); const [kind, id] = k.split(':'); return { kind, id, value: v === '1' }; });
      sigMemo.set(s, t);
    }
    return t;
  };
  await e.addFunction('inSet', (v, set) => set === '*' || set.includes('|' + v + '|'));
  await e.addFunction('inRanges', (v, set) => {
    if (set === '*') return true;
    const r = ranges(set);
    const n = Number(v);
    if (n < 0) return r.unknown;
    return r.r.some(([lo, hi]) => n >= lo && n < hi);
  });
  await e.addFunction('sigMatch', (sig, set) => {
    if (set === '*') return true;
    for (const t of sigTerms(set)) {
      let v;
      if (t.kind === 'gpc') v = sig.gpc;
      else if (t.kind === 'ads_personalization') v = sig.ads_personalization;
      else if (t.kind === 'consent_for_purpose') v = sig.consents.includes(sig.purpose);
      else if (t.kind === 'consent') v = sig.consents.includes(t.id);
      else v = sig.features.includes(t.id);
      if (v !== t.value) return false;
    }
    return true;
  });
  rules = (await e.getPolicy()).length;
  isAsync = true;
  decide = (q) => e.enforce(q.data, q.purpose, q.action, q.recipient, dc(q), rc(q),
    String(q.as_of_days), String(q.subject.age ?? -1),
    { purpose: q.purpose, ...q.signals });
} else if (engine === 'json_rules_engine') {
  const { Engine } = require('json-rules-engine');
  const doc = JSON.parse(fs.readFileSync(path.join(encDir, 'json-rules-engine', 'rules.json'), 'utf8'));
  const eng = new Engine([], { allowUndefinedFacts: true });
  eng.addOperator('inRanges', (v, rs) => rs.some(([lo, hi]) => v >= lo && v < hi));
  eng.addOperator('ageIn', (v, a) => (v < 0 ? a.unknown : a.ranges.some(([lo, hi]) => v >= lo && v < hi)));
  for (const r of doc.rules) eng.addRule(r);
  rules = doc.rules.length;
  isAsync = true;
  decide = async (q) => {
    const s = q.signals;
    const { events } = await eng.run({
      data: q.data, purpose: q.purpose, action: q.action, recipient: q.recipient,
      destination_class: dc(q), region_class: rc(q), age: q.subject.age ?? -1,
      as_of_days: q.as_of_days, gpc: s.gpc, ads_personalization: s.ads_personalization,
      consents: s.consents, features: s.features,
      consent_for_purpose: s.consents.includes(q.purpose),
    });
    return events.length > 0;
  };
} else {
  throw new Error('unknown engine ' + engine);
}
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const rss1 = process.memoryUsage().rss;

// A peer decides the stream in order until it ends or the time budget (BENCH_PEER_SECONDS, 0 for
// none) is spent; the decided prefix is what is cross-checked. Batches of 100 (a peer's call is
// microseconds or more, well above the timer's resolution).
const budgetNs = Number(process.env.BENCH_PEER_SECONDS ?? 60) * 1e9;
const BATCH = 100;
let n = queries.length;
const out = [];
const per = [];
let totalNs = 0;
for (let b = 0; b < n; b += BATCH) {
  if (budgetNs > 0 && totalNs > budgetNs) { n = b; break; }
  const e = Math.min(n, b + BATCH);
  const t = process.hrtime.bigint();
  if (isAsync) for (let i = b; i < e; ++i) out[i] = await decide(queries[i]);
  else for (let i = b; i < e; ++i) out[i] = decide(queries[i]);
  const ns = Number(process.hrtime.bigint() - t);
  totalNs += ns;
  per.push(ns / (e - b));
}
per.sort((a, b) => a - b);
fs.writeFileSync(decisionsPath, out.slice(0, n).map((a) => (a ? 'allow' : 'deny')).join('\n') + '\n');
console.log(JSON.stringify({
  p50_ns: per[Math.floor(per.length / 2)], p99_ns: per[Math.min(per.length - 1, Math.floor(per.length * 99 / 100))],
  decisions_per_s: n / (totalNs * 1e-9), batches: per.length, batch_size: BATCH, decisions_timed: n,
  stream: queries.length,
  load_ms: loadMs, rss_kib: Math.round((rss1 - rss0) / 1024), rules,
}));
