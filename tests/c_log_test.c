/* The decision log in C (flowgate_log.h), as an app on the C API keeps it: open a log, log the
 * decisions the shipped policy's signed bundle gives for the camera pipeline's flows, verify the
 * chain; then alter a row and delete another with sqlite3 and see fg_log_verify name each.
 *   c_log_test BUNDLE WORK_DIR
 * (The bundle's signature is c_api_shipped's subject; here it is opened without a key.) Exits
 * non-zero when a check failed. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowgate/flowgate.h"
#include "flowgate/flowgate_log.h"

static int failures = 0;

/* A failed check is reported with its line and counted; the test goes on to the next. */
static void check(int ok, const char* what, int line) {
  if (ok) return;
  fprintf(stderr, "c_log_test.c:%d: check failed: %s\n", line, what);
  ++failures;
}
#define CHECK(cond) check((cond) != 0, #cond, __LINE__)

/* A log file and its WAL companions, removed so that each run starts from nothing. */
static void remove_log(const char* path) {
  char other[4096];
  remove(path);
  snprintf(other, sizeof other, "%s-wal", path);
  remove(other);
  snprintf(other, sizeof other, "%s-shm", path);
  remove(other);
}

static int exec_sql(const char* path, const char* sql) {
  sqlite3* db = NULL;
  int ok =
      sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
  if (!ok) fprintf(stderr, "sqlite3: %s: %s\n", sql, db != NULL ? sqlite3_errmsg(db) : "no memory");
  sqlite3_close(db);
  return ok;
}

