//! Cedar natively in Rust (the `cedar-policy` crate): the hand-written natural encoding
//! (bench/peers/natural/cedar: policies.cedar validated against flowgate.cedarschema) over entities
//! generated here from the policy's facts (flowgate_bench facts): Data/Purpose/Recipient entities
//! whose parents mirror the vocabulary DAGs, and one Region entity per region and membership epoch
//! whose parents are its region groups in that epoch.
//!
//! Usage: cedar_bench CEDAR_DIR FACTS_JSON QUERIES_JSONL DECISIONS_OUT. Decides the stream in
//! batches of 100 (p50/p99 over the batches' per-decision means; BENCH_PEER_SECONDS bounds the
//! time, unset or 0: the whole stream); the timed call builds the request (epoch look-ups, the
//! context) and authorizes it. Writes "allow"/"deny" a line; prints its figures as JSON.
use cedar_policy::*;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, Write};
use std::str::FromStr;
use std::time::Instant;

fn rss_kib() -> i64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = s.split_whitespace().nth(1).and_then(|x| x.parse().ok()).unwrap_or(0);
    pages * 4
}

struct Query {
    data: String,
    purpose: String,
    action: String,
    recipient: String,
    destination: String,
    region: String,
    age: Option<i64>,
    days: i64,
    gpc: bool,
    ads: bool,
    parental: bool,
    consents: Vec<String>,
    features: Vec<String>,
}

