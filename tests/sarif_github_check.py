#!/usr/bin/env python3
"""Every SARIF log flowgate writes (lint, gate, diff) against the SARIF 2.1.0 schema and against
what GitHub code scanning accepts on upload ("SARIF support for code scanning" and its upload
limits):

  - version 2.1.0; at most 20 runs; per run at most 25,000 results and 25,000 rules;
  - every rule: a unique id, shortDescription, fullDescription and help text; a helpUri, when
    present, absolute https; at most 20 tags;
  - every result: a ruleId the run's rules define (ruleIndex pointing at it), a message, 1 to 1,000
    locations, each a physicalLocation with an artifactLocation.uri (relative, forward slashes)
    and a region.startLine >= 1 that exists in the file; related locations likewise;
  - partialFingerprints on every result, 32 hex digits, never the message text, and one result
    per fingerprint (otherwise GitHub merges two alerts into one);
  - the file under 10 MB.

    sarif_github_check.py FLOWGATE POLICY_DIR FIXTURES_DIR SCHEMA
    sarif_github_check.py --self-test SCHEMA FLOWGATE POLICY_DIR FIXTURES_DIR

The self-test breaks a valid log in each of those ways and fails unless every break is caught.
"""
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema

MAX_RUNS, MAX_RESULTS, MAX_RULES, MAX_LOCATIONS, MAX_TAGS = 20, 25_000, 25_000, 1_000, 20
MAX_BYTES = 10 * 1024 * 1024
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def base_dir_of(run, default):
    uri = run.get("originalUriBaseIds", {}).get("SRCROOT", {}).get("uri", "")
    if uri.startswith("file://"):
        return uri[len("file://"):]
    return default


def check_location(where, loc, base, problems, line_counts):
    phys = loc.get("physicalLocation")
    if not isinstance(phys, dict):
        problems.append(f"{where}: no physicalLocation")
        return
    uri = phys.get("artifactLocation", {}).get("uri", "")
    if not uri:
        problems.append(f"{where}: no artifactLocation.uri")
        return
    if uri.startswith("/") or "\\" in uri or re.match(r"^[A-Za-z]:", uri):
        problems.append(f"{where}: uri '{uri}' is not relative with forward slashes")
    start = phys.get("region", {}).get("startLine")
    if not isinstance(start, int) or start < 1:
        problems.append(f"{where}: region.startLine {start!r} is not a line number >= 1")
        return
    path = os.path.join(base, uri)
    if path not in line_counts:
        try:
            with open(path, "rb") as f:
                line_counts[path] = f.read().count(b"\n") + 1
        except OSError:
            line_counts[path] = None
    if line_counts[path] is None:
        problems.append(f"{where}: '{uri}' does not exist below {base}")
    elif start > line_counts[path]:
        problems.append(f"{where}: line {start} is past the end of '{uri}' ({line_counts[path]} lines)")


