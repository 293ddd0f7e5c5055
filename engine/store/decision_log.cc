// The decision log (flowgate/decision_log.h): log() → BoundedQueue → the writer thread → SQLite
// (WAL), one transaction a batch, rows hash-chained (store/decision_log.h gives the canonical
// bytes). This file's external interface is DecisionLog, verify_log and read_log.
#include "store/decision_log.h"

#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/hex.h"
#include "runtime/sha256.h"

namespace flowgate::log {
namespace {

void put_u8(std::string& out, uint8_t v) {
  out.push_back(static_cast<char>(v));
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Appends `s` to the entry's text; false when it does not fit (the entry is then truncated, which
// the row shows as a trailing "…" on the cut field).
void append_text(Entry& e, size_t field, size_t& used, std::string_view s) {
  size_t room = Entry::kTextCapacity - used;
  size_t n = std::min(room, s.size());
  if (n > 0) std::memcpy(e.text + used, s.data(), n);  // an empty view may hold a null pointer
  used += n;
  e.text_end[field] = static_cast<uint16_t>(used);
}

void append_list(Entry& e, size_t field, size_t& used, std::span<const std::string_view> items) {
  size_t start = used;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) append_text(e, field, used, ",");
    append_text(e, field, used, items[i]);
  }
  if (items.empty()) e.text_end[field] = static_cast<uint16_t>(start);
}

std::string_view text_field(const Entry& e, size_t field) {
  size_t begin = field == 0 ? 0 : e.text_end[field - 1];
  return std::string_view(e.text + begin, e.text_end[field] - begin);
}

// A SQLite connection and statement, closed on scope exit.
struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close_v2(db); }
};
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

Status db_error(sqlite3* db, std::string_view what) {
  return Status::io_error("decision log: " + std::string(what) + ": " +
                          (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

bool exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t != nullptr ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s, i))
                      : std::string();
}

// A 32-byte hash stored as a blob (a 32-character text is not a hash).
Hash column_hash(sqlite3_stmt* s, int i, bool* ok) {
  Hash h{};
  *ok = sqlite3_column_type(s, i) == SQLITE_BLOB && sqlite3_column_bytes(s, i) == 32;
  if (*ok) std::memcpy(h.data(), sqlite3_column_blob(s, i), 32);
  return h;
}

// "seq, time_ms, …, sample_every, hash": the chained columns in table order, then the hash.
const std::string& columns_sql() {
  static const std::string sql = [] {
    std::string out;
    for (const char* c : kChainedColumns) out += std::string(c) + ", ";
    return out + "hash";
  }();
  return sql;
}
constexpr int kHashColumn = static_cast<int>(kChainedColumns.size());

// Column i as SQLite holds it. The type is asked first: an accessor called before it may convert
// the value in place (sqlite3_column_text on an integer), and the type is part of what is chained.
StoredValue read_column(sqlite3_stmt* s, int i) {
  StoredValue v;
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
      v.type = Storage::kInteger;
      v.integer = sqlite3_column_int64(s, i);
      break;
    case SQLITE_FLOAT: {
      v.type = Storage::kReal;
      double d = sqlite3_column_double(s, i);
      std::memcpy(&v.integer, &d, sizeof d);
      break;
    }
    case SQLITE_TEXT: {
      v.type = Storage::kText;
      const unsigned char* t = sqlite3_column_text(s, i);
      if (t != nullptr)
        v.bytes.assign(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s, i));
      break;
    }
    case SQLITE_BLOB: {
      v.type = Storage::kBlob;
      const void* b = sqlite3_column_blob(s, i);
      if (b != nullptr) v.bytes.assign(static_cast<const char*>(b), sqlite3_column_bytes(s, i));
      break;
    }
    default:
      v.type = Storage::kNull;
  }
  return v;
}

StoredRow read_stored(sqlite3_stmt* s) {
  StoredRow row;
  for (size_t i = 0; i < row.size(); ++i) row[i] = read_column(s, static_cast<int>(i));
  return row;
}

LogRow row_from(sqlite3_stmt* s, bool* hash_ok) {
  LogRow r = decode_row(read_stored(s));
  r.hash = column_hash(s, kHashColumn, hash_ok);
  return r;
}

