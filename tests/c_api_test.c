/* The C API as a mobile binding uses it (C11): open the fixture bundles written by
 * write_test_bundle, refuse the ones the options forbid, intern, decide, read decisions; hold a
 * bundle and reload it, refusing a rollback to a lower serial unless asked to.
 *   c_api_test DIR   (DIR holds test.fgb, test-signed.fgb, test.pub, other.pub, serial-1.fgb,
 *                     serial-2.fgb, serial-2-other.fgb, test-medium.fgb)
 * Exits non-zero on the first failed check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowgate/flowgate.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

static char* path_in(const char* dir, const char* name) {
  char* path = malloc(strlen(dir) + strlen(name) + 2);
  sprintf(path, "%s/%s", dir, name);
  return path;
}

/* A public key file: 64 hex digits. */
static int read_key(const char* dir, const char* name, uint8_t key[32]) {
  char* path = path_in(dir, name);
  FILE* f = fopen(path, "r");
  free(path);
  if (f == NULL) return 0;
  char hex[65] = {0};
  size_t n = fread(hex, 1, 64, f);
  fclose(f);
  if (n != 64) return 0;
  for (int i = 0; i < 32; ++i) {
    unsigned byte;
    if (sscanf(hex + 2 * i, "%2x", &byte) != 1) return 0;
    key[i] = (uint8_t)byte;
  }
  return 1;
}

typedef const char* (*list_at)(const fg_decision*, size_t, size_t*);

/* Whether item i of a decision's list is `expected`, with the right length and a NUL after it. */
static int item_is(list_at at, const fg_decision* d, size_t i, const char* expected) {
  size_t length = 0;
  const char* s = at(d, i, &length);
  return s != NULL && length == strlen(expected) && memcmp(s, expected, length) == 0 &&
         s[length] == '\0';
}

/* A whole file in memory (malloc'd), or NULL. */
static uint8_t* read_all(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t* data = n > 0 ? malloc((size_t)n) : NULL;
  if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
    free(data);
    data = NULL;
  }
  fclose(f);
  *size = data != NULL ? (size_t)n : 0;
  return data;
}

/* Whether the bundle allows the test policy's photo capture on the device (it always should). */
static int allows_capture(const fg_bundle* b) {
  fg_query q;
  fg_decision d;
  fg_query_init(&q);
  q.data = fg_intern_data(b, "media.photo");
  q.purpose = fg_intern_purpose(b, "core_functionality");
  q.action = FG_COLLECT;
  q.recipient = fg_intern_recipient(b, "device");
  q.destination = FG_DEVICE;
  q.region = fg_intern_region(b, "DE");
  return fg_decide(b, &q, &d) == FG_OK && fg_decision_allow(&d) == 1 &&
         item_is(fg_decision_rule_at, &d, 0, "collect-on-device");
}

/* test-medium.fgb (3-byte children, format version 5) decides every query of a grid over the test
 * policy's ids and classes as test.fgb (u16 children) does: the widening at load is the same on
 * every target. */
