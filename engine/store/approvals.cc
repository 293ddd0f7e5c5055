// Approval records (YAML files, Ed25519 signatures) and the ApprovalStore (SQLite with WAL, busy
// timeout and immediate transactions).
#include "store/approvals.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "flowgate/runtime.h"
#include "flowgate/verify.h"
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

// ---- approval records --------------------------------------------------------------------------

namespace {

// "display:line:col: message" for a yaml-cpp mark (0-based) in a record or approvers file.
runtime::Status at(const std::string& display, const YAML::Mark& mark, std::string_view message) {
  return runtime::Status::invalid_argument(
      fmt::format("{}:{}:{}: {}", display, mark.line + 1, mark.column + 1, message));
}

// The scalar `key` of mapping `node`: *out, or an error naming the key and what is expected.
runtime::Status scalar(const YAML::Node& node, const char* key, const std::string& display,
                       std::string* out) {
  YAML::Node value = node[key];
  if (!value) return at(display, node.Mark(), fmt::format("'{}' is missing", key));
  if (!value.IsScalar()) return at(display, value.Mark(), fmt::format("'{}' is not text", key));
  *out = value.Scalar();
  return runtime::Status();
}

// Refuses keys of mapping `node` outside `known`.
runtime::Status only_keys(const YAML::Node& node, std::initializer_list<std::string_view> known,
                          const std::string& display) {
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return at(display, entry.first.Mark(),
                fmt::format("unknown key '{}' (expected one of: {})", key, fmt::join(known, ", ")));
    }
  }
  return runtime::Status();
}

bool is_hex(std::string_view text, size_t digits) {
  return text.size() == digits && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Reads a whole file (at most `limit` bytes) into *out.
runtime::Status read_small_file(const std::string& path, const std::string& display, size_t limit,
                                std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return runtime::Status::io_error(display + ": cannot open");
  out->assign(limit + 1, '\0');
  in.read(out->data(), static_cast<std::streamsize>(out->size()));
  out->resize(static_cast<size_t>(in.gcount()));
  if (out->size() > limit) {
    return runtime::Status::invalid_argument(
        fmt::format("{}: larger than {} bytes; not an approvals file", display, limit));
  }
  return runtime::Status();
}

constexpr size_t kMaxApprovalFileBytes = 64 * 1024;

// A YAML double-quoted scalar: JSON's escaping, which YAML reads back the same.
std::string quoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string utc_timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

runtime::Status read_approvers(const std::string& path, const std::string& display,
                               std::vector<Approver>* out) {
  out->clear();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return runtime::Status::io_error(fmt::format(
        "{}: no such file; list who may approve there (approvers: - name, email, role, key: the "
        "public key from flowgate keygen), reviewed and committed like the policy",
        display));
  }
  std::string text;
  if (runtime::Status s = read_small_file(path, display, kMaxApprovalFileBytes, &text); !s.ok()) {
    return s;
  }
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || !root["approvers"] || !root["approvers"].IsSequence()) {
      return at(display, root.Mark(), "expected a mapping with 'approvers:', a list of approvers");
    }
    if (runtime::Status s = only_keys(root, {"approvers"}, display); !s.ok()) return s;
    for (const YAML::Node& entry : root["approvers"]) {
      if (!entry.IsMap()) return at(display, entry.Mark(), "an approver is a mapping");
      if (runtime::Status s = only_keys(entry, {"name", "email", "role", "key"}, display);
          !s.ok()) {
        return s;
      }
      Approver a;
      std::string key;
      runtime::Status s = scalar(entry, "name", display, &a.name);
      if (s.ok()) s = scalar(entry, "key", display, &key);
      if (!s.ok()) return s;
      if (entry["email"]) s = scalar(entry, "email", display, &a.email);
      if (s.ok() && entry["role"]) s = scalar(entry, "role", display, &a.role);
      if (!s.ok()) return s;
      if (a.name.empty()) return at(display, entry["name"].Mark(), "an approver's name is empty");
      if (runtime::Status k = runtime::parse_public_key_hex(key, &a.key); !k.ok()) {
        return at(display, entry["key"].Mark(),
                  k.message() + " (the .pub file flowgate keygen writes)");
      }
      for (const Approver& other : *out) {
        if (other.name == a.name || other.key.bytes == a.key.bytes) {
          return at(display, entry.Mark(),
                    fmt::format("'{}' repeats the name or key of '{}'", a.name, other.name));
        }
      }
      out->push_back(std::move(a));
    }
  } catch (const YAML::Exception& e) {
    return at(display, e.mark, e.msg);
  }
  return runtime::Status();
}

