// Runs one npm peer on the query stream: node run_peer.mjs ENGINE ENCODINGS_DIR QUERIES DECISIONS
// ENGINE: cedar | casbin | json_rules_engine (diagram-path encodings in ENCODINGS_DIR), or
// cedar_natural (ENCODINGS_DIR: the folder holding the policy's facts.json; the hand-written
// policies are natural/cedar/ beside this file). Decides the stream in order, timed in batches of
// 100 (p50/p99 over the batches' per-decision means) until it ends or BENCH_PEER_SECONDS are spent,
// and with BENCH_PEER_AGREEMENT=full the rest untimed (see below); writes "allow"/"deny" a line for
// every query decided; prints JSON. Each call builds the engine's request from the query's string
// fields, as a caller would.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [, , engine, encDir, queriesPath, decisionsPath] = process.argv;
const queries = fs.readFileSync(queriesPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
// A collect is decided on the device (recipient and destination are the device's), as flowgate's
// runtime does; the diagram-path encodings follow the compiled diagram, so their drivers map the
// query the same way (the natural encodings state it in their rules instead).
if (engine !== 'cedar_natural') {
  for (const q of queries) if (q.action === 'collect') { q.recipient = 'device'; q.destination = 'device'; }
}

const rss0 = process.memoryUsage().rss;
// Region classes: the compiler's partition of regions (dated group memberships flattened); every
// peer looks the subject's region and the destination up here inside the timed call.
const classes = engine === 'cedar_natural' ? { regions: {}, destinations: {} }
  : JSON.parse(fs.readFileSync(path.join(encDir, 'classes.json'), 'utf8'));
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
} else if (engine === 'cedar_natural') {
  // The natural Cedar policies (natural/cedar/policies.cedar; validated against the schema by the
  // Rust harness) and the same entity model as cedar-rust/src/main.rs. cedar-wasm takes the
  // entities with every call (no preparsed entity store), so each call passes the slice the request
  // touches: the data, purpose and recipient entities with their ancestors, and the subject's and
  // the destination's region epoch entities with their groups (slices precomputed at load).
  const cedar = require('@cedar-policy/cedar-wasm/nodejs');
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'natural', 'cedar');
  const text = fs.readFileSync(path.join(dir, 'policies.cedar'), 'utf8');
  const parsed = cedar.preparsePolicySet('natural', { staticPolicies: text });
  if (parsed.type !== 'success') throw new Error('cedar parse: ' + JSON.stringify(parsed.errors).slice(0, 2000));
  rules = (text.match(/^(permit|forbid)/gm) || []).length;
  const facts = JSON.parse(fs.readFileSync(path.join(encDir, 'facts.json'), 'utf8'));
  const slices = {};  // type → id → [entity JSON of it and its ancestors]
  for (const [kind, ty] of [['data', 'Data'], ['purpose', 'Purpose'], ['recipient', 'Recipient']]) {
    const terms = facts.vocabulary[kind];
    const ent = (id) => ({ uid: { type: ty, id }, parents: terms[id].parents.map((p) => ({ type: ty, id: p })),
      attrs: terms[id].leaf ? { leaf: true } : {} });
    slices[ty] = new Map(Object.keys(terms).map((id) => [id, terms[id].ancestors.map(ent)]));
  }
  const groups = Object.entries(facts.groups);
  const epochs = new Map();  // region → [[from_day, [entity JSON…]]…]
  for (const r of [...facts.regions, 'device']) {
    const cuts = new Set([-(2 ** 40)]);
    for (const [, m] of groups) for (const [lo, hi] of m[r] ?? []) { cuts.add(lo); cuts.add(hi); }
    const list = [...cuts].sort((a, b) => a - b).map((from, k) => {
      const gs = groups.filter(([, m]) => (m[r] ?? []).some(([lo, hi]) => lo <= from && from < hi)).map(([g]) => g);
      const uid = { type: 'Region', id: `${r}#${k}` };
      return [from, [{ uid, parents: gs.map((g) => ({ type: 'RegionGroup', id: g })), attrs: { code: r } },
        ...gs.map((g) => ({ uid: { type: 'RegionGroup', id: g }, parents: [], attrs: {} }))]];
    });
    epochs.set(r, list);
  }
  const epoch = (r, day) => {
    const list = epochs.get(r);
    if (!list) return [{ type: 'Region', id: r }, []];
    let lo = 0, hi = list.length;  // last epoch starting on or before day
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (list[mid][0] <= day) lo = mid; else hi = mid; }
    return [list[lo][1][0].uid, list[lo][1]];
  };
  const slice = (ty, id) => slices[ty].get(id) ?? [];
  decide = (q) => {
    const s = q.signals;
    const [subj, subjEnts] = epoch(q.subject.region, q.as_of_days);
    const [dest, destEnts] = epoch(q.destination, q.as_of_days);
    const context = {
      purpose: { __entity: { type: 'Purpose', id: q.purpose } },
      recipient: { __entity: { type: 'Recipient', id: q.recipient } },
      destination: { __entity: dest }, as_of: q.as_of_days,
      ads_personalization: s.ads_personalization, gpc: s.gpc, parental_consent: s.parental_consent ?? false,
      consents: s.consents.map((c) => ({ __entity: { type: 'Purpose', id: c } })), features: s.features,
    };
    if (q.subject.age !== undefined) context.age = q.subject.age;
    const ans = cedar.statefulIsAuthorized({
      principal: subj, action: { type: 'Action', id: q.action }, resource: { type: 'Data', id: q.data },
      context, preparsedPolicySetId: 'natural',
      entities: [...slice('Data', q.data), ...slice('Purpose', q.purpose), ...slice('Recipient', q.recipient),
        ...subjEnts, ...(dest === subj ? [] : destEnts.filter((e) => e.uid.type === 'Region' || !subjEnts.some((x) => x.uid.id === e.uid.id && x.uid.type === e.uid.type)))],
    });
    if (ans.type !== 'success') throw new Error('cedar: ' + JSON.stringify(ans.errors));
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
// none) is spent: that prefix is timed, in batches of 100 (a peer's call is microseconds or more,
// well above the timer's resolution).
//
// Agreement (BENCH_PEER_AGREEMENT=full): the rest of the stream is then decided untimed, so the
// cross-check covers every query while the figures stay those of the timed prefix
// (decisions_timed; decisions_checked says how many were decided in all). BENCH_PEER_JOBS=J
// (default 1) splits the rest over J child processes, each this script with the same node flags
// and engine, deciding one contiguous range (BENCH_PEER_RANGE=from:to, untimed) at nice 10 (the
// machine is shared, and nothing is timed there). The children also get a larger young generation
// (--max-semi-space-size=64): json-rules-engine clones every rule's conditions on every run() and
// spends ~80% of its time in scavenges, and this cuts its CPU time by about a third; it changes no
// decision, and the timed prefix keeps node's defaults. Without it the decided prefix alone is
// checked.
const range = process.env.BENCH_PEER_RANGE;
if (range) {
  const [from, to] = range.split(':').map(Number);
  const lines = [];
  for (let i = from; i < to; ++i) lines.push((isAsync ? await decide(queries[i]) : decide(queries[i])) ? 'allow' : 'deny');
  fs.writeFileSync(decisionsPath, lines.length ? lines.join('\n') + '\n' : '');
  console.log(JSON.stringify({ range: [from, to], decided: lines.length }));
  process.exit(0);
}
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
const lines = out.slice(0, n).map((a) => (a ? 'allow' : 'deny'));
const full = process.env.BENCH_PEER_AGREEMENT === 'full';
let checkS = 0;
if (full && n < queries.length) {
  const { spawn } = await import('node:child_process');
  const t = process.hrtime.bigint();
  const jobs = Math.max(1, Math.min(Number(process.env.BENCH_PEER_JOBS ?? 1) || 1, queries.length - n));
  const step = Math.ceil((queries.length - n) / jobs);
  const parts = [];
  for (let from = n; from < queries.length; from += step) {
    const to = Math.min(queries.length, from + step);
    const file = `${decisionsPath}.${from}-${to}`;
    parts.push(new Promise((resolve, reject) => {
      const child = spawn('nice', ['-n', '10', process.execPath, ...process.execArgv, '--max-semi-space-size=64',
        new URL(import.meta.url).pathname, engine, encDir, queriesPath, file],
      { env: { ...process.env, BENCH_PEER_RANGE: `${from}:${to}` }, stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code, sig) => (code === 0 ? resolve(file)
        : reject(new Error(`untimed range ${from}:${to} failed (${sig ?? 'exit ' + code})`))));
    }));
  }
  for (const file of await Promise.all(parts)) {
    lines.push(...fs.readFileSync(file, 'utf8').split('\n').filter(Boolean));
    fs.unlinkSync(file);
  }
  if (lines.length !== queries.length) throw new Error(`untimed ranges decided ${lines.length} of ${queries.length}`);
  checkS = Number(process.hrtime.bigint() - t) / 1e9;
}
fs.writeFileSync(decisionsPath, lines.join('\n') + '\n');
console.log(JSON.stringify({
  p50_ns: per[Math.floor(per.length / 2)], p99_ns: per[Math.min(per.length - 1, Math.floor(per.length * 99 / 100))],
  decisions_per_s: n / (totalNs * 1e-9), batches: per.length, batch_size: BATCH, decisions_timed: n,
  decisions_checked: lines.length, ...(lines.length > n ? { untimed_check_s: checkS } : {}),
  stream: queries.length,
  load_ms: loadMs, rss_kib: Math.round((rss1 - rss0) / 1024), rules,
}));
