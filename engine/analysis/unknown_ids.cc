// known_ids, describe_unknown_id, find_unknown_id: an unknown id in words, with the nearest ids
// (load/fields.h's nearest, the one edit-distance helper).
#include "analysis/unknown_ids.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string_view>

#include "load/fields.h"

namespace flowgate {
namespace {

using runtime::QueryField;

std::optional<VocabularyKind> vocabulary_of(QueryField field) {
  switch (field) {
    case QueryField::kData:
      return VocabularyKind::kData;
    case QueryField::kPurpose:
    case QueryField::kConsent:
      return VocabularyKind::kPurpose;
    case QueryField::kRecipient:
      return VocabularyKind::kRecipient;
    case QueryField::kFeature:
      return VocabularyKind::kFeature;
    default:
      return std::nullopt;
  }
}

// What a field holds, in words: "'x' is not a <what> the policy knows".
std::string_view what_of(QueryField field) {
  switch (field) {
    case QueryField::kData:
      return "data category";
    case QueryField::kPurpose:
    case QueryField::kConsent:
      return "purpose";
    case QueryField::kAction:
      return "action (collect or transmit)";
    case QueryField::kRecipient:
      return "recipient";
    case QueryField::kDestination:
    case QueryField::kRegion:
      return "region id";
    case QueryField::kFeature:
      return "feature";
    default:
      return "id";
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_region_field(QueryField field) {
  return field == QueryField::kRegion || field == QueryField::kDestination;
}

}  // namespace

KnownIds known_ids(const Policy& policy, QueryField field, Date on, std::string_view value) {
  KnownIds out;
  if (auto kind = vocabulary_of(field)) {
    const Vocabulary& v = policy.vocabulary(*kind);
    for (auto i : v.leaves()) out.leaves.push_back(v.term(i).id);
    if (auto group = v.find(value); group && !v.is_leaf(*group)) {
      auto& leaves = out.groups[std::string(value)];
      for (auto leaf : v.leaves_under(*group)) leaves.push_back(v.term(leaf).id);
    }
  } else if (is_region_field(field)) {
    for (const auto& [id, name] : policy.regions.regions()) {
      out.leaves.push_back(id);
      if (!name.empty()) out.names[lower(name)] = id;
    }
    if (field == QueryField::kDestination) out.leaves.push_back("device");
    if (policy.regions.group(value)) {
      auto& members = out.groups[std::string(value)];
      for (const auto& [id, name] : policy.regions.regions()) {
        if (policy.regions.contains(value, id, on)) members.push_back(id);
      }
    }
  } else if (field == QueryField::kAction) {
    out.leaves = {"collect", "transmit"};
  }
  return out;
}

KnownIds known_ids(std::vector<std::string> leaves) {
  KnownIds out;
  for (const auto& id : leaves) {
    for (size_t dot = id.find('.'); dot != std::string::npos; dot = id.find('.', dot + 1)) {
      out.groups[id.substr(0, dot)].push_back(id);
    }
  }
  out.leaves = std::move(leaves);
  return out;
}

UnknownIdReport describe_unknown_id(runtime::UnknownId where, std::string value,
                                    const KnownIds& known) {
  UnknownIdReport r;
  r.field = where.field;
  r.position = where.position;
  r.value = std::move(value);
  if (auto group = known.groups.find(r.value); group != known.groups.end()) {
    r.group_leaves = group->second;
    if (!r.group_leaves.empty()) return r;
  }
  // A code in the wrong case (`de`, `us-ca`), a region's name (`Germany`), then a typo.
  const std::string folded = lower(r.value);
  for (const auto& id : known.leaves) {
    if (lower(id) == folded) {
      r.suggestion = id;
      return r;
    }
  }
  if (auto named = known.names.find(folded); named != known.names.end()) {
    r.suggestion = named->second;
    return r;
  }
  std::vector<std::string_view> candidates(known.leaves.begin(), known.leaves.end());
  if (auto guess = nearest(r.value, candidates)) {
    r.suggestion = std::string(*guess);
    return r;
  }
  std::vector<std::string_view> names;
  for (const auto& [name, id] : known.names) names.push_back(name);
  if (auto guess = nearest(folded, names)) r.suggestion = known.names.at(std::string(*guess));
  return r;
}

std::string UnknownIdReport::message() const {
  const auto index = static_cast<size_t>(field);
  std::string where = index < std::size(runtime::kQueryFieldNames)
                          ? std::string(runtime::kQueryFieldNames[index])
                          : std::string("query");
  if (field == QueryField::kConsent || field == QueryField::kFeature) {
    where += fmt::format("[{}]", position);
  }
  if (!group_leaves.empty()) {
    constexpr size_t kShown = 8;
    std::vector<std::string> shown(group_leaves.begin(),
                                   group_leaves.begin() + std::min(kShown, group_leaves.size()));
    std::string more = group_leaves.size() > kShown
                           ? fmt::format(", … ({} in all)", group_leaves.size())
                           : std::string();
    return fmt::format("{}: '{}' is a group, not a {} a query can name: name one of its {}, {}{}",
                       where, value, what_of(field), is_region_field(field) ? "members" : "leaves",
                       fmt::join(shown, ", "), more);
  }
  std::string out =
      fmt::format("{}: '{}' is not a {} the policy knows", where, value, what_of(field));
  if (suggestion) out += fmt::format("; did you mean {}?", *suggestion);
  return out;
}

std::optional<UnknownIdReport> find_unknown_id(const Policy& policy, const Query& query) {
  const bool collect = query.action == Action::kCollect;
  auto leaf = [&](VocabularyKind kind, const std::string& id) {
    auto index = policy.vocabulary(kind).find(id);
    return index && policy.vocabulary(kind).is_leaf(*index);
  };
  auto report = [&](QueryField field, const std::string& value, uint32_t position = 0) {
    return describe_unknown_id({field, position}, value,
                               known_ids(policy, field, query.as_of, value));
  };
  if (!leaf(VocabularyKind::kData, query.data)) return report(QueryField::kData, query.data);
  if (!leaf(VocabularyKind::kPurpose, query.purpose)) {
    return report(QueryField::kPurpose, query.purpose);
  }
  if (!collect && !leaf(VocabularyKind::kRecipient, query.recipient)) {
    return report(QueryField::kRecipient, query.recipient);
  }
  if (!collect && query.destination != "device" && !policy.regions.is_region(query.destination)) {
    return report(QueryField::kDestination, query.destination);
  }
  if (!policy.regions.is_region(query.region)) return report(QueryField::kRegion, query.region);
  uint32_t i = 0;
  for (const auto& id : query.consents) {
    if (!leaf(VocabularyKind::kPurpose, id)) return report(QueryField::kConsent, id, i);
    ++i;
  }
  i = 0;
  for (const auto& id : query.features) {
    if (!leaf(VocabularyKind::kFeature, id)) return report(QueryField::kFeature, id, i);
    ++i;
  }
  return std::nullopt;
}

}  // namespace flowgate