static void check_medium_children(const char* dir) {
  char* narrow_path = path_in(dir, "test.fgb");
  char* medium_path = path_in(dir, "test-medium.fgb");
  fg_bundle* narrow = NULL;
  fg_bundle* medium = NULL;
  CHECK(fg_open_file(narrow_path, NULL, &narrow) == FG_OK);
  CHECK(fg_open_file(medium_path, NULL, &medium) == FG_OK);
  free(narrow_path);
  free(medium_path);
  if (narrow == NULL || medium == NULL) return;
  CHECK(fg_bundle_serial(medium) == 1);
  const int32_t destinations[] = {0, 1, 2, 3, FG_DEVICE};
  const int32_t ages[] = {-1, 10, 40};
  long compared = 0, disagreements = 0;
  for (int32_t data = 0; data < 3; ++data)
    for (int32_t purpose = 0; purpose < 3; ++purpose)
      for (int32_t action = 0; action < 2; ++action)
        for (int32_t recipient = 0; recipient < 3; ++recipient)
          for (int di = 0; di < 5; ++di)
            for (int32_t region = 0; region < 4; ++region)
              for (int ai = 0; ai < 3; ++ai)
                for (int bits = 0; bits < 16; ++bits)
                  for (uint64_t consents = 0; consents < 8; ++consents) {
                    fg_query q;
                    fg_query_init(&q);
                    q.data = data;
                    q.purpose = purpose;
                    q.action = action == 0 ? FG_COLLECT : FG_TRANSMIT;
                    q.recipient = recipient;
                    q.destination = destinations[di];
                    q.region = region;
                    q.age = ages[ai];
                    q.as_of_days = (bits & 8) ? 30000 : 20000;
                    q.gpc = bits & 1;
                    q.ads_personalization = (bits >> 1) & 1;
                    q.feature_mask = (bits >> 2) & 1;
                    q.consent_mask = consents;
                    fg_decision a, b;
                    const int sa = fg_decide(narrow, &q, &a), sb = fg_decide(medium, &q, &b);
                    ++compared;
                    if (sa != sb || (sa == FG_OK && fg_decision_index(&a) != fg_decision_index(&b)))
                      ++disagreements;
                  }
  CHECK(compared == 414720);
  CHECK(disagreements == 0);
  fg_close(narrow);
  fg_close(medium);
}

/* Rollback: a holder running serial 2 refuses serial 1, another bundle under serial 2, and a
 * bundle without a serial; the running bundle keeps deciding; FG_RELOAD_ALLOW_DOWNGRADE permits
 * the rollback; a newer serial is accepted. */
