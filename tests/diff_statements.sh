#!/bin/sh
# `flowgate diff` reports what a reviewer signs beyond the flows. Three edited copies of the shipped
# policy, each diffed against the shipped one:
#   retention  both account_deleted entries say retain (was delete / delete or anonymize)
#   rights     the §7.3 promise to delete is removed; California's response deadline is 60 days
#   one-rule   one rule's effect flips (sharing with affiliates for analytics is denied)
# Text output is compared with reviewed golden files; JSON and SARIF are checked for the
# statements on both sides and a location in NEW's files; the one-rule text stays within 60 lines.
# Usage: diff_statements.sh FLOWGATE POLICY_ROOT GOLDEN_DIR
# With FLOWGATE_UPDATE_GOLDEN=1 the golden files are rewritten from this run (review the change).
set -eu
flowgate=$1
root=$2
golden=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

copy() {
  mkdir -p "$work/$1"
  cp -R "$root/rules" "$root/jurisdictions" "$root/data_inventory.yaml" "$work/$1/"
}
# The shipped policy, copied too so both sides name their files alike.
copy shipped

copy retention
f=$work/retention/rules/retention.yaml
sed -i '/^  - id: delete-on-account-deletion$/,/^  - id:/ s/^    outcome: delete_or_anonymize$/    outcome: retain/' "$f"
sed -i '/^  - id: erase-all-on-account-deletion$/,/^  - id:/ s/^    outcome: delete$/    outcome: retain/' "$f"
[ "$(grep -c '^    outcome: retain$' "$f")" -eq 3 ] || fail "the retention edit did not apply"

copy rights
f=$work/rights/rules/rights.yaml
awk '/^  - id: /{skip = ($3 == "delete-account-everyone")} !skip' "$f" >"$f.new" && mv "$f.new" "$f"
! grep -q 'delete-account-everyone' "$f" || fail "the rights entry was not removed"
f=$work/rights/jurisdictions/us/california.yaml
sed -i 's/^  - {deadline: P45D, extension: P45D,/  - {deadline: P60D, extension: P45D,/' "$f"
grep -q 'deadline: P60D' "$f" || fail "the deadline edit did not apply"

copy onerule
f=$work/onerule/rules/sharing.yaml
rule=$(awk '/^  - id: /{id=$3} /^    effect: allow$/ && id {print id; exit}' "$f")
[ -n "$rule" ] || fail "no allow rule in rules/sharing.yaml"
sed -i "/^  - id: $rule\$/,/^  - id:/ s/^    effect: allow\$/    effect: deny/" "$f"

golden() {  # golden NAME: compare $work/NAME.out with GOLDEN_DIR/diff-NAME.txt (or rewrite it)
  sed -i 's/([0-9.]* ms)$/(… ms)/' "$work/$1.out"
  if [ "${FLOWGATE_UPDATE_GOLDEN:-}" = 1 ]; then cp "$work/$1.out" "$golden/diff-$1.txt"; fi
  diff -u "$golden/diff-$1.txt" "$work/$1.out" || fail "$1 text differs from the golden file"
}

run() {  # run NAME ARGS…: stdout to $work/NAME.out, the exit status to $work/NAME.rc
  name=$1
  shift
  set +e
  (cd "$work" && "$flowgate" diff shipped "$@") >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
  set -e
}
as_of="--as-of 2026-12-01"

# ---- retention: delete → retain, named with the statements on both sides, exit 1 (weakens)
run retention retention $as_of
golden retention
[ "$(cat "$work/retention.rc")" = 1 ] || fail "data newly retained must exit 1, got $(cat "$work/retention.rc")"

# ---- rights: a right removed, a deadline lengthened
run rights rights $as_of
golden rights
[ "$(cat "$work/rights.rc")" = 1 ] || fail "a right removed must exit 1"

# ---- JSON: complete, with the statements on both sides
run rights-json rights $as_of --format json
python3 - "$work/rights-json.out" "$work/retention.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["statements_compared"] and d["weakens"] and d["needs_approval"], d["summary"]
kinds = {c["kind"] for c in d["rights"]}
assert "right-removed" in kinds and "deadline-lengthened" in kinds, kinds
removed = [c for c in d["rights"] if c["kind"] == "right-removed" and c["right"] == "delete"]
assert removed, "no removed delete right"
assert any(e["id"] == "delete-account-everyone" and e["citations"] == ["§7.3"]
           for e in removed[0]["before"]["entries"]), removed[0]["before"]
longer = [c for c in d["rights"] if c["kind"] == "deadline-lengthened"]
assert all("US-CA" in c["region_ids"] for c in longer), longer
assert any(c["before"]["deadline"] == "P45D" and c["after"]["deadline"] == "P60D" for c in longer)
assert d["retention"] == [] and d["changes"] == [], "an edit of rights only changed other things"
EOF

# ---- SARIF: every result has a location with a line in NEW's files and a fingerprint
run retention-sarif retention $as_of --format sarif
python3 - "$work/retention-sarif.out" "$work/retention" <<'EOF'
import json, os, sys
log = json.load(open(sys.argv[1]))
results = log["runs"][0]["results"]
retention = [r for r in results if r["ruleId"] == "retention-changed"]
assert retention, "no retention result"
for r in results:
    loc = r["locations"][0]["physicalLocation"]
    path = os.path.join(sys.argv[2], loc["artifactLocation"]["uri"])
    line = loc["region"]["startLine"]
    assert os.path.isfile(path), path
    assert 1 <= line <= len(open(path).read().splitlines()), (path, line)
    assert r["partialFingerprints"], r
    assert r["message"]["text"] not in json.dumps(r["partialFingerprints"])
line = retention[0]["locations"][0]["physicalLocation"]["region"]["startLine"]
uri = retention[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
text = open(os.path.join(sys.argv[2], uri)).read().splitlines()[line - 1]
assert "account-deletion" in text, text
EOF

# ---- one rule: a summary by rule first, within the budget; --verbose says more
run onerule onerule $as_of
lines=$(wc -l <"$work/onerule.out")
[ "$lines" -le 60 ] || fail "a one-rule change printed $lines lines (budget 60)"
grep -q "^Rules whose effect changed" "$work/onerule.out" || fail "no summary by rule"
[ "$(grep -n '^Rules whose effect changed' "$work/onerule.out" | cut -d: -f1)" -lt \
  "$(grep -n '^Flow changes' "$work/onerule.out" | cut -d: -f1)" ] || fail "summary not first"
grep -q "  $rule (edited " "$work/onerule.out" || fail "the edited rule $rule is not named"
run onerule-verbose onerule $as_of --verbose
[ "$(wc -l <"$work/onerule-verbose.out")" -gt "$lines" ] || fail "--verbose shows no more"

# ---- no change: the shipped policy against its copy
run same shipped $as_of
grep -q "^No change: every flow" "$work/same.out" || fail "identical policies differ"
[ "$(cat "$work/same.rc")" = 0 ] || fail "no change must exit 0"
echo "ok: retention, rights, JSON, SARIF, one-rule ($lines lines), no change"