fn uid(t: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(EntityTypeName::from_str(t).unwrap(), EntityId::new(id))
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (dir, facts_path, queries_path, out_path) = (&a[1], &a[2], &a[3], &a[4]);
    let rss0 = rss_kib();
    let t0 = Instant::now();
    let facts: Value = serde_json::from_str(&std::fs::read_to_string(facts_path).unwrap()).unwrap();
    let (schema, _) = Schema::from_cedarschema_str(
        &std::fs::read_to_string(format!("{dir}/flowgate.cedarschema")).unwrap(),
    )
    .expect("schema");
    let policies = PolicySet::from_str(&std::fs::read_to_string(format!("{dir}/policies.cedar")).unwrap())
        .expect("policies");
    let v = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
    if !v.validation_passed() {
        for e in v.validation_errors() {
            eprintln!("validation: {e}");
        }
        std::process::exit(1);
    }
    // Entities: the vocabulary DAGs.
    let mut ents: Vec<Value> = Vec::new();
    for (kind, ty) in [("data", "Data"), ("purpose", "Purpose"), ("recipient", "Recipient")] {
        for (id, t) in facts["vocabulary"][kind].as_object().unwrap() {
            let parents: Vec<Value> = t["parents"].as_array().unwrap().iter()
                .map(|p| json!({"type": ty, "id": p.as_str().unwrap()})).collect();
            let attrs = if t["leaf"].as_bool().unwrap() { json!({"leaf": true}) } else { json!({}) };
            ents.push(json!({"uid": {"type": ty, "id": id}, "parents": parents, "attrs": attrs}));
        }
    }
    // Regions: one entity per membership epoch; epochs[region] = [(from_day, uid)] ascending.
    let groups = facts["groups"].as_object().unwrap();
    for g in groups.keys() {
        ents.push(json!({"uid": {"type": "RegionGroup", "id": g}, "parents": [], "attrs": {}}));
    }
    let mut epochs: HashMap<String, Vec<(i64, EntityUid)>> = HashMap::new();
    let mut regions: Vec<String> = facts["regions"].as_array().unwrap().iter()
        .map(|r| r.as_str().unwrap().to_string()).collect();
    regions.push("device".to_string());
    for r in &regions {
        let mut cuts: BTreeSet<i64> = BTreeSet::new();
        cuts.insert(i64::MIN / 4);
        for (_, members) in groups {
            if let Some(iv) = members.get(r) {
                for x in iv.as_array().unwrap() {
                    cuts.insert(x[0].as_i64().unwrap());
                    cuts.insert(x[1].as_i64().unwrap());
                }
            }
        }
        let mut list = Vec::new();
        for (k, from) in cuts.iter().enumerate() {
            let id = format!("{r}#{k}");
            let parents: Vec<Value> = groups.iter().filter(|(_, m)| {
                m.get(r).map_or(false, |iv| iv.as_array().unwrap().iter().any(|x| {
                    x[0].as_i64().unwrap() <= *from && *from < x[1].as_i64().unwrap()
                }))
            }).map(|(g, _)| json!({"type": "RegionGroup", "id": g})).collect();
            ents.push(json!({"uid": {"type": "Region", "id": id}, "parents": parents,
                             "attrs": {"code": r}}));
            list.push((*from, uid("Region", &id)));
        }
        epochs.insert(r.clone(), list);
    }
    let entities = Entities::from_json_value(Value::Array(ents), Some(&schema)).expect("entities");
    let authorizer = Authorizer::new();
    let load_ms = t0.elapsed().as_secs_f64() * 1e3;
    let rss1 = rss_kib();

    let f = std::fs::File::open(queries_path).unwrap();
    let mut qs = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        let j: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let strs = |v: &Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect()).unwrap_or_default()
        };
        qs.push(Query {
            data: j["data"].as_str().unwrap().into(),
            purpose: j["purpose"].as_str().unwrap().into(),
            action: j["action"].as_str().unwrap().into(),
            recipient: j["recipient"].as_str().unwrap().into(),
            destination: j["destination"].as_str().unwrap().into(),
            region: j["subject"]["region"].as_str().unwrap().into(),
            age: j["subject"]["age"].as_i64(),
            days: j["as_of_days"].as_i64().unwrap(),
            gpc: j["signals"]["gpc"].as_bool().unwrap_or(false),
            ads: j["signals"]["ads_personalization"].as_bool().unwrap_or(true),
            parental: j["signals"]["parental_consent"].as_bool().unwrap_or(false),
            consents: strs(&j["signals"]["consents"]),
            features: strs(&j["signals"]["features"]),
        });
    }
    let epoch = |region: &str, day: i64| -> EntityUid {
        match epochs.get(region) {
            Some(list) => {
                let k = list.partition_point(|(from, _)| *from <= day);
                list[k.saturating_sub(1)].1.clone()
            }
            None => uid("Region", region), // unknown: no entity, no groups
        }
    };
    let decide = |q: &Query| -> bool {
        let mut ctx: Vec<(String, RestrictedExpression)> = vec![
            ("purpose".into(), RestrictedExpression::new_entity_uid(uid("Purpose", &q.purpose))),
            ("recipient".into(), RestrictedExpression::new_entity_uid(uid("Recipient", &q.recipient))),
            ("destination".into(), RestrictedExpression::new_entity_uid(epoch(&q.destination, q.days))),
            ("as_of".into(), RestrictedExpression::new_long(q.days)),
            ("ads_personalization".into(), RestrictedExpression::new_bool(q.ads)),
            ("gpc".into(), RestrictedExpression::new_bool(q.gpc)),
            ("parental_consent".into(), RestrictedExpression::new_bool(q.parental)),
            ("consents".into(), RestrictedExpression::new_set(
                q.consents.iter().map(|c| RestrictedExpression::new_entity_uid(uid("Purpose", c))))),
            ("features".into(), RestrictedExpression::new_set(
                q.features.iter().map(|c| RestrictedExpression::new_string(c.clone())))),
        ];
        if let Some(age) = q.age {
            ctx.push(("age".into(), RestrictedExpression::new_long(age)));
        }
        let context = Context::from_pairs(ctx).unwrap();
        let req = Request::new(epoch(&q.region, q.days), uid("Action", &q.action),
                               uid("Data", &q.data), context, None).unwrap();
        authorizer.is_authorized(&req, &policies, &entities).decision() == Decision::Allow
    };
    let budget: f64 = std::env::var("BENCH_PEER_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let batch = 100;
    let mut n = qs.len();
    let mut out = vec![false; n];
    let mut per = Vec::new();
    let mut total = 0.0f64;
    let mut b = 0;
    while b < n {
        if budget > 0.0 && total > budget {
            n = b;
            break;
        }
        let end = (b + batch).min(n);
        let t = Instant::now();
        for i in b..end {
            out[i] = decide(&qs[i]);
        }
        let d = t.elapsed().as_secs_f64();
        total += d;
        per.push(d * 1e9 / (end - b) as f64);
        b = end;
    }
    per.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let mut w = std::io::BufWriter::new(std::fs::File::create(out_path).unwrap());
    for x in &out[..n] {
        writeln!(w, "{}", if *x { "allow" } else { "deny" }).unwrap();
    }
    println!("{}", json!({
        "encoding": "natural (hand-written Cedar: bench/peers/natural/cedar)",
        "p50_ns": per[per.len() / 2], "p99_ns": per[per.len() * 99 / 100],
        "decisions_per_s": n as f64 / total, "batches": per.len(), "batch_size": batch,
        "decisions_timed": n, "stream": qs.len(), "load_ms": load_ms,
        "rss_kib": rss1 - rss0, "policies": policies.policies().count(),
    }));
}
