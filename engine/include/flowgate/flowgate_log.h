/* flowgate_log.h: the decision log in C, for apps on the C API (flowgate.h) and its bindings. The
 * same tamper-evident SQLite log as the C++ flowgate/decision_log.h (docs/decision-log.md), in a
 * library of its own, libflowgate_c_log (CMake target flowgate::c_log in the full build's package):
 * it needs SQLite, which the runtime alone (libflowgate, flowgate::c) does not.
 *
 *   fg_log* log = NULL;
 *   if (fg_log_open("decisions.db", NULL, &log) != FG_OK) { report(fg_log_last_error()); }
 *   …                                                  // the app runs on without a log
 *   fg_decide(bundle, &q, &d);
 *   fg_log_ids ids = {"media.photo", "core_functionality", "first_party", "JP"};
 *   fg_log_decision(log, bundle, &q, &d, &ids);       // never blocks: a try-push onto a queue
 *   …
 *   fg_log_close(log);                                 // drains, commits, closes
 *
 *   fg_log_verify_report report;
 *   fg_log_verify("decisions.db", &report);           // FG_OK: report.ok says whether it holds
 *
 * What a row holds: the time, the SHA-256 digest of the bundle that decided (fg_bundle_digest),
 * the query's interned ids (data, purpose, recipient, destination and the subject's region as
 * bundle indices), the ids of data, purpose, recipient and destination as text (fg_log_ids), the
 * action, gpc, ads_personalization, consent_mask and feature_mask, the subject's age as a band
 * (unknown, under 13, 13-15, 16-17, 18 and over), never the age itself and never a region name;
 * the verdict, the decision index, its rule ids and citations, and the sampling weight. Rows are
 * hash-chained: row n stores SHA-256(hash of row n-1 ‖ row n as stored), so an altered, inserted
 * or deleted row breaks the chain. `flowgate audit verify|query|export --db FILE` reads the file.
 *
 * Sampling: every deny is logged; allows one in allow_sample_every. Rotation: beyond max_rows rows
 * the oldest are deleted and the last deleted row's hash is kept as the chain's anchor.
 *
 * Errors: functions that can fail return an fg_status (flowgate.h); FG_OK is 0.
 * fg_log_last_error() gives the calling thread's message for its last failed fg_log_* call (the
 * fg_* functions of flowgate.h keep theirs in fg_last_error). No C++ exception crosses this API.
 *
 * Threads: fg_log_decision may be called from any number of threads at once on one fg_log; it is
 * lock-free and never blocks (one writer thread per log drains the queue in batches, one SQLite
 * transaction each, WAL mode). fg_log_flush and fg_log_stats may be called from any thread.
 * fg_log_close must not race with other calls on the same log. */
#ifndef FLOWGATE_FLOWGATE_LOG_H_
#define FLOWGATE_FLOWGATE_LOG_H_

#include <stddef.h>
#include <stdint.h>

#include "flowgate/flowgate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fg_log fg_log;

typedef struct fg_log_options {
  uint32_t allow_sample_every; /* log 1 in N allows; 0 or 1: every allow. Every deny is logged */
  uint32_t queue_capacity;     /* entries queued for the writer at most; 0: 4096 */
  uint64_t max_rows;           /* rotation: keep at most this many rows; 0: unbounded */
  int32_t durable;             /* nonzero: synchronous=FULL (survives power loss); 0: NORMAL
                                * (survives a crash of the app) */
} fg_log_options;

/* Defaults: allow_sample_every 1, queue_capacity 4096, max_rows 1,000,000, durable 1. */
void fg_log_options_init(fg_log_options* options);

/* Opens the log at path (NUL-terminated; the SQLite file is created when missing), continues its
 * chain, and starts its writer thread. options may be NULL: the defaults. On failure *log is NULL:
 * FG_ERR_INVALID_ARGUMENT (a null argument, an empty path), FG_ERR_IO (the file cannot be opened
 * or written, or is not a decision log), FG_ERR_CORRUPT (a log without its anchor or format row),
 * FG_ERR_UNSUPPORTED (a format 1 log: keep it unchanged and log to a new file), FG_ERR_NO_MEMORY.
 */
