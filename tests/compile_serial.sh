#!/bin/sh
# flowgate compile stamps a serial and prints it: --serial N; SOURCE_DATE_EPOCH, reproducibly;
# else the UTC time; --serial 0 writes a version-3 bundle without one. `flowgate decide --bundle`
# on a bundle with a serial answers the golden queries exactly as before.
#   compile_serial.sh FLOWGATE POLICY_DIR QUERIES DECISIONS OUT_DIR
set -eu
fg=$1 policy=$2 queries=$3 decisions=$4 out=$5
fail() { echo "compile_serial: $*"; exit 1; }
rm -rf "$out" && mkdir -p "$out"
"$fg" keygen --secret "$out/k.key" --public "$out/k.pub" > /dev/null

text=$("$fg" compile --policy "$policy" -o "$out/a.fgb" --sign "$out/k.key" --serial 42)
echo "$text" | grep -q '^  serial 42 (format version 4)$' || fail "no serial 42 in: $text"
json=$("$fg" compile --policy "$policy" -o "$out/b.fgb" --serial 18446744073709551615 --format json)
echo "$json" | grep -q '"serial": 18446744073709551615' || fail "no u64 serial in: $json"
echo "$json" | grep -q '"format_version": 4' || fail "not version 4: $json"

SOURCE_DATE_EPOCH=1764374400 "$fg" compile --policy "$policy" -o "$out/c1.fgb" > "$out/c1.out"
SOURCE_DATE_EPOCH=1764374400 "$fg" compile --policy "$policy" -o "$out/c2.fgb" > /dev/null
grep -q '^  serial 1764374400 ' "$out/c1.out" || fail "SOURCE_DATE_EPOCH not used: $(cat "$out/c1.out")"
cmp -s "$out/c1.fgb" "$out/c2.fgb" || fail "the same SOURCE_DATE_EPOCH compiled to different bytes"
if SOURCE_DATE_EPOCH=yesterday "$fg" compile --policy "$policy" -o "$out/d.fgb" 2> "$out/d.err"; then
  fail "a malformed SOURCE_DATE_EPOCH was accepted"
fi
grep -q "SOURCE_DATE_EPOCH='yesterday' is not a positive number" "$out/d.err" || fail "$(cat "$out/d.err")"

before=$(date -u +%s)
serial=$(env -u SOURCE_DATE_EPOCH "$fg" compile --policy "$policy" -o "$out/e.fgb" --format json |
  sed -n 's/^  "serial": \([0-9]*\),$/\1/p')
after=$(date -u +%s)
[ -n "$serial" ] && [ "$serial" -ge "$before" ] && [ "$serial" -le "$after" ] ||
  fail "default serial '$serial' is not the UTC time in [$before, $after]"

# For version-4 runtimes: the shipped diagram is small (u16 children), so version 4 either way and
# the same bytes; 3 is not a version that carries a serial.
"$fg" compile --policy "$policy" -o "$out/a4.fgb" --sign "$out/k.key" --serial 42 \
  --max-format-version 4 > /dev/null
cmp -s "$out/a.fgb" "$out/a4.fgb" || fail "--max-format-version 4 changed a small bundle"
if "$fg" compile --policy "$policy" -o "$out/h.fgb" --max-format-version 3 2> "$out/h.err"; then
  fail "--max-format-version 3 was accepted"
fi
grep -q "max-format-version" "$out/h.err" || fail "--max-format-version 3: $(cat "$out/h.err")"

text=$("$fg" compile --policy "$policy" -o "$out/f.fgb" --serial 0)
echo "$text" | grep -q '^  no serial (format version 3' || fail "--serial 0: $text"

set +e
"$fg" decide --bundle "$out/a.fgb" --trusted-key "$out/k.pub" < "$queries" > "$out/decide.out"
code=$?
set -e
[ "$code" -eq 2 ] || fail "decide --bundle exited $code, expected 2 (some golden queries are malformed)"
diff -u "$decisions" "$out/decide.out" || fail "decide --bundle differs from the golden decisions"
echo ok
