// The decision log in C (flowgate/flowgate_log.h): thin shims over DecisionLog and verify_log.
// Every shim is noexcept in effect: failures become an fg_status and a thread-local message. The
// query and decision are read through the C API's own accessors (flowgate.h), so this library
// needs nothing of the C API's internals.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>

#include "flowgate/decision_log.h"
#include "flowgate/flowgate.h"
#include "flowgate/flowgate_log.h"

using flowgate::log::DecisionLog;
using flowgate::log::LogInput;
using flowgate::log::LogOptions;
using flowgate::runtime::InternedQuery;
using flowgate::runtime::Status;

struct fg_log {
  std::unique_ptr<DecisionLog> log;
};

namespace {

thread_local std::string last_error;

fg_status fail(fg_status code, std::string_view message) noexcept {
  try {
    last_error = message;
  } catch (...) {
    last_error.clear();
  }
  return code;
}

fg_status succeed() noexcept {
  last_error.clear();
  return FG_OK;
}

// The decision log's Status codes as fg_status (the ones DecisionLog::open and verify_log give).
fg_status fail(const Status& s) noexcept {
  switch (s.code()) {
    case Status::Code::kOk:
      return succeed();
    case Status::Code::kInvalidArgument:
      return fail(FG_ERR_INVALID_ARGUMENT, s.message());
    case Status::Code::kIoError:
      return fail(FG_ERR_IO, s.message());
    case Status::Code::kNotSupported:
      return fail(FG_ERR_UNSUPPORTED, s.message());
    case Status::Code::kResourceExhausted:
      return fail(FG_ERR_NO_MEMORY, s.message());
    default:
      return fail(FG_ERR_CORRUPT, s.message());
  }
}

// An fg_query index as the log's InternedQuery holds it (-1 and out-of-range: kUnknown).
uint16_t index16(int32_t v) {
  return v >= 0 && v < InternedQuery::kUnknown ? static_cast<uint16_t>(v) : InternedQuery::kUnknown;
}

// Checks that `id` names the query's `index` on the bundle (a known index must intern back to it;
// an unknown one records whatever the app asked about). "" when it does, else the complaint.
std::string mismatch(const fg_bundle* bundle, const char* field, const char* id, int32_t index,
                     int32_t (*intern)(const fg_bundle*, const char*)) {
  if (id == nullptr || index < 0) return "";
  if (intern(bundle, id) == index) return "";
  return std::string("fg_log_decision: ids->") + field + " '" + id + "' is not the query's " +
         field + " (index " + std::to_string(index) + "); nothing was logged";
}

// A list of the decision's strings (rules, citations), the first ones that fit, without
// allocating.
template <size_t N>
std::span<const std::string_view> strings(const fg_decision* d, size_t (*count)(const fg_decision*),
                                          const char* (*at)(const fg_decision*, size_t, size_t*),
                                          std::array<std::string_view, N>* out) {
  size_t n = std::min(count(d), N);
  for (size_t i = 0; i < n; ++i) {
    size_t length = 0;
    const char* s = at(d, i, &length);
    (*out)[i] = s != nullptr ? std::string_view(s, length) : std::string_view();
  }
  return std::span<const std::string_view>(out->data(), n);
}

// Copies `text` into a fixed buffer, NUL-terminated, cut before a UTF-8 continuation byte.
template <size_t N>
void copy_text(std::string_view text, char (&out)[N]) {
  size_t n = std::min(text.size(), N - 1);
  if (n < text.size()) {
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  if (n > 0) std::memcpy(out, text.data(), n);  // an empty view may hold a null pointer
  out[n] = '\0';
}

}  // namespace

extern "C" {

void fg_log_options_init(fg_log_options* options) {
  if (options == nullptr) return;
  const LogOptions defaults;
  options->allow_sample_every = defaults.allow_sample_every;
  options->queue_capacity = static_cast<uint32_t>(defaults.queue_capacity);
  options->max_rows = defaults.max_rows;
  options->durable = defaults.durable ? 1 : 0;
}

fg_status fg_log_open(const char* path, const fg_log_options* options, fg_log** log) {
  if (log == nullptr) return fail(FG_ERR_INVALID_ARGUMENT, "fg_log_open: null log");
  *log = nullptr;
  if (path == nullptr || *path == '\0') {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_log_open: no path");
  }
  try {
    fg_log_options o;
    fg_log_options_init(&o);
    if (options != nullptr) o = *options;
    LogOptions lo;
    lo.path = path;
    lo.allow_sample_every = std::max<uint32_t>(1, o.allow_sample_every);
    if (o.queue_capacity != 0) lo.queue_capacity = o.queue_capacity;
    lo.max_rows = o.max_rows;
    lo.durable = o.durable != 0;
    auto out = std::make_unique<fg_log>();
    Status s = DecisionLog::open(lo, &out->log);
    if (!s.ok()) return fail(s);
    *log = out.release();
    return succeed();
  } catch (const std::bad_alloc&) {
    return fail(FG_ERR_NO_MEMORY, "fg_log_open: out of memory");
  } catch (...) {
    return fail(FG_ERR_IO, "fg_log_open: unexpected failure");
  }
}

void fg_log_close(fg_log* log) {
  delete log;
}

fg_status fg_log_decision(fg_log* log, const fg_bundle* bundle, const fg_query* q,
                          const fg_decision* d, const fg_log_ids* ids) {
  if (log == nullptr || bundle == nullptr || q == nullptr || d == nullptr) {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_log_decision: null argument");
  }
  if (d->bundle_ != bundle) {
    return fail(FG_ERR_INVALID_ARGUMENT,
                "fg_log_decision: the decision was made on another bundle; nothing was logged");
  }
  if (q->action != FG_COLLECT && q->action != FG_TRANSMIT) {
    // The row's action column holds collect or transmit; the deny itself was the answer.
    return fail(FG_ERR_INVALID_ARGUMENT,
                "fg_log_decision: the query's action is neither FG_COLLECT nor FG_TRANSMIT; "
                "nothing was logged");
  }
  const fg_log_ids none = {nullptr, nullptr, nullptr, nullptr};
  if (ids == nullptr) ids = &none;
  std::string wrong = mismatch(bundle, "data", ids->data, q->data, fg_intern_data);
  if (wrong.empty()) {
    wrong = mismatch(bundle, "purpose", ids->purpose, q->purpose, fg_intern_purpose);
  }
  if (wrong.empty()) {
    wrong = mismatch(bundle, "recipient", ids->recipient, q->recipient, fg_intern_recipient);
  }
  if (wrong.empty() && ids->destination != nullptr) {
    if (q->destination == FG_DEVICE) {
      if (std::strcmp(ids->destination, "device") != 0) {
        wrong = std::string("fg_log_decision: ids->destination '") + ids->destination +
                "' is not the query's destination (FG_DEVICE: \"device\"); nothing was logged";
      }
    } else {
      wrong = mismatch(bundle, "destination", ids->destination, q->destination, fg_intern_region);
    }
  }
  if (!wrong.empty()) return fail(FG_ERR_INVALID_ARGUMENT, wrong);

  LogInput in;
  fg_bundle_digest(bundle, in.bundle_digest.data());
  in.query.data = index16(q->data);
  in.query.purpose = index16(q->purpose);
  in.query.recipient = index16(q->recipient);
  in.query.action = static_cast<uint8_t>(q->action);
  in.query.destination =
      q->destination == FG_DEVICE ? InternedQuery::kDevice : index16(q->destination);
  in.query.region = index16(q->region);
  in.query.age = static_cast<int16_t>(std::clamp<int32_t>(q->age, -1, INT16_MAX));
  in.query.as_of_days = q->as_of_days;
  in.query.gpc = q->gpc != 0;
  in.query.ads_personalization = q->ads_personalization != 0;
  in.query.parental_consent = q->parental_consent != 0;
  in.query.consent_mask = q->consent_mask;
  in.query.feature_mask = q->feature_mask;
  in.decision = fg_decision_index(d);
  in.allow = fg_decision_allow(d) == 1;
  auto text = [](const char* s) { return s != nullptr ? std::string_view(s) : std::string_view(); };
  in.data_id = text(ids->data);
  in.purpose_id = text(ids->purpose);
  in.recipient_id = text(ids->recipient);
  in.destination_id = text(ids->destination);
  std::array<std::string_view, 16> rules, citations;
  in.rules = strings(d, fg_decision_rule_count, fg_decision_rule_at, &rules);
  in.citations = strings(d, fg_decision_citation_count, fg_decision_citation_at, &citations);
  if (!log->log->log(in)) {
    return fail(FG_ERR_NO_MEMORY,
                "fg_log_decision: the log's queue is full; the decision was dropped (counted in "
                "fg_log_stats.dropped)");
  }
  return succeed();
}

fg_status fg_log_flush(fg_log* log) {
  if (log == nullptr) return fail(FG_ERR_INVALID_ARGUMENT, "fg_log_flush: null log");
  log->log->flush();
  return succeed();
}

fg_status fg_log_get_stats(const fg_log* log, fg_log_stats* stats) {
  if (log == nullptr || stats == nullptr) {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_log_get_stats: null argument");
  }
  flowgate::log::LogStats s = log->log->stats();
  stats->offered = s.offered;
  stats->sampled_out = s.sampled_out;
  stats->dropped = s.dropped;
  stats->written = s.written;
  stats->pruned = s.pruned;
  stats->write_errors = s.write_errors;
  stats->last_seq = s.last_seq;
  return succeed();
}

fg_status fg_log_verify(const char* path, fg_log_verify_report* report) {
  if (path == nullptr || report == nullptr) {
    return fail(FG_ERR_INVALID_ARGUMENT, "fg_log_verify: null argument");
  }
  std::memset(report, 0, sizeof *report);
  try {
    flowgate::log::VerifyReport r;
    Status s = flowgate::log::verify_log(path, &r);
    if (!s.ok()) return fail(s);
    report->ok = r.ok ? 1 : 0;
    report->rows = r.rows;
    report->anchor_seq = r.anchor_seq;
    report->first_broken = r.first_broken;
    copy_text(r.problem, report->problem);
    std::copy(r.head.begin(), r.head.end(), report->head);
    return succeed();
  } catch (const std::bad_alloc&) {
    return fail(FG_ERR_NO_MEMORY, "fg_log_verify: out of memory");
  } catch (...) {
    return fail(FG_ERR_IO, "fg_log_verify: unexpected failure");
  }
}

const char* fg_log_last_error(void) {
  return last_error.c_str();
}

}  // extern "C"
