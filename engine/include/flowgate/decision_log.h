// The decision log: a tamper-evident record, on the device, of what decide() answered. A library
// of its own (flowgate_log: the runtime + SQLite), beside the runtime: decide() never touches it,
// and an app that does not want a log does not link it.
//
//   flowgate::log::LogOptions options;
//   options.path = "decisions.db";
//   std::unique_ptr<flowgate::log::DecisionLog> log;
//   if (!flowgate::log::DecisionLog::open(options, &log).ok()) …   // the app runs without a log
//   uint32_t d = bundle->decide(q);
//   log->log(*bundle, q, d);        // never blocks: a try-push onto a bounded queue
//
// What a row holds (docs/decision-log.md): the time (ms since the epoch), the hex SHA-256 digest
// of the bundle that decided, the query's interned ids (data, purpose, recipient, destination and
// the subject's region as bundle indices; the vocabulary ids of data, purpose, recipient and
// destination as text), the action, the signals as flags and masks, the subject's age as a BAND
// (unknown, under 13, 13–15, 16–17, 18 and over: the thresholds the laws use), never the age
// itself, and never a region name; the verdict, the decision index, the rule ids and citations,
// and the sampling weight. Rows are hash-chained: row n stores SHA-256(hash of row n-1 ‖ the
// canonical bytes of row n: every column with its SQLite type and value exactly as stored), so an
// altered, inserted or deleted row breaks the chain, as does a value of another type or width.
//
// Sampling: every deny is logged; allows are logged one in `allow_sample_every` (the row records
// the weight, so counts can be scaled back). Rotation: when the table holds more than `max_rows`
// rows the oldest are deleted, in the same transaction, and the hash and sequence number of the
// last deleted row are kept as the chain's anchor, so verification still starts from a known hash.
//
// Threads: log() may be called from any number of threads at once; it is lock-free, never blocks
// and never allocates: when the queue is full the entry is dropped and counted (stats().dropped).
// One writer thread drains the queue and inserts in batches, one transaction each, in WAL mode.
// Nothing here throws; failures are Status values, and write errors after open are counted.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/runtime.h"

namespace flowgate::log {

using runtime::Status;

// The subject's age, reduced to the bands the laws draw lines at (COPPA and the lowest EU digital
// consent age: 13; GDPR art. 8 and §11.1.2: 16; US state minors' laws: 18).
enum class AgeBand : int8_t {
  kUnknown = -1,
  kUnder13 = 0,
  k13To15 = 1,
  k16To17 = 2,
  k18AndOver = 3,
};
AgeBand age_band(int age) noexcept;
std::string_view age_band_name(AgeBand band) noexcept;  // "unknown", "<13", "13-15", …

struct LogOptions {
  std::string path;                         // the SQLite file (created when missing)
  size_t queue_capacity = 4096;             // entries; rounded up to a power of two
  uint32_t allow_sample_every = 1;          // log 1 in N allows (1: all); every deny is logged
  uint64_t max_rows = 1'000'000;            // rotation: keep at most this many rows (0: unbounded)
  size_t batch_max = 512;                   // rows per transaction at most
  std::chrono::milliseconds idle_wait{20};  // the writer's sleep when the queue is empty
  bool durable = true;  // synchronous=FULL (survives power loss); false: NORMAL (survives crashes)
  // Called on the writer thread after each commit with the last committed sequence number.
  std::function<void(uint64_t last_seq)> on_commit;
};

struct LogStats {
  uint64_t offered = 0;       // log() calls
  uint64_t sampled_out = 0;   // allows not logged by sampling
  uint64_t dropped = 0;       // entries lost because the queue was full
  uint64_t written = 0;       // rows committed by this instance
  uint64_t pruned = 0;        // rows deleted by rotation by this instance
  uint64_t write_errors = 0;  // failed transactions (their rows are lost and counted here)
  uint64_t last_seq = 0;      // the last committed sequence number
};

// What to log, for callers that do not hold a runtime::Bundle (the C API: fg_bundle_digest and the
// fg_decision accessors give every field). The strings are copied by log().
struct LogInput {
  std::array<uint8_t, 32> bundle_digest{};
  runtime::InternedQuery query;  // the age is reduced to its band
  uint32_t decision = 0;
  bool allow = false;
  std::string_view data_id, purpose_id, recipient_id, destination_id;
  std::span<const std::string_view> rules{}, citations{};
};

class DecisionLog {
 public:
  // Opens (creating if needed) the log, continues its chain, and starts the writer thread.
  static Status open(const LogOptions& options, std::unique_ptr<DecisionLog>* log) noexcept;
  // Drains the queue, commits, stops the writer and closes the database.
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // Queues one decision; never blocks. False when it was dropped (queue full); true when queued
  // or sampled out. The time is taken here.
  bool log(const runtime::Bundle& bundle, const runtime::InternedQuery& query,
           uint32_t decision) noexcept;
  bool log(const LogInput& input) noexcept;

  // Waits until everything queued before the call is committed (for shutdown and tests).
  void flush() noexcept;
  LogStats stats() const noexcept;

  struct Impl;

 private:
  explicit DecisionLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reading a log (flowgate audit). Each opens the file read-only.

// One row, as stored.
struct LogRow {
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::string bundle;  // hex SHA-256 of the bundle
  uint32_t data = 0, purpose = 0, recipient = 0, destination = 0, region = 0;
  uint8_t action = 0;  // 0 collect, 1 transmit
  int8_t age_band = -1;
  bool gpc = false;
  bool ads_personalization = true;
  uint64_t consent_mask = 0, feature_mask = 0;
  std::string data_id, purpose_id, recipient_id, destination_id;
  bool allow = false;
  uint32_t decision = 0;
  std::string rules;      // comma-separated rule ids
  std::string citations;  // comma-separated sections
  uint32_t sample_every = 1;
  std::array<uint8_t, 32> hash{};
};

struct VerifyReport {
  bool ok = false;
  uint64_t rows = 0;               // rows checked
  uint64_t anchor_seq = 0;         // 0: the chain starts at row 1
  uint64_t first_broken = 0;       // the first row whose chain does not hold (0 when ok)
  std::string problem;             // what is wrong with it
  std::array<uint8_t, 32> head{};  // the last row's hash
};
// Status is an error only when the file cannot be read as a log, or is a format 1 log
// (kNotSupported: its chain did not cover the columns as stored, docs/decision-log.md); a broken
// chain, a damaged file, or a missing anchor or format row is ok() with report->ok false.
Status verify_log(const std::string& path, VerifyReport* report) noexcept;

struct LogFilter {
  std::optional<int64_t> since_ms, until_ms;  // inclusive
  std::optional<bool> allow;
  std::string rule;  // a rule id the row names
  std::string data;  // a data category: the id or a group above it ("technical" → technical.*)
};
// Calls `row` for each matching row in sequence order; stops early when it returns false.
Status read_log(const std::string& path, const LogFilter& filter,
                const std::function<bool(const LogRow&)>& row) noexcept;

}  // namespace flowgate::log