// A stored value for a message: text quoted, control bytes escaped, cut at 40 bytes (it comes from
// an untrusted file and goes to a terminal).
std::string describe(const StoredValue& v) {
  switch (v.type) {
    case Storage::kInteger:
      return "the integer " + std::to_string(v.integer);
    case Storage::kReal: {
      double d;
      std::memcpy(&d, &v.integer, sizeof d);
      return "the real " + std::to_string(d);
    }
    case Storage::kText: {
      std::string out = "the text '";
      for (size_t i = 0; i < v.bytes.size() && i < 40; ++i) {
        auto c = static_cast<unsigned char>(v.bytes[i]);
        if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'') {
          out += "\\x" + runtime::to_hex(std::span<const uint8_t>(&c, 1));
        } else {
          out += static_cast<char>(c);
        }
      }
      return out + (v.bytes.size() > 40 ? "…'" : "'");
    }
    case Storage::kBlob:
      return "a blob of " + std::to_string(v.bytes.size()) + " bytes";
    case Storage::kNull:
      return "NULL";
  }
  return "?";
}

// Why a row's hash does not match: the first column holding a value the writer never stores there
// (decoding and re-encoding it changes it: another storage class, a wider integer, other text),
// else the general reason (a plausible value changed, or an earlier row's hash was replaced).
std::string mismatch_reason(const StoredRow& stored) {
  StoredRow canonical = stored_row(decode_row(stored));
  for (size_t i = 0; i < stored.size(); ++i) {
    if (!(canonical[i] == stored[i])) {
      return std::string("its hash does not match its contents: column ") + kChainedColumns[i] +
             " holds " + describe(stored[i]) + ", which flowgate never writes there (altered)";
    }
  }
  return "its hash does not match its contents and the previous row's hash (altered, or a row "
         "before it was replaced)";
}

// SQLite's answer for a damaged file (a zeroed or garbled page), as opposed to a busy or
// unreadable one: verification reports it as a broken log, not as an error reading it.
bool is_damage(int rc) {
  rc &= 0xff;  // the primary code of an extended result code
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_FORMAT;
}

// What is wrong with meta's format row ("" when it names kFormat). *old_format: it names format 1,
// which is refused by name rather than reported as damage; *damaged: SQLite found the file damaged.
std::string format_problem(sqlite3* db, bool* old_format, bool* damaged) {
  *old_format = false;
  *damaged = false;
  Stmt q;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'format'", -1, &q.s, nullptr) !=
      SQLITE_OK) {
    *damaged = is_damage(sqlite3_errcode(db));
    return std::string("the meta table cannot be read (") + sqlite3_errmsg(db) + ")";
  }
  int rc = sqlite3_step(q.s);
  if (rc == SQLITE_DONE) return "the meta table has no format row (deleted, or its page zeroed)";
  if (rc != SQLITE_ROW) {
    *damaged = is_damage(rc);
    return std::string("the format row cannot be read (") + sqlite3_errmsg(db) + ")";
  }
  StoredValue v = read_column(q.s, 0);
  if (v.type == Storage::kText && v.bytes == kFormat) return "";
  if (v.type == Storage::kText && v.bytes == kFormat1) {
    *old_format = true;
    return std::string("the file is a format 1 log ('") + kFormat1 +
           "'), whose chain does not cover the columns as stored; this flowgate writes and "
           "verifies format 2 only. Keep the old file unchanged (verify it with the flowgate that "
           "wrote it) and log to a new file";
  }
  return "the format row holds " + describe(v) + ", not '" + kFormat + "'";
}

// Opens a log for reading: read-only when the file allows it (a WAL left by a crash may need the
// read-write open to be recovered; that changes no row).
Status open_for_reading(const std::string& path, Db* db) {
  if (sqlite3_open_v2(path.c_str(), &db->db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      exec(db->db, "SELECT count(*) FROM decisions")) {
    return Status::ok_status();
  }
  sqlite3_close_v2(db->db);
  db->db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db->db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    return db_error(db->db, "cannot open " + path);
  }
  if (!exec(db->db, "SELECT count(*) FROM decisions")) {
    return db_error(db->db, path + " is not a decision log");
  }
  return Status::ok_status();
}

}  // namespace

AgeBand age_band(int age) noexcept {
  if (age < 0) return AgeBand::kUnknown;
  if (age < 13) return AgeBand::kUnder13;
  if (age < 16) return AgeBand::k13To15;
  if (age < 18) return AgeBand::k16To17;
  return AgeBand::k18AndOver;
}

