/* flowgate.h: the C API of the flowgate runtime, for the Android (JNI) and iOS (Swift) bindings.
 *
 *   fg_options options = {1, trusted_key, 1};    // require a signature from this key
 *   fg_bundle* bundle;
 *   if (fg_open_file("policy.fgb", &options, &bundle) != FG_OK) { log(fg_last_error()); … }
 *   fg_query q;
 *   fg_query_init(&q);                                  // dated today (UTC)
 *   q.data = fg_intern_data(bundle, "media.photo");   // once; -1 when unknown
 *   …
 *   fg_query_set_consent_strings(bundle, &q, tc_string, gpp_string);  // when the app has them
 *   fg_decision d;
 *   fg_decide(bundle, &q, &d);
 *   if (fg_decision_allow(&d)) …
 *   else if (d.unknown_field != FG_FIELD_NONE) log(fg_field_name(d.unknown_field));  // which
 *   fg_close(bundle);
 *
 * Errors: functions that can fail return an fg_status; FG_OK is 0. fg_last_error() gives the
 * calling thread's message for its last failure. No C++ exception crosses this API.
 *
 * Fail closed: an id that did not intern (-1), or any index out of range, decides the bundle's
 * unknown-id decision (a deny naming the rule `unknown-id`), and fg_decision.unknown_field says
 * which field of the query held it.
 *
 * A collect stays on the device: for action FG_COLLECT the recipient and destination are read as
 * `device` and FG_DEVICE whatever the query holds (so they need not be set), as in every other
 * path (the C++ runtime, `flowgate decide`, the reference evaluator; docs/design.md).
 *
 * Ownership and threads: fg_open copies the bytes it is given. An open fg_bundle is immutable:
 * any number of threads may intern, decide and read decisions on it concurrently, without locks.
 * Strings returned by the accessors are NUL-terminated, owned by the bundle, and valid until
 * fg_close, which must not race with other calls on the same bundle. */
#ifndef FLOWGATE_FLOWGATE_H_
#define FLOWGATE_FLOWGATE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fg_status {
  FG_OK = 0,
  FG_ERR_INVALID_ARGUMENT = 1, /* a null pointer, or options that make no sense */
  FG_ERR_IO = 2,               /* the file could not be read */
  FG_ERR_CORRUPT = 3,          /* not a well-formed bundle (truncated, damaged, modified) */
  FG_ERR_UNSUPPORTED = 4,      /* a bundle format version this runtime does not read */
  FG_ERR_SIGNATURE = 5,        /* unsigned, or not signed by a trusted key */
  FG_ERR_NO_MEMORY = 6,
  FG_ERR_DOWNGRADE =
      7 /* fg_reload: the bundle's serial is below the running one's, or equal to
         * it with other content (a rollback); FG_RELOAD_ALLOW_DOWNGRADE permits it */
} fg_status;

typedef struct fg_bundle fg_bundle;

typedef struct fg_options {
  /* Nonzero: refuse a bundle that is not signed by one of the trusted keys (production). */
  int require_signature;
  /* trusted_key_count Ed25519 public keys, 32 bytes each, back to back. When keys are given, a
   * signed bundle's signature is checked even if require_signature is 0. */
  const uint8_t* trusted_keys;
  size_t trusted_key_count;
} fg_options;

/* Opens a bundle from bytes (copied) or a file. options may be NULL: no signature required. On
 * failure *bundle is NULL and fg_last_error() says why. */
fg_status fg_open(const uint8_t* data, size_t size, const fg_options* options, fg_bundle** bundle);
fg_status fg_open_file(const char* path, const fg_options* options, fg_bundle** bundle);
void fg_close(fg_bundle* bundle);

/* The calling thread's message for its last failed call; "" when none. Valid until the thread's
 * next call into this API. */
const char* fg_last_error(void);

const char* fg_bundle_policy_name(const fg_bundle* bundle);
const char* fg_bundle_policy_version(const fg_bundle* bundle);
/* The bundle's serial: grows with every release (flowgate compile stamps it; --serial N sets it).
 * 0 for a bundle without one (format versions 1-3), and for a NULL bundle. */
