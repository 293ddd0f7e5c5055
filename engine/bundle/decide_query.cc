#include "bundle/decide_query.h"

#include <iterator>
#include <string_view>
#include <vector>

namespace flowgate {

runtime::Decision decide_on_bundle(const runtime::Bundle& bundle, const Query& q,
                                   runtime::UnknownId* unknown) {
  // StringQuery views these for the one call.
  std::vector<std::string_view> consents(q.consents.begin(), q.consents.end());
  std::vector<std::string_view> features(q.features.begin(), q.features.end());
  runtime::StringQuery s;
  s.data = q.data;
  s.purpose = q.purpose;
  s.action = q.action == Action::kCollect ? "collect" : "transmit";
  s.recipient = q.recipient;
  s.destination = q.destination;
  s.region = q.region;
  s.age = q.age.value_or(-1);
  s.as_of_days = q.as_of.days;
  s.gpc = q.gpc;
  s.ads_personalization = q.ads_personalization;
  s.parental_consent = q.parental_consent;
  s.consents = consents;
  s.features = features;
  s.consent_strings = q.consent_strings;
  return bundle.decision(bundle.decide(s, unknown));
}

std::string query_field_value(const Query& q, runtime::UnknownId field) {
  auto nth = [&](const std::set<std::string>& ids) {
    return field.position < ids.size() ? *std::next(ids.begin(), field.position) : std::string();
  };
  switch (field.field) {
    case runtime::QueryField::kData:
      return q.data;
    case runtime::QueryField::kPurpose:
      return q.purpose;
    case runtime::QueryField::kAction:
      return std::string(action_name(q.action));
    case runtime::QueryField::kRecipient:
      return q.recipient;
    case runtime::QueryField::kDestination:
      return q.destination;
    case runtime::QueryField::kRegion:
      return q.region;
    case runtime::QueryField::kConsent:
      return nth(q.consents);
    case runtime::QueryField::kFeature:
      return nth(q.features);
    default:
      return {};
  }
}

}  // namespace flowgate
