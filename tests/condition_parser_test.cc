#include <doctest/doctest.h>

#include "model/condition.h"

using namespace flowgate;

namespace {

std::string canonical(std::string_view text) {
  auto result = parse_condition(text);
  REQUIRE_MESSAGE(std::holds_alternative<Expr>(result), text);
  return to_string(std::get<Expr>(result));
}

ConditionSyntaxError error_of(std::string_view text) {
  auto result = parse_condition(text);
  REQUIRE_MESSAGE(std::holds_alternative<ConditionSyntaxError>(result), text);
  return std::get<ConditionSyntaxError>(result);
}

}  // namespace

TEST_CASE("precedence: not binds tighter than and, and tighter than or") {
  CHECK(canonical("a or b and c") == "a or b and c");
  CHECK(canonical("(a or b) and c") == "(a or b) and c");
  CHECK(canonical("not a and b") == "not a and b");
  CHECK(canonical("not (a and b)") == "not (a and b)");
  auto result = std::get<Expr>(parse_condition("a or b and c"));
  CHECK(result.kind == ExprKind::kOr);
  REQUIRE(result.children.size() == 2);
  CHECK(result.children[1].kind == ExprKind::kAnd);
}

TEST_CASE("chains of and/or are one node") {
  auto result = std::get<Expr>(parse_condition("a and b and c and d"));
  CHECK(result.kind == ExprKind::kAnd);
  CHECK(result.children.size() == 4);
}

TEST_CASE("the design's example conditions parse") {
  CHECK(canonical("subject.region in EU_EEA") == "subject.region in EU_EEA");
  CHECK(canonical("subject.age < 16") == "subject.age < 16");
  CHECK(canonical("signals.gpc") == "signals.gpc");
  CHECK(canonical("consent(\"support\")") == "consent(\"support\")");
  CHECK(canonical("consent('support')") == "consent(\"support\")");
  CHECK(canonical("feature(\"bluetooth\")") == "feature(\"bluetooth\")");
  CHECK(canonical("destination in [JP, US-CA]") == "destination in [JP, US-CA]");
  CHECK(canonical("as_of >= 2026-01-01") == "as_of >= 2026-01-01");
  CHECK(canonical("subject.region in EU_EEA and (not known(subject.age) or subject.age < 16)") ==
        "subject.region in EU_EEA and (not known(subject.age) or subject.age < 16)");
}

TEST_CASE("consent-string tests: dotted calls with a number, dotted paths") {
  CHECK(canonical("not tcf.purpose_consent(4)") == "not tcf.purpose_consent(4)");
  CHECK(canonical("tcf.purpose_legitimate_interest( 7 )") == "tcf.purpose_legitimate_interest(7)");
  CHECK(canonical("usnat.targeted_ads_opt_out or usca.sharing_opt_out") ==
        "usnat.targeted_ads_opt_out or usca.sharing_opt_out");
  CHECK(canonical("tcf.present and not gpp.present") == "tcf.present and not gpp.present");
  auto call = std::get<Expr>(parse_condition("tcf.purpose_consent(24)"));
  CHECK(call.kind == ExprKind::kCall);
  CHECK(call.text == "tcf.purpose_consent");
  REQUIRE(call.children.size() == 1);
  CHECK(call.children[0].kind == ExprKind::kInt);
  CHECK(call.children[0].number == 24);
  CHECK(call.children[0].offset == 20);
  CHECK(error_of("tcf.purpose_consent()").offset == 20);
  CHECK(error_of("tcf.purpose_consent(4").message ==
        "expected ')', found the end of the condition");
}

TEST_CASE("offsets point at the node's first character") {
  auto result = std::get<Expr>(parse_condition("  signals.gpc and subject.age >= 16"));
  REQUIRE(result.children.size() == 2);
  CHECK(result.children[0].offset == 2);
  CHECK(result.children[1].offset == 18);
  CHECK(result.children[1].children[1].offset == 33);
}

TEST_CASE("keywords are not names, but names may start with them") {
  CHECK(canonical("notice") == "notice");
  CHECK(canonical("order and android") == "order and android");
  CHECK(error_of("and").offset == 0);
}

TEST_CASE("syntax errors name what was expected, at the offending character") {
  auto e = error_of("subject.age <");
  CHECK(e.offset == 13);
  CHECK(e.message.find("expected a value") != std::string::npos);

  e = error_of("(signals.gpc or signals.ads_personalization");
  CHECK(e.offset == 43);
  CHECK(e.message.find("')'") != std::string::npos);

  // A region list takes any word (check says which are not region codes, with the ISO code of a
  // name: bad input 97); a list item must still start with a letter.
  CHECK(canonical("subject.region in [de, Japan]") == "subject.region in [de, Japan]");
  e = error_of("subject.region in [DE, 12]");
  CHECK(e.offset == 23);  // at the item, not at the comma
  CHECK(e.message.find("region code") != std::string::npos);
  CHECK(e.message.find("found '12'") != std::string::npos);

  e = error_of("subject.region in eu");
  CHECK(e.offset == 18);
  CHECK(e.message.find("region group") != std::string::npos);

  e = error_of("signals.gpc signals.gpc");
  CHECK(e.offset == 12);
  CHECK(e.message.find("unexpected") != std::string::npos);

  e = error_of("consent(\"support)");
  CHECK(e.message.find("'\"'") != std::string::npos);

  CHECK(error_of("").message.find("nothing") != std::string::npos);
  CHECK(error_of("   ").offset == 3);
}

TEST_CASE("budgets: length and nesting are errors, not deep recursion") {
  std::string deep(40, '(');
  deep += "a";
  deep += std::string(40, ')');
  CHECK(error_of(deep).message.find("nests deeper") != std::string::npos);
  std::string nots;
  for (int i = 0; i < 40; ++i) nots += "not ";
  CHECK(error_of(nots + "a").message.find("nests deeper") != std::string::npos);
  CHECK(error_of(std::string(2000, 'a')).message.find("longer than") != std::string::npos);
  // A parenthesis inside a string does not count.
  CHECK(canonical("consent(\"((((((((((((((((((((((((((((((((((((((\")").size() > 0);
}

TEST_CASE("an escaped quote does not hide nesting from the budget (fuzzer find)") {
  std::string deep = "\"\\\"\" or ";
  deep += std::string(40, '(') + "a" + std::string(40, ')');
  CHECK(error_of(deep).message.find("nests deeper") != std::string::npos);
}

TEST_CASE("to_string re-parses to the same tree (fuzzer find)") {
  for (const char* text :
       {"(subject.age < 3) < 4", "(true or false) == true", "(not true) == false",
        "consent('a\"b')", "not not a", "not (a in EU)"}) {
    std::string once = canonical(text);
    CHECK_MESSAGE(canonical(once) == once, text);
  }
  CHECK(canonical("(not true) == false") == "(not true) == false");
  CHECK(canonical("consent('a\"b')") == "consent(\"a\\\"b\")");
}