uint64_t fg_bundle_serial(const fg_bundle* bundle);

/* Interning: the index of an id (NUL-terminated), or -1 when the bundle does not know it. */
int32_t fg_intern_data(const fg_bundle* bundle, const char* id);
int32_t fg_intern_purpose(const fg_bundle* bundle, const char* id);
int32_t fg_intern_recipient(const fg_bundle* bundle, const char* id);
int32_t fg_intern_region(const fg_bundle* bundle, const char* id);
int32_t fg_intern_feature(const fg_bundle* bundle, const char* id);

#define FG_COLLECT 0
#define FG_TRANSMIT 1
#define FG_DEVICE (-2) /* fg_query.destination: the data stays on the device */

/* Bits of fg_query.gpp_opt_outs: the GPP field is 1, "opted out" (docs/signals.md). */
#define FG_GPP_USNAT_SALE_OPT_OUT 0
#define FG_GPP_USNAT_SHARING_OPT_OUT 1
#define FG_GPP_USNAT_TARGETED_ADVERTISING_OPT_OUT 2
#define FG_GPP_USCA_SALE_OPT_OUT 3
#define FG_GPP_USCA_SHARING_OPT_OUT 4

typedef struct fg_query {
  int32_t data;                /* fg_intern_data */
  int32_t purpose;             /* fg_intern_purpose */
  int32_t action;              /* FG_COLLECT or FG_TRANSMIT */
  int32_t recipient;           /* fg_intern_recipient */
  int32_t destination;         /* fg_intern_region, or FG_DEVICE */
  int32_t region;              /* the subject's region: fg_intern_region */
  int32_t age;                 /* whole years; -1 unknown */
  int32_t as_of_days;          /* days since 1970-01-01: fg_days_from_civil */
  int32_t gpc;                 /* signals.gpc: 0 or 1 */
  int32_t ads_personalization; /* the in-app toggle: 1 unless the user turned it off */
  uint64_t consent_mask;       /* bit i: consent for purpose index i */
  uint64_t feature_mask;       /* bit i: feature index i in use */
  /* What the TC and GPP strings say, for rules that test them (tcf.purpose_consent(4),
   * usnat.sale_opt_out, tcf.present; docs/signals.md). Decode the strings when they change and
   * fill these; a string that does not decode must not be decided on (fail closed). */
  int32_t tcf_present;                       /* 1: a TC string (or a GPP tcfeuv2 section) */
  int32_t gpp_present;                       /* 1: a GPP string */
  uint32_t tcf_purpose_consents;             /* bit p-1: TCF purpose p (1-24) has consent */
  uint32_t tcf_purpose_legitimate_interests; /* bit p-1: legitimate interest for purpose p */
  uint32_t gpp_opt_outs;                     /* bit FG_GPP_*: that field is 1, opted out */
  /* signals.parental_consent: 1 when a parent or guardian gave verifiable consent (COPPA and the
   * state laws' known-child rules); 0 otherwise, and a child's data then stays where the law
   * keeps it. */
  int32_t parental_consent;
  /* Nonzero when fg_query_set_consent_strings was given a string that does not decode: fg_decide
   * then denies (fail closed) with unknown_field FG_FIELD_CONSENT_STRING. 0 otherwise. */
  int32_t consent_string_error;
} fg_query;

/* Defaults: every id unknown (-1), transmit, age unknown, as_of today (UTC, fg_today_days), gpc 0,
 * ads_personalization 1, parental_consent 0, no consents, no features, no TC or GPP string. */
void fg_query_init(fg_query* query);
/* Today's date in UTC, as days since 1970-01-01 (the system clock). */
int32_t fg_today_days(void);

