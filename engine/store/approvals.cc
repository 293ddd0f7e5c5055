// ApprovalStore: SQLite with WAL, busy timeout and immediate transactions.
#include "store/approvals.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <ctime>

#include "flowgate/runtime.h"
#include "runtime/hex.h"
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

// One statement; a kIoError Status naming SQLite's message and the statement on failure.
runtime::Status exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return runtime::Status();
  runtime::Status status = runtime::Status::io_error(
      fmt::format("{} ({})", message ? message : sqlite3_errstr(rc), sql));
  sqlite3_free(message);
  return status;
}

// The connection's last error as a Status.
runtime::Status sqlite_error(sqlite3* db, std::string_view doing) {
  return runtime::Status::io_error(fmt::format("{}: {}", doing, sqlite3_errmsg(db)));
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

// The columns of an approvals row as selected by kSelectColumns: the one mapping from a row to an
// Approval. The bundle column is NULL when listed without bundles (and would be for a zero-length
// blob): the bundle is then left empty.
constexpr const char* kSelectColumns =
    "SELECT id, sha256, policy_name, policy_version, who, approved_at, note, ";
Approval read_row(sqlite3_stmt* s) {
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
  return a;
}

}  // namespace

std::string sha256_hex(const std::string& bytes) {
  return runtime::to_hex(runtime::sha256(bytes));
}

runtime::Status ApprovalStore::open(const std::string& path, std::unique_ptr<ApprovalStore>* out,
                                    int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    runtime::Status status =
        runtime::Status::io_error(fmt::format("{}: cannot open the approvals database: {}", path,
                                              db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<ApprovalStore> store(new ApprovalStore(db));
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // Switching to WAL takes a lock a busy handler does not wait for on every path: retry briefly.
  bool wal = false;
  for (int attempt = 0; attempt < 200 && !wal; ++attempt) {
    wal = exec(db, "PRAGMA journal_mode=WAL").ok();
    if (!wal) usleep(10'000);
  }
  runtime::Status why;
  if (wal) why = exec(db, "PRAGMA synchronous=FULL");
  if (wal && why.ok()) why = exec(db, "BEGIN IMMEDIATE");
  if (!wal || !why.ok()) {
    return runtime::Status::io_error(
        fmt::format("{}: cannot open the approvals database: {}", path,
                    wal ? why.message() : "the journal could not be switched to WAL"));
  }
  why = exec(db, kSchema);
  if (why.ok()) why = exec(db, "COMMIT");
  if (!why.ok()) {
    exec(db, "ROLLBACK");
    return runtime::Status::corruption(
        fmt::format("{}: not an approvals database: {}", path, why.message()));
  }
  *out = std::move(store);
  return runtime::Status();
}

ApprovalStore::~ApprovalStore() {
  sqlite3_close(db_);
}

runtime::Status ApprovalStore::record(const std::string& bundle, const std::string& who,
                                      const std::string& note, Approval* out) {
  std::unique_ptr<const runtime::Bundle> loaded;
  runtime::Status status = runtime::Bundle::load(bundle, &loaded);
  if (!status.ok()) {
    return runtime::Status(
        status.code(),
        "refusing to approve a bundle the runtime does not load: " + status.message());
  }
  Approval a;
  a.sha256 = sha256_hex(bundle);
  a.policy_name = std::string(loaded->policy_name());
  a.policy_version = std::string(loaded->policy_version());
  a.who = who;
  a.note = note;
  a.approved_at = now_utc();
  if (status = exec(db_, "BEGIN IMMEDIATE"); !status.ok()) return status;
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
    status = sqlite_error(db_, "cannot record the approval");
    exec(db_, "ROLLBACK");
    return status;
  }
  a.id = sqlite3_last_insert_rowid(db_);
  if (status = exec(db_, "COMMIT"); !status.ok()) {
    exec(db_, "ROLLBACK");
    return status;
  }
  a.bundle = bundle;
  if (out) *out = std::move(a);
  return runtime::Status();
}

runtime::Status ApprovalStore::list(std::vector<Approval>* out, bool with_bundles) const {
  const std::string sql = std::string(kSelectColumns) + (with_bundles ? "bundle" : "NULL") +
                          " FROM approvals ORDER BY id";
  Statement select(db_, sql.c_str());
  if (!select.ok()) return sqlite_error(db_, "cannot list the approvals");
  out->clear();
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) out->push_back(read_row(select.get()));
  if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot list the approvals");
  return runtime::Status();
}

runtime::Status ApprovalStore::latest(std::optional<Approval>* out) const {
  out->reset();
  const std::string sql =
      std::string(kSelectColumns) + "bundle FROM approvals ORDER BY id DESC LIMIT 1";
  Statement select(db_, sql.c_str());
  if (!select.ok()) return sqlite_error(db_, "cannot read the latest approval");
  sqlite3_stmt* s = select.get();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return runtime::Status();
  if (rc != SQLITE_ROW) return sqlite_error(db_, "cannot read the latest approval");
  *out = read_row(s);
  return runtime::Status();
}

runtime::Status ApprovalStore::integrity_check() const {
  Statement check(db_, "PRAGMA integrity_check");
  if (!check.ok()) return sqlite_error(db_, "cannot check the database");
  std::string answer;
  while (sqlite3_step(check.get()) == SQLITE_ROW) {
    answer += (answer.empty() ? "" : "; ") + column_text(check.get(), 0);
  }
  if (answer == "ok") return runtime::Status();
  return runtime::Status::corruption(answer);
}

}  // namespace flowgate
