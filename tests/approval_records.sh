#!/bin/sh
# Approval records in the repository (docs/approvals.md), in a temporary git repository holding a
# copy of the policy: `flowgate approve` refuses uncommitted edits, new lint findings, failing
# policy tests, an unlisted approver and a key that is not theirs; `flowgate diff --against approved
# --require-approval` fails a change that newly allows flows until a record for exactly its
# compiled digest is committed, and refuses a tampered record or one signed by an unlisted key.
# Usage: approval_records.sh FLOWGATE SOURCE_DIR
set -u
fg=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/flowgate-approvals-XXXXXX")
trap 'rm -rf "$work"' EXIT
repo=$work/repo
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# expect STATUS WHAT COMMAND…: runs the command (output in $work/out, $work/err) and checks its
# exit status.
expect() {
  want=$1
  what=$2
  shift 2
  "$@" > "$work/out" 2> "$work/err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$what: exit $got, expected $want"
    sed 's/^/    out: /' "$work/out" | head -20
    sed 's/^/    err: /' "$work/err" | head -20
  fi
}
# mentions PATTERN WHAT: the last command's stderr or stdout contains PATTERN.
mentions() {
  if ! grep -q -e "$1" "$work/out" "$work/err"; then
    fail "$2: output does not mention '$1'"
    sed 's/^/    err: /' "$work/err" | head -10
  fi
}
git_() { git -C "$repo" -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false "$@"; }
approve() { "$fg" approve --policy "$repo" --note "review PRIV-42" "$@"; }
require() { "$fg" diff --against approved --require-approval --policy "$repo"; }
record_count() { ls "$repo/approvals" 2> /dev/null | grep -c '\.yaml$'; }

mkdir -p "$repo"
for part in rules jurisdictions data_inventory.yaml lint-baseline.yaml; do
  cp -R "$src/$part" "$repo/$part"
done
# A policy test of its own, so that this test does not depend on the shipped ones.
mkdir -p "$repo/policy_tests"
cat > "$repo/policy_tests/media.yaml" << 'EOF'
tests:
  - name: '§1.1 "will only be cached in your device": no photo upload to cloud storage'
    query: {data: media.photo, purpose: core_functionality, action: transmit, recipient: service_provider.cloud_storage, destination: JP, subject: {region: US-CA, age: 30}, as_of: 2026-11-29}
    expect: {decision: deny, rules: [media-stays-on-device]}
EOF
"$fg" keygen --secret "$work/ana.key" --public "$work/ana.pub" > /dev/null || fail "keygen ana"
"$fg" keygen --secret "$work/eve.key" --public "$work/eve.pub" > /dev/null || fail "keygen eve"
cat > "$repo/approvers.yaml" << EOF
approvers:
  - name: "A. Officer"
    email: "ana@example.com"
    role: "Data protection officer"
    key: "$(cat "$work/ana.pub")"
EOF
git_ init -q && git_ add -A && git_ commit -q -m "policy v1" || fail "git setup"

# Nothing approved yet: an input error that says how to approve.
expect 2 "diff with no record" require
mentions "nothing has been approved yet" "diff with no record"

