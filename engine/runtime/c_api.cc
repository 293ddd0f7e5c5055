// The C API (flowgate/flowgate.h): thin shims over Bundle and verify_bundle_signature. Every shim
// catches everything; failures become an fg_status and a thread-local message.
#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "flowgate/bundle_holder.h"
#include "flowgate/flowgate.h"
#include "flowgate/runtime.h"
#include "flowgate/signals.h"
#include "flowgate/verify.h"

using flowgate::runtime::Bundle;
using flowgate::runtime::Decision;
using flowgate::runtime::InternedQuery;
using flowgate::runtime::PublicKey;
using flowgate::runtime::Status;
using flowgate::runtime::StringList;

static_assert(FG_GPP_USNAT_SALE_OPT_OUT == flowgate::runtime::kUsNatSaleOptOut &&
              FG_GPP_USNAT_SHARING_OPT_OUT == flowgate::runtime::kUsNatSharingOptOut &&
              FG_GPP_USNAT_TARGETED_ADVERTISING_OPT_OUT ==
                  flowgate::runtime::kUsNatTargetedAdvertisingOptOut &&
              FG_GPP_USCA_SALE_OPT_OUT == flowgate::runtime::kUsCaSaleOptOut &&
              FG_GPP_USCA_SHARING_OPT_OUT == flowgate::runtime::kUsCaSharingOptOut &&
              flowgate::runtime::kGppOptOutCount == 5);

static_assert(FG_FIELD_NONE == int(flowgate::runtime::QueryField::kNone) &&
              FG_FIELD_DATA == int(flowgate::runtime::QueryField::kData) &&
              FG_FIELD_PURPOSE == int(flowgate::runtime::QueryField::kPurpose) &&
              FG_FIELD_ACTION == int(flowgate::runtime::QueryField::kAction) &&
              FG_FIELD_RECIPIENT == int(flowgate::runtime::QueryField::kRecipient) &&
              FG_FIELD_DESTINATION == int(flowgate::runtime::QueryField::kDestination) &&
              FG_FIELD_REGION == int(flowgate::runtime::QueryField::kRegion) &&
              FG_FIELD_CONSENT == int(flowgate::runtime::QueryField::kConsent) &&
              FG_FIELD_FEATURE == int(flowgate::runtime::QueryField::kFeature) &&
              FG_FIELD_AS_OF == int(flowgate::runtime::QueryField::kAsOf) &&
              FG_FIELD_CONSENT_STRING == int(flowgate::runtime::QueryField::kConsentString) &&
              flowgate::runtime::kQueryFieldCount == 11);

struct fg_bundle {
  std::shared_ptr<const Bundle> bundle;  // shared: fg_acquire hands out snapshots of a holder's
};

struct fg_holder {
  flowgate::runtime::BundleHolder holder;
};

