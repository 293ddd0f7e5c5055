// Approvals: the records in the repository that say who approved which compiled policy, and the
// local registry (SQLite) beside them (docs/approvals.md). This file's external interfaces are the
// approval records (read_approvers, read_approval_records, render_approval_record) and
// ApprovalStore.
//
// Approval records are the copy that counts: `flowgate approve` writes one file per approval under
// approvals/ at the policy root, reviewed and committed with the change; `flowgate diff --against
// approved` and CI read them from the checkout. A record names the compiled policy's digest (the
// SHA-256 content digest of its bundle, unsigned and without a serial), the policy's name and
// version, the git objects of the approved rules/, jurisdictions/ and data_inventory.yaml, the
// approver (a name listed in approvers.yaml at the policy root) and the time, and carries the
// approver's Ed25519 signature over approval_message(): every field but the signature, as compact
// JSON with sorted keys. A record is valid only when its key is the listed approver's and the
// signature verifies; read_approval_records refuses the whole folder on the first invalid one.
//
// The ApprovalStore is a local index (.flowgate/approvals.db, git-ignored) of approved bundles,
// SQLite, which `flowgate approve` also writes: never the only copy. Each row keeps the bundle's
// SHA-256, the policy's name and version, who approved it, when (ISO 8601 UTC), a note, and the
// bundle bytes.
//
//   std::unique_ptr<flowgate::ApprovalStore> store;
//   runtime::Status s = flowgate::ApprovalStore::open(".flowgate/approvals.db", &store);
//   if (!s.ok()) … s.message() …
//   flowgate::Approval a;
//   s = store->record(bundle_bytes, "ana", "Q3 review", &a);
//   std::optional<flowgate::Approval> last;
//   s = store->latest(&last);            // ok and nullopt: nothing approved yet
//
// Errors are runtime::Status values (docs/design.md, "Errors"): kIoError when a file or SQLite
// cannot be opened, read or written, kCorruption when the file is not an approvals database,
// kInvalidArgument for a record or approvers file that is not well formed (its message
// "path:line:col: what, and the fix"), kUnauthenticated for a record whose signature or key is
// not an approver's, and the runtime's own Status when record() refuses a bundle it does not load.
//
// Durability of the store: WAL journal, synchronous=FULL, every write one BEGIN IMMEDIATE
// transaction, and a busy timeout, so concurrent writers (separate processes or connections) queue
// instead of failing and a process killed mid-write leaves every committed approval and no partial
// one. Thread safety: one ApprovalStore per thread (a SQLite connection); open more for more
// threads. The record functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/runtime.h"
#include "flowgate/verify.h"

struct sqlite3;

namespace flowgate {

// ---- approval records, the copy in the repository --------------------------------------------

inline constexpr const char* kApprovalsDir = "approvals";
inline constexpr const char* kApproversFile = "approvers.yaml";
inline constexpr const char* kApprovalFormat = "flowgate-approval/1";

// One entry of approvers.yaml: who may approve, and the public half of their key.
struct Approver {
  std::string name, email, role;
  runtime::PublicKey key;
};
// Reads approvers.yaml (`display` names it in messages); a missing file is a kIoError that says
// how to make one.
runtime::Status read_approvers(const std::string& path, const std::string& display,
                               std::vector<Approver>* out);
// The approver named `who` (name or email), or null.
const Approver* find_approver(const std::vector<Approver>& approvers, std::string_view who);

// Where the approved policy's content is: git object ids, present in any clone holding a commit
// with that content (squash merges keep them), so `git archive` can extract it again.
struct PolicySource {
  std::string commit;          // HEAD when approved (for people; not needed to extract)
  std::string rules;           // tree of rules/
  std::string jurisdictions;   // tree of jurisdictions/
  std::string data_inventory;  // blob of data_inventory.yaml
};

struct ApprovalRecord {
  std::string policy_name, policy_version;
  std::string digest;  // SHA-256 of the compiled policy's unsigned, serial-less bundle, hex
  PolicySource source;
  std::string approver;     // a name in approvers.yaml
  std::string key;          // the approver's public key, 64 hex digits
  std::string approved_at;  // "2026-11-29T10:15:02Z"
  std::string note;
  runtime::Signature signature{};
  std::string path;  // the file it was read from (empty when not read)
};

// The bytes the signature covers: every field but the signature, compact JSON, sorted keys.
std::string approval_message(const ApprovalRecord& record);
// The record file's text (YAML, the fields in a fixed order, strings quoted).
std::string render_approval_record(const ApprovalRecord& record);
// Its file name under approvals/: "<version>-<digest, 12 digits>-<approver slug>.yaml".
std::string approval_file_name(const ApprovalRecord& record);
// Parses a record file. kInvalidArgument, "display:line:col: …", when it is not one.
runtime::Status parse_approval_record(std::string_view text, const std::string& display,
                                      ApprovalRecord* out);
// Ok when the record's approver is listed with the record's key and the signature verifies.
runtime::Status verify_approval_record(const ApprovalRecord& record,
                                       const std::vector<Approver>& approvers);
// Every approvals/*.yaml under `policy_root`, parsed and verified, oldest first (approved_at,
// then file name). The first file that fails makes the whole call fail; a missing folder is none.
runtime::Status read_approval_records(const std::string& policy_root,
                                      const std::vector<Approver>& approvers,
                                      std::vector<ApprovalRecord>* out);

// The current UTC time as "2026-11-29T10:15:02Z".
std::string utc_timestamp();

// ---- the local index (SQLite) ------------------------------------------------------------------

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
