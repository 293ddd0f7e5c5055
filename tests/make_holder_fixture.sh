#!/bin/sh
# Writes the bundle-lifecycle fixture: real bundles of the shipped policy, each with its serial:
#   v1.fgb (serial 100) and v2.fgb (serial 200, another version), signed by the trusted key;
#   old.fgb (serial 50, an earlier version: a rollback), sibling.fgb (v2's policy under v1's serial
#   100), noserial.fgb (no serial: format version 3), all signed by the trusted key;
#   unsigned.fgb, and foreign.fgb signed by another key.
#   make_holder_fixture.sh FLOWGATE POLICY_DIR OUT_DIR
set -eu
fg=$1 policy=$2 out=$3
rm -rf "$out" && mkdir -p "$out/policy-v0" "$out/policy-v2"
"$fg" keygen --secret "$out/trusted.key" --public "$out/trusted.pub" > /dev/null
"$fg" keygen --secret "$out/other.key" --public "$out/other.pub" > /dev/null
"$fg" compile --policy "$policy" -o "$out/v1.fgb" --sign "$out/trusted.key" --serial 100 > /dev/null
for v in v0 v2; do
  cp -R "$policy/rules" "$policy/jurisdictions" "$policy/data_inventory.yaml" "$out/policy-$v/"
done
sed -i 's/^  version: .*/  version: "2026-01-30-rc.1"/' "$out/policy-v0/rules/policy.yaml"
sed -i 's/^  version: .*/  version: "2026-01-30-hotfix.2"/' "$out/policy-v2/rules/policy.yaml"
"$fg" compile --policy "$out/policy-v2" -o "$out/v2.fgb" --sign "$out/trusted.key" --serial 200 > /dev/null
"$fg" compile --policy "$out/policy-v0" -o "$out/old.fgb" --sign "$out/trusted.key" --serial 50 > /dev/null
"$fg" compile --policy "$out/policy-v2" -o "$out/sibling.fgb" --sign "$out/trusted.key" --serial 100 > /dev/null
"$fg" compile --policy "$policy" -o "$out/noserial.fgb" --sign "$out/trusted.key" --serial 0 > /dev/null
"$fg" compile --policy "$policy" -o "$out/unsigned.fgb" --serial 300 > /dev/null
"$fg" compile --policy "$policy" -o "$out/foreign.fgb" --sign "$out/other.key" --serial 300 > /dev/null