def check_log(log, schema, base, size=0):
    """The problems GitHub (or the schema) would have with `log`; [] when none."""
    problems = []
    oversized = any(len(r.get("results", [])) > MAX_RESULTS for r in log.get("runs", []))
    try:
        if not oversized:  # over GitHub's limits anyway; the schema would take long to say so
            jsonschema.validate(log, schema)
    except jsonschema.ValidationError as e:
        problems.append(f"schema: {e.message} at {'/'.join(map(str, e.absolute_path))}")
    if size > MAX_BYTES:
        problems.append(f"the log is {size} bytes, more than GitHub's 10 MB")
    if log.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    runs = log.get("runs", [])
    if not 1 <= len(runs) <= MAX_RUNS:
        problems.append(f"{len(runs)} runs (GitHub takes 1 to {MAX_RUNS})")
    line_counts = {}
    for r, run in enumerate(runs):
        driver = run.get("tool", {}).get("driver", {})
        rules = driver.get("rules", [])
        results = run.get("results", [])
        if len(results) > MAX_RESULTS or len(rules) > MAX_RULES:
            problems.append(f"run {r}: {len(results)} results, {len(rules)} rules: over the limits")
        ids = [rule.get("id") for rule in rules]
        if len(set(ids)) != len(ids):
            problems.append(f"run {r}: rule ids repeat")
        for rule in rules:
            rid = rule.get("id")
            for field in ("shortDescription", "fullDescription", "help"):
                if not rule.get(field, {}).get("text", "").strip():
                    problems.append(f"rule {rid}: no {field}.text")
            uri = rule.get("helpUri")
            if uri is not None and not uri.startswith("https://"):
                problems.append(f"rule {rid}: helpUri '{uri}' is not an absolute https URI")
            if len(rule.get("properties", {}).get("tags", [])) > MAX_TAGS:
                problems.append(f"rule {rid}: more than {MAX_TAGS} tags")
        base_dir = base_dir_of(run, base)
        fingerprints = set()
        for i, res in enumerate(results):
            where = f"run {r} result {i} ({res.get('ruleId')})"
            rid = res.get("ruleId")
            if rid not in ids:
                problems.append(f"{where}: ruleId not among the run's rules")
            elif "ruleIndex" in res and ids[res["ruleIndex"]] != rid:
                problems.append(f"{where}: ruleIndex points at another rule")
            message = res.get("message", {}).get("text", "")
            if not message.strip():
                problems.append(f"{where}: no message text")
            locations = res.get("locations", [])
            if not 1 <= len(locations) <= MAX_LOCATIONS:
                problems.append(f"{where}: {len(locations)} locations (GitHub needs 1 to {MAX_LOCATIONS})")
            for k, loc in enumerate(locations):
                check_location(f"{where} location {k}", loc, base_dir, problems, line_counts)
            related = res.get("relatedLocations", [])
            if len(related) > MAX_LOCATIONS:
                problems.append(f"{where}: more than {MAX_LOCATIONS} related locations")
            for k, loc in enumerate(related):
                check_location(f"{where} related {k}", loc, base_dir, problems, line_counts)
            prints = res.get("partialFingerprints", {})
            if not prints:
                problems.append(f"{where}: no partialFingerprints")
            for key, value in prints.items():
                if not HEX32.match(str(value)):
                    problems.append(f"{where}: fingerprint {key} '{value}' is not a 32-digit hash")
                if message and (value in message or message in str(value)):
                    problems.append(f"{where}: fingerprint {key} holds the message text")
            key = (rid, json.dumps(prints, sort_keys=True))
            if prints and key in fingerprints:
                problems.append(f"{where}: another result has the same fingerprint")
            fingerprints.add(key)
    return problems


def run_flowgate(flowgate, args, cwd):
    p = subprocess.run([flowgate] + args, cwd=cwd, capture_output=True, text=True, timeout=600)
    if p.returncode not in (0, 1):
        sys.exit(f"flowgate {' '.join(args)} exited {p.returncode}:\n{p.stderr}")
    return p.stdout


def produce_logs(flowgate, policy, fixtures, scratch, gate_only=False):
    """(name, log text, base folder) for every kind of SARIF the tool writes."""
    logs = []
    gate = run_flowgate(flowgate, ["gate", "--policy", policy, "--as-of", "2026-11-29", "--format", "sarif",
                                   os.path.join(fixtures, "manifests"), os.path.join(fixtures, "sdks", "revenuecat.yaml"),
                                   os.path.join(fixtures, "sdks", "crash-reporter-unrouted.yaml")], policy)
    logs.append(("gate", gate, policy))
    if gate_only:
        return logs
    lint = run_flowgate(flowgate, ["lint", "--format", "sarif", policy], policy)
    logs.append(("lint", lint, policy))
    inventory = run_flowgate(flowgate, ["gate", "--policy", policy, "--as-of", "2026-11-29", "--format", "sarif"], policy)
    logs.append(("gate (inventory)", inventory, policy))
    # Two versions of the policy: media may now leave the device.
    after = os.path.join(scratch, "after")
    os.makedirs(after)
    for part in ("rules", "jurisdictions", "mappings"):
        shutil.copytree(os.path.join(policy, part), os.path.join(after, part))
    shutil.copy(os.path.join(policy, "data_inventory.yaml"), after)
    path = os.path.join(after, "rules", "collection.yaml")
    text = open(path).read()
    at = text.index("id: media-stays-on-device")
    at = text.index("effect: deny", at)
    open(path, "w").write(text[:at] + "effect: allow" + text[at + len("effect: deny"):])
    diff = run_flowgate(flowgate, ["diff", "--format", "sarif", policy, after], policy)
    logs.append(("diff", diff, policy))
    return logs