fg_status fg_log_open(const char* path, const fg_log_options* options, fg_log** log);

/* Drains the queue, commits, stops the writer and closes the file. NULL is ignored. */
void fg_log_close(fg_log* log);

/* The text ids of a query, as the app interned them (NUL-terminated; each may be NULL, stored as
 * ""). For a field whose index is known (>= 0) the id must intern to that index on the bundle;
 * for an unknown one (-1) it is the id the app asked about, recorded as given. destination is
 * "device" when the query's destination is FG_DEVICE. */
typedef struct fg_log_ids {
  const char* data;
  const char* purpose;
  const char* recipient;
  const char* destination;
} fg_log_ids;

/* Queues one decision: the query that was decided, the fg_decision fg_decide gave for it on
 * bundle, and the query's text ids (ids may be NULL: the text columns are then ""). The time is
 * taken here. Never blocks and never allocates on success.
 *   FG_OK                    queued, or an allow left out by sampling
 *   FG_ERR_INVALID_ARGUMENT  a null log, bundle, query or decision; a decision made on another
 *                            bundle; an id that does not intern to the query's index (nothing is
 *                            queued: the row would say something the query did not)
 *   FG_ERR_NO_MEMORY         the queue was full: the decision was dropped, and counted
 *                            (fg_log_stats.dropped); the app goes on
 * Rule ids and citations beyond the first 16 of a decision, and text beyond 480 bytes a row, are
 * cut (docs/decision-log.md). */
fg_status fg_log_decision(fg_log* log, const fg_bundle* bundle, const fg_query* query,
                          const fg_decision* decision, const fg_log_ids* ids);

/* Waits until every decision queued before the call is committed (for shutdown and tests). */
fg_status fg_log_flush(fg_log* log);

typedef struct fg_log_stats {
  uint64_t offered;      /* fg_log_decision calls that reached the queue or sampling */
  uint64_t sampled_out;  /* allows not logged by sampling */
  uint64_t dropped;      /* decisions lost because the queue was full */
  uint64_t written;      /* rows committed by this fg_log */
  uint64_t pruned;       /* rows deleted by rotation by this fg_log */
  uint64_t write_errors; /* rows lost to failed transactions (a full disk, a locked file) */
  uint64_t last_seq;     /* the last committed row's sequence number */
} fg_log_stats;
fg_status fg_log_get_stats(const fg_log* log, fg_log_stats* stats);

#define FG_LOG_PROBLEM_CAPACITY 512
typedef struct fg_log_verify_report {
  int32_t ok;            /* 1: every row chains from the anchor and the file is intact */
  uint64_t rows;         /* rows checked */
  uint64_t anchor_seq;   /* the chain's start: 0 for a log never rotated */
  uint64_t first_broken; /* the first row whose chain does not hold; 0 when ok */
  /* What is wrong with that row ("its hash does not match its contents: column verdict holds
   * …"), NUL-terminated, cut at a character boundary to fit; "" when ok. */
  char problem[FG_LOG_PROBLEM_CAPACITY];
  uint8_t head[32]; /* the last row's hash (the anchor's when there are no rows) when ok */
} fg_log_verify_report;

/* Checks the hash chain of the log at path, read-only (it may be open for writing elsewhere; what
 * is committed is checked). FG_OK whenever the file could be read as a log, chain broken or not:
 * report->ok says which, and first_broken and problem name the first broken row. An error only
 * when it cannot be read as a log: FG_ERR_INVALID_ARGUMENT (null arguments), FG_ERR_IO (missing,
 * unreadable, not a decision log), FG_ERR_UNSUPPORTED (a format 1 log), FG_ERR_NO_MEMORY. */
fg_status fg_log_verify(const char* path, fg_log_verify_report* report);

/* The calling thread's message for its last failed fg_log_* call; "" when none. Valid until the
 * thread's next fg_log_* call. */
const char* fg_log_last_error(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLOWGATE_FLOWGATE_LOG_H_ */
