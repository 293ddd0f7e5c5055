// Naming an id a query holds that the policy does not know: which field, which value, the nearest
// known ids ("did you mean technical.ads.identifier?"), for a group its leaves (a query names
// leaves), and for a region written as its name the ISO code (`Germany` → DE). The runtime
// reports only the field and position beside its unknown-id decision (runtime::UnknownId); this
// turns that into words for decide, explain, test and gate. This file's external interface is
// known_ids, describe_unknown_id and find_unknown_id; UnknownIdReport::message renders.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/runtime.h"
#include "model/policy.h"
#include "model/query.h"

namespace flowgate {

// What a field of a query may hold, for naming a value it may not.
struct KnownIds {
  std::vector<std::string> leaves;                         // the ids a query may name
  std::map<std::string, std::vector<std::string>> groups;  // a group id → the leaves under it
  std::map<std::string, std::string> names;                // a region's name → its id
};

// From the policy: the vocabulary's leaves, or the regions with their names; and when `value` is a
// group (of the vocabulary, or a region group), its leaves or its members on `on`.
KnownIds known_ids(const Policy& policy, runtime::QueryField field, Date on,
                   std::string_view value);
// From a bundle's ids alone (a bundle carries leaves only): the groups are the dotted prefixes of
// the leaves (`media` → media.photo, media.video, …).
KnownIds known_ids(std::vector<std::string> leaves);

struct UnknownIdReport {
  runtime::QueryField field = runtime::QueryField::kNone;
  uint32_t position = 0;
  std::string value;
  std::vector<std::string> group_leaves;  // not empty: the value is a group of these leaves
  std::optional<std::string> suggestion;  // the nearest id, or the ISO code of a region's name
  // "data: 'media' is a group, not a data category a query can name: name one of its leaves,
  // media.photo, media.video", "subject.region: 'Germany' is not a region id the policy knows;
  // did you mean DE?"
  std::string message() const;
};

UnknownIdReport describe_unknown_id(runtime::UnknownId where, std::string value,
                                    const KnownIds& known);

// The first field of `query` holding an id `policy` does not know, in the runtime's order (data,
// purpose, action, recipient, destination, subject region, consents, features; a collect's
// recipient and destination are `device`); nullopt when every id is known.
std::optional<UnknownIdReport> find_unknown_id(const Policy& policy, const Query& query);

}  // namespace flowgate