/* The text of one column of one row ("" when missing), into out. */
static void column_text(const char* path, const char* sql, char* out, size_t size) {
  sqlite3* db = NULL;
  sqlite3_stmt* s = NULL;
  out[0] = '\0';
  if (sqlite3_open(path, &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
      sqlite3_column_text(s, 0) != NULL) {
    snprintf(out, size, "%s", (const char*)sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
}

typedef struct Flow {
  const char* data;
  const char* purpose;
  int32_t action;
  const char* recipient;
  const char* destination; /* a region, or "device" */
} Flow;

typedef struct User {
  const char* region;
  int32_t age;
  int32_t ads_personalization;
  int32_t gpc;
} User;

static const Flow kFlows[] = {
    {"media.photo", "core_functionality", FG_COLLECT, "device", "device"},
    {"media.photo", "core_functionality", FG_TRANSMIT, "service_provider.cloud_storage", "JP"},
    {"technical.device.info", "analytics", FG_TRANSMIT, "first_party", "JP"},
    {"technical.ads.identifier", "advertising.targeted", FG_TRANSMIT, "advertiser.google", "US"},
    {"technical.ads.identifier", "advertising.measurement", FG_TRANSMIT, "advertiser.measurement",
     "US"},
};
static const User kUsers[] = {
    {"DE", 30, 1, 0},    {"FR", 15, 1, 0},    {"US-CA", 28, 1, 0},
    {"US-VA", 34, 0, 0}, {"US-CO", 40, 1, 1},
};
#define FLOW_COUNT (sizeof kFlows / sizeof kFlows[0])
#define USER_COUNT (sizeof kUsers / sizeof kUsers[0])
#define DECISIONS (FLOW_COUNT * USER_COUNT)

static void make_query(const fg_bundle* b, const User* u, const Flow* f, fg_query* q) {
  fg_query_init(q);
  q->data = fg_intern_data(b, f->data);
  q->purpose = fg_intern_purpose(b, f->purpose);
  q->action = f->action;
  q->recipient = fg_intern_recipient(b, f->recipient);
  q->destination =
      strcmp(f->destination, "device") == 0 ? FG_DEVICE : fg_intern_region(b, f->destination);
  q->region = fg_intern_region(b, u->region);
  q->age = u->age;
  q->as_of_days = fg_days_from_civil(2026, 11, 29);
  q->gpc = u->gpc;
  q->ads_personalization = u->ads_personalization;
}

/* Logs every user × flow to a fresh log at path; verdicts[i] receives decision i's allow. */
static void write_log(const fg_bundle* b, const char* path, int verdicts[DECISIONS]) {
  remove_log(path);
  fg_log* log = NULL;
  if (fg_log_open(path, NULL, &log) != FG_OK) {
    fprintf(stderr, "fg_log_open: %s\n", fg_log_last_error());
    ++failures;
    return;
  }
  size_t i = 0;
  for (size_t u = 0; u < USER_COUNT; ++u) {
    for (size_t f = 0; f < FLOW_COUNT; ++f, ++i) {
      fg_query q;
      fg_decision d;
      make_query(b, &kUsers[u], &kFlows[f], &q);
      CHECK(fg_decide(b, &q, &d) == FG_OK);
      verdicts[i] = fg_decision_allow(&d);
      fg_log_ids ids = {kFlows[f].data, kFlows[f].purpose, kFlows[f].recipient,
                        kFlows[f].destination};
      CHECK(fg_log_decision(log, b, &q, &d, &ids) == FG_OK);
    }
  }
  CHECK(fg_log_flush(log) == FG_OK);
  fg_log_stats stats;
  CHECK(fg_log_get_stats(log, &stats) == FG_OK);
  CHECK(stats.offered == DECISIONS && stats.written == DECISIONS && stats.dropped == 0 &&
        stats.write_errors == 0 && stats.last_seq == DECISIONS);
  fg_log_close(log);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: c_log_test BUNDLE WORK_DIR\n");
    return 2;
  }
  fg_bundle* bundle = NULL;
  if (fg_open_file(argv[1], NULL, &bundle) != FG_OK) {
    fprintf(stderr, "fg_open_file: %s\n", fg_last_error());
    return 1;
  }
  char path[4096], altered[4096], text[256];
  snprintf(path, sizeof path, "%s/c_log.db", argv[2]);
  snprintf(altered, sizeof altered, "%s/c_log_deleted.db", argv[2]);

  /* Log and verify: every decision is a row, in order, with what the decision said. */
  int verdicts[DECISIONS];
  write_log(bundle, path, verdicts);
  int allows = 0;
  for (size_t i = 0; i < DECISIONS; ++i) allows += verdicts[i];
  CHECK(allows > 0 && allows < (int)DECISIONS); /* both answers are exercised */
  fg_log_verify_report report;
  CHECK(fg_log_verify(path, &report) == FG_OK);
  CHECK(report.ok == 1 && report.rows == DECISIONS && report.first_broken == 0 &&
        report.problem[0] == '\0' && report.anchor_seq == 0);
  column_text(path,
              "SELECT data_id || '|' || destination_id || '|' || verdict FROM decisions "
              "WHERE seq = 1",
              text, sizeof text);
  CHECK(strcmp(text, verdicts[0] ? "media.photo|device|allow" : "media.photo|device|deny") == 0);
  /* The minor of kUsers[1] is stored as a band (13-15: 1), never as an age. */
  column_text(path, "SELECT age_band FROM decisions WHERE seq = 6", text, sizeof text);
  CHECK(strcmp(text, "1") == 0);

  /* Alter one row's verdict: verify names that row and says its hash does not match. */
  size_t deny = 0;
  while (deny < DECISIONS && verdicts[deny]) ++deny;
  char sql[256];
  snprintf(sql, sizeof sql, "UPDATE decisions SET verdict = 'allow' WHERE seq = %zu", deny + 1);
  CHECK(exec_sql(path, sql));
  CHECK(fg_log_verify(path, &report) == FG_OK);
  CHECK(report.ok == 0 && report.first_broken == deny + 1);
  CHECK(strstr(report.problem, "hash does not match") != NULL);
  CHECK(fg_log_last_error()[0] == '\0'); /* a broken chain is an answer, not an error */

  /* Delete a row from a second log: verify names the row after the gap. */
  write_log(bundle, altered, verdicts);
  CHECK(exec_sql(altered, "DELETE FROM decisions WHERE seq = 3"));
  CHECK(fg_log_verify(altered, &report) == FG_OK);
  CHECK(report.ok == 0 && report.first_broken == 4 && strstr(report.problem, "missing") != NULL);

  /* Refusals: ids that are not the query's, a decision of another bundle, a missing file, a
   * file that is not a log; each with a message, and nothing logged. */
  fg_log* log = NULL;
  CHECK(fg_log_open(path, NULL, &log) == FG_OK);
  fg_query q;
  fg_decision d;
  make_query(bundle, &kUsers[0], &kFlows[1], &q);
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  fg_log_ids wrong = {"media.video", "core_functionality", NULL, NULL};
  CHECK(fg_log_decision(log, bundle, &q, &d, &wrong) == FG_ERR_INVALID_ARGUMENT);
  CHECK(strstr(fg_log_last_error(), "ids->data 'media.video'") != NULL);
  fg_log_ids device = {NULL, NULL, NULL, "device"}; /* the query's destination is JP */
  CHECK(fg_log_decision(log, bundle, &q, &d, &device) == FG_ERR_INVALID_ARGUMENT);
  fg_bundle* other = NULL;
  CHECK(fg_open_file(argv[1], NULL, &other) == FG_OK);
  CHECK(fg_log_decision(log, other, &q, &d, NULL) == FG_ERR_INVALID_ARGUMENT);
  CHECK(strstr(fg_log_last_error(), "another bundle") != NULL);
  fg_close(other);
  /* An unknown id is recorded as the app asked it. */
  fg_query unknown = q;
  unknown.data = fg_intern_data(bundle, "media.hologram");
  CHECK(unknown.data == -1);
  CHECK(fg_decide(bundle, &unknown, &d) == FG_OK && fg_decision_allow(&d) == 0);
  fg_log_ids asked = {"media.hologram", NULL, NULL, NULL};
  CHECK(fg_log_decision(log, bundle, &unknown, &d, &asked) == FG_OK);
  CHECK(fg_log_decision(NULL, bundle, &unknown, &d, &asked) == FG_ERR_INVALID_ARGUMENT);
  fg_log_close(log);
  snprintf(sql, sizeof sql, "SELECT data_id FROM decisions WHERE seq = %zu", DECISIONS + 1);
  column_text(path, sql, text, sizeof text);
  CHECK(strcmp(text, "media.hologram") == 0);

  snprintf(text, sizeof text, "%s/no-such-log.db", argv[2]);
  CHECK(fg_log_verify(text, &report) == FG_ERR_IO && fg_log_last_error()[0] != '\0');
  CHECK(fg_log_open(argv[1], NULL, &log) == FG_ERR_IO && log == NULL);
  CHECK(strstr(fg_log_last_error(), "decision log") != NULL);
  CHECK(fg_log_open("", NULL, &log) == FG_ERR_INVALID_ARGUMENT);
  CHECK(fg_log_verify(path, NULL) == FG_ERR_INVALID_ARGUMENT);

  /* Sampling: one allow in 1000 is kept; every deny is. */
  fg_log_options sampled;
  fg_log_options_init(&sampled);
  CHECK(sampled.allow_sample_every == 1 && sampled.durable == 1 && sampled.max_rows == 1000000);
  sampled.allow_sample_every = 1000;
  sampled.durable = 0;
  remove_log(altered);
  CHECK(fg_log_open(altered, &sampled, &log) == FG_OK);
  fg_log_stats stats;
  memset(&stats, 0, sizeof stats);
  if (log != NULL) {
    make_query(bundle, &kUsers[0], &kFlows[0], &q);
    CHECK(fg_decide(bundle, &q, &d) == FG_OK);
    for (int i = 0; i < 10; ++i) CHECK(fg_log_decision(log, bundle, &q, &d, NULL) == FG_OK);
    CHECK(fg_log_flush(log) == FG_OK && fg_log_get_stats(log, &stats) == FG_OK);
    CHECK(stats.offered == 10);
    CHECK(fg_decision_allow(&d) ? stats.written == 1 && stats.sampled_out == 9
                                : stats.written == 10 && stats.sampled_out == 0);
    fg_log_close(log);
  }
  CHECK(fg_log_verify(altered, &report) == FG_OK && report.ok == 1 && report.rows == stats.written);

  fg_close(bundle);
  if (failures != 0) {
    fprintf(stderr, "c_log_test: %d checks failed\n", failures);
    return 1;
  }
  printf("c_log_test: ok\n");
  return 0;
}
