// walk_diagram: interning by binary search, then one step per node.
#include "compile/diagram_walk.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace flowgate {
namespace {

std::optional<uint32_t> find(const std::vector<std::string>& sorted, const std::string& id) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), id);
  if (it == sorted.end() || *it != id) return std::nullopt;
  return static_cast<uint32_t>(it - sorted.begin());
}

// The regions of a class, for labels: the first few, then a count.
std::string members(const CompiledPolicy& c, const std::vector<uint16_t>& class_of, uint32_t cls) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < class_of.size(); ++i) {
    if (class_of[i] == cls) ids.push_back(c.region_ids[i]);
  }
  std::string out;
  for (size_t i = 0; i < ids.size() && i < 4; ++i) out += (i ? ", " : "") + ids[i];
  if (ids.size() > 4) out += fmt::format(" and {} more", ids.size() - 4);
  return out;
}

}  // namespace

std::string consent_string_test(const Bit& bit) {
  switch (bit.kind) {
    case Bit::Kind::kTcfPurposeConsent:
      return fmt::format("tcf.purpose_consent({})", bit.id);
    case Bit::Kind::kTcfPurposeLegitimateInterest:
      return fmt::format("tcf.purpose_legitimate_interest({})", bit.id);
    case Bit::Kind::kGppOptOut:
      return bit.id;
    case Bit::Kind::kTcfPresent:
      return "tcf.present";
    case Bit::Kind::kGppPresent:
      return "gpp.present";
    default:
      return {};
  }
}

Walk walk_diagram(const CompiledPolicy& c, const Query& asked) {
  Walk walk;
  // A collect stays on the device (docs/design.md, "The query"): read with recipient and
  // destination `device`, as the runtime and the reference read it.
  Query normalised;
  const bool collect = asked.action == Action::kCollect &&
                       (asked.recipient != "device" || asked.destination != "device");
  if (collect) {
    normalised = asked;
    normalised.recipient = normalised.destination = "device";
  }
  const Query& q = collect ? normalised : asked;
  auto data = find(c.data_ids, q.data);
  auto purpose = find(c.purpose_ids, q.purpose);
  auto recipient = find(c.recipient_ids, q.recipient);
  auto region = find(c.region_ids, q.region);
  auto destination = find(c.region_ids, q.destination);
  auto all_known = [&](const std::set<std::string>& ids, const std::vector<std::string>& known) {
    return std::all_of(ids.begin(), ids.end(),
                       [&](const std::string& id) { return find(known, id).has_value(); });
  };
  if (!data || !purpose || !recipient || !region || (!destination && q.destination != "device") ||
      !all_known(q.consents, c.purpose_ids) || !all_known(q.features, c.feature_ids)) {
    walk.unknown_id = true;
    walk.decision = c.unknown_id_decision;
    return walk;
  }
  uint32_t ref = c.root;
  while (!(ref & CompiledPolicy::kLeaf)) {
    const DiagramNode& node = c.nodes[ref];
    const Variable& variable = c.variables[node.variable];
    uint32_t value = 0;
    std::string label;
    switch (variable.kind) {
      case VariableKind::kData:
        value = *data;
        label = fmt::format("data = {}", q.data);
        break;
      case VariableKind::kPurpose:
        value = *purpose;
        label = fmt::format("purpose = {}", q.purpose);
        break;
      case VariableKind::kAction:
        value = q.action == Action::kTransmit;
        label = fmt::format("action = {}", action_name(q.action));
        break;
      case VariableKind::kRecipient:
        value = *recipient;
        label = fmt::format("recipient = {}", q.recipient);
        break;
      case VariableKind::kDestination:
        value = destination ? c.destination_class[*destination] : c.device_destination_class;
        label = destination
                    ? fmt::format("destination {} is in destination class {} ({})", q.destination,
                                  value, members(c, c.destination_class, value))
                    : "destination = device";
        break;
      case VariableKind::kRegion:
        value = c.region_class[*region];
        label = fmt::format("subject region {} is in region class {} ({})", q.region, value,
                            members(c, c.region_class, value));
        break;
      case VariableKind::kDate: {
        auto& bps = c.date_breakpoints;
        value = static_cast<uint32_t>(std::upper_bound(bps.begin(), bps.end(), q.as_of.days) -
                                      bps.begin());
        std::string from = value == 0 ? "the beginning" : format_date(Date{bps[value - 1]});
        std::string to = value == bps.size() ? "on" : format_date(Date{bps[value] - 1});
        label = fmt::format("as_of {} is in date class {} ({} to {})", format_date(q.as_of), value,
                            from, to);
        break;
      }
      case VariableKind::kAge: {
        auto& t = c.age_thresholds;
        value = !q.age ? 0
                       : 1 + static_cast<uint32_t>(std::upper_bound(t.begin(), t.end(), *q.age) -
                                                   t.begin());
        label = q.age ? fmt::format("age {} is in age band {}", *q.age, value) : "age unknown";
        break;
      }
      case VariableKind::kBit: {
        const Bit& bit = c.bits[variable.bit];
        switch (bit.kind) {
          case Bit::Kind::kGpc:
            value = q.gpc;
            label = fmt::format("signals.gpc = {}", q.gpc);
            break;
          case Bit::Kind::kAdsPersonalization:
            value = q.ads_personalization;
            label = fmt::format("signals.ads_personalization = {}", q.ads_personalization);
            break;
          case Bit::Kind::kParentalConsent:
            value = q.parental_consent;
            label = fmt::format("signals.parental_consent = {}", q.parental_consent);
            break;
          case Bit::Kind::kConsentForPurpose:
            value = q.consents.count(q.purpose) > 0;
            label = fmt::format("consent for the purpose {}: {}", q.purpose, value == 1);
            break;
          case Bit::Kind::kConsent:
            value = q.consents.count(bit.id) > 0;
            label = fmt::format("consent(\"{}\") = {}", bit.id, value == 1);
            break;
          case Bit::Kind::kFeature:
            value = q.features.count(bit.id) > 0;
            label = fmt::format("feature(\"{}\") = {}", bit.id, value == 1);
            break;
          case Bit::Kind::kTcfPurposeConsent:
          case Bit::Kind::kTcfPurposeLegitimateInterest:
          case Bit::Kind::kGppOptOut:
          case Bit::Kind::kTcfPresent:
          case Bit::Kind::kGppPresent:
            value = bit.value_in(q.consent_strings);
            label = fmt::format("{} = {}", consent_string_test(bit), value == 1);
            break;
        }
        break;
      }
    }
    walk.steps.push_back({ref, variable.kind, value, std::move(label)});
    ref = c.children[node.first_child + value];
  }
  walk.decision = ref & ~CompiledPolicy::kLeaf;
  return walk;
}

}  // namespace flowgate
