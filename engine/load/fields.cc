// Fields and the single-node readers: the schema vocabulary of the loader.
#include "load/fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace flowgate {
namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string join_keys(const std::vector<std::string_view>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) out += fmt::format("{}'{}'", i ? ", " : "", keys[i]);
  return out;
}

}  // namespace

std::optional<std::string_view> nearest(std::string_view key,
                                        const std::vector<std::string_view>& known) {
  std::optional<std::string_view> best;
  size_t best_distance = std::max<size_t>(2, key.size() / 3) + 1;
  for (auto candidate : known) {
    size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::optional<std::string_view> nearest_id(std::string_view id,
                                           const std::vector<std::string_view>& known) {
  auto guess = nearest(id, known);
  size_t slip = std::max<size_t>(1, std::min<size_t>(3, id.size() / 5));
  if (guess && edit_distance(id, *guess) > slip) return std::nullopt;
  return guess;
}

Fields::Fields(const YamlNode& node, std::string what, DiagnosticSink& sink,
               std::initializer_list<std::string_view> known_keys)
    : node_(node), what_(std::move(what)), sink_(sink) {
  if (!node.is_map()) {
    sink.error("wrong-type", node.location,
               fmt::format("expected a mapping for {}, found {}", what_, describe_kind(node)));
    return;
  }
  is_map_ = true;
  std::vector<std::string_view> known(known_keys);
  for (const auto& [key, value] : node.entries) {
    if (!key.is_scalar() || std::find(known.begin(), known.end(), key.scalar) != known.end()) {
      continue;
    }
    std::string help = fmt::format("{} takes {}", what_, join_keys(known));
    if (auto guess = nearest(key.scalar, known)) help = fmt::format("did you mean '{}'?", *guess);
    sink.error("unknown-key", key.location,
               fmt::format("unknown key '{}' in {}", key.scalar, what_), help);
  }
}

const YamlNode* Fields::get(std::string_view key) const {
  return is_map_ ? node_.find(key) : nullptr;
}

const YamlNode* Fields::value(std::string_view key, bool required) const {
  const YamlNode* node = required ? require(key) : get(key);
  // An optional key written as `key: null` (or `key:`) says "none", like leaving it out.
  if (node && !required && node->is_null()) return nullptr;
  return node;
}

const YamlNode* Fields::require(std::string_view key) const {
  const YamlNode* value = get(key);
  if (!value && is_map_) {
    sink_.error("missing-key", node_.location, fmt::format("{} has no '{}'", what_, key),
                fmt::format("add '{}:'", key));
  }
  return value;
}

std::optional<std::string> Fields::string(std::string_view key, bool required) const {
  const YamlNode* value = this->value(key, required);
  if (!value) return std::nullopt;
  return read_scalar(*value, fmt::format("'{}' of {}", key, what_), sink_);
}

std::optional<IdRef> Fields::id(std::string_view key, bool required) const {
  const YamlNode* value = this->value(key, required);
  if (!value) return std::nullopt;
  return read_id(*value, fmt::format("'{}' of {}", key, what_), sink_);
}

std::optional<Date> Fields::date(std::string_view key, bool required) const {
  const YamlNode* value = this->value(key, required);
  if (!value) return std::nullopt;
  return read_date(*value, fmt::format("'{}' of {}", key, what_), sink_);
}

std::optional<Duration> Fields::duration(std::string_view key, bool required) const {
  const YamlNode* value = this->value(key, required);
  if (!value) return std::nullopt;
  auto text = read_scalar(*value, fmt::format("'{}' of {}", key, what_), sink_);
  if (!text) return std::nullopt;
  auto duration = parse_duration(*text);
  if (!duration) {
    sink_.error("bad-duration", value->location,
                fmt::format("'{}' of {} is not an ISO 8601 duration: '{}'", key, what_, *text),
                "write durations like P45D (days), P1M (a month), P2M, P1Y");
  }
  return duration;
}

std::optional<bool> Fields::boolean(std::string_view key, bool required) const {
  const YamlNode* value = this->value(key, required);
  if (!value) return std::nullopt;
  if (value->is_scalar() && !value->quoted &&
      (value->scalar == "true" || value->scalar == "false")) {
    return value->scalar == "true";
  }
  sink_.error(
      "wrong-type", value->location,
      fmt::format("expected true or false for '{}' of {}, found {}", key, what_,
                  value->is_scalar() ? fmt::format("'{}'", value->scalar) : describe_kind(*value)));
  return std::nullopt;
}

std::optional<int64_t> Fields::integer(std::string_view key, bool required, int64_t min,
                                       int64_t max) const {
  const YamlNode* value = this->value(key, required);
  if (!value) return std::nullopt;
  if (value->is_scalar() && !value->quoted) {
    static const std::regex kInteger("-?[0-9]{1,9}");
    if (std::regex_match(value->scalar, kInteger)) {
      int64_t n = std::stoll(value->scalar);
      if (n >= min && n <= max) return n;
      sink_.error("out-of-range", value->location,
                  fmt::format("'{}' of {} is {}; expected {} to {}", key, what_, n, min, max));
      return std::nullopt;
    }
  }
  sink_.error(
      "wrong-type", value->location,
      fmt::format("expected a whole number for '{}' of {}, found {}", key, what_,
                  value->is_scalar() ? fmt::format("'{}'", value->scalar) : describe_kind(*value)));
  return std::nullopt;
}

std::vector<IdRef> Fields::id_list(std::string_view key, bool required) const {
  std::vector<IdRef> out;
  const YamlNode* value = this->value(key, required);
  if (!value) return out;
  std::string what = fmt::format("'{}' of {}", key, what_);
  if (value->is_scalar()) {  // a single id is a list of one
    if (auto id = read_id(*value, what, sink_)) out.push_back(*id);
    return out;
  }
  if (const auto* items = read_list(*value, what, sink_)) {
    for (const auto& item : *items) {
      if (auto id = read_id(item, fmt::format("an item of {}", what), sink_)) out.push_back(*id);
    }
  }
  return out;
}

std::vector<Citation> Fields::citations(std::string_view key, bool required) const {
  std::vector<Citation> out;
  const YamlNode* value = this->value(key, required);
  if (!value) return out;
  std::string what = fmt::format("'{}' of {}", key, what_);
  std::vector<YamlNode> single;
  const std::vector<YamlNode>* items = nullptr;
  if (value->is_scalar()) {
    single.push_back(*value);
    items = &single;
  } else {
    items = read_list(*value, what, sink_);
  }
  if (!items) return out;
  static const std::regex kSection("§(0|[1-9][0-9]?(\\.[1-9][0-9]?)*)");
  for (const auto& item : *items) {
    auto text = read_scalar(item, what, sink_);
    if (!text) continue;
    if (!std::regex_match(*text, kSection)) {
      sink_.error("bad-citation", item.location,
                  fmt::format("citation '{}' is not a section of the policy", *text),
                  "cite sections as §1.1, §11.2.2; §0 is the preamble");
      continue;
    }
    out.push_back({*text, item.location});
  }
  if (out.empty() && required && items->empty()) {
    sink_.error("missing-citation", value->location, fmt::format("{} is empty", what),
                "every statement cites the section it encodes");
  }
  return out;
}

IdSet Fields::id_set(std::string_view key) const {
  IdSet set;
  const YamlNode* value = get(key);
  if (!value) return set;
  set.location = value->location;
  if (value->is_scalar() && value->scalar == "any") return set;
  set.any = false;
  set.ids = id_list(key, true);
  if (set.ids.empty() && !value->is_scalar()) {
    sink_.error("empty-match", value->location,
                fmt::format("'{}' of {} is an empty list, which matches nothing", key, what_),
                "write 'any', or list the ids it covers");
  }
  return set;
}

void report_bad_choice(const Fields& fields, std::string_view key, const YamlNode& value,
                       const std::vector<std::string_view>& choices) {
  std::string help = fmt::format("expected one of {}", join_keys(choices));
  if (auto guess = nearest(value.scalar, choices)) help = fmt::format("did you mean '{}'?", *guess);
  fields.sink().error(
      "bad-value", value.location,
      fmt::format("'{}' is not a valid '{}' for {}", value.scalar, key, fields.what()), help);
}

std::optional<std::string> read_scalar(const YamlNode& node, std::string_view what,
                                       DiagnosticSink& sink) {
  if (!node.is_scalar()) {
    sink.error("wrong-type", node.location,
               fmt::format("expected a string for {}, found {}", what, describe_kind(node)));
    return std::nullopt;
  }
  if (node.scalar.empty()) {
    sink.error("empty-value", node.location, fmt::format("{} is empty", what));
    return std::nullopt;
  }
  return node.scalar;
}

std::optional<IdRef> read_id(const YamlNode& node, std::string_view what, DiagnosticSink& sink) {
  auto text = read_scalar(node, what, sink);
  if (!text) return std::nullopt;
  // YAML's core schema reads an unquoted 12345 as a number and true as a boolean: as an id that
  // is a typing accident, not a name.
  static const std::regex kNotText(
      "[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?([0-9]*\\.[0-9]+|[0-9]+\\.[0-9]*)([eE][-+]?[0-9]+)?"
      "|"
      "true|True|TRUE|false|False|FALSE|null|Null|NULL|~");
  if (!node.quoted && std::regex_match(*text, kNotText)) {
    sink.error("bad-id", node.location,
               fmt::format("{} is a YAML number or boolean, not an id", what),
               "ids start with a letter (e.g. rule-7); quote it if the digits are intended");
    return std::nullopt;
  }
  static const std::regex kId("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  if (!std::regex_match(*text, kId)) {
    sink.error("bad-id", node.location, fmt::format("'{}' is not a valid id for {}", *text, what),
               "ids are letters, digits, '_', '.' and '-', starting with a letter or digit");
    return std::nullopt;
  }
  return IdRef{*text, node.location};
}

std::optional<Date> read_date(const YamlNode& node, std::string_view what, DiagnosticSink& sink) {
  auto text = read_scalar(node, what, sink);
  if (!text) return std::nullopt;
  auto date = parse_date(*text);
  if (!date) {
    sink.error("bad-date", node.location,
               fmt::format("{} is not a calendar date: '{}'", what, *text),
               "write dates as YYYY-MM-DD");
  }
  return date;
}

const std::vector<YamlNode>* read_list(const YamlNode& node, std::string_view what,
                                       DiagnosticSink& sink) {
  if (!node.is_sequence()) {
    sink.error("wrong-type", node.location,
               fmt::format("expected a list for {}, found {}", what, describe_kind(node)));
    return nullptr;
  }
  return &node.items;
}

std::optional<Condition> read_condition(const YamlNode& node, const SourceFile& file,
                                        std::string_view what, DiagnosticSink& sink) {
  auto text = read_scalar(node, what, sink);
  if (!text) return std::nullopt;
  Condition condition;
  condition.text = *text;
  condition.file = &file;
  condition.scalar_offset = node.offset;
  condition.location = node.location;
  auto parsed = parse_condition(*text);
  if (auto* error = std::get_if<ConditionSyntaxError>(&parsed)) {
    sink.error("condition-syntax", condition.location_of(error->offset),
               fmt::format("in {}: {}", what, error->message),
               "see docs/policy-format.md, 'The condition language'");
    return std::nullopt;
  }
  condition.root = std::move(std::get<Expr>(parsed));
  return condition;
}

}  // namespace flowgate