const Approver* find_approver(const std::vector<Approver>& approvers, std::string_view who) {
  for (const Approver& a : approvers) {
    if (a.name == who || (!a.email.empty() && a.email == who)) return &a;
  }
  return nullptr;
}

std::string approval_message(const ApprovalRecord& r) {
  nlohmann::json fields = {{"format", kApprovalFormat},
                           {"policy", r.policy_name},
                           {"version", r.policy_version},
                           {"digest", r.digest},
                           {"source",
                            {{"commit", r.source.commit},
                             {"rules", r.source.rules},
                             {"jurisdictions", r.source.jurisdictions},
                             {"data_inventory", r.source.data_inventory}}},
                           {"approver", r.approver},
                           {"key", r.key},
                           {"approved_at", r.approved_at},
                           {"note", r.note}};
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string render_approval_record(const ApprovalRecord& r) {
  std::string out =
      "# flowgate approval record (docs/approvals.md), written by `flowgate approve`. Review it\n"
      "# and commit it with the change. The signature covers every field; an edited record is\n"
      "# refused.\n";
  out += fmt::format("format: {}\n", quoted(kApprovalFormat));
  out += fmt::format("policy: {}\nversion: {}\ndigest: {}\n", quoted(r.policy_name),
                     quoted(r.policy_version), quoted(r.digest));
  out +=
      fmt::format("source:\n  commit: {}\n  rules: {}\n  jurisdictions: {}\n  data_inventory: {}\n",
                  quoted(r.source.commit), quoted(r.source.rules), quoted(r.source.jurisdictions),
                  quoted(r.source.data_inventory));
  out += fmt::format("approver: {}\nkey: {}\napproved_at: {}\nnote: {}\n", quoted(r.approver),
                     quoted(r.key), quoted(r.approved_at), quoted(r.note));
  out += fmt::format("signature: {}\n", quoted(runtime::to_hex(r.signature)));
  return out;
}

std::string approval_file_name(const ApprovalRecord& r) {
  auto slug = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
      if (keep) {
        out += c;
      } else if (c >= 'A' && c <= 'Z') {
        out += static_cast<char>(c - 'A' + 'a');
      } else if (!out.empty() && out.back() != '-') {
        out += '-';
      }
    }
    while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
    return out.empty() ? std::string("x") : out;
  };
  return fmt::format("{}-{}-{}.yaml", slug(r.policy_version), r.digest.substr(0, 12),
                     slug(r.approver));
}

