// statement_diff: what a policy edit changes beyond the flows — the rules behind the flow changes,
// retention outcomes and exceptions, rights and their deadlines, and the data inventory (the flows
// the app declares) — each change naming the statements (ids and cited sections) on both sides.
// This file's external interface is diff_statements.
//
//   flowgate::DiffResult flows = flowgate::semantic_diff(old_compiled, new_compiled, options);
//   flowgate::StatementDiff s = flowgate::diff_statements(&old_policy, &new_policy, flows, o);
//   for (const auto& r : s.rules) … r.id, r.status, r.newly_allowed …  // the summary by rule
//   for (const auto& c : s.retention) … c.summary …  // "on account_deleted, media.*: delete →
//   retain" if (s.loosened > 0) …                             // data newly kept, a right removed
//   or slowed
//
// How: like the flow diff, by answers, not by text. Retention is asked for every (data category
// leaf, event) of either side (analysis/retention.h) and rights for every (region, right) of
// either side on one date (analysis/rights.h); answers that differ in outcome, exceptions,
// availability, promise, deadline or extension are changes, grouped by the pair of answers (and
// the statements giving them) and named as sets ("media.*", "EU_EEA"). Cited entries alone do not
// make a change. Rules: those the flow changes are attributed to (the edited rules deciding a
// change, else the rules that differ between its two sides, else all), and those added, removed
// or edited by id. Inventory:
// declared flows (item, data, action, purpose, recipient, destination) added or removed.
// Periods: the retention period of each inventory item and retention entry, by id (a period
// lengthened or removed weakens, like a deadline lengthened).
// Sides without a model (bundles) give the rules of the flow changes only; `compared` says so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/semantic_diff.h"
#include "model/calendar.h"
#include "model/policy.h"

namespace flowgate {

// A statement of one side: a rule, retention entry, rights entry or inventory item.
struct StatementRef {
  std::string id;
  std::vector<std::string> citations;  // "§6", "§7.3"
  SourceLocation location;
  std::string edit;  // added | removed | edited: how the statement itself differs; "" the same
};

// The summary by rule: one rule the flow changes are decided by, or that the edit touched.
struct RuleChange {
  std::string id;
  std::string status;  // added | removed | edited | unchanged (its text is the same; others moved)
  std::string effect;  // allow | deny | oblige | basis | require-basis (NEW's, else OLD's)
  std::vector<std::string> citations;
  SourceLocation location;  // NEW's, else OLD's; empty file when neither side has a model
  // The flow changes attributed to the rule (the edited rules deciding a change, else the rules
  // that differ between its sides, else all of them): their count, and their flows summed by kind
  // (a flow can be counted in several changes, for different subjects or dates).
  uint64_t newly_allowed = 0, newly_denied = 0, obligations_changed = 0, legal_basis_changed = 0;
  size_t changes = 0;
};

struct RetentionSide {
  std::string outcome;  // delete | anonymize | delete_or_anonymize | retain | conflict | none
  std::vector<std::string> exceptions;
  std::vector<StatementRef> entries;  // the entries answering, then those the event suspends
};

// What happens on one event to a set of data categories, before and after.
struct RetentionChange {
  std::string event;
  std::vector<std::string> data_ids;  // data category leaves
  std::string data;                   // named: "any", "media.*, technical.ads.identifier"
  RetentionSide before, after;
  bool loosened = false;  // data newly kept: an outcome became retain/none, or exceptions grew
  std::string summary;    // "on account_deleted, media.*: delete (except legal_hold) → retain"
};

struct RightSide {
  bool available = false, promised = false, statutory = false;
  std::string deadline, extension;  // ISO 8601 durations ("P45D"); empty when none
  std::vector<StatementRef> entries;
  std::vector<std::string> sources;  // statutes
};

// Rights for a set of subject regions, before and after (rights that changed alike, merged).
struct RightChange {
  std::string kind;   // right-removed | right-added | promise-withdrawn | promise-added |
                      // deadline-lengthened | deadline-shortened | deadline-changed
  std::string right;  // "access, correct": the rights that changed alike
  std::vector<std::string> right_ids;
  std::vector<std::string> region_ids;
  std::string regions;  // named: "EU_EEA, CH", "any except US-CA"
  RightSide before, after;
  bool loosened = false;  // removed, promise withdrawn, deadline lengthened
  std::string summary;    // "delete for subjects in JP: available (promised) → not available"
};

// A flow the data inventory declares, added or removed.
struct InventoryChange {
  bool added = false;
  std::string item, data, action, purpose, recipient, destination;
  std::vector<std::string> citations;  // the item's
  SourceLocation location;             // the flow's, on the side that has it
  std::string summary;  // "declared: transmit technical.ads.identifier → advertiser.google (US) …"
};

// A retention period (an inventory item's or a retention entry's) that differs between the sides;
// statements only one side has are not compared, except a new statement that states a period.
struct PeriodChange {
  std::string kind;           // period-added | period-removed | period-lengthened |
                              // period-shortened | period-changed (the event it runs from changed)
  std::string statement;      // "inventory item" | "retention entry"
  StatementRef ref;           // NEW's statement, else OLD's
  std::string before, after;  // "P2Y from account_deleted"; empty when none is stated
  bool loosened = false;      // lengthened, or removed (no limit stated any more)
  std::string summary;  // "inventory item support-messages (§1.1): 1 year from … → 2 years from …"
};

struct StatementDiffOptions {
  DiffOptions naming;  // region groups for naming sets of regions
  Date as_of;          // the date rights are answered on
};

struct StatementDiff {
  bool compared = false;  // both sides had a model: retention, rights and inventory were compared
  Date as_of;
  std::vector<RuleChange> rules;  // most flows first
  std::vector<RetentionChange> retention;
  std::vector<RightChange> rights;
  std::vector<InventoryChange> inventory;
  std::vector<PeriodChange> periods;  // weakening first
  size_t loosened = 0;  // retention, rights and period changes that weaken what a subject gets
};

// `before` or `after` may be null (a side read from a bundle). Both policies must have passed
// check_policy. Never throws for ids one side lacks: that side answers "none" / "not available".
StatementDiff diff_statements(const Policy* before, const Policy* after, const DiffResult& flows,
                              const StatementDiffOptions& options);

}  // namespace flowgate
