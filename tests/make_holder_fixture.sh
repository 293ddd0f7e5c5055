#!/bin/sh
# Writes the bundle-lifecycle fixture: two real bundles of the shipped policy with different
# versions, signed by the trusted key; one unsigned; one signed by another key.
#   make_holder_fixture.sh FLOWGATE POLICY_DIR OUT_DIR
set -eu
fg=$1 policy=$2 out=$3
rm -rf "$out" && mkdir -p "$out/policy-v2"
"$fg" keygen --secret "$out/trusted.key" --public "$out/trusted.pub" > /dev/null
"$fg" keygen --secret "$out/other.key" --public "$out/other.pub" > /dev/null
"$fg" compile --policy "$policy" -o "$out/v1.fgb" --sign "$out/trusted.key" > /dev/null
cp -R "$policy/rules" "$policy/jurisdictions" "$policy/data_inventory.yaml" "$out/policy-v2/"
sed -i 's/^  version: .*/  version: "2026-01-30-hotfix.2"/' "$out/policy-v2/rules/policy.yaml"
"$fg" compile --policy "$out/policy-v2" -o "$out/v2.fgb" --sign "$out/trusted.key" > /dev/null
"$fg" compile --policy "$policy" -o "$out/unsigned.fgb" > /dev/null
"$fg" compile --policy "$policy" -o "$out/foreign.fgb" --sign "$out/other.key" > /dev/null
