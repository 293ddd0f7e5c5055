// Decisions of the reference evaluator on the shipped policy, each pinned to the sentence of the
// policy that makes it. These are the first goldens; the compiled diagram must give the same.
#include <doctest/doctest.h>

#include "policy_fixture.h"
#include "reference/reference_evaluator.h"

using namespace flowgate;
using namespace flowgate::testing;

namespace {

const Policy& policy() {
  static const Checked checked = load_and_check(source_dir());
  REQUIRE(checked.errors == 0);
  return *checked.policy;
}

Query flow(std::string data, std::string purpose, std::string recipient, std::string destination,
           std::string region, std::optional<int> age = 30) {
  Query q;
  q.data = std::move(data);
  q.purpose = std::move(purpose);
  q.recipient = std::move(recipient);
  q.destination = std::move(destination);
  q.action = q.recipient == "device" ? Action::kCollect : Action::kTransmit;
  q.region = std::move(region);
  q.age = age;
  q.as_of = *parse_date("2026-11-29");
  return q;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_SUITE("reference-decisions") {
  TEST_CASE("§1.1 \"All the information aforementioned will only be cached in your device\"") {
    auto collect = evaluate_reference(
        policy(), flow("media.photo", "core_functionality", "device", "device", "JP"));
    CHECK(collect.allow);
    auto upload = evaluate_reference(
        policy(), flow("media.photo", "core_functionality", "first_party", "JP", "JP"));
    CHECK_FALSE(upload.allow);
    CHECK(has(upload.rules, "media-stays-on-device"));
    CHECK(has(upload.citations, "§1.1"));
  }

  TEST_CASE("§3 advertisers, §5 \"encrypted transmission\": ads id to Google for a Virginian") {
    auto d = evaluate_reference(policy(), flow("technical.ads.identifier", "advertising.targeted",
                                               "advertiser.google", "US", "US-VA", 34));
    CHECK(d.allow);
    CHECK(has(d.obligations, "encrypt_in_transit"));
    CHECK(has(d.citations, "§3"));
  }

  TEST_CASE(
      "§11.2.2 \"we do not believe that we engage in such activity\": no sharing for "
      "Californians") {
    auto d = evaluate_reference(policy(), flow("technical.ads.identifier", "advertising.targeted",
                                               "advertiser.google", "US", "US-CA"));
    CHECK_FALSE(d.allow);
    CHECK(has(d.citations, "§11.2.2"));
  }

  TEST_CASE("§11.2.1 the ads-personalization toggle, off, denies targeted advertising everywhere") {
    auto q =
        flow("technical.ads.identifier", "advertising.targeted", "advertiser.google", "US", "JP");
    q.ads_personalization = false;
    auto d = evaluate_reference(policy(), q);
    CHECK_FALSE(d.allow);
    CHECK(has(d.rules, "ads-personalization-toggle-off"));
  }

  TEST_CASE("GPC binds only where state law requires honouring it (Colorado yes, Virginia no)") {
    auto colorado = flow("technical.ads.identifier", "advertising.targeted", "advertiser.google",
                         "US", "US-CO");
    colorado.gpc = true;
    CHECK_FALSE(evaluate_reference(policy(), colorado).allow);
    auto maryland = flow("technical.ads.identifier", "advertising.targeted", "advertiser.google",
                         "US", "US-MD");
    maryland.gpc = true;
    maryland.as_of = *parse_date("2026-03-31");  // the day before MODPA's opt-out duty applies
    CHECK(evaluate_reference(policy(), maryland).allow);
    maryland.as_of = *parse_date("2026-04-01");
    CHECK_FALSE(evaluate_reference(policy(), maryland).allow);
    auto virginia = flow("technical.ads.identifier", "advertising.targeted", "advertiser.google",
                         "US", "US-VA");
    virginia.gpc = true;
    CHECK(evaluate_reference(policy(), virginia).allow);
  }

  TEST_CASE(
      "§11.1.1 \"functions related to user | Technical Information | Performance of contract\"") {
    auto d = evaluate_reference(
        policy(), flow("technical.device.info", "user_functions", "first_party", "JP", "DE"));
    CHECK(d.allow);
    CHECK(d.legal_basis == std::vector<std::string>{"contract"});
    CHECK(has(d.obligations, "transfer.adequacy"));  // §4: Japan has an adequacy decision
  }

  TEST_CASE("§11.1.1 has no row for targeted advertising: denied for EU subjects") {
    auto d = evaluate_reference(policy(), flow("technical.ads.identifier", "advertising.targeted",
                                               "advertiser.google", "US", "FR"));
    CHECK_FALSE(d.allow);
    CHECK(has(d.rules, "eu-requires-legal-basis"));
  }

  TEST_CASE("§11.1.1 \"additional functionality | correspondences | Consent\": only with consent") {
    auto q = flow("correspondence.support", "support", "first_party", "JP", "DE");
    CHECK_FALSE(evaluate_reference(policy(), q).allow);
    q.consents.insert("support");
    auto d = evaluate_reference(policy(), q);
    CHECK(d.allow);
    CHECK(d.legal_basis == std::vector<std::string>{"consent"});
  }

  TEST_CASE("§11.1.2 \"If you are a minor under the age of 16, you are not permitted\"") {
    CHECK_FALSE(evaluate_reference(policy(), flow("technical.device.info", "user_functions",
                                                  "first_party", "JP", "DE", 15))
                    .allow);
    CHECK_FALSE(evaluate_reference(policy(), flow("technical.device.info", "user_functions",
                                                  "first_party", "JP", "DE", std::nullopt))
                    .allow);
    CHECK(evaluate_reference(policy(), flow("technical.device.info", "user_functions",
                                            "first_party", "JP", "DE", 16))
              .allow);
  }

  TEST_CASE("§4 \"stored in our servers located in Japan\": first party elsewhere is denied") {
    CHECK_FALSE(evaluate_reference(policy(), flow("technical.device.info", "user_functions",
                                                  "first_party", "US", "JP"))
                    .allow);
  }

  TEST_CASE("§1.3 Bluetooth address \"(when you use relevant features)\"") {
    auto q =
        flow("technical.network.bluetooth_address", "user_functions", "device", "device", "JP");
    CHECK_FALSE(evaluate_reference(policy(), q).allow);
    q.features.insert("bluetooth");
    CHECK(evaluate_reference(policy(), q).allow);
  }

  TEST_CASE(
      "§9 \"it may be necessary for us to make changes to this Policy\": before 2026-01-30 this "
      "version does not apply") {
    auto q = flow("technical.ads.identifier", "advertising.targeted", "advertiser.google", "US",
                  "US-VA");
    q.as_of = *parse_date("2026-01-29");
    auto d = evaluate_reference(policy(), q);
    CHECK_FALSE(d.allow);
    CHECK(d.rules == std::vector<std::string>{"policy-not-in-force"});
    q.as_of = *parse_date("2026-01-30");
    CHECK(evaluate_reference(policy(), q).allow);
  }

  TEST_CASE("§0: the default deny and unknown ids name their rule") {
    auto d = evaluate_reference(
        policy(), flow("technical.device.info", "ai_training", "first_party", "JP", "JP"));
    CHECK_FALSE(d.allow);
    CHECK(d.rules == std::vector<std::string>{"default-deny"});
    CHECK(d.citations == std::vector<std::string>{"§0"});
    auto unknown = evaluate_reference(
        policy(), flow("media.hologram", "core_functionality", "device", "device", "JP"));
    CHECK_FALSE(unknown.allow);
    CHECK(unknown.rules == std::vector<std::string>{"unknown-id"});
  }
}
