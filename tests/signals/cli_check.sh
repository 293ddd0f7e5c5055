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
exit $fail