/* Decodes an IAB TC string and/or GPP string (NUL-terminated; either may be NULL) into the query's
 * signal fields, as `flowgate decide` applies signals.tcf and signals.gpp (docs/signals.md):
 * tcf_present, gpp_present, tcf_purpose_consents, tcf_purpose_legitimate_interests and
 * gpp_opt_outs are replaced by what the strings say; the consent_mask bits of the policy purposes
 * the TCF purposes map to (advertising.targeted, advertising.measurement, analytics; those the
 * bundle knows) are set where the strings grant them and cleared where they withhold them; gpc is
 * set when the GPP string opts out of targeted advertising or sharing or carries GPC. Call it
 * after interning and setting consent_mask, and again whenever a string changes. Decoding
 * allocates: keep it off the hot path.
 * A string that does not decode returns FG_ERR_INVALID_ARGUMENT with fg_last_error() naming it and
 * the field at fault ("'signals.tcf' does not decode: TC string: …"), leaves the signal fields
 * as they were, and sets consent_string_error, so fg_decide on the query denies (fail closed). */
fg_status fg_query_set_consent_strings(const fg_bundle* bundle, fg_query* query,
                                       const char* tcf, const char* gpp);
/* Days since 1970-01-01 of a Gregorian date. A date that does not exist (2026-02-30, month 13)
 * or lies outside years 1 to 9999 gives FG_INVALID_DATE; fg_decide on a query dated so returns
 * FG_ERR_INVALID_ARGUMENT with a deny (the unknown-id decision), never a neighbouring day's. */
#define FG_INVALID_DATE INT32_MIN
int32_t fg_days_from_civil(int32_t year, int32_t month, int32_t day);

/* Which field of a query held a value the bundle does not know (fg_decision.unknown_field). */
#define FG_FIELD_NONE 0
#define FG_FIELD_DATA 1
#define FG_FIELD_PURPOSE 2
#define FG_FIELD_ACTION 3      /* neither FG_COLLECT nor FG_TRANSMIT */
#define FG_FIELD_RECIPIENT 4
#define FG_FIELD_DESTINATION 5
#define FG_FIELD_REGION 6      /* the subject's region */
#define FG_FIELD_CONSENT 7     /* (string queries of the C++ runtime: a consent id) */
#define FG_FIELD_FEATURE 8     /* (string queries of the C++ runtime: a feature id) */
#define FG_FIELD_AS_OF 9       /* as_of_days is FG_INVALID_DATE */
#define FG_FIELD_CONSENT_STRING 10 /* a TC or GPP string that did not decode */
/* The field's name in the query JSON ("data", "subject.region", …); "" for FG_FIELD_NONE or an
 * unknown number. A static string. */
const char* fg_field_name(int32_t field);

/* A decision: a handle into its bundle, valid until fg_close. bundle_, index_ and flags_ are
 * private; unknown_field is FG_FIELD_NONE, or for an unknown-id deny the field of the query that
 * held the unknown (or out-of-range) value. */
typedef struct fg_decision {
  const fg_bundle* bundle_;
  uint32_t index_;
  int32_t unknown_field;
  uint32_t flags_;
} fg_decision;

/* Decides a query: no allocation, no locks. Fails on null arguments, and with
 * FG_ERR_INVALID_ARGUMENT (and a deny) on a query dated FG_INVALID_DATE or whose consent strings
 * did not decode (consent_string_error). */
fg_status fg_decide(const fg_bundle* bundle, const fg_query* query, fg_decision* decision);

int fg_decision_allow(const fg_decision* decision); /* 1 allow, 0 deny */
uint32_t fg_decision_index(const fg_decision* decision);
/* The reason, NUL-terminated; *length (if not NULL) receives its length in bytes. A query dated
 * before the policy took effect is denied as policy-not-in-force with the policy's effective date;
 * when its as_of_days was 0 (1970-01-01: a date never set) the reason says so instead. */
const char* fg_decision_reason(const fg_decision* decision, size_t* length);
/* Lists: a count, and the i-th string (NULL when i >= count). */
size_t fg_decision_obligation_count(const fg_decision* decision);
const char* fg_decision_obligation_at(const fg_decision* decision, size_t i, size_t* length);
size_t fg_decision_legal_basis_count(const fg_decision* decision);
const char* fg_decision_legal_basis_at(const fg_decision* decision, size_t i, size_t* length);
size_t fg_decision_citation_count(const fg_decision* decision);
const char* fg_decision_citation_at(const fg_decision* decision, size_t i, size_t* length);
size_t fg_decision_rule_count(const fg_decision* decision);
const char* fg_decision_rule_at(const fg_decision* decision, size_t i, size_t* length);

