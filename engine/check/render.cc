// Rendering diagnostics: text with the source line and a caret, or JSON.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "flowgate/toolchain.h"
#include "model/policy.h"

namespace flowgate {

std::string render_text(const std::vector<Diagnostic>& diagnostics, const Policy* policy,
                        bool color) {
  auto paint = [&](std::string_view code, const std::string& s) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  };
  std::string out;
  for (const auto& d : diagnostics) {
    std::string where = d.location.file;
    if (d.location.line) where += fmt::format(":{}", d.location.line);
    if (d.location.column) where += fmt::format(":{}", d.location.column);
    const char* tone = d.severity == Severity::kError     ? "1;31"
                       : d.severity == Severity::kWarning ? "1;33"
                                                          : "1;36";
    out += fmt::format("{}: {} {}\n", paint("1", where),
                       paint(tone, fmt::format("{}[{}]:", severity_name(d.severity), d.code)),
                       d.message);
    const SourceFile* file = policy ? policy->file(d.location.file) : nullptr;
    if (file && d.location.line) {
      std::string_view line = file->line_text(d.location.line);
      if (line.size() > 160) line = line.substr(0, 160);
      out += fmt::format("{:>5} | {}\n", d.location.line, line);
      if (d.location.column) {
        std::string pad;
        for (size_t i = 0; i + 1 < d.location.column && i < line.size(); ++i) {
          pad += line[i] == '\t' ? '\t' : ' ';
        }
        out += fmt::format("      | {}{}\n", pad, paint(tone, "^"));
      }
    }
    if (!d.help.empty()) out += fmt::format("      = help: {}\n", d.help);
  }
  return out;
}

std::string render_json(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& d : diagnostics) {
    array.push_back({{"severity", severity_name(d.severity)},
                     {"code", d.code},
                     {"file", d.location.file},
                     {"line", d.location.line},
                     {"column", d.location.column},
                     {"message", d.message},
                     {"help", d.help}});
  }
  return array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace flowgate
