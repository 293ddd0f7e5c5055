// semantic_diff: the exact change impact of a policy edit, computed on the two compiled diagrams.
// This file's external interface is semantic_diff.
//
//   flowgate::DiffResult d = flowgate::semantic_diff(old_compiled, new_compiled, options);
//   for (const auto& change : d.changes) … change.summary …   // one compact cube of flows each
//   if (d.newly_allowed > 0) …                                  // CI asks for approval
//
// How: the two compiled policies partition the query's fields into different classes, so both are
// mapped onto a common refinement — ids by their union (an id one side does not know decides that
// side's unknown-id record), subject regions and destinations by the pair (old class, new class),
// dates by the union of the breakpoints, ages by the union of the thresholds, signal bits by their
// union. Both diagrams are then walked together over it (a product walk memoised on the pair of
// nodes) into a reduced difference diagram whose leaves are "same" or a pair of decision records
// that differ in verdict, obligations or legal basis (rules, citations and reasons alone do not
// count as a change). Its paths, with the values of each variable that lead to the same child
// grouped, are the cubes; cubes of the same record pair that differ in one variable are merged
// until none does.
//
// Exact: every combination of classes of the refinement is covered by exactly one cube or by none,
// and a combination is in a cube exactly when the two diagrams decide it differently. (Two
// restrictions of the compiled form carry over: a consent(id) bit and the consent-for-the-purpose
// bit are independent variables there, as in the compiler.) Thread-compatible; no shared state.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "compile/compiled_policy.h"
#include "model/calendar.h"

namespace flowgate {

struct Policy;

struct DiffOptions {
  // Region groups for naming sets of regions in cubes ("EU_EEA" rather than 30 ids): name and
  // members. Greedy, largest group first; regions no group covers are listed.
  std::vector<std::pair<std::string, std::set<std::string>>> region_groups;
  size_t max_cubes = 10'000;  // a budget: more cubes than this is reported as truncated
};

enum class ChangeKind : uint8_t {
  kNewlyAllowed,        // deny → allow
  kNewlyDenied,         // allow → deny
  kObligationsChanged,  // allowed both times, obligations differ (legal basis may too)
  kLegalBasisChanged,   // allowed both times, same obligations, legal basis differs
};
const char* change_kind_name(ChangeKind kind);  // "newly-allowed", …

struct DecisionSide {
  bool allow = false;
  std::vector<std::string> obligations, legal_basis, citations, rules;
  std::string reason;
};

// One cube of flows: per dimension, the values it covers, named as ids and groups ("advertiser.*",
// "EU_EEA"); "any" when it covers the whole dimension.
struct DiffChange {
  ChangeKind kind = ChangeKind::kNewlyAllowed;
  std::string data, purpose, action, recipient, destination, region, date, age;
  std::vector<std::string> signals;  // "gpc", "no gpc", "ads personalization off", …
  DecisionSide before, after;
  // Concrete class combinations of the common refinement in the cube, and flows: the
  // (data, purpose, action, recipient, destination region or device) tuples it covers.
  uint64_t classes = 0;
  uint64_t flows = 0;
  // "technical.ads.identifier → advertiser.* for advertising.targeted, subjects in US-CA: deny →
  // allow"
  std::string summary;
};

struct DiffResult {
  std::string old_name, old_version, new_name, new_version;
  std::vector<DiffChange> changes;  // newly allowed first, then by summary
  size_t newly_allowed = 0, newly_denied = 0, obligations_changed = 0, legal_basis_changed = 0;
  bool truncated = false;      // max_cubes was hit
  size_t product_pairs = 0;    // (old node, new node) pairs visited
  size_t refined_classes = 0;  // values of the common refinement, summed over its variables
};

// The region groups of `policy` with their members on `on`: what DiffOptions::region_groups names
// regions by (the CLI passes NEW's, else OLD's, as of today).
std::vector<std::pair<std::string, std::set<std::string>>> region_groups_on(const Policy& policy,
                                                                            Date on);

// Sets named for people, as the cubes name them. Ids: a dotted prefix whose every id is selected
// becomes "prefix.*"; all of them "any". Regions: "any", "any except EU_EEA", else the largest
// groups of options.region_groups that fit, then the rest (at most 12 listed). `chosen` ⊆ `all`.
std::string name_id_set(const std::vector<bool>& selected,
                        const std::vector<std::string>& universe);
std::string name_region_set(const std::set<std::string>& chosen, const std::set<std::string>& all,
                            const DiffOptions& options);

// Throws std::invalid_argument when the two policies' variable orders cannot be walked together
// (a bundle from an incompatible compiler).
DiffResult semantic_diff(const CompiledPolicy& before, const CompiledPolicy& after,
                         const DiffOptions& options = {});

}  // namespace flowgate
