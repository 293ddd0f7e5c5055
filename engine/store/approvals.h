// ApprovalStore: the registry of approved bundle versions (docs/design.md, "Pipeline and layering":
// store), a SQLite database CI writes with `flowgate approve` and `flowgate diff --against
// approved` reads. Each approval keeps the bundle's SHA-256, the policy's name and version, who
// approved it, when (ISO 8601 UTC), a note, and the bundle bytes themselves, so a later diff
// compares against exactly what was approved. This file's external interface is ApprovalStore.
//
//   std::string error;
//   auto store = flowgate::ApprovalStore::open(".flowgate/approvals.db", &error);
//   if (!store) … error …
//   flowgate::Approval a;
//   if (!store->record(bundle_bytes, "ana", "Q3 review", &a, &error)) …
//   auto last = store->latest(&error);   // nullopt and error empty: nothing approved yet
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
  // Opens (creating when missing) the database file; its folder must exist. nullptr and *error on
  // failure.
  static std::unique_ptr<ApprovalStore> open(const std::string& path, std::string* error,
                                             int busy_timeout_ms = 30'000);
  ~ApprovalStore();
  ApprovalStore(const ApprovalStore&) = delete;
  ApprovalStore& operator=(const ApprovalStore&) = delete;

  // Records an approval of `bundle` (refused unless the runtime loads it). *out gets the row.
  bool record(const std::string& bundle, const std::string& who, const std::string& note,
              Approval* out, std::string* error);
  // Every approval, oldest first.
  bool list(std::vector<Approval>* out, bool with_bundles, std::string* error) const;
  // The most recent approval with its bundle; nullopt when there is none or on error (*error set).
  std::optional<Approval> latest(std::string* error) const;
  // PRAGMA integrity_check: true when it answers "ok"; *detail gets the answer otherwise.
  bool integrity_ok(std::string* detail) const;

 private:
  explicit ApprovalStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Lowercase hex SHA-256 of bytes.
std::string sha256_hex(const std::string& bytes);

}  // namespace flowgate
