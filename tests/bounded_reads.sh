#!/bin/sh
# Every file the CLI is handed is read with a bound: a key or a bundle named /dev/zero is refused
# at once with exit 2, never read without end (it used to read 2.7 GB in 5 s).
set -u
flowgate=$1 policy=$2
fail=0
run() {  # expected-exit description command…
  expected=$1 what=$2
  shift 2
  start=$(date +%s)
  timeout 20 "$@" >/dev/null 2>&1
  code=$?
  took=$(( $(date +%s) - start ))
  if [ "$code" -ne "$expected" ] || [ "$took" -gt 5 ]; then
    echo "FAIL $what: exit $code (expected $expected) after ${took}s"
    fail=1
  else
    echo "ok   $what"
  fi
}
run 2 "decide --trusted-key /dev/zero" "$flowgate" decide --policy "$policy" --trusted-key /dev/zero \
  --data media.photo --purpose core_functionality --action collect --region JP
run 2 "compile --sign /dev/zero" "$flowgate" compile --policy "$policy" -o "${TMPDIR:-/tmp}/fg-bounded.fgb" \
  --sign /dev/zero
run 2 "diff /dev/zero" "$flowgate" diff /dev/zero "$policy"
run 2 "decide --bundle /dev/zero" "$flowgate" decide --bundle /dev/zero \
  --data media.photo --purpose core_functionality --action collect --region JP
exit $fail
