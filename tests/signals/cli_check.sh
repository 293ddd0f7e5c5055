#!/bin/sh
# `flowgate signals decode` and consent strings in `flowgate decide` queries, as a user runs them.
#   tests/signals/cli_check.sh path/to/flowgate POLICY_DIR
set -u
flowgate="$1"
policy="$2"
fail=0
check() {  # check NAME CONDITION-EXIT-STATUS
  if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}

java_fixed=COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA
out="$("$flowgate" signals decode "$java_fixed" --format json)"
check "decode TC json exits 0" $?
echo "$out" | grep -q '"cmp_id": 675' && echo "$out" | grep -q '"created": "2020-01-26T17:01:00Z"' &&
  echo "$out" | grep -q '"last_updated": "2021-02-02T17:01:00Z"' && echo "$out" | grep -q '"publisher_cc": "AA"'
check "decode TC json fields (IAB Java fixed point)" $?
"$flowgate" signals decode "$java_fixed" | grep -q 'consent_language *EN'
check "decode TC text" $?

out="$("$flowgate" signals decode 'DBABLA~ChYhlGKoJqBo.YA' --format json)"
check "decode GPP json exits 0" $?
echo "$out" | grep -q '"targeted_advertising_opt_out": 1' && echo "$out" | grep -q '"gpc": true'
check "decode GPP json fields" $?

"$flowgate" signals decode 'COtybn4PA_zT4KjACBENAPCIAEBAAE' > /dev/null 2> err.txt
test $? -eq 2 && grep -q 'at bit' err.txt
check "truncated TC string: exit 2 naming the field and bit" $?
"$flowgate" signals decode 'DBABLA~' > /dev/null 2> err.txt
test $? -eq 2 && grep -q 'usnat' err.txt
check "malformed GPP string: exit 2" $?

# decide: a malformed string is a malformed query (deny, exit 2); a GPP opt-out decides as gpc;
# a TC string consenting to purposes 3 and 4 decides as consents ["advertising.targeted"].
decide() { printf '%s\n' "$1" | "$flowgate" decide --policy "$policy"; }
base='"data":"technical.ads.identifier","purpose":"advertising.targeted","action":"transmit","recipient":"advertiser.google","destination":"US","as_of":"2026-11-29"'
out="$(decide "{$base,\"subject\":{\"region\":\"US-CO\",\"age\":30},\"signals\":{\"gpp\":\"DBABLA~\"}}")"
code=$?
test $code -eq 2 && echo "$out" | grep -q 'malformed-query' && echo "$out" | grep -q '"decision":"deny"'
check "decide: malformed GPP denies (malformed-query, exit 2)" $?
a="$(decide "{$base,\"subject\":{\"region\":\"US-CO\",\"age\":30},\"signals\":{\"gpc\":true}}")"
b="$(decide "{$base,\"subject\":{\"region\":\"US-CO\",\"age\":30},\"signals\":{\"gpp\":\"DBABLA~ChYhlGKoJqBo.YA\"}}")"
test "$a" = "$b"
check "decide: usnat targeted-ads opt-out decides as gpc" $?
tc_all=CQLjKniQUgpvihC3ywENBkEgAP_gAEFAAAYgCpMgqloCIs8aN-whOTPR6jhum29xBtM-tQSoiCCndoP2QgSHhIWuRuvpb0MAxn8wMSgEgEco8wS2UACAkCYASgFMqqImsAIAAAAA
a="$(decide "{$base,\"subject\":{\"region\":\"DE\",\"age\":30},\"signals\":{\"consents\":[\"advertising.targeted\"]}}")"
b="$(decide "{$base,\"subject\":{\"region\":\"DE\",\"age\":30},\"signals\":{\"tcf\":\"$tc_all\"}}")"
test "$a" = "$b"
check "decide: TC consent to purposes 3+4 decides as consents [advertising.targeted]" $?
# Rules that test the strings (docs/signals.md), on a scratch copy of the policy with one more
# rule: the CLI fills tcf.purpose_consent(N) from signals.tcf, and explain names the variable.
scratch="$(mktemp -d)"
cp -r "$policy/rules" "$policy/jurisdictions" "$policy/data_inventory.yaml" "$scratch"/
cat > "$scratch/rules/zz-tcf.yaml" <<'RULES'
rules:
  - id: zz-tcf-ads-profile
    effect: deny
    match:
      purpose: advertising.targeted
      action: any
    when: "not tcf.purpose_consent(4)"
    citations: ["§11.2.1"]
    quote: "You may opt out of targeted advertising on our services by clicking [Settings]-[Privacy Settings]-[Personalized Options] and toggling off [Enable Ads Personalization]."
RULES
virginian="{$base,\"subject\":{\"region\":\"US-VA\",\"age\":30}"
out="$(printf '%s}\n' "$virginian" | "$flowgate" decide --policy "$scratch")"
echo "$out" | grep -q '"decision":"deny"' && echo "$out" | grep -q 'zz-tcf-ads-profile'
check "decide: no TC string, so 'not tcf.purpose_consent(4)' denies" $?
query="$virginian,\"signals\":{\"tcf\":\"$tc_all\"}}"
out="$(printf '%s\n' "$query" | "$flowgate" decide --policy "$scratch")"
echo "$out" | grep -q '"decision":"allow"'
check "decide: a TC string consenting to purpose 4 allows" $?
out="$(printf '%s\n' "$query" | "$flowgate" explain --policy "$scratch")"
echo "$out" | grep -q 'tcf.purpose_consent(4) = true'
check "explain: names the variable tcf.purpose_consent(4)" $?
rm -rf "$scratch"
exit $fail
