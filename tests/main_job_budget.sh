#!/bin/sh
# The main job (scripts/main) is short: at most 150 lines in all, each step a heading and a few
# lines of result, what is longer written to the files the step names. Runs the job without its
# setup and build, on the binaries of BUILD_DIR, writing to OUT.
# Usage: main_job_budget.sh SOURCE_DIR BUILD_DIR OUT
set -eu
src=$1 bin=$2 out=$3
rm -rf "$out"
log="$out.log"
FLOWGATE_MAIN_SKIP_BUILD=1 FLOWGATE_MAIN_BUILD_DIR="$bin" FLOWGATE_MAIN_OUT="$out" \
  "$src/scripts/main" > "$log" 2>&1 || { cat "$log"; echo "FAIL: scripts/main exited non-zero"; exit 1; }
fail=0
lines=$(wc -l < "$log")
steps=$(grep -c '^== ' "$log" || true)
echo "scripts/main: $lines lines, $steps headings"
if [ "$lines" -gt 150 ]; then echo "FAIL: $lines lines, over the budget of 150"; fail=1; fi
# Each step: a heading, then at most 25 lines before the next heading.
awk '/^== / { if (n > 25) { print "FAIL: " n " lines under " h; bad = 1 } h = $0; n = 0; next }
     { n++ } END { if (n > 25) { print "FAIL: " n " lines under " h; bad = 1 } exit bad }' "$log" ||
  fail=1
# The long answers are in the files the job names, complete.
queries=$(grep -c . "$src/tests/golden/decide-queries.jsonl")
decided=$(wc -l < "$out/decide.jsonl")
if [ "$queries" != "$decided" ]; then echo "FAIL: $decided decisions for $queries queries"; fail=1; fi
grep -q "^$decided queries: " "$log" || { echo "FAIL: no count of the decisions"; fail=1; }
for f in decide.jsonl explain.txt camera-pipeline.txt audit-denied.txt; do
  grep -q "$out/$f" "$log" || { echo "FAIL: the job does not name $out/$f"; fail=1; }
  [ -s "$out/$f" ] || { echo "FAIL: $out/$f is empty"; fail=1; }
done
[ "$fail" = 0 ] && echo "ok: within budget" || cat "$log"
exit "$fail"
