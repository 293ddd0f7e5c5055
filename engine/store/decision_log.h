// The decision log's internals (flowgate/decision_log.h is the contract): the canonical bytes a
// row's hash covers, the chain step, the schema, and the bounded lock-free queue between log() and
// the writer thread. This file's external interface is stored_row, decode_row, canonical_bytes and
// chain_hash; the rest is shared by decision_log.cc and the tests.
//
// The chain covers each column exactly as SQLite stores it, not a decoded LogRow: a decoded row
// narrows integers (data + 2^32 reads as data) and reduces text to a flag (verdict 'DENY' reads as
// "not allow"), so an edit that survives the decoding would verify. The writer hashes the values it
// binds; verify_log hashes what sqlite3_column_type and the matching accessor return, so a change
// of storage class, width or a single byte of text changes the hash.
//
// Canonical bytes of a row (format 2): "fglog2", then for each of the 23 columns before `hash`, in
// the order of kChainedColumns, its SQLite storage class as one byte (1 integer, 2 real, 3 text,
// 4 blob, 5 null) and its value: an integer as its full 64 bits (two's complement, little-endian),
// a real as its IEEE-754 bits (u64 little-endian), text and blob as a u32 little-endian length and
// the stored bytes, NULL as nothing.
// hash(row n) = SHA-256(hash(row n-1) ‖ canonical bytes(row n)); the chain starts from the anchor
// row (seq 0 and 32 zero bytes in a new log; the last deleted row's seq and hash after rotation).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "flowgate/decision_log.h"

namespace flowgate::log {

using Hash = std::array<uint8_t, 32>;

// SQLite's storage classes, with SQLite's numbers (SQLITE_INTEGER … SQLITE_NULL).
enum class Storage : uint8_t { kInteger = 1, kReal = 2, kText = 3, kBlob = 4, kNull = 5 };

// One column of a row as SQLite holds it.
struct StoredValue {
  Storage type = Storage::kNull;
  int64_t integer = 0;  // kInteger; kReal: the double's bits
  std::string bytes;    // kText, kBlob
  bool operator==(const StoredValue&) const = default;
};

// The columns the chain covers, in table order (every column but hash).
inline constexpr std::array<const char*, 23> kChainedColumns = {
    "seq",          "time_ms",      "bundle",  "data",       "purpose",      "recipient",
    "destination",  "region",       "action",  "age_band",   "gpc",          "ads_personalization",
    "consent_mask", "feature_mask", "data_id", "purpose_id", "recipient_id", "destination_id",
    "verdict",      "decision",     "rules",   "citations",  "sample_every"};
using StoredRow = std::array<StoredValue, kChainedColumns.size()>;

// What the writer stores for `row` (and binds, so the hash and the file agree by construction).
StoredRow stored_row(const LogRow& row);
// A stored row read as a LogRow (narrowing, for query and export); the hash is left zero.
LogRow decode_row(const StoredRow& stored);
std::string canonical_bytes(const StoredRow& row);
Hash chain_hash(const Hash& previous, const StoredRow& row);
inline Hash chain_hash(const Hash& previous, const LogRow& row) {
  return chain_hash(previous, stored_row(row));
}

// The value of meta's 'format' row. Format 1 hashed decoded values (see above) and had no CHECK
// constraints; its files are refused by name, not read (docs/decision-log.md).
inline constexpr const char* kFormat = "flowgate decision log 2";
inline constexpr const char* kFormat1 = "flowgate decision log 1";

// Created in one transaction with the format row (kFormat) and the anchor row, which always exist:
// a log without either fails verification instead of passing as a chain that starts from zero. The
// CHECK constraints refuse, at write time, values the writer never stores (the chain, not the
// schema, is what detects an edit: whoever can write the file can also drop a constraint).
inline constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE anchor(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL CHECK (typeof(seq) = 'integer' AND seq >= 0),
  hash BLOB NOT NULL CHECK (typeof(hash) = 'blob' AND length(hash) = 32));
CREATE TABLE decisions(
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  time_ms INTEGER NOT NULL CHECK (typeof(time_ms) = 'integer'),
  bundle TEXT NOT NULL
    CHECK (typeof(bundle) = 'text' AND length(bundle) = 64 AND bundle NOT GLOB '*[^0-9a-f]*'),
  data INTEGER NOT NULL CHECK (typeof(data) = 'integer' AND data BETWEEN 0 AND 65535),
  purpose INTEGER NOT NULL CHECK (typeof(purpose) = 'integer' AND purpose BETWEEN 0 AND 65535),
  recipient INTEGER NOT NULL
    CHECK (typeof(recipient) = 'integer' AND recipient BETWEEN 0 AND 65535),
  destination INTEGER NOT NULL
    CHECK (typeof(destination) = 'integer' AND destination BETWEEN 0 AND 65535),
  region INTEGER NOT NULL CHECK (typeof(region) = 'integer' AND region BETWEEN 0 AND 65535),
  action INTEGER NOT NULL CHECK (typeof(action) = 'integer' AND action IN (0, 1)),
  age_band INTEGER NOT NULL CHECK (typeof(age_band) = 'integer' AND age_band BETWEEN -1 AND 3),
  gpc INTEGER NOT NULL CHECK (typeof(gpc) = 'integer' AND gpc IN (0, 1)),
  ads_personalization INTEGER NOT NULL
    CHECK (typeof(ads_personalization) = 'integer' AND ads_personalization IN (0, 1)),
  consent_mask INTEGER NOT NULL CHECK (typeof(consent_mask) = 'integer'),
  feature_mask INTEGER NOT NULL CHECK (typeof(feature_mask) = 'integer'),
  data_id TEXT NOT NULL CHECK (typeof(data_id) = 'text'),
  purpose_id TEXT NOT NULL CHECK (typeof(purpose_id) = 'text'),
  recipient_id TEXT NOT NULL CHECK (typeof(recipient_id) = 'text'),
  destination_id TEXT NOT NULL CHECK (typeof(destination_id) = 'text'),
  verdict TEXT NOT NULL CHECK (typeof(verdict) = 'text' AND verdict IN ('allow', 'deny')),
  decision INTEGER NOT NULL
    CHECK (typeof(decision) = 'integer' AND decision BETWEEN 0 AND 4294967295),
  rules TEXT NOT NULL CHECK (typeof(rules) = 'text'),
  citations TEXT NOT NULL CHECK (typeof(citations) = 'text'),
  sample_every INTEGER NOT NULL
    CHECK (typeof(sample_every) = 'integer' AND sample_every BETWEEN 1 AND 4294967295),
  hash BLOB NOT NULL CHECK (typeof(hash) = 'blob' AND length(hash) = 32));
CREATE INDEX decisions_time ON decisions(time_ms);
INSERT INTO anchor(id, seq, hash) VALUES (1, 0, zeroblob(32));
)sql";

