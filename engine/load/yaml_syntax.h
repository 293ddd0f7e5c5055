// explain_yaml_syntax_error: a YAML syntax error in words a reader who is not a programmer
// understands, with the fix. yaml-cpp says where it gave up and why in its own terms ("illegal map
// value", "end of map not found"); the cause is usually a tab, an unquoted ': ' in a value, a dash
// without its space, a key without its ':', a line indented out of step, a quote that does not
// close, or a bracket that does not close. This looks at the lines around the place yaml-cpp
// names, finds which, and says where it is (which may be a line above) and what to write instead.
// Pure: text in, explanation out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flowgate {

struct YamlSyntaxExplanation {
  size_t offset = 0;    // where the mistake is, a byte offset into the text
  std::string message;  // what is wrong, in plain words
  std::string help;     // what to write instead
};

// `offset` is where yaml-cpp stopped, `parser_message` its message.
YamlSyntaxExplanation explain_yaml_syntax_error(std::string_view text, size_t offset,
                                                const std::string& parser_message);

}  // namespace flowgate