# The first approval, committed: the policy as it is passes.
expect 0 "approve v1" approve --who "A. Officer" --key "$work/ana.key"
mentions "approvals/" "approve v1"
[ "$(record_count)" -eq 1 ] || fail "approve v1 wrote $(record_count) records"
v1=$(ls "$repo"/approvals/*.yaml)
grep -q '^signature: "[0-9a-f]\{128\}"' "$repo"/approvals/*.yaml || fail "record has no signature"
git_ add approvals && git_ commit -q -m "approve v1"
expect 0 "unchanged policy" require
expect 0 "approve --list" "$fg" approve --list --policy "$repo" --format json
mentions '"approver": "A. Officer"' "approve --list"

# A change that newly allows flows (an allow with no EU legal basis: a new lint finding).
cat >> "$repo/rules/sharing.yaml" << 'EOF'

  - id: support-payment-results
    effect: allow
    match:
      data: payment.result
      purpose: support
      action: transmit
      recipient: service_provider.payment
    citations: ["§3"]
    quote: "We may engage with service providers to provide you with different services on behalf of us; e.g. payment company, cloud storage services and other services."
EOF
expect 1 "diff: newly allowed, unapproved" require
mentions "no approval record is for its compiled digest" "diff: newly allowed, unapproved"
expect 1 "approve with uncommitted edits" approve --who "A. Officer" --key "$work/ana.key"
mentions "uncommitted changes" "approve with uncommitted edits"
mentions "rules/sharing.yaml" "approve with uncommitted edits"
git_ commit -q -am "allow payment results to the payment provider for support"
expect 1 "approve while lint fails" approve --who "A. Officer" --key "$work/ana.key"
mentions "missing-legal-basis" "approve while lint fails"
[ "$(record_count)" -eq 1 ] || fail "a refused approve wrote a record"

# The finding reviewed into the baseline and committed: now approvable, but only by an approver.
cat >> "$repo/lint-baseline.yaml" << 'EOF'
  - fingerprint: "missing-legal-basis:support-payment-results:eu-requires-legal-basis"
    reason: "Reviewed: EU subjects' payment results stay denied until a legal-basis row is agreed."
EOF
git_ commit -q -am "baseline the missing EU basis"
expect 1 "committed change, no record" require
expect 2 "approve as an unlisted approver" approve --who "Eve" --key "$work/eve.key"
mentions "not an approver" "approve as an unlisted approver"
expect 2 "approve with another's key" approve --who "A. Officer" --key "$work/eve.key"
mentions "is not A. Officer's" "approve with another's key"
[ "$(record_count)" -eq 1 ] || fail "a refused approve wrote a record"
expect 0 "approve v2" approve --who "ana@example.com" --key "$work/ana.key"
[ "$(record_count)" -eq 2 ] || fail "approve v2 wrote no record"
expect 1 "record written, not committed" require
mentions "is not committed" "record written, not committed"
git_ add approvals && git_ commit -q -m "approve v2"
expect 0 "record committed" require

# A tampered record (its note edited after signing) is refused.
v2=$(ls "$repo"/approvals/*.yaml | grep -v -x -F "$v1")
cp "$v2" "$work/v2.yaml"
sed 's/^note: .*/note: "approved by the board"/' "$work/v2.yaml" > "$v2"
expect 2 "tampered note" require
mentions "signature does not verify" "tampered note"
# A tampered signature is refused.
python3 - "$work/v2.yaml" "$v2" << 'EOF'
import re, sys
text = open(sys.argv[1]).read()
flip = lambda m: m.group(1) + ("1" if m.group(2) == "0" else "0")
open(sys.argv[2], "w").write(re.sub(r'(signature: ")(.)', flip, text))
EOF
cmp -s "$v2" "$work/v2.yaml" && fail "the signature was not changed"
expect 2 "tampered signature" require
mentions "signature does not verify" "tampered signature"
cp "$work/v2.yaml" "$v2"

# A record signed by a key approvers.yaml does not list (any more) is refused.
cp "$repo/approvers.yaml" "$work/approvers.yaml"
cat >> "$repo/approvers.yaml" << EOF
  - name: "Eve"
    key: "$(cat "$work/eve.pub")"
EOF
git_ commit -q -am "add Eve"
expect 0 "approve as Eve" approve --who "Eve" --key "$work/eve.key"
git_ add approvals && git_ commit -q -m "Eve approves"
cp "$work/approvers.yaml" "$repo/approvers.yaml"
expect 2 "record by an unlisted key" require
mentions "which approvers.yaml does not list" "record by an unlisted key"
git_ rm -q "$repo"/approvals/*eve.yaml && git_ commit -q -am "remove Eve"
expect 0 "back to the approved policy" require

# A record for another digest does not approve: a further change fails until it is approved.
sed 's/data: payment.result$/data: payment/' "$repo/rules/sharing.yaml" > "$work/sharing.yaml"
cp "$work/sharing.yaml" "$repo/rules/sharing.yaml"
git_ commit -q -am "widen to all payment data"
expect 1 "records for other digests only" require

# Failing policy tests refuse approval.
python3 - "$repo/rules/collection.yaml" << 'EOF'
import sys
path = sys.argv[1]
text = open(path).read()
start = text.index("  - id: media-stays-on-device")
end = text.index("  - id: collect-correspondence")
open(path, "w").write(text[:start] + text[end:])
EOF
git_ commit -q -am "drop the media deny"
expect 1 "approve while policy tests fail" approve --who "A. Officer" --key "$work/ana.key"
mentions "policy test(s) fail" "approve while policy tests fail"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "approval records: all checks passed"