// A queued decision: plain bytes, so log() copies and never allocates.
struct Entry {
  static constexpr size_t kTextCapacity = 480;
  int64_t time_ms;
  std::array<uint8_t, 32> digest;
  uint16_t data, purpose, recipient, destination, region;
  uint8_t action;
  int8_t age_band;
  bool gpc, ads_personalization, allow;
  uint32_t decision;
  uint32_t sample_every;
  uint64_t consent_mask, feature_mask;
  // data_id, purpose_id, recipient_id, destination_id, rules, citations: ends at text_end[i].
  std::array<uint16_t, 6> text_end;
  char text[kTextCapacity];
};
static_assert(std::is_trivially_copyable_v<Entry>);

// A bounded multi-producer multi-consumer queue (D. Vyukov's): each cell carries a sequence
// number that says whether it is free for the producer of a position or full for its consumer.
// try_push and try_pop never block and never allocate.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) {
    size_t n = 2;
    while (n < capacity) n <<= 1;
    cells_ = std::make_unique<Cell[]>(n);
    mask_ = n - 1;
    for (size_t i = 0; i < n; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }

  bool try_push(const T& value) noexcept {
    size_t pos = enqueue_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos & mask_];
      size_t seq = cell->seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        if (enqueue_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = enqueue_.load(std::memory_order_relaxed);
      }
    }
    cell->value = value;
    cell->seq.store(pos + 1, std::memory_order_release);
    return true;
  }

  bool try_pop(T* value) noexcept {
    size_t pos = dequeue_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos & mask_];
      size_t seq = cell->seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
      if (diff == 0) {
        if (dequeue_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;  // empty
      } else {
        pos = dequeue_.load(std::memory_order_relaxed);
      }
    }
    *value = cell->value;
    cell->seq.store(pos + mask_ + 1, std::memory_order_release);
    return true;
  }

 private:
  struct Cell {
    std::atomic<size_t> seq{0};
    T value;
  };
  std::unique_ptr<Cell[]> cells_;
  size_t mask_ = 0;
  alignas(64) std::atomic<size_t> enqueue_{0};
  alignas(64) std::atomic<size_t> dequeue_{0};
};

}  // namespace flowgate::log
