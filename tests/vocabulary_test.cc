#include "model/vocabulary.h"

#include <doctest/doctest.h>

using namespace flowgate;

namespace {

Term term(std::string id, std::vector<std::string> parents = {}) {
  Term t;
  t.id = std::move(id);
  t.location = {"v.yaml", 1, 1};
  t.parents = std::move(parents);
  t.parent_locations.assign(t.parents.size(), {"v.yaml", 1, 5});
  return t;
}

}  // namespace

TEST_CASE("closure answers is-under through several parents (a DAG, not a tree)") {
  DiagnosticSink sink;
  auto v = Vocabulary::build(
      VocabularyKind::kData,
      {term("payment"), term("technical"), term("technical.account", {"technical"}),
       term("user_id"), term("payment.store_user_id", {"payment", "user_id"}),
       term("technical.account.user_id", {"technical.account", "user_id"})},
      sink);
  CHECK_FALSE(sink.has_errors());
  auto id = [&](const char* s) { return *v.find(s); };
  CHECK(v.is_under(id("technical.account.user_id"), id("technical")));
  CHECK(v.is_under(id("technical.account.user_id"), id("user_id")));
  CHECK(v.is_under(id("payment.store_user_id"), id("user_id")));
  CHECK_FALSE(v.is_under(id("payment.store_user_id"), id("technical")));
  CHECK(v.is_under(id("payment"), id("payment")));
  CHECK(v.leaves_under(id("user_id")).size() == 2);
  CHECK_FALSE(v.is_leaf(id("user_id")));
}

TEST_CASE("a cycle is reported with its path") {
  DiagnosticSink sink;
  Vocabulary::build(VocabularyKind::kPurpose,
                    {term("a", {"c"}), term("b", {"a"}), term("c", {"b"})}, sink);
  REQUIRE(sink.error_count() == 1);
  const auto& d = sink.diagnostics()[0];
  CHECK(d.code == "vocabulary-cycle");
  CHECK(d.message.find("→") != std::string::npos);
  CHECK(d.message.find("a") != std::string::npos);
}

TEST_CASE("duplicate ids and undefined parents are reported, and the rest still loads") {
  DiagnosticSink sink;
  auto v = Vocabulary::build(
      VocabularyKind::kRecipient,
      {term("device"), term("device"), term("advertiser.apple", {"advertiser"})}, sink);
  REQUIRE(sink.error_count() == 2);
  auto sorted = sink.sorted();
  CHECK(sink.diagnostics()[0].code == "duplicate-id");
  CHECK(sink.diagnostics()[1].code == "unknown-parent");
  CHECK(sink.diagnostics()[1].location.column == 5);
  CHECK(v.size() == 2);
  CHECK(v.contains("advertiser.apple"));
}