std::string_view age_band_name(AgeBand band) noexcept {
  switch (band) {
    case AgeBand::kUnknown:
      return "unknown";
    case AgeBand::kUnder13:
      return "<13";
    case AgeBand::k13To15:
      return "13-15";
    case AgeBand::k16To17:
      return "16-17";
    case AgeBand::k18AndOver:
      return "18+";
  }
  return "unknown";
}

StoredRow stored_row(const LogRow& r) {
  auto integer = [](int64_t v) { return StoredValue{Storage::kInteger, v, {}}; };
  auto text = [](std::string_view v) { return StoredValue{Storage::kText, 0, std::string(v)}; };
  return StoredRow{integer(static_cast<int64_t>(r.seq)),
                   integer(r.time_ms),
                   text(r.bundle),
                   integer(r.data),
                   integer(r.purpose),
                   integer(r.recipient),
                   integer(r.destination),
                   integer(r.region),
                   integer(r.action),
                   integer(r.age_band),
                   integer(r.gpc ? 1 : 0),
                   integer(r.ads_personalization ? 1 : 0),
                   integer(static_cast<int64_t>(r.consent_mask)),
                   integer(static_cast<int64_t>(r.feature_mask)),
                   text(r.data_id),
                   text(r.purpose_id),
                   text(r.recipient_id),
                   text(r.destination_id),
                   text(r.allow ? "allow" : "deny"),
                   integer(r.decision),
                   text(r.rules),
                   text(r.citations),
                   integer(r.sample_every)};
}

LogRow decode_row(const StoredRow& v) {
  auto integer = [&](size_t i) { return v[i].type == Storage::kInteger ? v[i].integer : 0; };
  auto text = [&](size_t i) {
    return v[i].type == Storage::kText || v[i].type == Storage::kBlob ? v[i].bytes : std::string();
  };
  LogRow r;
  r.seq = static_cast<uint64_t>(integer(0));
  r.time_ms = integer(1);
  r.bundle = text(2);
  r.data = static_cast<uint32_t>(integer(3));
  r.purpose = static_cast<uint32_t>(integer(4));
  r.recipient = static_cast<uint32_t>(integer(5));
  r.destination = static_cast<uint32_t>(integer(6));
  r.region = static_cast<uint32_t>(integer(7));
  r.action = static_cast<uint8_t>(integer(8));
  r.age_band = static_cast<int8_t>(integer(9));
  r.gpc = integer(10) != 0;
  r.ads_personalization = integer(11) != 0;
  r.consent_mask = static_cast<uint64_t>(integer(12));
  r.feature_mask = static_cast<uint64_t>(integer(13));
  r.data_id = text(14);
  r.purpose_id = text(15);
  r.recipient_id = text(16);
  r.destination_id = text(17);
  r.allow = v[18].type == Storage::kText && v[18].bytes == "allow";
  r.decision = static_cast<uint32_t>(integer(19));
  r.rules = text(20);
  r.citations = text(21);
  r.sample_every = static_cast<uint32_t>(integer(22));
  return r;
}

std::string canonical_bytes(const StoredRow& row) {
  std::string out = "fglog2";
  for (const StoredValue& v : row) {
    put_u8(out, static_cast<uint8_t>(v.type));
    switch (v.type) {
      case Storage::kInteger:
      case Storage::kReal:
        put_u64(out, static_cast<uint64_t>(v.integer));
        break;
      case Storage::kText:
      case Storage::kBlob:
        put_str(out, v.bytes);
        break;
      case Storage::kNull:
        break;
    }
  }
  return out;
}

Hash chain_hash(const Hash& previous, const StoredRow& row) {
  runtime::Sha256 h;
  h.update(previous.data(), previous.size());
  h.update(canonical_bytes(row));
  return h.finish();
}

struct DecisionLog::Impl {
  explicit Impl(const LogOptions& o) : options(o), queue(o.queue_capacity) {}

  LogOptions options;
  BoundedQueue<Entry> queue;
  Db db;
  Stmt insert, select_hash, set_anchor, prune;
  // Written by the writer thread only.
  uint64_t last_seq = 0;
  uint64_t first_seq = 1;  // the oldest row's sequence number (last_seq + 1 when empty)
  Hash prev{};

