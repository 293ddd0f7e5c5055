#!/usr/bin/env python3
"""`flowgate lint` as CI runs it: exit codes, the baseline, and every output format.

Usage: lint_cli_check.py FLOWGATE POLICY_DIR SARIF_SCHEMA

The SARIF output is validated against the official SARIF 2.1.0 JSON schema
(tests/schemas/sarif-2.1.0.json, as shipped in npm's @microsoft/sarif-multitool-linux 5.7.0)
with python3-jsonschema; the JUnit output is parsed as XML and its counts checked.
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

flowgate, policy, schema_path = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
failed = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failed.append(what)


def lint(directory, *args):
    r = subprocess.run([flowgate, "lint", str(directory), "--as-of", "2026-11-29", *args],
                       capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


# The shipped policy: everything at warning or above baselined. Short by default: counts of the
# reviewed findings, at most 40 lines; --verbose every finding in full.
code, text, _ = lint(policy)
check(code == 0, f"shipped policy: exit 0 (got {code})")
lines = text.count("\n")
check(lines <= 40, f"text is short by default: {lines} lines (budget 40)")
check(f"reviewed in lint-baseline.yaml" in text and "missing-legal-basis" in text,
      "text counts the reviewed findings by code")
check("media-stays-on-device" not in text, "text does not repeat reviewed findings")
code, verbose, _ = lint(policy, "--verbose")
check(code == 0 and "baselined:" in verbose and "media-stays-on-device" in verbose,
      "--verbose names baselined findings with their reasons")
check("§1.1" in verbose and "§11.2.2" in verbose, "--verbose carries both citations")

code, out, _ = lint(policy, "--format", "json")
findings = json.loads(out)["findings"]
check(code == 0 and len(findings) > 0, f"json parses: {len(findings)} findings")
total = re.search(r"^(\d+) findings \(", text, re.M)
check(total and int(total.group(1)) == len(findings),
      f"json lists every finding the text counts ({total and total.group(1)})")
levels = re.findall(r"^\S+: (?:error|warning|note)\[", verbose, re.M)
check(len(levels) == len(findings), f"--verbose prints every finding ({len(levels)})")

# Without the baseline every warning is new: merged by cause, so still short, and every one of
# them is named by the fix lines or the lists of the merged findings.
with tempfile.TemporaryDirectory() as tmp:
    code, text, _ = lint(policy, "--baseline", str(Path(tmp) / "none.yaml"))
new = [f for f in findings if f["severity"] != "note"]
groups = len(re.findall(r"^   = fix: ", text, re.M))
check(code == 1 and text.startswith(f"== new: {len(new)} findings"),
      f"no baseline: exit 1, {len(new)} new findings first")
check(0 < groups < len(new), f"no baseline: {len(new)} findings merged into {groups}")
check(text.count("\n") <= 5 * groups + 25, f"no baseline: {text.count(chr(10))} lines")

code, out, _ = lint(policy, "--format", "sarif")
sarif = json.loads(out)
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
validator = jsonschema.Draft202012Validator(schema)
errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.path))
for e in errors[:5]:
    print("  schema:", list(e.path), e.message[:200])
check(not errors, "sarif validates against the SARIF 2.1.0 schema")
results = sarif["runs"][0]["results"]
check(len(results) == len(findings), "sarif: one result per finding")
rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
check(all(r["ruleId"] in rule_ids for r in results), "sarif: every ruleId is a driver rule")
contradiction = [r for r in results if r["ruleId"] == "contradiction"]
check(contradiction and all(r.get("relatedLocations") for r in contradiction),
      "sarif: contradictions carry the second statement as a related location")

for severity in ("warning", "note"):
    code, out, _ = lint(policy, "--format", "junit", "--severity", severity)
    root = ET.fromstring(out)
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    failing = [c for c in cases if c.find("failure") is not None]
    check(int(suite.get("tests")) == len(cases), f"junit ({severity}): tests = testcases")
    check(int(suite.get("failures")) == len(failing), f"junit ({severity}): failures counted")
    new = [f for f in findings if not f["baselined"] and
           (severity == "note" or f["severity"] != "note")]
    check(len(failing) == len({f["code"] for f in new}), f"junit ({severity}): failing codes")
    check(code == (1 if new else 0), f"junit ({severity}): exit {code}")

# A scratch edit: media to cloud storage. New findings fail; --update-baseline records them.
with tempfile.TemporaryDirectory() as tmp:
    scratch = Path(tmp) / "policy"
    for part in ("rules", "jurisdictions"):
        shutil.copytree(policy / part, scratch / part)
    for name in ("data_inventory.yaml", "lint-baseline.yaml"):
        shutil.copy(policy / name, scratch / name)
    (scratch / "rules" / "zz-scratch.yaml").write_text(
        "rules:\n"
        "  - id: scratch-media-to-cloud\n"
        "    effect: allow\n"
        "    match: {data: media, purpose: core_functionality, action: transmit,\n"
        "            recipient: service_provider.cloud_storage}\n"
        "    citations: [\"§3\"]\n"
        "    quote: \"We may engage with service providers to provide you with different services"
        " on behalf of us; e.g. payment company, cloud storage services and other services.\"\n",
        encoding="utf-8")
    code, text, _ = lint(scratch)
    check(code == 1, f"scratch media rule: exit 1 (got {code})")
    check("scratch-media-to-cloud" in text and "not in the reviewed baseline" in text
          and text.startswith("== new:"), "scratch media rule reported as new, first")
    code, _, err = lint(scratch, "--update-baseline")
    baseline = (scratch / "lint-baseline.yaml").read_text(encoding="utf-8")
    check(code == 0 and "TODO: review" in baseline and "TODO: review" in err,
          "--update-baseline writes TODO entries and says so")
    check("§1.1 keeps" in baseline or baseline.count("reason:") > 1, "existing reasons kept")
    code, text, _ = lint(scratch)
    check(code == 0 and "TODO: review" in text, "after the update: exit 0, TODO reported")
    (scratch / "lint-baseline.yaml").write_text(
        "baseline:\n  - fingerprint: \"dead-rule:x\"\n", encoding="utf-8")
    code, _, err = lint(scratch)
    check(code == 2 and "lint-baseline.yaml:2" in err, f"entry without a reason: exit 2 ({code})")

code, _, _ = lint(policy, "--severity", "fatal")
check(code == 2, "bad --severity: exit 2")
sys.exit(1 if failed else 0)