/* The bundle's SHA-256 content digest (32 bytes): what the decision log records as its hash. */
void fg_bundle_digest(const fg_bundle* bundle, uint8_t digest[32]);

/* Bundle lifecycle: a holder keeps the running bundle and swaps in a new one at run time.
 *
 *   fg_holder* holder;
 *   fg_holder_open_file("policy.fgb", &options, &holder);  // options as for fg_open_file
 *   fg_bundle* b = fg_acquire(holder);      // a snapshot: intern, decide, read decisions on it
 *   …
 *   fg_close(b);                            // decisions on b are valid until here
 *   fg_reload_file(holder, "policy-v2.fgb"); // from an update thread, at any time
 *
 * fg_reload loads the new bundle, checks its structure and digest and, under the holder's options,
 * its signature; only then does it swap it in. A bundle that fails any check is refused with the
 * fg_status and message of fg_open, and the running bundle stays.
 *
 * Rollback: fg_reload also refuses, with FG_ERR_DOWNGRADE and a message naming both serials, a
 * bundle whose serial (fg_bundle_serial) is below the running bundle's — a validly signed older
 * policy — or equal to it with a different digest (two policies under one serial have no order;
 * every distinct bundle needs its own serial). The same bundle again is accepted. A bundle without
 * a serial counts as 0. fg_reload_ex / fg_reload_file_ex with FG_RELOAD_ALLOW_DOWNGRADE accept
 * such a bundle on purpose; every other check still applies. The holder's first bundle
 * (fg_holder_open) has nothing running to compare with: across a restart the app carries the
 * floor itself — it stores fg_bundle_serial of the running bundle after each successful load and
 * passes it to fg_holder_open_ex / fg_holder_open_file_ex as min_serial, which then refuse a first
 * bundle below it with FG_ERR_DOWNGRADE (0: no floor, as fg_holder_open).
 *
 * fg_acquire may be called from
 * any number of threads while another reloads: it returns the old bundle or the new one, never a
 * mix, and a snapshot does not change while it is held (ids interned on one snapshot belong to it).
 * Reloads are serialised among themselves. fg_holder_close must not race with other calls on the
 * holder; snapshots acquired before it stay valid until their fg_close. */
typedef struct fg_holder fg_holder;
fg_status fg_holder_open(const uint8_t* data, size_t size, const fg_options* options,
                         fg_holder** holder);
fg_status fg_holder_open_file(const char* path, const fg_options* options, fg_holder** holder);
fg_status fg_holder_open_ex(const uint8_t* data, size_t size, const fg_options* options,
                            uint64_t min_serial, fg_holder** holder);
fg_status fg_holder_open_file_ex(const char* path, const fg_options* options, uint64_t min_serial,
                                 fg_holder** holder);
fg_status fg_reload(fg_holder* holder, const uint8_t* data, size_t size);
fg_status fg_reload_file(fg_holder* holder, const char* path);
/* fg_reload and fg_reload_file with flags: 0 or FG_RELOAD_* or-ed together (other bits are
 * FG_ERR_INVALID_ARGUMENT). fg_reload(h, d, n) is fg_reload_ex(h, d, n, 0). */
#define FG_RELOAD_ALLOW_DOWNGRADE 1u /* accept a serial not above the running one's: a rollback */
fg_status fg_reload_ex(fg_holder* holder, const uint8_t* data, size_t size, uint32_t flags);
fg_status fg_reload_file_ex(fg_holder* holder, const char* path, uint32_t flags);
/* The running bundle, to be released with fg_close; NULL only for a NULL holder (or no memory). */
fg_bundle* fg_acquire(const fg_holder* holder);
/* How many bundles the holder has swapped in (the first open counts); refused ones do not. */
uint64_t fg_holder_generation(const fg_holder* holder);
void fg_holder_close(fg_holder* holder);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLOWGATE_FLOWGATE_H_ */