  std::atomic<uint64_t> offered{0}, sampled_out{0}, dropped{0}, pushed{0}, allow_counter{0};
  std::atomic<uint64_t> processed{0}, written{0}, pruned{0}, write_errors{0}, committed_seq{0};

  std::mutex mu;
  std::condition_variable wake;      // the writer: flush requested or stopping
  std::condition_variable progress;  // flush() waiters
  bool stop = false;
  uint64_t flush_target = 0;
  std::thread writer;

  bool push(const Entry& e) noexcept {
    offered.fetch_add(1, std::memory_order_relaxed);
    if (e.allow && options.allow_sample_every > 1 &&
        allow_counter.fetch_add(1, std::memory_order_relaxed) % options.allow_sample_every != 0) {
      sampled_out.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    if (!queue.try_push(e)) {
      dropped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    pushed.fetch_add(1, std::memory_order_release);
    return true;
  }

  LogRow row_of(const Entry& e, uint64_t seq) const {
    LogRow r;
    r.seq = seq;
    r.time_ms = e.time_ms;
    r.bundle = runtime::to_hex(e.digest);
    r.data = e.data;
    r.purpose = e.purpose;
    r.recipient = e.recipient;
    r.destination = e.destination;
    r.region = e.region;
    r.action = e.action;
    r.age_band = e.age_band;
    r.gpc = e.gpc;
    r.ads_personalization = e.ads_personalization;
    r.consent_mask = e.consent_mask;
    r.feature_mask = e.feature_mask;
    r.data_id = text_field(e, 0);
    r.purpose_id = text_field(e, 1);
    r.recipient_id = text_field(e, 2);
    r.destination_id = text_field(e, 3);
    r.allow = e.allow;
    r.decision = e.decision;
    r.rules = text_field(e, 4);
    r.citations = text_field(e, 5);
    r.sample_every = e.allow ? std::max<uint32_t>(1, options.allow_sample_every) : 1;
    return r;
  }

  // Binds exactly the values the hash covers (stored_row), each with its storage class.
  bool insert_row(const StoredRow& row, const Hash& hash) {
    sqlite3_stmt* s = insert.s;
    sqlite3_reset(s);
    int i = 1;
    for (const StoredValue& v : row) {
      switch (v.type) {
        case Storage::kInteger:
          sqlite3_bind_int64(s, i, v.integer);
          break;
        case Storage::kText:
          sqlite3_bind_text(s, i, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_STATIC);
          break;
        default:
          return false;  // stored_row makes integers and text only
      }
      ++i;
    }
    sqlite3_bind_blob(s, i, hash.data(), 32, SQLITE_STATIC);
    return sqlite3_step(s) == SQLITE_DONE;
  }

  // Deletes the oldest rows beyond max_rows and moves the anchor to the last one deleted.
  bool rotate() {
    if (options.max_rows == 0 || last_seq < first_seq ||
        last_seq - first_seq + 1 <= options.max_rows) {
      return true;
    }
    uint64_t cutoff = last_seq - options.max_rows;  // rows with seq <= cutoff go
    sqlite3_reset(select_hash.s);
    sqlite3_bind_int64(select_hash.s, 1, static_cast<int64_t>(cutoff));
    if (sqlite3_step(select_hash.s) != SQLITE_ROW) return false;
    bool ok = false;
    Hash h = column_hash(select_hash.s, 0, &ok);
    sqlite3_reset(select_hash.s);
    if (!ok) return false;
    sqlite3_reset(set_anchor.s);
    sqlite3_bind_int64(set_anchor.s, 1, static_cast<int64_t>(cutoff));
    sqlite3_bind_blob(set_anchor.s, 2, h.data(), 32, SQLITE_TRANSIENT);
    if (sqlite3_step(set_anchor.s) != SQLITE_DONE) return false;
    sqlite3_reset(prune.s);
    sqlite3_bind_int64(prune.s, 1, static_cast<int64_t>(cutoff));
    if (sqlite3_step(prune.s) != SQLITE_DONE) return false;
    pruned.fetch_add(cutoff - first_seq + 1, std::memory_order_relaxed);
    first_seq = cutoff + 1;
    return true;
  }

  void write_batch(const std::vector<Entry>& batch) {
    const uint64_t saved_seq = last_seq, saved_first = first_seq;
    const Hash saved_prev = prev;
    bool ok = exec(db.db, "BEGIN IMMEDIATE");
    for (size_t i = 0; ok && i < batch.size(); ++i) {
      StoredRow row = stored_row(row_of(batch[i], last_seq + 1));
      Hash hash = chain_hash(prev, row);
      ok = insert_row(row, hash);
      if (ok) {
        ++last_seq;
        prev = hash;
      }
    }
    ok = ok && rotate() && exec(db.db, "COMMIT");
    if (!ok) {
      exec(db.db, "ROLLBACK");
      last_seq = saved_seq;
      first_seq = saved_first;
      prev = saved_prev;
      write_errors.fetch_add(batch.size(), std::memory_order_relaxed);
      return;
    }
    written.fetch_add(batch.size(), std::memory_order_relaxed);
    committed_seq.store(last_seq, std::memory_order_relaxed);
    if (options.on_commit) options.on_commit(last_seq);
  }

  void run() {
    std::vector<Entry> batch;
    batch.reserve(options.batch_max);
    Entry e;
    for (;;) {
      batch.clear();
      while (batch.size() < options.batch_max && queue.try_pop(&e)) batch.push_back(e);
      if (!batch.empty()) {
        write_batch(batch);
        {
          std::lock_guard<std::mutex> lock(mu);
          processed.fetch_add(batch.size(), std::memory_order_release);
        }
        progress.notify_all();
        continue;
      }
      std::unique_lock<std::mutex> lock(mu);
      if (stop && processed.load() >= pushed.load()) return;
      if (flush_target > processed.load() || stop) continue;  // an entry is being pushed
      wake.wait_for(lock, options.idle_wait);
    }
  }

  Status open_db() {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(options.path.c_str(), &db.db, flags, nullptr) != SQLITE_OK) {
      return db_error(db.db, "cannot open " + options.path);
    }
    sqlite3_busy_timeout(db.db, 5000);
    if (!exec(db.db, "PRAGMA journal_mode=WAL")) return db_error(db.db, "WAL mode");
    if (!exec(db.db, options.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")) {
      return db_error(db.db, "synchronous");
    }
    // A file without tables gets the schema, its format row and the anchor row in one
    // transaction (so no log ever lacks them); any other file must already be a format-2 log.
    if (!exec(db.db, "BEGIN IMMEDIATE")) return db_error(db.db, "begin");
    {
      Stmt tables;
      if (sqlite3_prepare_v2(db.db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", -1,
                             &tables.s, nullptr) != SQLITE_OK ||
          sqlite3_step(tables.s) != SQLITE_ROW) {
        Status s = db_error(db.db, "cannot read " + options.path);
        exec(db.db, "ROLLBACK");
        return s;
      }
      if (sqlite3_column_int64(tables.s, 0) == 0) {
        std::string create = std::string(kSchema) +
                             "INSERT INTO meta(key, value) VALUES ('format', '" + kFormat + "');";
        if (!exec(db.db, create.c_str())) {
          Status s = db_error(db.db, "schema");
          exec(db.db, "ROLLBACK");
          return s;
        }
      }
    }
    if (!exec(db.db, "COMMIT")) return db_error(db.db, "schema");
    bool old_format = false, damaged = false;
    if (std::string why = format_problem(db.db, &old_format, &damaged); !why.empty()) {
      why = "decision log: " + options.path + ": " + why;
      return old_format ? Status::not_supported(why) : Status::corruption(why);
    }
    std::string insert_sql = "INSERT INTO decisions(" + columns_sql() +
                             ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    if (sqlite3_prepare_v2(db.db, insert_sql.c_str(), -1, &insert.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db.db, "SELECT hash FROM decisions WHERE seq = ?", -1, &select_hash.s,
                           nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db.db, "INSERT OR REPLACE INTO anchor(id, seq, hash) VALUES(1, ?, ?)",
                           -1, &set_anchor.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db.db, "DELETE FROM decisions WHERE seq <= ?", -1, &prune.s, nullptr) !=
            SQLITE_OK) {
      return db_error(db.db, "prepare");
    }
    // Continue the chain: from the last row, else from the anchor (which every log has).
    Stmt last;
    sqlite3_prepare_v2(db.db, "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1", -1,
                       &last.s, nullptr);
    Stmt anchor;
    sqlite3_prepare_v2(db.db, "SELECT seq, hash FROM anchor WHERE id = 1", -1, &anchor.s, nullptr);
    Stmt first;
    sqlite3_prepare_v2(db.db, "SELECT min(seq) FROM decisions", -1, &first.s, nullptr);
    if (last.s == nullptr || anchor.s == nullptr || first.s == nullptr) {
      return db_error(db.db, "read the chain's head");
    }
    if (sqlite3_step(anchor.s) != SQLITE_ROW) {
      return Status::corruption("decision log: " + options.path +
                                ": the anchor row is missing (deleted, or its page zeroed)");
    }
    bool ok = true;
    int rc = sqlite3_step(last.s);
    if (rc == SQLITE_ROW) {
      last_seq = static_cast<uint64_t>(sqlite3_column_int64(last.s, 0));
      prev = column_hash(last.s, 1, &ok);
      if (sqlite3_step(first.s) == SQLITE_ROW) {
        first_seq = static_cast<uint64_t>(sqlite3_column_int64(first.s, 0));
      }
    } else if (rc == SQLITE_DONE) {
      last_seq = static_cast<uint64_t>(sqlite3_column_int64(anchor.s, 0));
      prev = column_hash(anchor.s, 1, &ok);
      first_seq = last_seq + 1;
    } else {
      return db_error(db.db, "read the chain's head");
    }
    if (!ok) {
      return Status::corruption("decision log: " + options.path + ": a hash is not a 32-byte blob");
    }
    committed_seq.store(last_seq);
    return Status::ok_status();
  }
};

DecisionLog::DecisionLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Status DecisionLog::open(const LogOptions& options, std::unique_ptr<DecisionLog>* out) noexcept {
  if (out == nullptr) return Status::invalid_argument("decision log: null output");
  out->reset();
  if (options.path.empty()) return Status::invalid_argument("decision log: no path");
  if (options.batch_max == 0 || options.queue_capacity == 0) {
    return Status::invalid_argument("decision log: batch_max and queue_capacity must be positive");
  }
  try {
    auto impl = std::make_unique<Impl>(options);
    Status s = impl->open_db();
    if (!s.ok()) return s;
    Impl* raw = impl.get();
    impl->writer = std::thread([raw] { raw->run(); });
    out->reset(new DecisionLog(std::move(impl)));
    return Status::ok_status();
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("decision log: out of memory");
  } catch (const std::exception& e) {
    return Status::io_error(std::string("decision log: ") + e.what());
  }
}

DecisionLog::~DecisionLog() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

bool DecisionLog::log(const runtime::Bundle& bundle, const runtime::InternedQuery& q,
                      uint32_t decision) noexcept {
  runtime::Decision d = bundle.decision(decision);
  std::array<std::string_view, 16> rules{}, citations{};
  size_t nr = 0, nc = 0;
  for (std::string_view r : d.rules()) {
    if (nr < rules.size()) rules[nr++] = r;
  }
  for (std::string_view c : d.citations()) {
    if (nc < citations.size()) citations[nc++] = c;
  }
  LogInput in;
  std::copy(bundle.digest().begin(), bundle.digest().end(), in.bundle_digest.begin());
  in.query = q;
  in.decision = d.index();
  in.allow = d.allow();
  in.data_id = bundle.data_id(q.data);
  in.purpose_id = bundle.purpose_id(q.purpose);
  in.recipient_id = bundle.recipient_id(q.recipient);
  in.destination_id = q.destination == runtime::InternedQuery::kDevice
                          ? std::string_view("device")
                          : bundle.region_id(q.destination);
  in.rules = std::span<const std::string_view>(rules.data(), nr);
  in.citations = std::span<const std::string_view>(citations.data(), nc);
  return log(in);
}

bool DecisionLog::log(const LogInput& in) noexcept {
  Entry e;
  e.time_ms = now_ms();
  e.digest = in.bundle_digest;
  e.data = in.query.data;
  e.purpose = in.query.purpose;
  e.recipient = in.query.recipient;
  e.destination = in.query.destination;
  e.region = in.query.region;
  e.action = in.query.action;
  e.age_band = static_cast<int8_t>(age_band(in.query.age));
  e.gpc = in.query.gpc;
  e.ads_personalization = in.query.ads_personalization;
  e.allow = in.allow;
  e.decision = in.decision;
  e.sample_every = 1;
  e.consent_mask = in.query.consent_mask;
  e.feature_mask = in.query.feature_mask;
  size_t used = 0;
  append_text(e, 0, used, in.data_id);
  append_text(e, 1, used, in.purpose_id);
  append_text(e, 2, used, in.recipient_id);
  append_text(e, 3, used, in.destination_id);
  append_list(e, 4, used, in.rules);
  append_list(e, 5, used, in.citations);
  return impl_->push(e);
}

void DecisionLog::flush() noexcept {
  std::unique_lock<std::mutex> lock(impl_->mu);
  uint64_t target = impl_->pushed.load(std::memory_order_acquire);
  impl_->flush_target = std::max(impl_->flush_target, target);
  impl_->wake.notify_all();
  impl_->progress.wait(lock, [&] { return impl_->processed.load() >= target; });
}

LogStats DecisionLog::stats() const noexcept {
  LogStats s;
  s.offered = impl_->offered.load();
  s.sampled_out = impl_->sampled_out.load();
  s.dropped = impl_->dropped.load();
  s.written = impl_->written.load();
  s.pruned = impl_->pruned.load();
  s.write_errors = impl_->write_errors.load();
  s.last_seq = impl_->committed_seq.load();
  return s;
}

Status verify_log(const std::string& path, VerifyReport* report) noexcept {
  if (report == nullptr) return Status::invalid_argument("verify_log: null report");
  *report = VerifyReport{};
  try {
    Db db;
    Status s = open_for_reading(path, &db);
    if (!s.ok()) return s;
    auto broken = [&](uint64_t row, std::string problem) {
      report->first_broken = row;
      report->problem = std::move(problem);
      return Status::ok_status();
    };
    // The row a failure outside the rows is reported at: the oldest row, where the chain would
    // have started (1 when none can be read).
    auto first_row = [&]() -> uint64_t {
      Stmt q;
      if (sqlite3_prepare_v2(db.db, "SELECT min(seq) FROM decisions", -1, &q.s, nullptr) ==
              SQLITE_OK &&
          sqlite3_step(q.s) == SQLITE_ROW && sqlite3_column_type(q.s, 0) == SQLITE_INTEGER) {
        return static_cast<uint64_t>(sqlite3_column_int64(q.s, 0));
      }
      return 1;
    };

    // The format row and the anchor row exist in every log from its creation: without them the
    // chain has no known start, so their absence (a deleted row, a zeroed page) fails.
    bool old_format = false, damaged = false;
    if (std::string why = format_problem(db.db, &old_format, &damaged); !why.empty()) {
      if (old_format) return Status::not_supported("decision log: " + path + ": " + why);
      return broken(first_row(), "the chain cannot be checked from this row: " + why);
    }
    Stmt anchor;
    if (sqlite3_prepare_v2(db.db, "SELECT seq, hash FROM anchor WHERE id = 1", -1, &anchor.s,
                           nullptr) != SQLITE_OK) {
      return broken(first_row(), std::string("the chain cannot be checked from this row: the "
                                             "anchor table cannot be read (") +
                                     sqlite3_errmsg(db.db) + ")");
    }
    int rc = sqlite3_step(anchor.s);
    if (rc == SQLITE_DONE) {
      return broken(first_row(),
                    "the chain cannot be checked from this row: the anchor row is missing "
                    "(deleted, or its page zeroed)");
    }
    if (rc != SQLITE_ROW) {
      if (!is_damage(rc)) return db_error(db.db, "read the anchor");
      return broken(first_row(), std::string("the chain cannot be checked from this row: the "
                                             "anchor row cannot be read (") +
                                     sqlite3_errmsg(db.db) + ")");
    }
    Hash prev{};
    {
      bool hash_ok = false;
      prev = column_hash(anchor.s, 1, &hash_ok);
      StoredValue seq = read_column(anchor.s, 0);
      if (seq.type != Storage::kInteger || seq.integer < 0 || !hash_ok) {
        return broken(first_row(),
                      "the chain cannot be checked from this row: the anchor row holds " +
                          describe(seq) + " and " +
                          (hash_ok ? "a 32-byte hash" : "no 32-byte hash") + " (altered)");
      }
      report->anchor_seq = static_cast<uint64_t>(seq.integer);
    }
    uint64_t expected = report->anchor_seq + 1;

    Stmt rows;
    std::string sql = "SELECT " + columns_sql() + " FROM decisions ORDER BY seq";
    if (sqlite3_prepare_v2(db.db, sql.c_str(), -1, &rows.s, nullptr) != SQLITE_OK) {
      return db_error(db.db, "read rows");
    }
    while ((rc = sqlite3_step(rows.s)) == SQLITE_ROW) {
      // The hash is recomputed from the columns as SQLite returns them, never from a LogRow.
      StoredRow stored = read_stored(rows.s);
      bool hash_ok = false;
      Hash hash = column_hash(rows.s, kHashColumn, &hash_ok);
      const uint64_t seq = static_cast<uint64_t>(stored[0].integer);  // the rowid: an integer
      ++report->rows;
      if (seq != expected) {
        return broken(seq, seq > expected ? "rows " + std::to_string(expected) + ".." +
                                                std::to_string(seq - 1) + " are missing (deleted)"
                                          : "row out of sequence");
      }
      if (!hash_ok) return broken(seq, "its hash is not a 32-byte blob");
      if (chain_hash(prev, stored) != hash) return broken(seq, mismatch_reason(stored));
      prev = hash;
      ++expected;
    }
    if (rc != SQLITE_DONE) {
      if (!is_damage(rc)) return db_error(db.db, "read rows");
      return broken(expected, std::string("the file is damaged at or after this row (") +
                                  sqlite3_errmsg(db.db) + ")");
    }
    // The chain holds; the file around it must too: a damaged index would hide rows from
    // `audit query` (time filters read decisions_time) while every row still chains.
    Stmt check;
    if (sqlite3_prepare_v2(db.db, "PRAGMA integrity_check(1)", -1, &check.s, nullptr) !=
        SQLITE_OK) {
      return db_error(db.db, "integrity_check");
    }
    rc = sqlite3_step(check.s);
    std::string verdict = rc == SQLITE_ROW ? column_text(check.s, 0) : sqlite3_errmsg(db.db);
    if (verdict != "ok") {
      if (rc != SQLITE_ROW && !is_damage(rc)) return db_error(db.db, "integrity_check");
      return broken(first_row(),
                    "every row chains, but the SQLite file is damaged (" + verdict + ")");
    }
    report->ok = true;
    report->head = prev;
    return Status::ok_status();
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("verify_log: out of memory");
  }
}

Status read_log(const std::string& path, const LogFilter& f,
                const std::function<bool(const LogRow&)>& callback) noexcept {
  try {
    Db db;
    Status s = open_for_reading(path, &db);
    if (!s.ok()) return s;
    std::string sql = "SELECT " + columns_sql() + " FROM decisions WHERE 1";
    if (f.since_ms) sql += " AND time_ms >= ?1";
    if (f.until_ms) sql += " AND time_ms <= ?2";
    if (f.allow) sql += " AND verdict = ?3";
    if (!f.rule.empty()) sql += " AND instr(',' || rules || ',', ',' || ?4 || ',') > 0";
    if (!f.data.empty())
      sql += " AND (data_id = ?5 OR substr(data_id, 1, length(?5) + 1) = ?5 || '.')";
    sql += " ORDER BY seq";
    Stmt q;
    if (sqlite3_prepare_v2(db.db, sql.c_str(), -1, &q.s, nullptr) != SQLITE_OK) {
      return db_error(db.db, "query");
    }
    if (f.since_ms) sqlite3_bind_int64(q.s, 1, *f.since_ms);
    if (f.until_ms) sqlite3_bind_int64(q.s, 2, *f.until_ms);
    if (f.allow) sqlite3_bind_text(q.s, 3, *f.allow ? "allow" : "deny", -1, SQLITE_STATIC);
    if (!f.rule.empty()) sqlite3_bind_text(q.s, 4, f.rule.c_str(), -1, SQLITE_STATIC);
    if (!f.data.empty()) sqlite3_bind_text(q.s, 5, f.data.c_str(), -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
      bool hash_ok = false;
      if (!callback(row_from(q.s, &hash_ok))) return Status::ok_status();
    }
    if (rc != SQLITE_DONE) return db_error(db.db, "query");
    return Status::ok_status();
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("read_log: out of memory");
  }
}

}  // namespace flowgate::log
