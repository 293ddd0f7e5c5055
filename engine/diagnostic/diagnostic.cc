// DiagnosticSink: collection and ordering of diagnostics.
#include "flowgate/diagnostic.h"

#include <algorithm>
#include <tuple>

namespace flowgate {

void DiagnosticSink::error(std::string code, SourceLocation location, std::string message,
                           std::string help) {
  report({Severity::kError, std::move(code), std::move(location), std::move(message),
          std::move(help)});
}

void DiagnosticSink::warning(std::string code, SourceLocation location, std::string message,
                             std::string help) {
  report({Severity::kWarning, std::move(code), std::move(location), std::move(message),
          std::move(help)});
}

bool DiagnosticSink::has_errors() const {
  return error_count() > 0;
}

size_t DiagnosticSink::error_count() const {
  return std::count_if(diagnostics_.begin(), diagnostics_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

std::vector<Diagnostic> DiagnosticSink::sorted() const {
  std::vector<Diagnostic> out = diagnostics_;
  auto key = [](const Diagnostic& d) {
    return std::tie(d.location.file, d.location.line, d.location.column, d.code, d.message);
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end(),
                        [&](const Diagnostic& a, const Diagnostic& b) { return key(a) == key(b); }),
            out.end());
  return out;
}

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "error";
}

}  // namespace flowgate
