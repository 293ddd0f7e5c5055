// libFuzzer target: decode_tcf on arbitrary bytes. Checks the decoder's invariants on success:
// id lists sorted, unique and within their fields' ranges; vendor ids within max_vendor_id; the
// ISO 8601 rendering of the dates; and that a prefix of a valid string never crashes either.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "flowgate/signals.h"

namespace rt = flowgate::runtime;

namespace {

template <typename Id>
void check_ids(const std::vector<Id>& ids, int max) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 1 || ids[i] > max) std::abort();
    if (i > 0 && ids[i - 1] >= ids[i]) std::abort();
  }
}

void check(const rt::TcfString& t) {
  if (t.version != 2) std::abort();
  if (t.consent_language.size() != 2 || t.publisher_cc.size() != 2) std::abort();
  check_ids(t.special_feature_optins, 12);
  check_ids(t.purpose_consents, 24);
  check_ids(t.purpose_legitimate_interests, 24);
  check_ids(t.vendor_consents, t.vendor_consents_max_id);
  check_ids(t.vendor_legitimate_interests, t.vendor_legitimate_interests_max_id);
  check_ids(t.disclosed_vendors, 65535);
  check_ids(t.allowed_vendors, 65535);
  check_ids(t.publisher_custom_consents, t.num_custom_purposes);
  size_t restricted = 0;
  for (const auto& r : t.publisher_restrictions) {
    if (r.restriction_type > 2) std::abort();
    check_ids(r.vendors, 65535);
    restricted += r.vendors.size();
  }
  if (restricted > rt::kMaxPublisherRestrictionIds) std::abort();
  if (rt::iso8601_from_deciseconds(t.created_deciseconds).empty()) std::abort();
  for (const auto& m : rt::kTcfPurposeMappings) (void)rt::tcf_grants(t, m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rt::TcfString t;
  const rt::Status s = rt::decode_tcf(text, &t);
  if (s.ok()) {
    check(t);
  } else if (s.message().empty()) {
    std::abort();  // every error says what is wrong
  }
  return 0;
}
