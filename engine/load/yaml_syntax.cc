// explain_yaml_syntax_error: which common mistake a YAML syntax error is, in plain words.
#include "load/yaml_syntax.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <vector>

namespace flowgate {
namespace {

struct Line {
  size_t begin = 0;       // offset of its first byte
  std::string_view text;  // without the line break
  size_t indent = 0;      // leading spaces and tabs
  size_t content = 0;     // the key or value, after the indentation and any "- "
  bool blank = true;      // empty, or a comment only
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    Line line;
    line.begin = begin;
    line.text = text.substr(begin, end - begin);
    if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
    while (line.indent < line.text.size() &&
           (line.text[line.indent] == ' ' || line.text[line.indent] == '\t')) {
      ++line.indent;
    }
    line.content = line.indent;
    while (line.content + 1 < line.text.size() && line.text[line.content] == '-' &&
           line.text[line.content + 1] == ' ') {
      line.content += 2;
      while (line.content < line.text.size() && line.text[line.content] == ' ') ++line.content;
    }
    line.blank = line.indent == line.text.size() || line.text[line.indent] == '#';
    lines.push_back(line);
    if (end == text.size()) break;
    begin = end + 1;
  }
  return lines;
}

// Up to `n` characters of `s`, "..." after when cut.
std::string clip(std::string_view s, size_t n = 40) {
  if (s.size() <= n) return std::string(s);
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // UTF-8
  return std::string(s.substr(0, n)) + "...";
}

// The position after the quoted scalar that opens at `open` (a '"' or '\''), or nullopt when it
// does not close on this line.
std::optional<size_t> quote_end(std::string_view line, size_t open) {
  const char q = line[open];
  for (size_t i = open + 1; i < line.size(); ++i) {
    if (q == '"' && line[i] == '\\') {
      ++i;
    } else if (line[i] == q) {
      if (q == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
        ++i;  // '' is an apostrophe inside single quotes
        continue;
      }
      return i + 1;
    }
  }
  return std::nullopt;
}

// Where the value of a "key: value" line starts (after ": "), or nullopt when the line is no
// such line. The key may be quoted.
std::optional<size_t> value_start(const Line& line) {
  std::string_view t = line.text;
  size_t i = line.content;
  if (i < t.size() && (t[i] == '"' || t[i] == '\'')) {
    auto end = quote_end(t, i);
    if (!end) return std::nullopt;
    i = *end;
  }
  for (; i < t.size(); ++i) {
    if (t[i] == ':' && (i + 1 == t.size() || t[i + 1] == ' ')) {
      size_t v = i + 1;
      while (v < t.size() && t[v] == ' ') ++v;
      return v;
    }
    if (t[i] == ' ' && i + 1 < t.size() && t[i + 1] == '#') return std::nullopt;
  }
  return std::nullopt;
}

// The value of a line: after "key: ", else (a list item "- value") after the dash.
size_t scalar_start(const Line& line) {
  return value_start(line).value_or(line.content);
}

std::string escape_double(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

class Explainer {
 public:
  Explainer(std::string_view text, size_t offset, const std::string& parser_message)
      : text_(text), lines_(split_lines(text)), offset_(offset), parser_(parser_message) {
    while (at_ + 1 < lines_.size() && lines_[at_ + 1].begin <= offset_) ++at_;
  }

  YamlSyntaxExplanation explain() {
    if (auto e = tab()) return *e;
    if (auto e = dash_without_space()) return *e;
    if (parser_.find("flow") != std::string::npos) {
      if (auto e = bracket()) return *e;
    }
    if (auto e = unclosed_quote()) return *e;
    if (auto e = text_after_quote()) return *e;
    if (parser_ == "illegal map value") {
      if (auto e = colon_in_value()) return *e;
      if (auto e = key_without_colon()) return *e;
    }
    if (parser_ == "end of map not found" || parser_ == "end of sequence not found") {
      if (auto e = out_of_step()) return *e;
    }
    if (auto e = special_first_character()) return *e;
    return {offset_, fmt::format("this line cannot be read as YAML (the parser says: {})", parser_),
            "check this line and the one above it: indent with spaces in step with the lines "
            "around it, a space after each ':' and each '-', and quotes around a value that "
            "holds ': ' or starts with a sign such as '@', '*' or '&'"};
  }

 private:
  // The lines from the error's line up to `n` lines above it, nearest first.
  template <typename F>
  std::optional<YamlSyntaxExplanation> nearby(size_t n, F f) {
    for (size_t i = at_ + 1; i-- > 0 && at_ - i <= n;) {
      if (auto e = f(i, lines_[i])) return e;
    }
    return std::nullopt;
  }

  // The nearest line above `i` with something on it.
  std::optional<size_t> previous(size_t i) const {
    while (i-- > 0) {
      if (!lines_[i].blank) return i;
    }
    return std::nullopt;
  }

  std::optional<YamlSyntaxExplanation> tab() {
    return nearby(3, [&](size_t i, const Line& l) -> std::optional<YamlSyntaxExplanation> {
      size_t tab = l.text.substr(0, l.indent).find('\t');
      if (tab == std::string_view::npos) return std::nullopt;
      return YamlSyntaxExplanation{
          l.begin + tab,
          fmt::format("line {} is indented with a tab; YAML indents with spaces only", i + 1),
          "replace the tab with spaces, as many as the lines it belongs with use (editors can "
          "show tabs and turn them into spaces)"};
    });
  }

  std::optional<YamlSyntaxExplanation> dash_without_space() {
    return nearby(3, [&](size_t i, const Line& l) -> std::optional<YamlSyntaxExplanation> {
      std::string_view t = l.text.substr(l.indent);
      if (t.size() < 2 || t[0] != '-' || t[1] == ' ' || t[1] == '-' || t[1] == '\t' ||
          std::isdigit(static_cast<unsigned char>(t[1])) || t[1] == '.') {
        return std::nullopt;
      }
      return YamlSyntaxExplanation{
          l.begin + l.indent,
          fmt::format("the dash on line {} has no space after it, so YAML does not read '{}' as "
                      "an item of a list",
                      i + 1, clip(t, 20)),
          fmt::format("write a space after the dash: '- {}'", clip(t.substr(1), 30))};
    });
  }

  // A '[' or '{' that never closes, or closes with the other bracket.
  std::optional<YamlSyntaxExplanation> bracket() {
    struct Open {
      char c;
      size_t offset;
    };
    std::vector<Open> open;
    const size_t end = std::min(offset_ + 1, text_.size());
    char before = '\n';  // the last character that is not a space
    for (size_t i = 0; i < end; ++i) {
      char c = text_[i];
      bool starts_scalar = before == '\n' || before == ':' || before == ',' || before == '[' ||
                           before == '{' || before == '-';
      if (c == '#' && (i == 0 || text_[i - 1] == ' ' || text_[i - 1] == '\n')) {
        while (i < end && text_[i] != '\n') ++i;
        before = '\n';
        continue;
      }
      if ((c == '"' || c == '\'') && starts_scalar) {
        size_t line_end = text_.find('\n', i);
        std::string_view rest = text_.substr(
            i, line_end == std::string_view::npos ? std::string_view::npos : line_end - i);
        auto close = quote_end(rest, 0);
        if (!close) break;  // an unclosed quote: not a bracket problem
        i += *close - 1;
        before = c;
        continue;
      }
      if ((c == '[' || c == '{') && (starts_scalar || !open.empty())) {
        open.push_back({c, i});
      } else if ((c == ']' || c == '}') && !open.empty()) {
        char expected = open.back().c == '[' ? ']' : '}';
        if (c != expected) {
          auto [line, column] = line_column(open.back().offset);
          return YamlSyntaxExplanation{
              i,
              fmt::format("this '{}' closes the '{}' opened on line {}, column {}", c,
                          open.back().c, line, column),
              fmt::format("close a '[' with ']' and a '{{' with '}}': write '{}' here", expected)};
        }
        open.pop_back();
      }
      if (c != ' ' && c != '\t' && c != '\r') before = c;
    }
    if (open.empty()) return std::nullopt;
    auto [line, column] = line_column(open.back().offset);
    char closing = open.back().c == '[' ? ']' : '}';
    return YamlSyntaxExplanation{
        open.back().offset,
        fmt::format("the '{}' on line {}, column {} is never closed", open.back().c, line, column),
        fmt::format("end the {} with '{}' after its last item (items are separated by ', ')",
                    open.back().c == '[' ? "list" : "mapping", closing)};
  }

  // A quoted value that does not close on its line, so the parser reads on to the next quote.
  std::optional<YamlSyntaxExplanation> unclosed_quote() {
    if (lines_[at_].text.find_first_of("\"'") == std::string_view::npos) return std::nullopt;
    for (size_t i = at_; i-- > 0 && at_ - i <= 20;) {
      const Line& l = lines_[i];
      if (l.blank) continue;
      size_t v = scalar_start(l);
      if (v >= l.text.size() || (l.text[v] != '"' && l.text[v] != '\'')) continue;
      if (quote_end(l.text, v)) continue;
      char q = l.text[v];
      return YamlSyntaxExplanation{
          l.begin + v,
          fmt::format("the quoted text that starts on line {} has no closing {} on its line, so "
                      "YAML reads on into the lines below it",
                      i + 1, q),
          fmt::format("end the value with {} on line {}{}", q, i + 1,
                      q == '"' ? " (and write \\\" for a quote inside it)"
                               : " (and write '' for an apostrophe inside it)")};
    }
    return std::nullopt;
  }

  // "quote: "We say "hello" here"": the quoted text ends early and more text follows it.
  std::optional<YamlSyntaxExplanation> text_after_quote() {
    const Line& l = lines_[at_];
    size_t v = scalar_start(l);
    if (v >= l.text.size() || (l.text[v] != '"' && l.text[v] != '\'')) return std::nullopt;
    auto end = quote_end(l.text, v);
    if (!end) return std::nullopt;
    size_t rest = *end;
    while (rest < l.text.size() && l.text[rest] == ' ') ++rest;
    if (rest == l.text.size() || l.text[rest] == '#' || l.text[rest] == ',' ||
        l.text[rest] == ']' || l.text[rest] == '}') {
      return std::nullopt;
    }
    char q = l.text[v];
    return YamlSyntaxExplanation{
        l.begin + *end - 1,
        fmt::format("the quoted text on line {} ends here, at the second {}, but more text "
                    "follows it",
                    at_ + 1, q),
        q == '"' ? "to put a \" inside a double-quoted value write \\\", or put the whole value "
                   "in single quotes"
                 : "to put an apostrophe inside a single-quoted value write it twice (it''s), or "
                   "put the whole value in double quotes"};
  }

  // "note: this is: bad": a ': ' inside an unquoted value.
  std::optional<YamlSyntaxExplanation> colon_in_value() {
    const Line& l = lines_[at_];
    auto v = value_start(l);
    if (!v || *v >= l.text.size()) return std::nullopt;
    char first = l.text[*v];
    if (first == '"' || first == '\'' || first == '[' || first == '{' || first == '|' ||
        first == '>') {
      return std::nullopt;
    }
    std::string_view value = l.text.substr(*v);
    size_t colon = value.find(": ");
    if (colon == std::string_view::npos && value.back() == ':') colon = value.size() - 1;
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view key = l.text.substr(l.content, *v - l.content);
    while (!key.empty() && (key.back() == ' ' || key.back() == ':')) key.remove_suffix(1);
    return YamlSyntaxExplanation{
        l.begin + *v + colon,
        fmt::format("the value on line {} holds ': ', which YAML reads as the start of another "
                    "key",
                    at_ + 1),
        fmt::format("put the whole value in double quotes: {}: \"{}\"", key,
                    clip(escape_double(value), 60))};
  }

  // "effect allow" or "effect:allow" above the line where the parser stopped.
  std::optional<YamlSyntaxExplanation> key_without_colon() {
    auto p = previous(at_);
    if (!p) return std::nullopt;
    const Line& l = lines_[*p];
    const Line& here = lines_[at_];
    if (l.content != here.content && l.indent != here.indent) return std::nullopt;
    if (value_start(l)) return std::nullopt;
    std::string_view t = l.text.substr(l.content);
    if (t.empty() || t.back() == ':' ||
        std::string_view("\"'[{|>#&*!").find(t[0]) != std::string_view::npos) {
      return std::nullopt;
    }
    if (size_t colon = t.find(':'); colon != std::string_view::npos) {
      return YamlSyntaxExplanation{
          l.begin + l.content + colon,
          fmt::format("line {} has no space after its ':', so YAML reads '{}' as text, not as a "
                      "key and its value",
                      *p + 1, clip(t, 30)),
          fmt::format("write a space after the ':': '{}: {}'", t.substr(0, colon),
                      clip(t.substr(colon + 1), 30))};
    }
    size_t space = t.find(' ');
    std::string example = space == std::string_view::npos
                              ? fmt::format("{}: …", t)
                              : fmt::format("{}: {}", t.substr(0, space), t.substr(space + 1));
    return YamlSyntaxExplanation{
        l.begin + l.content,
        fmt::format("line {} ('{}') has no ':' after its key, so YAML reads it as text running "
                    "on into line {}",
                    *p + 1, clip(t, 30), at_ + 1),
        fmt::format("write a key, a colon, a space, then the value: '{}'; if the line continues "
                    "the text above it, indent it like that text",
                    clip(example, 40))};
  }

  // A line indented out of step with the lines it belongs with.
  std::optional<YamlSyntaxExplanation> out_of_step() {
    auto p = previous(at_);
    if (!p) return std::nullopt;
    const Line& here = lines_[at_];
    const Line& above = lines_[*p];
    // The nearest line above that starts in the same column or further left: a list item in
    // the same column makes this key a stranger in a list.
    std::optional<size_t> sibling = p;
    while (sibling && lines_[*sibling].indent > here.indent) sibling = previous(*sibling);
    if (sibling && lines_[*sibling].indent == here.indent && here.content == here.indent &&
        lines_[*sibling].content != lines_[*sibling].indent) {
      const Line& item = lines_[*sibling];
      return YamlSyntaxExplanation{
          here.begin + here.indent,
          fmt::format("line {} is a key in the same column as the dash of the list item on line "
                      "{}: a list and a mapping cannot share a column",
                      at_ + 1, *sibling + 1),
          fmt::format("make it part of that item by starting it in column {} like '{}', or an "
                      "item of its own by writing '- ' before it",
                      item.content + 1, clip(item.text.substr(item.content), 20))};
    }
    if (here.indent == above.content || here.indent == above.indent) return std::nullopt;
    return YamlSyntaxExplanation{
        here.begin + here.indent,
        fmt::format("line {} is not in step with the lines above it: it starts in column {}, "
                    "line {} in column {}",
                    at_ + 1, here.indent + 1, *p + 1, above.content + 1),
        fmt::format("in YAML the keys of one mapping, and the dashes of one list, start in the "
                    "same column: start this line in column {} if it belongs with line {}, else "
                    "in the column of the lines it belongs with (spaces, not tabs)",
                    above.content + 1, *p + 1)};
  }

  // A value starting with a sign YAML reserves: '@', '`', '%', '*', '&', '!'.
  std::optional<YamlSyntaxExplanation> special_first_character() {
    if (offset_ >= text_.size()) return std::nullopt;
    char c = text_[offset_];
    if (std::string_view("@`%*&!").find(c) == std::string_view::npos) return std::nullopt;
    std::string what = c == '*'   ? "'*' starts a reference to an anchor ('&name') in YAML"
                       : c == '&' ? "'&' starts an anchor in YAML"
                       : c == '!' ? "'!' starts a type tag in YAML"
                                  : fmt::format("YAML does not let a value start with '{}'", c);
    return YamlSyntaxExplanation{offset_,
                                 fmt::format("{}, so this value cannot be read as text", what),
                                 "put the value in double quotes: \"...\""};
  }

  std::pair<size_t, size_t> line_column(size_t offset) const {
    size_t i = 0;
    while (i + 1 < lines_.size() && lines_[i + 1].begin <= offset) ++i;
    return {i + 1, offset - lines_[i].begin + 1};
  }

  std::string_view text_;
  std::vector<Line> lines_;
  size_t offset_;
  const std::string& parser_;
  size_t at_ = 0;  // the line holding offset_
};

}  // namespace

YamlSyntaxExplanation explain_yaml_syntax_error(std::string_view text, size_t offset,
                                                const std::string& parser_message) {
  return Explainer(text, offset, parser_message).explain();
}

}  // namespace flowgate
