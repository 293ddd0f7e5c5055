# One-off (kept for provenance): tests/golden/decisions.jsonl → policy_tests/*.yaml, grouped by the section each case
# is named after (the golden file stays the engines' regression corpus; these are the readable
# policy unit tests `flowgate test` runs).
import json, re, collections
groups = [
    ("collection", "§1 What we collect: camera, microphone, album, store, technical data, cookies", r"§1\."),
    ("use_and_sharing", "§2 How we use it, §3 who receives it", r"§(2|3)\b"),
    ("transfers_and_security", "§4 Where it is processed, §5 how it is protected", r"§(4|5)\b"),
    ("minors", "§8 and §11.1.2: children", r"§(8|11\.1\.2)\b"),
    ("eu", "§11.1 EU/EEA and Switzerland: legal bases, transfers, rights", r"§11\.1"),
    ("us_states", "§11.2.1 US states: the ads toggle, universal opt-out signals", r"§11\.2\.1"),
    ("california", "§11.2.2 California: the disclosure table, no sale or sharing", r"§11\.2\.2"),
    ("defaults_and_dates", "§0 default deny and unknown ids, §9 policy changes", r"§(0|9)\b"),
]
def q(s):
    return "'" + s.replace("'", "''") + "'"
def flow(v):
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        return s
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", s) and s not in ("true", "false", "null", "yes", "no", "on", "off"):
        return s
    return q(s)
out = collections.defaultdict(list)
for line in open("tests/golden/decisions.jsonl"):
    d = json.loads(line)
    for name, title, pattern in groups:
        if re.match(pattern, d["name"]):
            out[name].append(d)
            break
    else:
        raise SystemExit("no group for " + d["name"])
for name, title, pattern in groups:
    lines = [f"# Policy unit tests: {title}.", "# Run with `flowgate test` (docs/policy-tests.md).", "tests:"]
    for d in out[name]:
        lines.append(f"  - name: {q(d['name'])}")
        query = dict(d["query"])
        lines.append(f"    query: {flow(query)}")
        e = d["expect"]
        lines.append(f"    expect: {flow(e)}")
    open(f"policy_tests/{name}.yaml", "w").write("\n".join(lines) + "\n")
    print(name, len(out[name]))
