/* The C API on the shipped policy, as the camera pipeline asks it: open the bundle that
 * `flowgate compile --sign` wrote, requiring the trusted key, intern ids once, decide.
 *   c_api_shipped_test BUNDLE PUBLIC_KEY_FILE
 * Exits non-zero on the first failed check. */
#include <stdint.h>
#include <stdio.h>
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

static int read_key(const char* path, uint8_t key[32]) {
  FILE* f = fopen(path, "r");
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

static int has_rule(const fg_decision* d, const char* id) {
  for (size_t i = 0; i < fg_decision_rule_count(d); ++i) {
    if (strcmp(fg_decision_rule_at(d, i, NULL), id) == 0) return 1;
  }
  return 0;
}

static int has_obligation(const fg_decision* d, const char* id) {
  for (size_t i = 0; i < fg_decision_obligation_count(d); ++i) {
    if (strcmp(fg_decision_obligation_at(d, i, NULL), id) == 0) return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: c_api_shipped_test BUNDLE PUBLIC_KEY_FILE\n");
    return 2;
  }
  uint8_t key[32];
  CHECK(read_key(argv[2], key));
  fg_options options;
  memset(&options, 0, sizeof options);
  options.require_signature = 1;
  options.trusted_keys = key;
  options.trusted_key_count = 1;
  fg_bundle* bundle = NULL;
  if (fg_open_file(argv[1], &options, &bundle) != FG_OK) {
    fprintf(stderr, "fg_open_file: %s\n", fg_last_error());
    return 1;
  }
  CHECK(strcmp(fg_bundle_policy_name(bundle), "Kapi Action Privacy Policy") == 0);

  /* Interned once, at start-up. */
  const int32_t photo = fg_intern_data(bundle, "media.photo");
  const int32_t ads_id = fg_intern_data(bundle, "technical.ads.identifier");
  const int32_t core = fg_intern_purpose(bundle, "core_functionality");
  const int32_t targeted = fg_intern_purpose(bundle, "advertising.targeted");
  const int32_t cloud = fg_intern_recipient(bundle, "service_provider.cloud_storage");
  const int32_t google = fg_intern_recipient(bundle, "advertiser.google");
  const int32_t device = fg_intern_recipient(bundle, "device");
  const int32_t jp = fg_intern_region(bundle, "JP");
  const int32_t us = fg_intern_region(bundle, "US");
  const int32_t va = fg_intern_region(bundle, "US-VA");
  const int32_t ca = fg_intern_region(bundle, "US-CA");
  const int32_t de = fg_intern_region(bundle, "DE");
  CHECK(photo >= 0 && ads_id >= 0 && core >= 0 && targeted >= 0 && cloud >= 0 && google >= 0);
  CHECK(device >= 0 && jp >= 0 && us >= 0 && va >= 0 && ca >= 0 && de >= 0);
  CHECK(fg_intern_data(bundle, "media.hologram") == -1);

  fg_query q;
  fg_decision d;
  const int32_t today = fg_days_from_civil(2026, 11, 29);

  /* §1.1: taking a photo is allowed on the device ... */
  fg_query_init(&q);
  q.data = photo, q.purpose = core, q.action = FG_COLLECT, q.recipient = device;
  q.destination = FG_DEVICE, q.region = de, q.age = 30, q.as_of_days = today;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 1);
  /* ... and it "will only be cached in your device and will not be uploaded to our server". */
  q.action = FG_TRANSMIT, q.recipient = cloud, q.destination = jp;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 0);
  CHECK(has_rule(&d, "media-stays-on-device"));

  /* §3 and §5: the ads identifier goes to Google for a Virginian, encrypted in transit. */
  fg_query_init(&q);
  q.data = ads_id, q.purpose = targeted, q.action = FG_TRANSMIT, q.recipient = google;
  q.destination = us, q.region = va, q.age = 34, q.as_of_days = today;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 1);
  CHECK(has_obligation(&d, "encrypt_in_transit"));
  /* §11.2.1: not once the toggle is off. */
  q.ads_personalization = 0;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 0);
  CHECK(has_rule(&d, "ads-personalization-toggle-off"));
  /* §11.2.2: never for a Californian. */
  q.ads_personalization = 1, q.region = ca;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 0);
  CHECK(has_rule(&d, "ca-no-sale-or-sharing"));

  /* Fail closed: an id the app could not intern is a deny by unknown-id. */
  q.data = fg_intern_data(bundle, "media.hologram");
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 0);
  CHECK(has_rule(&d, "unknown-id"));

  /* A query whose date was never set (as_of_days 0) is denied as before the policy, and the reason
   * says the date was not set; one dated before the policy names its effective date. */
  fg_query_init(&q);
  q.data = photo, q.purpose = core, q.action = FG_COLLECT, q.region = de, q.age = 30;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK && fg_decision_allow(&d) == 1); /* today */
  q.as_of_days = 0;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 0 && has_rule(&d, "policy-not-in-force"));
  CHECK(strstr(fg_decision_reason(&d, NULL), "never set") != NULL);
  q.as_of_days = fg_days_from_civil(2020, 1, 1);
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(has_rule(&d, "policy-not-in-force"));
  CHECK(strstr(fg_decision_reason(&d, NULL), "never set") == NULL);
  CHECK(strstr(fg_decision_reason(&d, NULL), "takes effect on 2026-01-30") != NULL);

  /* COPPA: a 10-year-old Texan's device data to the app's servers needs a parent's verifiable
   * consent, which the app sets as parental_consent. */
  fg_query_init(&q);
  q.data = fg_intern_data(bundle, "technical.device.info");
  q.purpose = fg_intern_purpose(bundle, "user_functions");
  q.recipient = fg_intern_recipient(bundle, "first_party");
  q.destination = jp, q.region = fg_intern_region(bundle, "US-TX"), q.age = 10;
  q.as_of_days = fg_days_from_civil(2026, 12, 4);
  CHECK(fg_decide(bundle, &q, &d) == FG_OK && d.unknown_field == FG_FIELD_NONE);
  CHECK(fg_decision_allow(&d) == 0);
  q.parental_consent = 1;
  CHECK(fg_decide(bundle, &q, &d) == FG_OK);
  CHECK(fg_decision_allow(&d) == 1);

  fg_close(bundle);
  if (failures == 0) printf("c_api_shipped_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