namespace {

thread_local std::string last_error;

fg_status fail(fg_status code, const std::string& message) noexcept {
  try {
    last_error = message;
  } catch (...) {
    last_error.clear();
  }
  return code;
}

fg_status fail(const Status& s) noexcept {
  switch (s.code()) {
    case Status::Code::kOk:
      return FG_OK;
    case Status::Code::kInvalidArgument:
      return fail(FG_ERR_INVALID_ARGUMENT, s.message());
    case Status::Code::kIoError:
      return fail(FG_ERR_IO, s.message());
    case Status::Code::kCorruption:
      return fail(FG_ERR_CORRUPT, s.message());
    case Status::Code::kNotSupported:
      return fail(FG_ERR_UNSUPPORTED, s.message());
    case Status::Code::kUnauthenticated:
      return fail(FG_ERR_SIGNATURE, s.message());
    case Status::Code::kResourceExhausted:
      return fail(FG_ERR_NO_MEMORY, s.message());
    case Status::Code::kFailedPrecondition:
      return fail(FG_ERR_DOWNGRADE, s.message());
  }
  return fail(FG_ERR_CORRUPT, s.message());
}

// Applies the options' signature policy to a loaded bundle, then hands it out.
fg_status finish_open(std::unique_ptr<const Bundle> loaded, const fg_options* options,
                      fg_bundle** out) {
  if (options != nullptr && (options->require_signature || options->trusted_key_count > 0)) {
    if (options->trusted_key_count > 0 && options->trusted_keys == nullptr) {
      return fail(FG_ERR_INVALID_ARGUMENT, "fg_options: trusted_key_count without trusted_keys");
    }
    if (options->require_signature && options->trusted_key_count == 0) {
      return fail(FG_ERR_INVALID_ARGUMENT,
                  "fg_options: require_signature is set but no trusted keys are given");
    }
    if (options->require_signature || loaded->is_signed()) {
      std::vector<PublicKey> keys(options->trusted_key_count);
      for (size_t i = 0; i < keys.size(); ++i) {
        std::copy_n(options->trusted_keys + 32 * i, 32, keys[i].bytes.begin());
      }
      Status s = flowgate::runtime::verify_bundle_signature(*loaded, keys);
      if (!s.ok()) return fail(s);
    }
  }
  *out = new fg_bundle{std::move(loaded)};
  last_error.clear();
  return FG_OK;
}

uint16_t index16(int32_t v) {
  return v >= 0 && v < InternedQuery::kUnknown ? static_cast<uint16_t>(v) : InternedQuery::kUnknown;
}

int32_t interned(std::optional<uint16_t> index) {
  return index ? int32_t{*index} : -1;
}

const Bundle* bundle_of(const fg_decision* d) {
  return d != nullptr && d->bundle_ != nullptr ? d->bundle_->bundle.get() : nullptr;
}

// fg_decision.flags_: the query's as_of_days was 0, a date never set.
constexpr uint32_t kDateUnset = 1;

const char* at(const StringList& list, size_t i, size_t* length) {
  if (i >= list.size()) {
    if (length != nullptr) *length = 0;
    return nullptr;
  }
  if (length != nullptr) *length = list[i].size();
  return list[i].data();
}

}  // namespace

extern "C" {

fg_status fg_open(const uint8_t* data, size_t size, const fg_options* options, fg_bundle** bundle) {
  if (bundle == nullptr) return fail(FG_ERR_INVALID_ARGUMENT, "fg_open: null bundle output");
  *bundle = nullptr;
  if (data == nullptr && size > 0) return fail(FG_ERR_INVALID_ARGUMENT, "fg_open: null data");
  try {
    std::unique_ptr<const Bundle> loaded;
    Status s = Bundle::load(std::string(reinterpret_cast<const char*>(data), size), &loaded);
    if (!s.ok()) return fail(s);
    return finish_open(std::move(loaded), options, bundle);
  } catch (const std::bad_alloc&) {
    return fail(FG_ERR_NO_MEMORY, "out of memory opening the bundle");
  } catch (...) {
    return fail(FG_ERR_CORRUPT, "the bundle could not be opened");
  }
}

fg_status fg_open_file(const char* path, const fg_options* options, fg_bundle** bundle) {
  if (bundle == nullptr) return fail(FG_ERR_INVALID_ARGUMENT, "fg_open_file: null bundle output");
  *bundle = nullptr;
  if (path == nullptr) return fail(FG_ERR_INVALID_ARGUMENT, "fg_open_file: null path");
  try {
    std::unique_ptr<const Bundle> loaded;
    Status s = Bundle::load_file(path, &loaded);
    if (!s.ok()) return fail(s);
    fg_status code = finish_open(std::move(loaded), options, bundle);
    if (code != FG_OK) last_error = std::string(path) + ": " + last_error;
    return code;
  } catch (const std::bad_alloc&) {
    return fail(FG_ERR_NO_MEMORY, "out of memory opening the bundle");
  } catch (...) {
    return fail(FG_ERR_IO, "the bundle could not be opened");
  }
}

void fg_close(fg_bundle* bundle) {
  delete bundle;
}

const char* fg_last_error(void) {
  return last_error.c_str();
}

const char* fg_bundle_policy_name(const fg_bundle* b) {
  return b != nullptr ? b->bundle->policy_name().data() : "";
}
const char* fg_bundle_policy_version(const fg_bundle* b) {
  return b != nullptr ? b->bundle->policy_version().data() : "";
}
uint64_t fg_bundle_serial(const fg_bundle* b) {
  return b != nullptr ? b->bundle->serial() : 0;
}

int32_t fg_intern_data(const fg_bundle* b, const char* id) {
  return b != nullptr && id != nullptr ? interned(b->bundle->data_index(id)) : -1;
}
int32_t fg_intern_purpose(const fg_bundle* b, const char* id) {
  return b != nullptr && id != nullptr ? interned(b->bundle->purpose_index(id)) : -1;
}
int32_t fg_intern_recipient(const fg_bundle* b, const char* id) {
  return b != nullptr && id != nullptr ? interned(b->bundle->recipient_index(id)) : -1;
}
int32_t fg_intern_region(const fg_bundle* b, const char* id) {
  return b != nullptr && id != nullptr ? interned(b->bundle->region_index(id)) : -1;
}
int32_t fg_intern_feature(const fg_bundle* b, const char* id) {
  return b != nullptr && id != nullptr ? interned(b->bundle->feature_index(id)) : -1;
}

void fg_query_init(fg_query* q) {
  if (q == nullptr) return;
  *q = fg_query{};
  q->data = q->purpose = q->recipient = q->destination = q->region = -1;
  q->action = FG_TRANSMIT;
  q->age = -1;
  q->as_of_days = fg_today_days();
  q->ads_personalization = 1;
}

int32_t fg_today_days(void) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<int32_t>(std::chrono::floor<std::chrono::days>(now).count());
}

