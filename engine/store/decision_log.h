// The decision log's internals (flowgate/decision_log.h is the contract): the canonical bytes a
// row's hash covers, the chain step, the schema, and the bounded lock-free queue between log() and
// the writer thread. This file's external interface is canonical_bytes and chain_hash; the rest is
// shared by decision_log.cc and the tests.
//
// Canonical bytes of a row (all integers little-endian; strings as a u32 length and the bytes):
//   "fglog1" | seq u64 | time_ms i64 | bundle (hex) str | data u32 | purpose u32 | recipient u32 |
//   destination u32 | region u32 | action u8 | age_band i8 | gpc u8 | ads_personalization u8 |
//   consent_mask u64 | feature_mask u64 | data_id str | purpose_id str | recipient_id str |
//   destination_id str | allow u8 | decision u32 | rules str | citations str | sample_every u32
// hash(row n) = SHA-256(hash(row n-1) ‖ canonical bytes(row n)); hash(row 0) is 32 zero bytes, or
// the anchor's hash when rotation has deleted the rows up to the anchor's sequence number.
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

std::string canonical_bytes(const LogRow& row);
Hash chain_hash(const Hash& previous, const LogRow& row);
std::string to_hex(const uint8_t* bytes, size_t size);

inline constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS anchor(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS decisions(
  seq INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  bundle TEXT NOT NULL,
  data INTEGER NOT NULL, purpose INTEGER NOT NULL, recipient INTEGER NOT NULL,
  destination INTEGER NOT NULL, region INTEGER NOT NULL,
  action INTEGER NOT NULL, age_band INTEGER NOT NULL,
  gpc INTEGER NOT NULL, ads_personalization INTEGER NOT NULL,
  consent_mask INTEGER NOT NULL, feature_mask INTEGER NOT NULL,
  data_id TEXT NOT NULL, purpose_id TEXT NOT NULL, recipient_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  verdict TEXT NOT NULL, decision INTEGER NOT NULL, rules TEXT NOT NULL, citations TEXT NOT NULL,
  sample_every INTEGER NOT NULL,
  hash BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS decisions_time ON decisions(time_ms);
INSERT OR IGNORE INTO meta(key, value) VALUES ('format', 'flowgate decision log 1');
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
