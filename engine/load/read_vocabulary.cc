// Reader for vocabulary files: `vocabulary: KIND` and its `terms`.
#include <fmt/format.h>

#include "load/sections.h"

namespace flowgate {

void read_vocabulary(const YamlNode& node, const SourceFile&, LoadState& state) {
  Fields top(node, "vocabulary file", state.sink, {"vocabulary", "terms"});
  if (!top.is_map()) return;
  const YamlNode* kind_node = top.require("vocabulary");
  const YamlNode* terms_node = top.require("terms");
  if (!kind_node || !terms_node) return;
  auto kind_name = read_scalar(*kind_node, "'vocabulary'", state.sink);
  if (!kind_name) return;
  auto kind = parse_vocabulary_kind(*kind_name);
  if (!kind) {
    state.sink.error("bad-value", kind_node->location,
                     fmt::format("'{}' is not a vocabulary", *kind_name),
                     "vocabularies are data, purpose, recipient, right, obligation, legal_basis, "
                     "event, feature");
    return;
  }
  const auto* items = read_list(*terms_node, "'terms'", state.sink);
  if (!items) return;
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    std::string what = fmt::format("{} term #{}", *kind_name, i + 1);
    if (const YamlNode* id = item.is_map() ? item.find("id") : nullptr; id && id->is_scalar()) {
      what = fmt::format("{} term '{}'", *kind_name, id->scalar);
    }
    Fields fields(item, what, state.sink, {"id", "parents", "description", "citations"});
    if (!fields.is_map()) continue;
    auto id = fields.id("id", true);
    if (!id) continue;
    Term term;
    term.id = id->id;
    term.location = id->location;
    for (auto& parent : fields.id_list("parents", false)) {
      term.parents.push_back(parent.id);
      term.parent_locations.push_back(parent.location);
    }
    term.description = fields.string("description", true).value_or("");
    term.citations = fields.citations("citations", true);
    state.terms[static_cast<size_t>(*kind)].push_back(std::move(term));
  }
}

}  // namespace flowgate
