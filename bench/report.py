#!/usr/bin/env python3
"""bench/run's reporting: cross-checks a peer's decisions against flowgate's, and prints the table
or the JSON of one run.

  report.py crosscheck FLOWGATE.decisions PEER.decisions QUERIES.jsonl PEER.json
  report.py report WORKDIR table|json
"""
import json
import os
import sys


def crosscheck(ours, theirs, queries, result):
    a = open(ours).read().split()
    b = open(theirs).read().split()
    qs = open(queries).read().splitlines()
    r = json.load(open(result))
    n = min(len(a), len(b))
    bad = [i for i in range(n) if a[i] != b[i]]
    r["compared"] = n
    r["disagreements"] = len(bad)
    r["disagreement_examples"] = [
        {"line": i + 1, "flowgate": a[i], "peer": b[i], "query": json.loads(qs[i])} for i in bad[:5]]
    json.dump(r, open(result, "w"))
    name = os.path.basename(result)[:-5]
    print(f"bench: {name}: {n} decisions compared, {r['disagreements']} disagreements with flowgate")
    for e in r["disagreement_examples"]:
        print(f"bench:   line {e['line']}: flowgate {e['flowgate']}, {name} {e['peer']}: "
              f"{json.dumps(e['query'])}")


PEERS = ["opa_native", "cedar_native", "casbin_go_natural", "cedar_wasm_natural", "cedar",
         "casbin", "casbin_go", "json_rules_engine"]
ENGINES = ["flowgate", "flowgate_strings", "flat", "reference"] + PEERS
LABELS = {
    "flowgate": "flowgate (interned ids, C++)",
    "flowgate_strings": "flowgate (string ids, C++)",
    "flat": "flat array of classes (C++)",
    "reference": "reference evaluator (C++)",
    "opa_native": "OPA 1.22 (Go, prepared query), natural Rego",
    "cedar_native": "Cedar 4.14 (Rust crate), natural policies",
    "casbin_go_natural": "casbin (Go, conditions as functions), natural model",
    "cedar_wasm_natural": "Cedar 4.13 (wasm, Node), natural policies",
    "cedar": "Cedar 4.13 (wasm, Node), diagram paths",
    "casbin": "casbin 5.51 (Node), diagram paths",
    "casbin_go": "casbin 2.60 (Go), diagram paths",
    "json_rules_engine": "json-rules-engine 7.3 (Node), diagram paths",
}


def fmt_ns(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:.2f} ms"
    if x >= 1e4:
        return f"{x / 1e3:.1f} µs"
    return f"{x:.1f} ns"


