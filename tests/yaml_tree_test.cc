#include "load/yaml_tree.h"

#include <doctest/doctest.h>

#include <memory>

using namespace flowgate;

namespace {

std::optional<YamlNode> parse(const std::string& text, DiagnosticSink& sink,
                              YamlLimits limits = {}) {
  static std::vector<std::unique_ptr<SourceFile>> files;  // nodes refer to their file by path only
  files.push_back(std::make_unique<SourceFile>("t.yaml", text));
  return parse_yaml(*files.back(), sink, limits);
}

}  // namespace

TEST_CASE("every node keeps its line and column") {
  DiagnosticSink sink;
  auto root = parse("rules:\n  - id: a\n    effect: deny\n", sink);
  REQUIRE(root);
  const YamlNode* rules = root->find("rules");
  REQUIRE(rules);
  const YamlNode* effect = rules->items[0].find("effect");
  REQUIRE(effect);
  CHECK(effect->location.line == 3);
  CHECK(effect->location.column == 13);
  CHECK(effect->scalar == "deny");
}

TEST_CASE("duplicate keys are errors at the second key") {
  DiagnosticSink sink;
  parse("a: 1\nb: 2\na: 3\n", sink);
  REQUIRE(sink.error_count() == 1);
  CHECK(sink.diagnostics()[0].code == "duplicate-key");
  CHECK(sink.diagnostics()[0].location.line == 3);
}

TEST_CASE("syntax errors carry yaml-cpp's location") {
  DiagnosticSink sink;
  CHECK_FALSE(parse("a: [1, 2\nb: 3\n", sink));
  REQUIRE(sink.error_count() == 1);
  CHECK(sink.diagnostics()[0].code == "yaml-syntax");
  CHECK(sink.diagnostics()[0].location.line >= 1);
}

TEST_CASE("nesting and alias expansion are bounded") {
  DiagnosticSink sink;
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK_FALSE(parse(deep, sink));
  CHECK(sink.diagnostics()[0].code == "yaml-too-deep");

  DiagnosticSink bomb_sink;
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {  // each level holds ten of the one before: 10^9 nodes
    std::string previous(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + previous;
    bomb += "]\n";
  }
  CHECK_FALSE(parse(bomb, bomb_sink));
  CHECK(bomb_sink.diagnostics()[0].code == "yaml-too-many-nodes");
}

TEST_CASE("text problems are found at their byte") {
  CHECK_FALSE(find_text_problem("plain ascii\n").has_value());
  CHECK_FALSE(find_text_problem("caf\xC3\xA9 \xE2\x80\x9Cquoted\xE2\x80\x9D").has_value());
  auto bad = find_text_problem("ok\n\xFF");
  REQUIRE(bad);
  CHECK(bad->offset == 3);
  CHECK(find_text_problem("\xC0\xAF")->what.find("invalid") != std::string::npos);  // overlong
  CHECK(find_text_problem("a\x01b")->offset == 1);
  CHECK(find_text_problem("\xED\xA0\x80").has_value());  // a UTF-16 surrogate
}

TEST_CASE("a condition's characters are located inside quoted and block scalars") {
  SourceFile file("t.yaml", "a: \"x and y\"\nb: |\n  first\n  second line\n");
  DiagnosticSink sink;
  auto root = parse_yaml(file, sink);
  REQUIRE(root);
  auto at = scalar_char_location(file, *root->find("a"), 6);
  CHECK(at.line == 1);
  CHECK(at.column == 11);  // the 'y'
  auto block = scalar_char_location(file, *root->find("b"), 13);
  CHECK(block.line == 4);
  CHECK(block.column == 10);  // "second line"[7] = 'l'
}