static void check_rollback(const char* dir, const fg_options* production) {
  char* serial_1 = path_in(dir, "serial-1.fgb");
  char* serial_2 = path_in(dir, "serial-2.fgb");
  char* serial_2_other = path_in(dir, "serial-2-other.fgb");
  char* no_serial = path_in(dir, "test-signed.fgb");
  size_t old_size = 0;
  uint8_t* old_bytes = read_all(serial_1, &old_size);
  CHECK(old_bytes != NULL);

  fg_bundle* b = NULL;
  CHECK(fg_open_file(no_serial, production, &b) == FG_OK);
  CHECK(fg_bundle_serial(b) == 0); /* format version 3: no serial */
  fg_close(b);
  CHECK(fg_bundle_serial(NULL) == 0);

  fg_holder* holder = NULL;
  CHECK(fg_holder_open_file(serial_2, production, &holder) == FG_OK);
  if (holder == NULL) {
    fprintf(stderr, "cannot hold %s: %s\n", serial_2, fg_last_error());
    ++failures;
    return;
  }
  fg_bundle* running = fg_acquire(holder);
  CHECK(fg_bundle_serial(running) == 2);
  CHECK(strcmp(fg_bundle_policy_version(running), "2026-01-30-b") == 0);

  /* An older signed bundle is refused, from a file or from bytes; the message names both. */
  CHECK(fg_reload_file(holder, serial_1) == FG_ERR_DOWNGRADE);
  CHECK(strstr(fg_last_error(), "bundle serial 1 is below the running bundle's serial 2") != NULL);
  CHECK(fg_reload(holder, old_bytes, old_size) == FG_ERR_DOWNGRADE);
  CHECK(fg_reload_ex(holder, old_bytes, old_size, 0) == FG_ERR_DOWNGRADE);
  CHECK(fg_reload_file(holder, no_serial) == FG_ERR_DOWNGRADE);
  CHECK(strstr(fg_last_error(), "bundle serial 0 is below") != NULL);
  /* Another bundle under the same serial: no order between them, refused. */
  CHECK(fg_reload_file(holder, serial_2_other) == FG_ERR_DOWNGRADE);
  CHECK(strstr(fg_last_error(), "equals the running bundle's serial 2") != NULL);
  CHECK(fg_holder_generation(holder) == 1);
  /* Unknown flags are a caller error, not a permission. */
  CHECK(fg_reload_ex(holder, old_bytes, old_size, 0x80) == FG_ERR_INVALID_ARGUMENT);
  CHECK(fg_reload_file_ex(holder, serial_1, 0x80) == FG_ERR_INVALID_ARGUMENT);

  /* The running bundle stays, and keeps deciding. */
  fg_bundle* still = fg_acquire(holder);
  CHECK(fg_bundle_serial(still) == 2);
  CHECK(allows_capture(still));
  uint8_t d1[32], d2[32];
  fg_bundle_digest(running, d1);
  fg_bundle_digest(still, d2);
  CHECK(memcmp(d1, d2, 32) == 0);
  fg_close(still);

  /* The same bundle again is fine. */
  CHECK(fg_reload_file(holder, serial_2) == FG_OK);
  CHECK(fg_holder_generation(holder) == 2);
  /* A deliberate rollback. */
  CHECK(fg_reload_ex(holder, old_bytes, old_size, FG_RELOAD_ALLOW_DOWNGRADE) == FG_OK);
  fg_bundle* rolled_back = fg_acquire(holder);
  CHECK(fg_bundle_serial(rolled_back) == 1);
  CHECK(allows_capture(rolled_back));
  fg_close(rolled_back);
  /* A newer one is accepted without any flag; then the sibling only with the flag. */
  CHECK(fg_reload_file(holder, serial_2) == FG_OK);
  CHECK(fg_reload_file(holder, serial_2_other) == FG_ERR_DOWNGRADE);
  CHECK(fg_reload_file_ex(holder, serial_2_other, FG_RELOAD_ALLOW_DOWNGRADE) == FG_OK);
  fg_bundle* now = fg_acquire(holder);
  CHECK(strcmp(fg_bundle_policy_version(now), "2026-01-30-c") == 0);
  fg_close(now);
  CHECK(fg_holder_generation(holder) == 5);
  /* A snapshot taken before the reloads is unchanged. */
  CHECK(strcmp(fg_bundle_policy_version(running), "2026-01-30-b") == 0);
  CHECK(allows_capture(running));

  fg_holder_close(holder);
  fg_close(running);
  free(old_bytes);
  free(serial_1);
  free(serial_2);
  free(serial_2_other);
  free(no_serial);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: c_api_test DIR\n");
    return 2;
  }
  const char* dir = argv[1];
  uint8_t trusted[32], other[32];
  CHECK(read_key(dir, "test.pub", trusted));
  CHECK(read_key(dir, "other.pub", other));
  char* unsigned_path = path_in(dir, "test.fgb");
  char* signed_path = path_in(dir, "test-signed.fgb");

  /* Production setting: a signature from a trusted key is required. */
  fg_options production = {1, trusted, 1};
  fg_bundle* bundle = NULL;
  CHECK(fg_open_file(unsigned_path, &production, &bundle) == FG_ERR_SIGNATURE);
  CHECK(bundle == NULL);
  CHECK(strstr(fg_last_error(), "unsigned") != NULL);
  fg_options wrong_key = {1, other, 1};
  CHECK(fg_open_file(signed_path, &wrong_key, &bundle) == FG_ERR_SIGNATURE);
  CHECK(strstr(fg_last_error(), "not a trusted key") != NULL);
  fg_options no_keys = {1, NULL, 0};
  CHECK(fg_open_file(signed_path, &no_keys, &bundle) == FG_ERR_INVALID_ARGUMENT);
  CHECK(fg_open_file("/nonexistent/bundle.fgb", NULL, &bundle) == FG_ERR_IO);
  CHECK(fg_open((const uint8_t*)"FLOWGATE", 8, NULL, &bundle) == FG_ERR_CORRUPT);
  CHECK(strstr(fg_last_error(), "truncated") != NULL);
  CHECK(fg_open(NULL, 0, NULL, NULL) == FG_ERR_INVALID_ARGUMENT);

  /* Development: unsigned bundles open without options. */
  CHECK(fg_open_file(unsigned_path, NULL, &bundle) == FG_OK);
  CHECK(bundle != NULL);
  fg_close(bundle);

  CHECK(fg_open_file(signed_path, &production, &bundle) == FG_OK);
  if (bundle == NULL) {
    fprintf(stderr, "cannot open %s: %s\n", signed_path, fg_last_error());
    return 1;
  }
  CHECK(strcmp(fg_bundle_policy_name(bundle), "Test Policy") == 0);
  CHECK(strcmp(fg_bundle_policy_version(bundle), "2026-01-30") == 0);

  /* Intern once. */
  int32_t photo = fg_intern_data(bundle, "media.photo");
  int32_t ads_id = fg_intern_data(bundle, "technical.ads.identifier");
  int32_t targeted = fg_intern_purpose(bundle, "advertising.targeted");
  int32_t core = fg_intern_purpose(bundle, "core_functionality");
  int32_t device = fg_intern_recipient(bundle, "device");
  int32_t google = fg_intern_recipient(bundle, "advertiser.google");
  int32_t de = fg_intern_region(bundle, "DE");
  int32_t va = fg_intern_region(bundle, "US-VA");
  CHECK(photo == 0 && ads_id == 1 && targeted == 1 && core == 0 && device == 0 && google == 2);
  CHECK(de == 0 && va == 3);
  CHECK(fg_intern_feature(bundle, "bluetooth") == 0);
  CHECK(fg_intern_data(bundle, "media") == -1);
  CHECK(fg_intern_region(bundle, "device") == -1);
  CHECK(fg_intern_data(bundle, NULL) == -1);

  fg_query q;
  fg_decision d;
  size_t length = 0;

  /* Defaults: no TC or GPP string. */
  memset(&q, 0xAB, sizeof q);
  fg_query_init(&q);
  CHECK(q.tcf_present == 0 && q.gpp_present == 0 && q.tcf_purpose_consents == 0 &&
        q.tcf_purpose_legitimate_interests == 0 && q.gpp_opt_outs == 0);
  CHECK(FG_GPP_USNAT_TARGETED_ADVERTISING_OPT_OUT == 2 && FG_GPP_USCA_SHARING_OPT_OUT == 4);

  /* Capture on the device. */
  fg_query_init(&q);
  q.data = photo;
  q.purpose = core;
  q.action = FG_COLLECT;
  q.recipient = device;
  q.destination = FG_DEVICE;
  q.region = de;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 1);
  CHECK(fg_decision_rule_count(&d) == 1);
  CHECK(item_is(fg_decision_rule_at, &d, 0, "collect-on-device"));
  /* The same photo may not leave the device. */
  q.action = FG_TRANSMIT;
  q.recipient = google;
  q.destination = va;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 0);
  CHECK(item_is(fg_decision_rule_at, &d, 0, "default-deny"));
  CHECK(item_is(fg_decision_citation_at, &d, 0,
                "\xC2\xA7"
                "0"));

  /* Dates: a day that does not exist is FG_INVALID_DATE, never a neighbouring day, and a query
   * dated so is refused and denied. */
  CHECK(fg_days_from_civil(2024, 2, 29) == fg_days_from_civil(2024, 3, 1) - 1);
  CHECK(fg_days_from_civil(2026, 2, 29) == FG_INVALID_DATE);
  CHECK(fg_days_from_civil(2026, 2, 30) == FG_INVALID_DATE);
  CHECK(fg_days_from_civil(2026, 13, 1) == FG_INVALID_DATE);
  CHECK(fg_days_from_civil(INT32_MIN, 1, 1) == FG_INVALID_DATE);
  CHECK(fg_days_from_civil(INT32_MAX, 12, 31) == FG_INVALID_DATE);
  CHECK(fg_days_from_civil(1970, 1, 1) == 0);
  fg_query_init(&q);
  q.data = ads_id;
  q.purpose = targeted;
  q.recipient = google;
  q.destination = va;
  q.region = va;
  q.age = 34;
  q.as_of_days = fg_days_from_civil(2026, 2, 30);
  CHECK(fg_decide(bundle, &q, &d) == FG_ERR_INVALID_ARGUMENT);
  CHECK(fg_decision_allow(&d) == 0);
  CHECK(item_is(fg_decision_rule_at, &d, 0, "unknown-id"));

  /* Targeted ads in the EU: an adult with consent; obligations and legal basis. */
  fg_query_init(&q);
  q.data = ads_id;
  q.purpose = targeted;
  q.recipient = google;
  q.destination = va;
  q.region = de;
  q.age = 34;
  q.as_of_days = fg_days_from_civil(2026, 11, 29);
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 0);
  q.consent_mask = UINT64_C(1) << targeted;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 1);
  CHECK(fg_decision_obligation_count(&d) == 2);
  CHECK(item_is(fg_decision_obligation_at, &d, 0, "encrypt_in_transit"));
  CHECK(item_is(fg_decision_obligation_at, &d, 1, "transfer.scc"));
  CHECK(fg_decision_obligation_at(&d, 2, &length) == NULL && length == 0);
  CHECK(fg_decision_legal_basis_count(&d) == 1);
  CHECK(item_is(fg_decision_legal_basis_at, &d, 0, "consent"));
  CHECK(fg_decision_citation_count(&d) == 2);
  const char* reason = fg_decision_reason(&d, &length);
  CHECK(reason != NULL && length > 0 && reason[length] == '\0');
  q.age = 15;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 0);
  CHECK(item_is(fg_decision_rule_at, &d, 0, "eu-age-verification"));
  q.age = -1;
  fg_decide(bundle, &q, &d);
  CHECK(item_is(fg_decision_rule_at, &d, 0, "eu-age-verification"));

  /* Outside the EU: GPC is honoured here; the ads toggle off denies. */
  q.region = va;
  q.age = 34;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 1);
  CHECK(fg_decision_legal_basis_count(&d) == 0);
  q.gpc = 1;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 0);
  q.gpc = 0;
  q.ads_personalization = 0;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 0);

  /* Fail closed: an id that did not intern, or values out of range. */
  q.ads_personalization = 1;
  q.data = fg_intern_data(bundle, "no.such.category");
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 0);
  CHECK(item_is(fg_decision_rule_at, &d, 0, "unknown-id"));
  q.data = ads_id;
  q.region = 4000;
  fg_decide(bundle, &q, &d);
  CHECK(item_is(fg_decision_rule_at, &d, 0, "unknown-id"));
  q.region = va;
  q.action = 7;
  fg_decide(bundle, &q, &d);
  CHECK(item_is(fg_decision_rule_at, &d, 0, "unknown-id"));
  CHECK(fg_decide(bundle, NULL, &d) == FG_ERR_INVALID_ARGUMENT);
  CHECK(fg_decision_allow(NULL) == 0);

  /* Which field held the unknown value, beside the deny. */
  fg_query_init(&q);
  q.data = ads_id, q.purpose = targeted, q.recipient = google, q.destination = va, q.region = va;
  q.age = 34;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(d.unknown_field == FG_FIELD_NONE);
  q.data = fg_intern_data(bundle, "media"); /* a group: not a leaf a query can name */
  fg_decide(bundle, &q, &d);
  CHECK(d.unknown_field == FG_FIELD_DATA && fg_decision_allow(&d) == 0);
  CHECK(strcmp(fg_field_name(d.unknown_field), "data") == 0);
  q.data = ads_id;
  q.purpose = -1;
  fg_decide(bundle, &q, &d);
  CHECK(d.unknown_field == FG_FIELD_PURPOSE);
  q.purpose = targeted;
  q.recipient = 999;
  fg_decide(bundle, &q, &d);
  CHECK(d.unknown_field == FG_FIELD_RECIPIENT);
  q.recipient = google;
  q.destination = fg_intern_region(bundle, "Germany");
  fg_decide(bundle, &q, &d);
  CHECK(d.unknown_field == FG_FIELD_DESTINATION);
  q.destination = va;
  q.region = 4000;
  fg_decide(bundle, &q, &d);
  CHECK(d.unknown_field == FG_FIELD_REGION && item_is(fg_decision_rule_at, &d, 0, "unknown-id"));
  CHECK(strcmp(fg_field_name(FG_FIELD_REGION), "subject.region") == 0);
  q.region = va;
  q.action = 7;
  fg_decide(bundle, &q, &d);
  CHECK(d.unknown_field == FG_FIELD_ACTION);
  q.action = FG_TRANSMIT;
  q.as_of_days = FG_INVALID_DATE;
  CHECK(fg_decide(bundle, &q, &d) == FG_ERR_INVALID_ARGUMENT);
  CHECK(d.unknown_field == FG_FIELD_AS_OF);
  CHECK(strcmp(fg_field_name(99), "") == 0 && strcmp(fg_field_name(-1), "") == 0);

  /* A collect stays on the device: whatever recipient and destination it names (an upload target,
   * an id that did not intern), it is decided as the capture on the device it is. */
  fg_query_init(&q);
  q.data = photo, q.purpose = core, q.action = FG_COLLECT, q.region = de;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 1 && d.unknown_field == FG_FIELD_NONE);
  const uint32_t on_device = fg_decision_index(&d);
  q.recipient = google, q.destination = va;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_index(&d) == on_device);
  q.recipient = -1, q.destination = 4000;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_index(&d) == on_device && d.unknown_field == FG_FIELD_NONE);

  /* A query starts dated today (UTC). */
  fg_query_init(&q);
  CHECK(q.as_of_days == fg_today_days());
  CHECK(q.as_of_days > fg_days_from_civil(2026, 1, 1) && q.consent_string_error == 0);

  /* TC and GPP strings decoded into the query's signals, as `flowgate decide` applies them. */
  fg_query_init(&q);
  q.data = ads_id, q.purpose = targeted, q.recipient = google, q.destination = va, q.region = de;
  q.age = 34;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 0); /* the EU wants consent for targeted ads */
  /* A TC string with consent to TCF purposes 1-11: advertising.targeted (3, 4) is consented. */
  const char* tc =
      "CQLjKniQUgpvihC3ywENBkEgAP_gAEFAAAYgCpMgqloCIs8aN-whOTPR6jhum29xBtM-tQSoiCCndoP2QgSHhIWuRuvp"
      "b0MAxn8wMSgEgEco8wS2UACAkCYASgFMqqImsAIAAAAA";
  CHECK(fg_query_set_consent_strings(bundle, &q, tc, NULL) == FG_OK);
  CHECK(q.tcf_present == 1 && q.gpp_present == 0 && q.tcf_purpose_consents == 0x7FFu);
  CHECK((q.consent_mask >> targeted) & 1u);
  const uint64_t consented = q.consent_mask;
  fg_decide(bundle, &q, &d);
  CHECK(fg_decision_allow(&d) == 1);
  CHECK(item_is(fg_decision_legal_basis_at, &d, 0, "consent"));
  /* A GPP string opting out of targeted advertising (usnat): gpc, and its opt-out bit. */
  CHECK(fg_query_set_consent_strings(bundle, &q, NULL, "DBABLA~ChYhlGKoJqBo.YA") == FG_OK);
  CHECK(q.gpp_present == 1 && q.tcf_present == 0 && q.gpc == 1);
  CHECK((q.gpp_opt_outs >> FG_GPP_USNAT_TARGETED_ADVERTISING_OPT_OUT) & 1u);
  CHECK(q.consent_mask == consented); /* no TCF section: consent left as it was */
  /* A string that does not decode: refused with its reason, and the query fails closed. */
  q.gpc = 0;
  CHECK(fg_query_set_consent_strings(bundle, &q, "not-a-tc-string", NULL) ==
        FG_ERR_INVALID_ARGUMENT);
  CHECK(strstr(fg_last_error(), "'signals.tcf' does not decode") != NULL);
  CHECK(q.consent_string_error != 0 && q.gpp_present == 1); /* signal fields left as they were */
  CHECK(fg_decide(bundle, &q, &d) == FG_ERR_INVALID_ARGUMENT);
  CHECK(fg_decision_allow(&d) == 0 && d.unknown_field == FG_FIELD_CONSENT_STRING);
  CHECK(strstr(fg_last_error(), "did not decode") != NULL);
  CHECK(fg_query_set_consent_strings(bundle, &q, tc, NULL) == FG_OK);
  CHECK(q.consent_string_error == 0 && fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_query_set_consent_strings(NULL, &q, tc, NULL) == FG_ERR_INVALID_ARGUMENT);
  CHECK(fg_decision_rule_count(NULL) == 0);

  fg_close(bundle);
  fg_close(NULL);
  check_rollback(dir, &production);
  check_medium_children(dir);
  free(unsigned_path);
  free(signed_path);
  if (failures != 0) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("c_api_test: all checks passed\n");
  return 0;
}
