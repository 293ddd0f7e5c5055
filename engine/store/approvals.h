// ApprovalStore: the registry of approved bundle versions (docs/design.md, "Pipeline and layering":
// store), a SQLite database CI writes with `flowgate approve` and `flowgate diff --against
// approved` reads. Each approval keeps the bundle's SHA-256, the policy's name and version, who
// approved it, when (ISO 8601 UTC), a note, and the bundle bytes themselves, so a later diff
// compares against exactly what was approved. This file's external interface is ApprovalStore.
//
//   std::unique_ptr<flowgate::ApprovalStore> store;
//   runtime::Status s = flowgate::ApprovalStore::open(".flowgate/approvals.db", &store);
//   if (!s.ok()) … s.message() …
//   flowgate::Approval a;
//   s = store->record(bundle_bytes, "ana", "Q3 review", &a);
//   std::optional<flowgate::Approval> last;
//   s = store->latest(&last);            // ok and nullopt: nothing approved yet
//
// Errors are runtime::Status values (docs/design.md, "Errors"): kIoError when SQLite cannot open,
// read or write the database, kCorruption when the file is not an approvals database, and the
// runtime's own Status when record() refuses a bundle it does not load.
//
// Durability: WAL journal, synchronous=FULL, every write one BEGIN IMMEDIATE transaction, and a
// busy timeout, so concurrent writers (separate processes or connections) queue instead of failing
// and a process killed mid-write leaves every committed approval and no partial one.
// Thread safety: one ApprovalStore per thread (a SQLite connection); open more for more threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flowgate/runtime.h"

struct sqlite3;

namespace flowgate {

struct Approval {
  int64_t id = 0;      // ascending in approval order
  std::string sha256;  // of the bundle bytes, 64 lowercase hex digits
  std::string policy_name, policy_version;
  std::string who, note;
  std::string approved_at;  // "2026-11-29T10:15:02Z"
  std::string bundle;       // the bytes (empty when listed without them)
};

class ApprovalStore {
 public:
  // Opens (creating when missing) the database file into *out; its folder must exist.
  static runtime::Status open(const std::string& path, std::unique_ptr<ApprovalStore>* out,
                              int busy_timeout_ms = 30'000);
  ~ApprovalStore();
  ApprovalStore(const ApprovalStore&) = delete;
  ApprovalStore& operator=(const ApprovalStore&) = delete;

  // Records an approval of `bundle` (refused unless the runtime loads it). *out (may be null)
  // gets the row.
  runtime::Status record(const std::string& bundle, const std::string& who, const std::string& note,
                         Approval* out);
  // Every approval, oldest first.
  runtime::Status list(std::vector<Approval>* out, bool with_bundles) const;
  // The most recent approval with its bundle; ok with nullopt when nothing is approved yet.
  runtime::Status latest(std::optional<Approval>* out) const;
  // PRAGMA integrity_check: ok when it answers "ok"; kCorruption with its answer otherwise.
  runtime::Status integrity_check() const;

 private:
  explicit ApprovalStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Lowercase hex SHA-256 of bytes.
std::string sha256_hex(const std::string& bytes);

}  // namespace flowgate