const char* fg_field_name(int32_t field) {
  if (field < 0 || field >= flowgate::runtime::kQueryFieldCount) return "";
  return flowgate::runtime::kQueryFieldNames[field].data();  // literals: NUL-terminated
}

fg_status fg_query_set_consent_strings(const fg_bundle* b, fg_query* q, const char* tcf,
                                       const char* gpp) {
  if (b == nullptr || q == nullptr) {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_query_set_consent_strings: null argument");
  }
  try {
    flowgate::runtime::ConsentStringEffects effects;
    auto text = [](const char* s) {
      return s != nullptr ? std::optional<std::string_view>(s) : std::nullopt;
    };
    Status s = flowgate::runtime::decode_consent_strings(text(tcf), text(gpp), &effects);
    if (!s.ok()) {
      q->consent_string_error = 1;
      return fail(
          s.code() == Status::Code::kResourceExhausted ? FG_ERR_NO_MEMORY : FG_ERR_INVALID_ARGUMENT,
          s.message());
    }
    const flowgate::runtime::ConsentStrings& f = effects.facts;
    q->tcf_present = f.tcf_present ? 1 : 0;
    q->gpp_present = f.gpp_present ? 1 : 0;
    q->tcf_purpose_consents = f.tcf_purpose_consents;
    q->tcf_purpose_legitimate_interests = f.tcf_purpose_legitimate_interests;
    q->gpp_opt_outs = f.gpp_opt_outs;
    if (effects.opts_out_of_targeted_ads) q->gpc = 1;
    for (size_t i = 0; i < std::size(flowgate::runtime::kTcfPurposeMappings); ++i) {
      auto purpose = b->bundle->purpose_index(flowgate::runtime::kTcfPurposeMappings[i].purpose);
      if (!purpose || *purpose >= 64 || effects.purposes[i] == 0) continue;
      const uint64_t bit = uint64_t{1} << *purpose;
      q->consent_mask = effects.purposes[i] > 0 ? q->consent_mask | bit : q->consent_mask & ~bit;
    }
    q->consent_string_error = 0;
    last_error.clear();
    return FG_OK;
  } catch (...) {
    q->consent_string_error = 1;
    return fail(FG_ERR_NO_MEMORY, "fg_query_set_consent_strings: out of memory");
  }
}