runtime::Status parse_approval_record(std::string_view text, const std::string& display,
                                      ApprovalRecord* out) {
  ApprovalRecord r;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) return at(display, root.Mark(), "not an approval record (a YAML mapping)");
    runtime::Status s = only_keys(root,
                                  {"format", "policy", "version", "digest", "source", "approver",
                                   "key", "approved_at", "note", "signature"},
                                  display);
    std::string format, signature;
    if (s.ok()) s = scalar(root, "format", display, &format);
    if (s.ok() && format != kApprovalFormat) {
      return at(display, root["format"].Mark(),
                fmt::format("format '{}' is not {} (written by another flowgate?)", format,
                            kApprovalFormat));
    }
    const std::pair<const char*, std::string*> fields[] = {{"policy", &r.policy_name},
                                                           {"version", &r.policy_version},
                                                           {"digest", &r.digest},
                                                           {"approver", &r.approver},
                                                           {"key", &r.key},
                                                           {"approved_at", &r.approved_at},
                                                           {"note", &r.note},
                                                           {"signature", &signature}};
    for (const auto& [key, field] : fields) {
      if (s.ok()) s = scalar(root, key, display, field);
    }
    if (!s.ok()) return s;
    YAML::Node source = root["source"];
    if (!source || !source.IsMap()) {
      return at(display, root.Mark(),
                "'source' (commit, rules, jurisdictions, data_inventory) is missing");
    }
    s = only_keys(source, {"commit", "rules", "jurisdictions", "data_inventory"}, display);
    const std::pair<const char*, std::string*> objects[] = {
        {"commit", &r.source.commit},
        {"rules", &r.source.rules},
        {"jurisdictions", &r.source.jurisdictions},
        {"data_inventory", &r.source.data_inventory}};
    for (const auto& [key, field] : objects) {
      if (s.ok()) s = scalar(source, key, display, field);
      if (s.ok() && !is_hex(*field, 40) && !is_hex(*field, 64)) {
        return at(display, source[key].Mark(),
                  fmt::format("source.{} is not a git object id (40 or 64 hex digits)", key));
      }
    }
    if (!s.ok()) return s;
    if (!is_hex(r.digest, 64)) {
      return at(display, root["digest"].Mark(), "digest is not 64 lowercase hex digits");
    }
    if (!is_hex(r.key, 64)) {
      return at(display, root["key"].Mark(), "key is not 64 lowercase hex digits");
    }
    if (!is_hex(signature, 128) || !runtime::from_hex(signature, r.signature)) {
      return at(display, root["signature"].Mark(), "signature is not 128 lowercase hex digits");
    }
  } catch (const YAML::Exception& e) {
    return at(display, e.mark, e.msg);
  }
  r.path = display;
  *out = std::move(r);
  return runtime::Status();
}

runtime::Status verify_approval_record(const ApprovalRecord& r,
                                       const std::vector<Approver>& approvers) {
  const std::string where = r.path.empty() ? std::string("approval record") : r.path;
  runtime::PublicKey key;
  if (runtime::Status s = runtime::parse_public_key_hex(r.key, &key); !s.ok()) {
    return runtime::Status::unauthenticated(where + ": " + s.message());
  }
  const Approver* named = find_approver(approvers, r.approver);
  const Approver* holder = nullptr;
  for (const Approver& a : approvers) {
    if (a.key.bytes == key.bytes) holder = &a;
  }
  if (holder == nullptr) {
    return runtime::Status::unauthenticated(fmt::format(
        "{}: signed with key {}, which {} does not list (an unlisted key approves nothing: add "
        "the approver there, reviewed like the policy, or remove the record)",
        where, r.key.substr(0, 16), kApproversFile));
  }
  if (named != holder) {
    return runtime::Status::unauthenticated(
        fmt::format("{}: names approver '{}' but is signed with the key of '{}' ({})", where,
                    r.approver, holder->name, kApproversFile));
  }
  if (runtime::Status s = runtime::verify_detached(approval_message(r), r.signature, key);
      !s.ok()) {
    return runtime::Status::unauthenticated(
        fmt::format("{}: {}; a record cannot be edited after it is signed: write it again "
                    "with flowgate approve",
                    where, s.message()));
  }
  return runtime::Status();
}

runtime::Status read_approval_records(const std::string& policy_root,
                                      const std::vector<Approver>& approvers,
                                      std::vector<ApprovalRecord>* out) {
  namespace fs = std::filesystem;
  out->clear();
  const fs::path dir = fs::path(policy_root) / kApprovalsDir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return runtime::Status();
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  if (ec)
    return runtime::Status::io_error(
        fmt::format("{}: cannot list: {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    const std::string display = (fs::path(kApprovalsDir) / file.filename()).string();
    std::string text;
    ApprovalRecord r;
    runtime::Status s = read_small_file(file.string(), display, kMaxApprovalFileBytes, &text);
    if (s.ok()) s = parse_approval_record(text, display, &r);
    if (s.ok()) s = verify_approval_record(r, approvers);
    if (!s.ok()) return s;
    out->push_back(std::move(r));
  }
  std::stable_sort(out->begin(), out->end(), [](const ApprovalRecord& a, const ApprovalRecord& b) {
    return a.approved_at < b.approved_at;
  });
  return runtime::Status();
}

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
  a.approved_at = utc_timestamp();
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
