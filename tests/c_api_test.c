/* The C API as a mobile binding uses it (C11): open the fixture bundles written by
 * write_test_bundle, refuse the ones the options forbid, intern, decide, read decisions.
 *   c_api_test DIR   (DIR holds test.fgb, test-signed.fgb, test.pub, other.pub)
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
  CHECK(fg_decision_rule_count(NULL) == 0);

  fg_close(bundle);
  fg_close(NULL);
  free(unsigned_path);
  free(signed_path);
  if (failures != 0) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("c_api_test: all checks passed\n");
  return 0;
}