int32_t fg_days_from_civil(int32_t year, int32_t month, int32_t day) {
  if (!flowgate::runtime::is_civil_date(year, month, day)) return FG_INVALID_DATE;
  return flowgate::runtime::days_from_civil(year, month, day);
}

fg_status fg_decide(const fg_bundle* b, const fg_query* q, fg_decision* d) {
  if (b == nullptr || q == nullptr || d == nullptr) {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_decide: null argument");
  }
  InternedQuery iq;
  iq.data = index16(q->data);
  iq.purpose = index16(q->purpose);
  iq.recipient = index16(q->recipient);
  iq.action = q->action == FG_COLLECT ? 0 : q->action == FG_TRANSMIT ? 1 : 2;  // 2: unknown
  iq.destination = q->destination == FG_DEVICE ? InternedQuery::kDevice : index16(q->destination);
  iq.region = index16(q->region);
  iq.age = q->age < 0           ? int16_t{-1}
           : q->age > INT16_MAX ? int16_t{INT16_MAX}
                                : static_cast<int16_t>(q->age);
  iq.as_of_days = q->as_of_days;
  iq.gpc = q->gpc != 0;
  iq.ads_personalization = q->ads_personalization != 0;
  iq.parental_consent = q->parental_consent != 0;
  iq.consent_mask = q->consent_mask;
  iq.feature_mask = q->feature_mask;
  iq.consent_strings.tcf_present = q->tcf_present != 0;
  iq.consent_strings.gpp_present = q->gpp_present != 0;
  iq.consent_strings.tcf_purpose_consents = q->tcf_purpose_consents;
  iq.consent_strings.tcf_purpose_legitimate_interests = q->tcf_purpose_legitimate_interests;
  iq.consent_strings.gpp_opt_outs = static_cast<uint8_t>(q->gpp_opt_outs);
  d->bundle_ = b;
  d->unknown_field = FG_FIELD_NONE;
  d->flags_ = q->as_of_days == 0 ? kDateUnset : 0;
  if (q->as_of_days == FG_INVALID_DATE) {  // fg_days_from_civil refused the date: fail closed
    d->index_ = b->bundle->unknown_id_decision();
    d->unknown_field = FG_FIELD_AS_OF;
    return fail(FG_ERR_INVALID_ARGUMENT,
                "fg_decide: as_of_days is FG_INVALID_DATE (a day that "
                "does not exist); the query is denied");
  }
  if (q->consent_string_error != 0) {  // a TC or GPP string did not decode: fail closed
    d->index_ = b->bundle->unknown_id_decision();
    d->unknown_field = FG_FIELD_CONSENT_STRING;
    return fail(FG_ERR_INVALID_ARGUMENT,
                "fg_decide: the query's TC or GPP string did not decode "
                "(fg_query_set_consent_strings); the query is denied");
  }
  flowgate::runtime::UnknownId unknown;
  d->index_ = b->bundle->decide(iq, &unknown);
  d->unknown_field = static_cast<int32_t>(unknown.field);
  return FG_OK;
}

int fg_decision_allow(const fg_decision* d) {
  const Bundle* b = bundle_of(d);
  return b != nullptr && b->decision(d->index_).allow() ? 1 : 0;
}
uint32_t fg_decision_index(const fg_decision* d) {
  return d != nullptr ? d->index_ : 0;
}

const char* fg_decision_reason(const fg_decision* d, size_t* length) {
  const Bundle* b = bundle_of(d);
  std::string_view reason = b != nullptr ? b->decision(d->index_).reason() : std::string_view("");
  if (b != nullptr && (d->flags_ & kDateUnset) != 0) {
    Decision decision = b->decision(d->index_);
    if (!decision.rules().empty() && decision.rules()[0] == "policy-not-in-force") {
      reason =
          "The query's as_of_days is 0 (1970-01-01): its date was never set, and this policy was "
          "not in force then; date the query (fg_query_init sets today, UTC)";
    }
  }
  if (length != nullptr) *length = reason.size();
  return reason.data();
}

