#!/bin/sh
# `flowgate report` on bad input: exit 2, one clear message naming the problem, and the page
# already at the output path left as it was.
#   bad_input.sh FLOWGATE POLICY_DIR
set -u
fg=$1 policy=$2
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
echo "the previous page" > out.html
printf 'entries:\n  - fingerprint: [\n' > bad-baseline.yaml
fail=0
# expect NAME PATTERN ARGS…: exit 2, PATTERN on stderr, out.html unchanged.
expect() {
  name=$1 pattern=$2
  shift 2
  "$fg" report "$@" > /dev/null 2> err.txt
  rc=$?
  if [ "$rc" -ne 2 ]; then
    echo "FAIL $name: exit $rc, expected 2"; fail=1
  elif ! grep -q -- "$pattern" err.txt; then
    echo "FAIL $name: stderr lacks '$pattern':"; cat err.txt; fail=1
  elif [ "$(cat out.html)" != "the previous page" ]; then
    echo "FAIL $name: out.html was changed"; fail=1
  else
    echo "ok $name: $(head -n 1 err.txt)"
  fi
}
expect bad-date "must be a date, YYYY-MM-DD (got '2026-13-40')" \
  --policy "$policy" --as-of 2026-13-40 -o out.html
expect no-policy "is not a policy folder" --policy "$work/none" -o out.html
expect bad-baseline "bad-baseline.yaml:3:1: error" \
  --policy "$policy" --baseline bad-baseline.yaml -o out.html
expect unwritable "$work/none/out.html" --policy "$policy" --as-of 2026-11-29 -o "$work/none/out.html"
exit $fail
