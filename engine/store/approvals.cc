// ApprovalStore: SQLite with WAL, busy timeout and immediate transactions.
#include "store/approvals.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <ctime>

#include "flowgate/runtime.h"
#include "runtime/sha256.h"

namespace flowgate {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS approvals ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  sha256 TEXT NOT NULL,"
    "  policy_name TEXT NOT NULL,"
    "  policy_version TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  approved_at TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  bundle BLOB NOT NULL)";

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

bool exec(sqlite3* db, const char* sql, std::string* error) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    *error = fmt::format("{} ({})", message ? message : sqlite3_errstr(rc), sql);
    sqlite3_free(message);
    return false;
  }
  return true;
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* text = sqlite3_column_text(s, i);
  return text ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace

std::string sha256_hex(const std::string& bytes) {
  auto digest = runtime::sha256(bytes);
  std::string out;
  for (uint8_t b : digest) out += fmt::format("{:02x}", b);
  return out;
}

std::unique_ptr<ApprovalStore> ApprovalStore::open(const std::string& path, std::string* error,
                                                   int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    *error = fmt::format("{}: cannot open the approvals database: {}", path,
                         db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return nullptr;
  }
  std::unique_ptr<ApprovalStore> store(new ApprovalStore(db));
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // Switching to WAL takes a lock a busy handler does not wait for on every path: retry briefly.
  bool wal = false;
  for (int attempt = 0; attempt < 200 && !wal; ++attempt) {
    std::string ignored;
    wal = exec(db, "PRAGMA journal_mode=WAL", &ignored);
    if (!wal) usleep(10'000);
  }
  std::string why;
  if (!wal || !exec(db, "PRAGMA synchronous=FULL", &why) || !exec(db, "BEGIN IMMEDIATE", &why)) {
    *error = fmt::format("{}: cannot open the approvals database: {}", path,
                         why.empty() ? "the journal could not be switched to WAL" : why);
    return nullptr;
  }
  if (!exec(db, kSchema, &why) || !exec(db, "COMMIT", &why)) {
    std::string ignored;
    exec(db, "ROLLBACK", &ignored);
    *error = fmt::format("{}: not an approvals database: {}", path, why);
    return nullptr;
  }
  return store;
}

ApprovalStore::~ApprovalStore() {
  sqlite3_close(db_);
}

bool ApprovalStore::record(const std::string& bundle, const std::string& who,
                           const std::string& note, Approval* out, std::string* error) {
  std::unique_ptr<const runtime::Bundle> loaded;
  runtime::Status status = runtime::Bundle::load(bundle, &loaded);
  if (!status.ok()) {
    *error = "refusing to approve a bundle the runtime does not load: " + status.message();
    return false;
  }
  Approval a;
  a.sha256 = sha256_hex(bundle);
  a.policy_name = std::string(loaded->policy_name());
  a.policy_version = std::string(loaded->policy_version());
  a.who = who;
  a.note = note;
  a.approved_at = now_utc();
  if (!exec(db_, "BEGIN IMMEDIATE", error)) return false;
  Statement insert(db_,
                   "INSERT INTO approvals (sha256, policy_name, policy_version, who, approved_at, "
                   "note, bundle) VALUES (?, ?, ?, ?, ?, ?, ?)");
  bool ok = insert.ok();
  if (ok) {
    sqlite3_stmt* s = insert.get();
    int i = 1;
    for (const std::string* text :
         {&a.sha256, &a.policy_name, &a.policy_version, &a.who, &a.approved_at, &a.note}) {
      sqlite3_bind_text(s, i++, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
    }
    sqlite3_bind_blob(s, i, bundle.data(), static_cast<int>(bundle.size()), SQLITE_TRANSIENT);
    ok = sqlite3_step(s) == SQLITE_DONE;
  }
  if (!ok) {
    *error = fmt::format("cannot record the approval: {}", sqlite3_errmsg(db_));
    std::string ignored;
    exec(db_, "ROLLBACK", &ignored);
    return false;
  }
  a.id = sqlite3_last_insert_rowid(db_);
  if (!exec(db_, "COMMIT", error)) {
    std::string ignored;
    exec(db_, "ROLLBACK", &ignored);
    return false;
  }
  a.bundle = bundle;
  if (out) *out = std::move(a);
  return true;
}

bool ApprovalStore::list(std::vector<Approval>* out, bool with_bundles, std::string* error) const {
  Statement select(
      db_, with_bundles ? "SELECT id, sha256, policy_name, policy_version, who, approved_at, note, "
                          "bundle FROM approvals ORDER BY id"
                        : "SELECT id, sha256, policy_name, policy_version, who, approved_at, note, "
                          "NULL FROM approvals ORDER BY id");
  if (!select.ok()) {
    *error = sqlite3_errmsg(db_);
    return false;
  }
  out->clear();
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    sqlite3_stmt* s = select.get();
    Approval a;
    a.id = sqlite3_column_int64(s, 0);
    a.sha256 = column_text(s, 1);
    a.policy_name = column_text(s, 2);
    a.policy_version = column_text(s, 3);
    a.who = column_text(s, 4);
    a.approved_at = column_text(s, 5);
    a.note = column_text(s, 6);
    if (const void* blob = sqlite3_column_blob(s, 7)) {
      a.bundle.assign(static_cast<const char*>(blob),
                      static_cast<size_t>(sqlite3_column_bytes(s, 7)));
    }
    out->push_back(std::move(a));
  }
  if (rc != SQLITE_DONE) {
    *error = sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

std::optional<Approval> ApprovalStore::latest(std::string* error) const {
  error->clear();
  Statement select(db_,
                   "SELECT id, sha256, policy_name, policy_version, who, approved_at, note, bundle "
                   "FROM approvals ORDER BY id DESC LIMIT 1");
  if (!select.ok()) {
    *error = sqlite3_errmsg(db_);
    return std::nullopt;
  }
  sqlite3_stmt* s = select.get();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) {
    *error = sqlite3_errmsg(db_);
    return std::nullopt;
  }
  Approval a;
  a.id = sqlite3_column_int64(s, 0);
  a.sha256 = column_text(s, 1);
  a.policy_name = column_text(s, 2);
  a.policy_version = column_text(s, 3);
  a.who = column_text(s, 4);
  a.approved_at = column_text(s, 5);
  a.note = column_text(s, 6);
  a.bundle.assign(static_cast<const char*>(sqlite3_column_blob(s, 7)),
                  static_cast<size_t>(sqlite3_column_bytes(s, 7)));
  return a;
}

bool ApprovalStore::integrity_ok(std::string* detail) const {
  Statement check(db_, "PRAGMA integrity_check");
  if (!check.ok()) {
    *detail = sqlite3_errmsg(db_);
    return false;
  }
  std::string answer;
  while (sqlite3_step(check.get()) == SQLITE_ROW) {
    answer += (answer.empty() ? "" : "; ") + column_text(check.get(), 0);
  }
  if (answer == "ok") return true;
  *detail = answer;
  return false;
}

}  // namespace flowgate