#define FG_LIST_ACCESSORS(name, member)                                                 \
  size_t fg_decision_##name##_count(const fg_decision* d) {                             \
    const Bundle* b = bundle_of(d);                                                     \
    return b != nullptr ? b->decision(d->index_).member().size() : 0;                   \
  }                                                                                     \
  const char* fg_decision_##name##_at(const fg_decision* d, size_t i, size_t* length) { \
    const Bundle* b = bundle_of(d);                                                     \
    if (b == nullptr) {                                                                 \
      if (length != nullptr) *length = 0;                                               \
      return nullptr;                                                                   \
    }                                                                                   \
    return at(b->decision(d->index_).member(), i, length);                              \
  }

FG_LIST_ACCESSORS(obligation, obligations)
FG_LIST_ACCESSORS(legal_basis, legal_basis)
FG_LIST_ACCESSORS(citation, citations)
FG_LIST_ACCESSORS(rule, rules)

#undef FG_LIST_ACCESSORS

}  // extern "C"

// Bundle lifecycle (fg_holder, fg_reload): shims over flowgate::runtime::BundleHolder.
namespace {

fg_status open_holder(const fg_options* options, fg_holder** out) {
  std::vector<PublicKey> keys;
  bool require = false;
  if (options != nullptr) {
    if (options->trusted_key_count > 0 && options->trusted_keys == nullptr) {
      return fail(FG_ERR_INVALID_ARGUMENT, "fg_options: trusted_key_count without trusted_keys");
    }
    if (options->require_signature && options->trusted_key_count == 0) {
      return fail(FG_ERR_INVALID_ARGUMENT,
                  "fg_options: require_signature is set but no trusted keys are given");
    }
    require = options->require_signature != 0;
    keys.resize(options->trusted_key_count);
    for (size_t i = 0; i < keys.size(); ++i) {
      std::copy_n(options->trusted_keys + 32 * i, 32, keys[i].bytes.begin());
    }
  }
  *out = new fg_holder{flowgate::runtime::BundleHolder(std::move(keys), require)};
  return FG_OK;
}

constexpr uint32_t kReloadFlags = FG_RELOAD_ALLOW_DOWNGRADE;

flowgate::runtime::BundleHolder::LoadOptions load_options(uint32_t flags) {
  flowgate::runtime::BundleHolder::LoadOptions options;
  options.allow_downgrade = (flags & FG_RELOAD_ALLOW_DOWNGRADE) != 0;
  return options;
}

// The first load's options: the floor the app carried across its restart (fg_holder_open_ex).
flowgate::runtime::BundleHolder::LoadOptions first_load_options(uint64_t min_serial) {
  flowgate::runtime::BundleHolder::LoadOptions options;
  options.min_serial = min_serial;
  return options;
}

fg_status load_status(const Status& s) {
  if (!s.ok()) return fail(s);
  last_error.clear();
  return FG_OK;
}

// A new holder with its first bundle, or none: the shared body of fg_holder_open and
// fg_holder_open_file. `load` is fg_reload or fg_reload_file on the new holder.
template <typename Load>
fg_status open_and_load(const fg_options* options, fg_holder** holder, fg_status unexpected,
                        Load load) {
  if (holder == nullptr) return fail(FG_ERR_INVALID_ARGUMENT, "fg_holder_open: null output");
  *holder = nullptr;
  try {
    fg_holder* h = nullptr;
    fg_status code = open_holder(options, &h);
    if (code != FG_OK) return code;
    code = load(h);
    if (code != FG_OK) {
      delete h;
      return code;
    }
    *holder = h;
    return FG_OK;
  } catch (const std::bad_alloc&) {
    return fail(FG_ERR_NO_MEMORY, "out of memory opening the bundle");
  } catch (...) {
    return fail(unexpected, "the bundle could not be opened");
  }
}

}  // namespace

