// Fields: reads one YAML mapping against the keys a schema allows. Unknown keys are reported at
// once (with the nearest known key as a suggestion), missing required keys on request, and every
// typed read reports a wrong shape with the node's file:line:col. Readers return nullopt after
// reporting, so loading goes on and every problem in a file is listed.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/diagnostic.h"
#include "load/yaml_tree.h"
#include "model/calendar.h"
#include "model/citation.h"
#include "model/policy.h"

namespace flowgate {

class Fields {
 public:
  // `what` names the mapping in messages: "rule 'media-stays-on-device'", "vocabulary term".
  Fields(const YamlNode& node, std::string what, DiagnosticSink& sink,
         std::initializer_list<std::string_view> known_keys);

  bool is_map() const { return is_map_; }
  const std::string& what() const { return what_; }
  const YamlNode& node() const { return node_; }
  const YamlNode* get(std::string_view key) const;
  // Like get, but reports "<what> has no '<key>'" when absent.
  const YamlNode* require(std::string_view key) const;

  std::optional<std::string> string(std::string_view key, bool required) const;
  std::optional<IdRef> id(std::string_view key, bool required) const;
  std::optional<Date> date(std::string_view key, bool required) const;
  std::optional<Duration> duration(std::string_view key, bool required) const;
  std::optional<bool> boolean(std::string_view key, bool required) const;
  std::optional<int64_t> integer(std::string_view key, bool required, int64_t min,
                                 int64_t max) const;
  std::vector<IdRef> id_list(std::string_view key, bool required) const;
  std::vector<Citation> citations(std::string_view key, bool required) const;
  IdSet id_set(std::string_view key) const;  // absent means any

  DiagnosticSink& sink() const { return sink_; }

 private:
  const YamlNode* value(std::string_view key, bool required) const;

  const YamlNode& node_;
  std::string what_;
  DiagnosticSink& sink_;
  bool is_map_ = false;
};

// An enum spelled as one of `names`; reports the choices when the value is not one of them.
template <typename Enum>
std::optional<Enum> read_choice(const Fields& fields, std::string_view key, bool required,
                                std::initializer_list<std::pair<std::string_view, Enum>> names);

// Single-node readers, shared by Fields and list readers.
std::optional<std::string> read_scalar(const YamlNode& node, std::string_view what,
                                       DiagnosticSink& sink);
std::optional<IdRef> read_id(const YamlNode& node, std::string_view what, DiagnosticSink& sink);
std::optional<Date> read_date(const YamlNode& node, std::string_view what, DiagnosticSink& sink);
// A list of nodes; reports when the node is not a list.
const std::vector<YamlNode>* read_list(const YamlNode& node, std::string_view what,
                                       DiagnosticSink& sink);
// Parses a condition held in a YAML scalar; syntax errors point inside the scalar.
std::optional<Condition> read_condition(const YamlNode& node, const SourceFile& file,
                                        std::string_view what, DiagnosticSink& sink);

// The known key nearest to `key` by edit distance, when it is close enough to be a typo.
std::optional<std::string_view> nearest(std::string_view key,
                                        const std::vector<std::string_view>& known);
// The known id nearest to `id`, only when it is a slip of a letter or two (ids are long and
// siblings share their group's prefix, so `nearest` would offer a sibling for a new id:
// service_provider.payment for service_provider.analytics).
std::optional<std::string_view> nearest_id(std::string_view id,
                                           const std::vector<std::string_view>& known);

void report_bad_choice(const Fields& fields, std::string_view key, const YamlNode& value,
                       const std::vector<std::string_view>& choices);

template <typename Enum>
std::optional<Enum> read_choice(const Fields& fields, std::string_view key, bool required,
                                std::initializer_list<std::pair<std::string_view, Enum>> names) {
  auto text = fields.string(key, required);
  if (!text) return std::nullopt;
  std::vector<std::string_view> choices;
  for (const auto& [name, value] : names) {
    if (name == *text) return value;
    choices.push_back(name);
  }
  report_bad_choice(fields, key, *fields.get(key), choices);
  return std::nullopt;
}

}  // namespace flowgate
