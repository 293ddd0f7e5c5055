// libFuzzer target for the runtime's bundle loader (flowgate/runtime.h): bytes → Bundle::load and,
// when it loads, interning, decide on interned and string queries, the decision records, the
// signature check (flowgate/verify.h) and the toolchain's decode_bundle (flowgate diff).
//
// The SHA-256 digest would refuse nearly every mutation before the structure is read, so the
// target recomputes it (over [44, total_size) as the header's total_size says, when the input is
// that long) and loads those bytes; when that changed the input, the bytes as given are loaded too
// and must be refused. Seeds: fuzz/corpus/bundle/, written by fuzz/make-bundle-seeds.
//
// Invariants after a load: every id interns back to its index; ids past the end are ""; every
// decide — indices in and out of range, kUnknown, kDevice, any age, date, mask and consent
// string — returns a decision index below decision_count(); every string of a decision record is
// NUL-terminated; a bundle verifies only when it is signed; decode_bundle reads what load accepted.
// A failed load leaves the output empty and says why.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "bundle/bundle_reader.h"
#include "flowgate/runtime.h"
#include "flowgate/verify.h"
#include "runtime/bundle_format.h"
#include "runtime/sha256.h"

namespace rt = flowgate::runtime;
namespace bf = flowgate::bundle_format;

