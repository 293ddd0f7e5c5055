#!/bin/sh
# flowgate decide refuses what is not exactly one query per line: a NUL byte and what follows it
# (nlohmann's lexer would stop at the NUL and decide on the object before it) is a malformed
# query, denied with its column, exit 2.
set -eu
flowgate=$1 policy=$2
valid='{"data":"technical.device.info","purpose":"user_functions","action":"transmit","recipient":"first_party","destination":"JP","subject":{"region":"JP","age":30},"as_of":"2026-11-29"}'
out=$(printf '%s\n' "$valid" | "$flowgate" decide --policy "$policy") || true
echo "$out" | grep -q '"decision":"allow"' || { echo "the valid query is not allowed: $out"; exit 1; }
set +e
out=$(printf '%s\000garbage\n' "$valid" | "$flowgate" decide --policy "$policy")
code=$?
set -e
[ "$code" -eq 2 ] || { echo "NUL tail: exit $code, expected 2"; exit 1; }
echo "$out" | grep -q '"decision":"deny"' || { echo "NUL tail not denied: $out"; exit 1; }
echo "$out" | grep -q 'NUL byte at column 181' || { echo "NUL tail: no column: $out"; exit 1; }
echo "ok"