def main(argv):
    self_test = argv[:1] == ["--self-test"]
    if self_test:
        schema_path, flowgate, policy, fixtures = argv[1:5]
    else:
        flowgate, policy, fixtures, schema_path = argv[:4]
    policy, fixtures = os.path.abspath(policy), os.path.abspath(fixtures)
    schema = json.load(open(schema_path))
    with tempfile.TemporaryDirectory() as scratch:
        logs = produce_logs(flowgate, policy, fixtures, scratch, gate_only=self_test)
        failed = False
        if not self_test:
            for name, text, base in logs:
                log = json.loads(text)
                problems = check_log(log, schema, base, len(text.encode()))
                results = sum(len(r.get("results", [])) for r in log.get("runs", []))
                if results == 0:
                    problems.append("no results: the check would prove nothing")
                print(f"{name}: {results} results, {'ok' if not problems else f'{len(problems)} problems'}")
                for p in problems[:20]:
                    print(f"  {p}")
                failed = failed or bool(problems)
            return 1 if failed else 0
        # Self-test: each way GitHub refuses a log must be caught.
        name, text, base = logs[0]
        good = json.loads(text)
        assert not check_log(good, schema, base), check_log(good, schema, base)[:5]

        def broken(edit):
            log = copy.deepcopy(good)
            edit(log["runs"][0])
            return log

        first = lambda run: run["results"][0]
        region = lambda run: first(run)["locations"][0]["physicalLocation"]["region"]
        breaks = {
            "no locations": lambda run: first(run).pop("locations"),
            "startLine 0": lambda run: region(run).update(startLine=0),
            "line past the end": lambda run: region(run).update(startLine=10**6),
            "missing file": lambda run: first(run)["locations"][0]["physicalLocation"]["artifactLocation"].update(uri="no/such/file"),
            "absolute uri": lambda run: first(run)["locations"][0]["physicalLocation"]["artifactLocation"].update(uri="/etc/passwd"),
            "unknown rule": lambda run: first(run).update(ruleId="no-such-rule", ruleIndex=0),
            "message as fingerprint": lambda run: first(run).update(partialFingerprints={"flowgate/v1": first(run)["message"]["text"]}),
            "no fingerprint": lambda run: first(run).pop("partialFingerprints"),
            "same fingerprint twice": lambda run: run["results"].append(copy.deepcopy(first(run))),
            "rule without help": lambda run: run["tool"]["driver"]["rules"][0].pop("help"),
            "relative helpUri": lambda run: run["tool"]["driver"]["rules"][0].update(helpUri="docs/gate.md#x"),
            "too many locations": lambda run: first(run).update(locations=first(run)["locations"] * 1001),
            "too many results": lambda run: run.update(results=[first(run)] * (MAX_RESULTS + 1)),
        }
        for what, edit in breaks.items():
            problems = check_log(broken(edit), schema, base)
            print(f"{what}: {'caught' if problems else 'NOT CAUGHT'}")
            failed = failed or not problems
        too_many_runs = copy.deepcopy(good)
        too_many_runs["runs"] = too_many_runs["runs"] * 21
        caught = bool(check_log(too_many_runs, schema, base))
        print(f"21 runs: {'caught' if caught else 'NOT CAUGHT'}")
        failed = failed or not caught
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
