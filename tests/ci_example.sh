#!/usr/bin/env bash
# The example CI job cannot rot: the workflow's flowgate steps are `scripts/ci-example STEP`, every
# step of the script appears in the workflow, and the script run with the workflow's own env on
# this repository passes every step and writes every report. A step that fails does not stop the
# later ones, and the run then fails at the end; a shallow clone's approval step says how to
# fetch the history.
# Usage: ci_example.sh FLOWGATE SOURCE_DIR WORK_DIR
set -uo pipefail
fg="$1" src="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  echo "SKIP: $src is not a git checkout (the approval step reads history)"
  exit 77
fi

# The workflow: its steps and env, read as GitHub reads them.
python3 - "$src/.github/workflows/flowgate.yml" "$src/scripts/ci-example" >"$work/env.sh" <<'EOF' || exit 1
import re, shlex, sys, yaml
workflow = yaml.safe_load(open(sys.argv[1]))
script = open(sys.argv[2]).read()
known = set(re.search(r"all\) steps\+=\(([^)]*)\)", script).group(1).split())
steps = workflow["jobs"]["policy"]["steps"]
used = []
for step in steps:
    run = step.get("run", "")
    for m in re.finditer(r"scripts/ci-example\s+(\S+)", run):
        if m.group(1) not in known:
            sys.exit(f"workflow step '{step.get('name')}' runs unknown ci-example step {m.group(1)}")
        used.append(m.group(1))
        if used[:-1] and step.get("if", "") != "${{ !cancelled() }}":
            sys.exit(f"workflow step '{step.get('name')}' does not run after a failure (if: !cancelled())")
missing = known - set(used)
if missing:
    sys.exit(f"ci-example steps the workflow never runs: {sorted(missing)}")
checkout = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout")]
if not checkout or checkout[0].get("with", {}).get("fetch-depth") != 0:
    sys.exit("actions/checkout must fetch the whole history (fetch-depth: 0)")
for key, value in workflow.get("env", {}).items():
    print(f"export {key}={shlex.quote(str(value))}")
EOF
# Judged on a fixed day, so the law's calendar cannot turn this test red on its own.
export FLOWGATE_AS_OF=2026-12-01
. "$work/env.sh"
[ -n "${FLOWGATE_SDKS:-}" ] || fail "the workflow sets no FLOWGATE_SDKS"

cd "$src"
scripts/ci-example all --flowgate "$fg" --out "$work/reports" >"$work/all.txt" 2>&1
rc=$?
cat "$work/all.txt" | tail -12
[ $rc -eq 0 ] || fail "scripts/ci-example all exited $rc on this repository (output: $work/all.txt)"
summary=$(sed -n '/^== ci-example: /,$p' "$work/all.txt")
[ "$(printf '%s\n' "$summary" | grep -c '^  pass  ')" -eq 7 ] || fail "not every step passed"
for f in check.json lint.sarif diff.sarif policy-tests.xml gate.sarif gate.xml report.html \
    PrivacyInfo.generated.xcprivacy gdpr-art30.md; do
  [ -s "$work/reports/$f" ] || fail "report $f not written"
done

# A failing step: the later ones still run and write their reports; the run fails at the end.
echo "baseline: []" >"$work/empty-baseline.yaml"
FLOWGATE_GATE_BASELINE="$work/empty-baseline.yaml" \
  scripts/ci-example all --flowgate "$fg" --out "$work/failing" >"$work/failing.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "a failing gate step gave exit $rc, not 1"
sed -n '/^== ci-example: /,$p' "$work/failing.txt" | grep -q '^  FAIL  gate (exit 1)$' ||
  fail "the summary does not name the gate"
[ -s "$work/failing/report.html" ] || fail "the step after the failing one did not run"
[ -s "$work/failing/gate.sarif" ] || fail "the failing step's SARIF was not written"

# A shallow clone (actions/checkout's default depth): the approval step says what to do.
git clone -q --depth 1 "file://$src" "$work/shallow" 2>/dev/null || fail "cannot make a shallow clone"
(cd "$work/shallow" && scripts/ci-example approval --flowgate "$fg" --out "$work/shallow-reports") \
  >"$work/shallow.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "the approval step in a shallow clone gave exit $rc, not 1"
grep -q "fetch-depth: 0" "$work/shallow.txt" || fail "the shallow clone's message names no fix"
echo "ci-example: the workflow's 7 steps pass on this repository; failures and shallow clones caught"
