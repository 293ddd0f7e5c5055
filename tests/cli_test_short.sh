#!/bin/sh
# `flowgate test` is short by default: failures first, each with its file:line and what differed,
# then one count line for the passes and one for coverage; --verbose lists every case, and JSON
# every result.
# Usage: cli_test_short.sh FLOWGATE POLICY_DIR SCRATCH_DIR
set -u
fg=$1 policy=$2 tmp=$3
fail=0
check() { if eval "$1"; then echo "ok   $2"; else echo "FAIL $2"; fail=1; fi; }
mkdir -p "$tmp"

# The shipped tests.
"$fg" test --policy "$policy" --as-of 2026-11-29 > "$tmp/short.txt"
code=$?
"$fg" test --policy "$policy" --as-of 2026-11-29 --verbose > "$tmp/verbose.txt"
"$fg" test --policy "$policy" --as-of 2026-11-29 --format json > "$tmp/all.json"
passed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed .*/\1/p' "$tmp/short.txt")
failed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed .*/\2/p' "$tmp/short.txt")
results=$(grep -cE "\"passed\": (true|false)" "$tmp/all.json")
check '[ -n "$passed" ] && [ "$passed" -gt 0 ]' "one count line for the passes ($passed passed, $failed failed)"
check '[ "$code" = "$([ "$failed" = 0 ] && echo 0 || echo 1)" ]' "exit $code matches the failures"
check '! grep -q "PASS" "$tmp/short.txt"' "no line per passing case by default"
check '[ "$(grep -c "^FAIL " "$tmp/short.txt")" = "$failed" ]' "one FAIL line per failing case"
check '[ $(wc -l < "$tmp/short.txt") -le $((4 * failed + 3)) ]' "short: $(wc -l < "$tmp/short.txt") lines"
check '[ "$(grep -c "^  PASS " "$tmp/verbose.txt")" = "$passed" ]' "--verbose lists every passing case"
check '[ "$results" = "$((passed + failed))" ]' "json lists every case ($results)"

# A failing case comes first, with its file:line:col and what differed.
cat > "$tmp/failing.yaml" <<'YAML'
tests:
  - name: a photo leaves the device (it must not)
    query: {data: media.photo, purpose: core_functionality, action: transmit, recipient: service_provider.cloud_storage, destination: JP, subject: {region: JP, age: 30}, as_of: 2026-11-29}
    expect: {decision: allow}
  - name: a photo is collected on the device
    query: {data: media.photo, purpose: core_functionality, action: collect, subject: {region: JP, age: 30}, as_of: 2026-11-29}
    expect: {decision: allow}
YAML
"$fg" test --policy "$policy" "$tmp/failing.yaml" > "$tmp/failing.txt"
code=$?
check '[ "$code" = 1 ]' "a failing case: exit 1 (got $code)"
check 'head -n 1 "$tmp/failing.txt" | grep -q "^FAIL $tmp/failing.yaml:2:5: a photo leaves the device"' \
  "the failure comes first, with file:line:col"
check 'grep -q "decision: expected allow, got deny" "$tmp/failing.txt"' "what differed"
check 'grep -q "^1 passed, 1 failed (2 cases in 1 file)" "$tmp/failing.txt"' "the count line"
[ "$fail" = 0 ] || { echo "--- short:"; cat "$tmp/short.txt" "$tmp/failing.txt"; }
exit "$fail"