extern "C" {

fg_status fg_holder_open(const uint8_t* data, size_t size, const fg_options* options,
                         fg_holder** holder) {
  return fg_holder_open_ex(data, size, options, 0, holder);
}

fg_status fg_holder_open_file(const char* path, const fg_options* options, fg_holder** holder) {
  return fg_holder_open_file_ex(path, options, 0, holder);
}

fg_status fg_holder_open_ex(const uint8_t* data, size_t size, const fg_options* options,
                            uint64_t min_serial, fg_holder** holder) {
  if (data == nullptr && size > 0)
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_holder_open: null data");
  return open_and_load(options, holder, FG_ERR_CORRUPT, [&](fg_holder* h) {
    return load_status(h->holder.load(std::string(reinterpret_cast<const char*>(data), size),
                                      first_load_options(min_serial)));
  });
}

fg_status fg_holder_open_file_ex(const char* path, const fg_options* options, uint64_t min_serial,
                                 fg_holder** holder) {
  if (path == nullptr) return fail(FG_ERR_INVALID_ARGUMENT, "fg_holder_open_file: null path");
  return open_and_load(options, holder, FG_ERR_IO, [&](fg_holder* h) {
    return load_status(h->holder.load_file(path, first_load_options(min_serial)));
  });
}

fg_status fg_reload(fg_holder* holder, const uint8_t* data, size_t size) {
  return fg_reload_ex(holder, data, size, 0);
}

fg_status fg_reload_file(fg_holder* holder, const char* path) {
  return fg_reload_file_ex(holder, path, 0);
}

fg_status fg_reload_ex(fg_holder* holder, const uint8_t* data, size_t size, uint32_t flags) {
  if (holder == nullptr) return fail(FG_ERR_INVALID_ARGUMENT, "fg_reload: null holder");
  if (data == nullptr && size > 0) return fail(FG_ERR_INVALID_ARGUMENT, "fg_reload: null data");
  if ((flags & ~kReloadFlags) != 0) {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_reload_ex: unknown flags");
  }
  try {
    Status s = holder->holder.load(std::string(reinterpret_cast<const char*>(data), size),
                                   load_options(flags));
    if (!s.ok()) return fail(s);
    last_error.clear();
    return FG_OK;
  } catch (const std::bad_alloc&) {
    return fail(FG_ERR_NO_MEMORY, "out of memory reloading the bundle");
  } catch (...) {
    return fail(FG_ERR_CORRUPT, "the bundle could not be reloaded");
  }
}

fg_status fg_reload_file_ex(fg_holder* holder, const char* path, uint32_t flags) {
  if (holder == nullptr || path == nullptr) {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_reload_file: null argument");
  }
  if ((flags & ~kReloadFlags) != 0) {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_reload_file_ex: unknown flags");
  }
  try {
    Status s = holder->holder.load_file(path, load_options(flags));
    if (!s.ok()) return fail(s);
    last_error.clear();
    return FG_OK;
  } catch (const std::bad_alloc&) {
    return fail(FG_ERR_NO_MEMORY, "out of memory reloading the bundle");
  } catch (...) {
    return fail(FG_ERR_IO, "the bundle could not be reloaded");
  }
}

fg_bundle* fg_acquire(const fg_holder* holder) {
  if (holder == nullptr) return nullptr;
  try {
    std::shared_ptr<const Bundle> current = holder->holder.current();
    if (current == nullptr) return nullptr;
    return new fg_bundle{std::move(current)};
  } catch (...) {
    fail(FG_ERR_NO_MEMORY, "fg_acquire: out of memory");
    return nullptr;
  }
}

uint64_t fg_holder_generation(const fg_holder* holder) {
  return holder != nullptr ? holder->holder.generation() : 0;
}

void fg_holder_close(fg_holder* holder) {
  delete holder;
}

void fg_bundle_digest(const fg_bundle* bundle, uint8_t digest[32]) {
  if (digest == nullptr) return;
  if (bundle == nullptr) {
    std::fill_n(digest, 32, uint8_t{0});
    return;
  }
  auto d = bundle->bundle->digest();
  std::copy(d.begin(), d.end(), digest);
}

}  // extern "C"