namespace {

// The public key of the key pair fuzz/make-bundle-seeds signed utf8-name-signed.fgb with (it prints
// it); the secret half was thrown away.
constexpr std::string_view kSeedPublicKey =
    "1fe616fe9a8325ebb49e14148b0028351b3c86542277615c211fda02b0456fc3";

// Recomputes the digest in place; false when the bytes are too short to hold one.
bool fix_digest(std::string& bytes) {
  if (bytes.size() < sizeof(bf::Header)) return false;
  bf::Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  const uint64_t total = uint64_t{h.total_size_hi} << 32 | h.total_size_lo;
  if (total < bf::kDigestedFrom || total > bytes.size()) return false;
  const rt::Sha256Digest d =
      rt::sha256(bytes.data() + bf::kDigestedFrom, static_cast<size_t>(total) - bf::kDigestedFrom);
  std::memcpy(bytes.data() + bf::kDigestOffset, d.data(), d.size());
  return true;
}

void check_terminated(std::string_view s) {
  if (s.data() == nullptr || s.data()[s.size()] != '\0') std::abort();
}

template <typename IdOf, typename IndexOf>
void check_ids(size_t count, IdOf id_of, IndexOf index_of) {
  for (size_t i = 0; i < count && i < 512; ++i) {
    std::string_view id = id_of(i);
    auto index = index_of(id);
    // Ids are unique in a loaded bundle, so each interns back to its own index.
    if (!index || *index != i) std::abort();
  }
  if (!id_of(count).empty() || !id_of(std::numeric_limits<size_t>::max()).empty()) std::abort();
}

void check_list(const rt::StringList& list) {
  size_t n = 0;
  for (std::string_view s : list) {
    check_terminated(s);
    if (s != list[n]) std::abort();
    ++n;
  }
  if (n != list.size()) std::abort();
}

void check_decision(const rt::Bundle& b, uint32_t index) {
  if (index >= b.decision_count()) std::abort();
  rt::Decision d = b.decision(index);
  if (d.index() != index) std::abort();
  (void)d.allow();
  check_terminated(d.reason());
  check_list(d.obligations());
  check_list(d.legal_basis());
  check_list(d.citations());
  check_list(d.rules());
}

template <typename Engine>
uint16_t pick_index(Engine& rng, size_t count) {
  switch (rng() % 4) {
    case 0:
      return rt::InternedQuery::kUnknown;
    case 1:
      return static_cast<uint16_t>(rng());  // anything, mostly out of range
    default:
      return count == 0 ? 0 : static_cast<uint16_t>(rng() % count);
  }
}

void exercise(const rt::Bundle& b, const std::string& bytes) {
  check_terminated(b.policy_name());
  check_terminated(b.policy_version());
  (void)b.serial();
  if (b.size_bytes() != bytes.size()) std::abort();
  check_ids(
      b.data_count(), [&](size_t i) { return b.data_id(i); },
      [&](std::string_view id) { return b.data_index(id); });
  check_ids(
      b.purpose_count(), [&](size_t i) { return b.purpose_id(i); },
      [&](std::string_view id) { return b.purpose_index(id); });
  check_ids(
      b.recipient_count(), [&](size_t i) { return b.recipient_id(i); },
      [&](std::string_view id) { return b.recipient_index(id); });
  check_ids(
      b.region_count(), [&](size_t i) { return b.region_id(i); },
      [&](std::string_view id) { return b.region_index(id); });
  check_ids(
      b.feature_count(), [&](size_t i) { return b.feature_id(i); },
      [&](std::string_view id) { return b.feature_index(id); });
  if (b.decision_count() == 0 || b.unknown_id_decision() >= b.decision_count()) std::abort();
  for (uint32_t d = 0; d < b.decision_count() && d < 256; ++d) check_decision(b, d);
  if (b.decision(std::numeric_limits<uint32_t>::max()).index() != b.unknown_id_decision())
    std::abort();

  // Interned queries: in range, out of range, unknown and device, with extreme ages and dates.
  std::minstd_rand rng(static_cast<uint32_t>(bytes.size()) ^ b.digest()[0] ^
                       (uint32_t{b.digest()[1]} << 8));
  constexpr int32_t kDays[] = {std::numeric_limits<int32_t>::min(),
                               -1,
                               0,
                               rt::days_from_civil(2026, 1, 29),
                               rt::days_from_civil(2026, 3, 1),
                               rt::days_from_civil(9999, 12, 31),
                               std::numeric_limits<int32_t>::max()};
  constexpr int16_t kAges[] = {-1,
                               0,
                               12,
                               13,
                               15,
                               16,
                               17,
                               18,
                               150,
                               std::numeric_limits<int16_t>::max(),
                               std::numeric_limits<int16_t>::min()};
  for (int i = 0; i < 64; ++i) {
    rt::InternedQuery q;
    q.data = pick_index(rng, b.data_count());
    q.purpose = pick_index(rng, b.purpose_count());
    q.recipient = pick_index(rng, b.recipient_count());
    q.action = static_cast<uint8_t>(rng() % 3);  // 2 is neither collect nor transmit
    q.destination = rng() % 4 == 0 ? rt::InternedQuery::kDevice : pick_index(rng, b.region_count());
    q.region = pick_index(rng, b.region_count());
    q.age = kAges[rng() % std::size(kAges)];
    q.as_of_days = rng() % 2 ? kDays[rng() % std::size(kDays)] : static_cast<int32_t>(rng());
    q.gpc = rng() & 1;
    q.ads_personalization = rng() & 1;
    q.parental_consent = rng() & 1;
    q.consent_mask = uint64_t{rng()} << 32 | rng();
    q.feature_mask = uint64_t{rng()} << 32 | rng();
    q.consent_strings.tcf_present = rng() & 1;
    q.consent_strings.gpp_present = rng() & 1;
    q.consent_strings.tcf_purpose_consents = rng();
    q.consent_strings.tcf_purpose_legitimate_interests = rng();
    q.consent_strings.gpp_opt_outs = static_cast<uint8_t>(rng());
    check_decision(b, b.decide(q));
  }

  // String queries, as an app without interned ids asks.
  const std::string_view consents[] = {"advertising.targeted", "", "no.such.purpose"};
  const std::string_view features[] = {"bluetooth", "\xff"};
  for (std::string_view action : {"collect", "transmit", "bogus"}) {
    for (std::string_view region : {"DE", "US-CA", "JP", "", "device"}) {
      rt::StringQuery s;
      s.data = "technical.ads.identifier";
      s.purpose = "advertising.targeted";
      s.action = action;
      s.recipient = "advertiser.google";
      s.destination = region == "JP" ? "device" : "US";
      s.region = region;
      s.age = region.empty() ? -1 : 30;
      s.as_of_days = rt::days_from_civil(2026, 11, 29);
      s.consents = consents;
      s.features = features;
      check_decision(b, b.decide(s));
    }
  }

  rt::PublicKey key;
  if (!rt::parse_public_key_hex(kSeedPublicKey, &key).ok()) std::abort();
  rt::Status v = rt::verify_bundle_signature(b, std::span<const rt::PublicKey>(&key, 1));
  if (v.ok() && !b.is_signed()) std::abort();
  if (!v.ok() && (v.code() != rt::Status::Code::kUnauthenticated || v.message().empty()))
    std::abort();

  flowgate::CompiledPolicy decoded;
  if (rt::Status d = flowgate::decode_bundle(bytes, &decoded); !d.ok()) {
    std::fprintf(stderr, "decode_bundle refused what Bundle::load accepted: %s\n",
                 d.message().c_str());
    std::abort();
  }
  if (decoded.decisions.size() != b.decision_count() || decoded.data_ids.size() != b.data_count() ||
      decoded.region_ids.size() != b.region_count())
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  std::string bytes = raw;
  fix_digest(bytes);

  std::unique_ptr<const rt::Bundle> bundle;
  const rt::Status s = rt::Bundle::load(bytes, &bundle);
  if (!s.ok()) {
    if (bundle || s.message().empty()) std::abort();
  } else {
    if (!bundle) std::abort();
    exercise(*bundle, bytes);
  }

  if (bytes != raw) {  // the digest as given is wrong: the bytes must be refused
    std::unique_ptr<const rt::Bundle> unchecked;
    if (rt::Bundle::load(raw, &unchecked).ok() || unchecked) {
      std::fprintf(stderr, "a bundle with a wrong digest loaded\n");
      std::abort();
    }
  }
  return 0;
}
