#!/bin/sh
# Retention periods end to end, on copies of the shipped policy: the officer adds a period to an
# inventory item (support-messages, P1Y from account_deleted) and to a retention entry
# (erase-all-on-account-deletion, P30D); then
#   diff      shipped → periods: both reported as period-added, exit 0 (nothing weakened);
#             periods → longer (P2Y, P90D): period-lengthened, exit 1 (data kept longer), in text
#             and JSON; longer → periods: period-shortened, exit 0
#   gate      --emit gdpr-art30 (markdown and JSON) shows the item's period with its source
#   report    the retention schedule shows both periods
#   lint      the shipped items leaving the device are reported; with the periods none is
# Usage: retention_periods.sh FLOWGATE POLICY_ROOT
set -eu
flowgate=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

copy() {
  mkdir -p "$work/$1"
  cp -R "$root/rules" "$root/jurisdictions" "$root/mappings" "$root/data_inventory.yaml" \
    "$root/lint-baseline.yaml" "$work/$1/"
}
# with_periods NAME ITEM_PERIOD ENTRY_PERIOD: a copy whose support-messages item and
# erase-all-on-account-deletion entry state these periods.
with_periods() {
  copy "$1"
  f=$work/$1/data_inventory.yaml
  sed -i "/^  - id: support-messages\$/a\\    period: {duration: $2, from: account_deleted, source: \"set by the officer\"}" "$f"
  grep -q "duration: $2," "$f" || fail "the inventory edit did not apply"
  f=$work/$1/rules/retention.yaml
  sed -i "/^  - id: erase-all-on-account-deletion\$/a\\    period: {duration: $3}" "$f"
  grep -q "duration: $3}" "$f" || fail "the retention edit did not apply"
}
copy shipped
with_periods periods P1Y P30D
with_periods longer P2Y P90D

run() {  # run NAME OLD NEW ARGS…: stdout to $work/NAME.out, the exit status to $work/NAME.rc
  name=$1
  shift
  set +e
  (cd "$work" && "$flowgate" diff "$@" --as-of 2026-12-01) >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
  set -e
}
expect() {  # expect NAME TEXT: the output holds the line fragment
  grep -qF -- "$2" "$work/$1.out" || {
    cat "$work/$1.out" "$work/$1.err" >&2
    fail "$1: no '$2'"
  }
}

# ---- diff: added, lengthened, shortened
run added shipped periods
[ "$(cat "$work/added.rc")" = 0 ] || fail "periods added must not need approval, got $(cat "$work/added.rc")"
expect added "Retention periods (2):"
expect added "inventory item support-messages (§1.1): no period → P1Y (1 year) from account_deleted (period-added"
expect added "retention entry erase-all-on-account-deletion (§7.3): no period → P30D (30 days) from account_deleted (period-added"

run lengthened periods longer
[ "$(cat "$work/lengthened.rc")" = 1 ] || fail "a period lengthened weakens: exit 1, got $(cat "$work/lengthened.rc")"
expect lengthened "✘ inventory item support-messages (§1.1): P1Y (1 year) from account_deleted → P2Y (2 years) from account_deleted (period-lengthened, data_inventory.yaml:"
expect lengthened "✘ retention entry erase-all-on-account-deletion (§7.3): P30D (30 days) from account_deleted → P90D (90 days) from account_deleted (period-lengthened, rules/retention.yaml:"
expect lengthened "Needs approval"

run shortened longer periods
[ "$(cat "$work/shortened.rc")" = 0 ] || fail "a period shortened does not weaken, got $(cat "$work/shortened.rc")"
expect shortened "(period-shortened"

run lengthened-json periods longer --format json
python3 - "$work/lengthened-json.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["weakens"] and d["summary"]["period_changes"] == 2, d["summary"]
p = {c["id"]: c for c in d["periods"]}
item = p["support-messages"]
assert item["kind"] == "period-lengthened" and item["weakens"], item
assert item["before"] == "P1Y from account_deleted" and item["after"] == "P2Y from account_deleted", item
assert item["location"]["file"] == "data_inventory.yaml" and item["location"]["line"] > 0, item
assert p["erase-all-on-account-deletion"]["statement"] == "retention entry", p
PY

# ---- the record of processing and the report show the periods
(cd "$work/periods" && "$flowgate" gate --emit gdpr-art30 --as-of 2026-12-01) >"$work/art30.out"
expect art30 "| support-messages (\`correspondence.support\`) | P1Y (1 year) from account_deleted | set by the officer |"
expect art30 "| store-user-id (\`payment.store_user_id\`) | P30D (30 days) from account_deleted | retention entry erase-all-on-account-deletion |"
expect art30 "erase-all-on-account-deletion: delete on account_deleted, within P30D (30 days) from account_deleted (§7.3)"
(cd "$work/periods" && "$flowgate" gate --emit gdpr-art30 --format json --as-of 2026-12-01) >"$work/art30.json"
python3 - "$work/art30.json" <<'PY'
import json, sys
limits = {x["item"]: x for x in json.load(open(sys.argv[1]))["erasure_time_limits"]}
assert limits["support-messages"]["period"] == "P1Y", limits["support-messages"]
assert limits["support-messages"]["from"] == "account_deleted"
# erase-all-on-account-deletion covers any data: its period holds for items without their own
assert limits["photos"]["period"] == "P30D" and limits["photos"]["stays_on_device"], limits["photos"]
PY
(cd "$work/periods" && "$flowgate" report --no-map -o "$work/report.out" --as-of 2026-12-01) >/dev/null
expect report "P1Y (1 year) from account_deleted"
expect report "P30D (30 days) from account_deleted"

# ---- lint: every item now has a period (its own, or the entry's for any data); the shipped
# policy's items that leave the device have none
for side in shipped periods; do
  (cd "$work/$side" && "$flowgate" lint --format json --as-of 2026-12-01) >"$work/lint-$side.out" || true
done
python3 - "$work/lint-shipped.out" "$work/lint-periods.out" <<'PY'
import json, sys
def missing(path):
    return {f["subject"] for f in json.load(open(path))["findings"]
            if f["code"] == "missing-retention-period"}
shipped, periods = missing(sys.argv[1]), missing(sys.argv[2])
assert "support-messages" in shipped and "photos" not in shipped, shipped
assert not periods, periods
PY
echo "retention periods: diff, gdpr-art30, report and lint agree"