def report(work, form):
    fg = json.load(open(os.path.join(work, "flowgate.json")))
    out = {}
    for e in ["flowgate", "flowgate_strings", "flat", "reference"]:
        out[e] = fg[e]
    for e in PEERS:
        p = os.path.join(work, e + ".json")
        out[e] = json.load(open(p)) if os.path.exists(p) else {"error": "not run"}
    base_s = out["flowgate_strings"]["p50_ns"]
    base_i = out["flowgate"]["p50_ns"]
    for e in ENGINES:
        r = out[e]
        if "p50_ns" in r:
            r["ratio_p50_vs_flowgate"] = r["p50_ns"] / base_i
            r["ratio_p50_vs_flowgate_strings"] = r["p50_ns"] / base_s
    out["shipped"] = fg["shipped"]
    out["stream"] = fg["stream"]
    out["scaling"] = json.load(open(os.path.join(work, "scaling.json")))
    out["machine"] = json.load(open(os.path.join(work, "extras.json")))
    out["method"] = ("one fixed-seed stream; batches of 100 decisions are timed and p50/p99 are "
                     "over the batches' per-decision means (wall clock); decisions/s = decisions / "
                     "total batch time; flowgate's C++ engines decide the stream once untimed, then "
                     "repeat it until ≥ 1 s has been timed; a Node peer is timed on the prefix it "
                     "decides within BENCH_PEER_SECONDS (decisions_timed); each peer's allow/deny "
                     "is cross-checked on the queries it decided (compared), which is the whole "
                     "stream except for the diagram-path Node peers without --full-agreement")
    if form == "json":
        print(json.dumps(out, indent=2))
        return
    m = out["machine"]
    print(f"flowgate bench — {out['stream']['queries']} queries (seed {m['seed']}, "
          f"{out['stream']['allows']} allowed), {m['nproc']} cores, {m['cpu']}, load average "
          f"{m['loadavg']}, node {m['node']}, {m['go']}")
    print("p50/p99: over timed batches of 100 decisions, each batch's per-decision mean "
          "(wall clock)\n")
    hdr = f"{'engine':50} {'p50':>10} {'p99':>10} {'decisions/s':>12} {'load':>10} {'memory':>10} " \
          f"{'p50 ÷ fg':>9} {'÷ fg str':>9} {'disagree':>9}"
    print(hdr)
    print("-" * len(hdr))
    for e in ENGINES:
        r = out[e]
        if "p50_ns" not in r:
            print(f"{LABELS[e]:50} failed: {r.get('error', '?')[:80]}")
            continue
        mem = r.get("rss_kib", r.get("heap_kib"))
        mem_s = f"{mem / 1024:.1f} MiB" if mem is not None and mem >= 1024 else (
            f"{mem} KiB" if mem is not None else "-")
        if e in ("flowgate", "flowgate_strings"):
            mem_s = f"{fg['flowgate']['bundle_bytes'] / 1024:.1f} KiB*"
        if e == "flat":
            mem_s = f"{r['bytes'] / 2**20:.0f} MiB*"
        print(f"{LABELS[e]:50} {fmt_ns(r['p50_ns']):>10} {fmt_ns(r['p99_ns']):>10} "
              f"{r['decisions_per_s']:>12,.0f} {r.get('load_ms', 0):>8.1f}ms {mem_s:>10} "
              f"{r['ratio_p50_vs_flowgate']:>8.1f}× {r['ratio_p50_vs_flowgate_strings']:>8.1f}× "
              f"{r.get('disagreements', '-'):>9}"
              + (f"  (first {r['compared']:,} of {r['stream']:,} queries: time budget)"
                 if r.get('compared', 0) < r.get('stream', 0) else
                 f"  (timed: first {r['decisions_timed']:,}; checked: all {r['compared']:,})"
                 if r.get('decisions_timed', r.get('compared', 0)) < r.get('compared', 0) else ""))
    print(f"\nflowgate on two threads: {fg['flowgate']['two_threads_decisions_per_s']:,.0f} "
          "decisions/s (interned ids)")
    print("memory: RSS delta across load (Go: heap delta); * flowgate: the bundle it holds; flat: "
          "its table. load: flowgate = bundle load, reference = YAML load + check, flat = table "
          "build, peers = policy parse/load")
    s = out["shipped"]
    print(f"\nshipped policy: {s['rules']} flow rules, load+check {s['load_check_ms']:.0f} ms, compile "
          f"{s['compile_ms']:.1f} ms (target ≤ 100), {s['diagram_nodes']} diagram nodes, "
          f"{s['decisions']} decision records, bundle {s['bundle_bytes']:,} bytes (target ≤ 65,536)")
    print(f"runtime library stripped: shared {m['runtime_so_stripped_bytes']:,} bytes, static "
          f"archive {m['runtime_a_stripped_bytes']:,} bytes (text+data {m['runtime_a_text_data_bytes']:,}"
          f"; target ≤ 300 KB)")
    tools = [f"{k[:-3]} {m[k]} ms" for k in ("check_ms", "lint_ms", "diff_ms") if k in m]
    if tools:
        print("CLI on the shipped policy: " + ", ".join(tools))
    if out["scaling"]:
        print("\nscaling (synthetic policies: N rules over M categories and R regions, shipped "
              "jurisdictions)")
        print(f"{'rules':>7} {'categories':>10} {'regions':>8} {'load+check':>11} {'compile':>10} "
              f"{'nodes':>8} {'bundle':>10} {'decide p50':>11} {'p99':>9}")
        for r in out["scaling"]:
            if r.get("policy") == "multi-app":
                print_multi_app(r)
                continue
            if "timeout_s" in r:
                print(f"{r['rules']:>7}  did not compile within {r['timeout_s']} s")
                continue
            if "bundle_error" in r:
                print(f"{r['rules']:>7} {r['categories']:>10} {r['regions']:>8} "
                      f"{r['load_check_ms']:>9.0f}ms {r['compile_ms']:>8.0f}ms "
                      f"{r['diagram_nodes']:>8}  {r['decisions']:,} decision records: "
                      f"{r['bundle_error']}")
                continue
            print(f"{r['rules']:>7} {r['categories']:>10} {r['regions']:>8} "
                  f"{r['load_check_ms']:>9.0f}ms {r['compile_ms']:>8.0f}ms {r['diagram_nodes']:>8} "
                  f"{r['bundle_bytes']:>10,} {fmt_ns(r['decide_p50_ns']):>11} "
                  f"{fmt_ns(r['decide_p99_ns']):>9}")


def print_multi_app(r):
    """The multi-app row (flowgate_bench scale --apps): its own line, with lint and diff."""
    if "timeout_s" in r:
        print(f"multi-app policy: did not finish within {r['timeout_s']} s")
        return
    bundle = (f"bundle {r['bundle_bytes']:,} bytes, decide p50 {fmt_ns(r['decide_p50_ns'])}, p99 "
              f"{fmt_ns(r['decide_p99_ns'])}" if "bundle_bytes" in r else r.get("bundle_error", ""))
    lint = (f"lint {r['lint_ms']:.0f} ms" + (f" (not analysed: {r['lint_error'][:60]}…)"
                                             if "lint_error" in r else ""))
    cli = ", ".join(f"{k[4:-3]} {r[k]:,} ms" for k in ("cli_lint_ms", "cli_diff_ms") if k in r)
    print(f"multi-app: {r['rules']:,} rules ({r['apps']} apps × {r['regions']} regions), load+check "
          f"{r['load_check_ms']:.0f} ms, compile {r['compile_ms']:.0f} ms, {r['diagram_nodes']:,} "
          f"nodes, {r['decisions']:,} decision records, {bundle}; {lint} (target ≤ 2,000), diff "
          f"{r['diff_ms']:.0f} ms (target ≤ 1,000)" + (f"; CLI end to end: {cli}" if cli else ""))


if __name__ == "__main__":
    if sys.argv[1] == "crosscheck":
        crosscheck(*sys.argv[2:6])
    else:
        report(sys.argv[2], sys.argv[3])
