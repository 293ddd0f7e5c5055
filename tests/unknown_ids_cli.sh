#!/bin/sh
# Unknown ids named in every command (decide, explain, test): which field held which value, the
# nearest ids, a group's leaves or members, a country's ISO code; a misspelt consent or feature
# is a deny naming it, never silence. decide names them from the policy (--policy) and from a
# bundle's ids alone (--bundle).
#   unknown_ids_cli.sh FLOWGATE POLICY_DIR WORK_DIR
set -eu
flowgate=$1 policy=$2 work=$3
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
# expect_in OUTPUT TEXT...: every TEXT is in OUTPUT
expect_in() {
  out=$1
  shift
  for text in "$@"; do
    case "$out" in *"$text"*) ;; *) fail "expected '$text' in: $out" ;; esac
  done
}
ads="--purpose advertising.targeted --recipient advertiser.google --destination US --age 30"

decide() { "$flowgate" decide "$@" 2>&1 || true; }
out=$(decide --policy "$policy" --data media $ads --region US-VA)
expect_in "$out" '"rules": [' '"unknown-id"' '"field": "data"' '"value": "media"' \
  "'media' is a group" 'media.photo' 'media.video'
out=$(decide --policy "$policy" --data technical.ads.identifier $ads --region Germany)
expect_in "$out" '"field": "subject.region"' '"suggestion": "DE"' 'did you mean DE?'
out=$(decide --policy "$policy" --data technical.ads.identifer $ads --region US-VA)
expect_in "$out" '"suggestion": "technical.ads.identifier"'
out=$(decide --policy "$policy" --data technical.ads.identifier $ads --region US-VA \
  --consent analytcs)
expect_in "$out" '"decision": "deny"' '"field": "signals.consents"' '"position": 0' \
  '"suggestion": "analytics"'
out=$(decide --policy "$policy" --data technical.ads.identifier $ads --region US-VA \
  --feature blutooth)
expect_in "$out" '"field": "signals.features"' '"suggestion": "bluetooth"'
# The exit status says deny (1), not a malformed query (2).
set +e
"$flowgate" decide --policy "$policy" --data technical.ads.identifier $ads --region US-VA \
  --consent analytcs > /dev/null 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || fail "decide with an unknown consent: exit $code, expected 1"

# From a bundle's ids alone: groups are the dotted prefixes; typos still have their nearest id.
"$flowgate" compile --policy "$policy" -o "$work/policy.fgb" > /dev/null
out=$(decide --bundle "$work/policy.fgb" --data media $ads --region US-VA)
expect_in "$out" "'media' is a group" 'media.photo'
out=$(decide --bundle "$work/policy.fgb" --data technical.ads.identifier \
  --purpose advertising.targetd --recipient advertiser.google --destination US --region US-VA)
expect_in "$out" '"field": "purpose"' '"suggestion": "advertising.targeted"'

# explain says the same.
out=$("$flowgate" explain --policy "$policy" --data media.photo --purpose core_functionality \
  --action collect --region Germany 2>&1 || true)
expect_in "$out" 'DENY' "subject.region: 'Germany'" 'did you mean DE?'

# test: a typo'd purpose fails its case, even one expecting a deny, and names the field.
cat > "$work/typo.yaml" <<'YAML'
tests:
  - name: a typo'd purpose must not pass as a deny
    query: {data: technical.ads.identifier, purpose: advertising.targetted, action: transmit, recipient: advertiser.google, destination: US, subject: {region: US-CA, age: 30}, as_of: 2026-11-29}
    expect: {decision: deny}
YAML
set +e
out=$("$flowgate" test --policy "$policy" "$work/typo.yaml" 2>&1)
code=$?
set -e
[ "$code" -eq 1 ] || fail "test with a typo'd purpose: exit $code, expected 1: $out"
expect_in "$out" "purpose: 'advertising.targetted'" 'did you mean advertising.targeted?'
echo "ok"
