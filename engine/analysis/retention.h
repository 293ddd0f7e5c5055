// Retention as a query (docs/design.md, "Rights and retention"): what happens to a data
// category on an event — the account deleted, the retention period expired, a legal hold.
//
//   auto answer = flowgate::answer_retention(policy, "media.photo", "account_deleted");
//   // answer.entries: §6 delete or anonymize (except legal_hold, retention_extended) and §7.3
//   // delete (except legal_hold); answer.outcome == "delete", answer.exceptions == {legal_hold}
//
// The entries are the retention entries whose data set covers the category (a group covers
// everything under it) and whose event is the event (or a group above it). When several entries
// answer, the combined outcome is what satisfies every one of them: "delete" satisfies both
// "delete" and "delete_or_anonymize"; "retain" and "delete" cannot both be satisfied (a
// conflict, outcome empty). The combined exceptions are those every entry allows. An event that
// only appears as an exception (legal_hold) suspends the entries that name it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/policy.h"

namespace flowgate {

struct RetentionMatch {
  std::string id;
  std::string outcome;                  // delete | anonymize | delete_or_anonymize | retain
  std::vector<std::string> exceptions;  // except_when events
  std::vector<std::string> citations;
  std::string quote;
  std::string note;
};

struct RetentionAnswer {
  std::string data;
  std::string event;
  // What satisfies every matching entry; nullopt when no entry matches or they conflict.
  std::optional<std::string> outcome;
  std::vector<std::string> exceptions;   // events that suspend the combined outcome
  std::vector<RetentionMatch> entries;   // entries whose event is this event
  std::vector<RetentionMatch> suspends;  // entries this event suspends (it is in their except_when)
  std::vector<std::string> citations;    // sections of all of the above, in section order
  std::string reason;                    // one sentence a compliance officer can read
  bool conflict = false;                 // the matching entries ask for incompatible outcomes
};

// Throws std::invalid_argument, with a message for people, when `data` is not a data category or
// `event` not an event of the policy's vocabularies. The policy must have passed check_policy.
RetentionAnswer answer_retention(const Policy& policy, std::string_view data,
                                 std::string_view event);

// The retention period that holds for an inventory item: its own `period`, else that of the first
// retention entry with a period whose data covers the item's (`entry` says which); both null when
// none is stated. The policy must have passed check_policy.
struct ItemPeriod {
  const RetentionPeriod* period = nullptr;
  const RetentionEntry* entry = nullptr;  // set when the period is a retention entry's
};
ItemPeriod item_period(const Policy& policy, const InventoryItem& item);

// "P2Y (2 years) from account_deleted"
std::string describe_period(const RetentionPeriod& period);

}  // namespace flowgate
