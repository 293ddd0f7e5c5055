// Diagnostics: what the toolchain reports about a policy, each with a code, a file:line:col
// location, a message and an optional help line. The loader and the checker collect all of them
// rather than stopping at the first; renderers sort them by location.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowgate {

struct SourceLocation {
  std::string file;     // path as given to the loader (relative to the policy root when inside it)
  uint32_t line = 0;    // 1-based; 0 means "the whole file"
  uint32_t column = 0;  // 1-based, in bytes; 0 means "the whole line"
};

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;  // stable, kebab-case: "unknown-key", "vocabulary-cycle", …
  SourceLocation location;
  std::string message;
  std::string help;  // what to do about it; may be empty
};

// Collects diagnostics; cheap to pass by reference through every stage.
class DiagnosticSink {
 public:
  void report(Diagnostic diagnostic) { diagnostics_.push_back(std::move(diagnostic)); }
  void error(std::string code, SourceLocation location, std::string message, std::string help = {});
  void warning(std::string code, SourceLocation location, std::string message,
               std::string help = {});

  bool has_errors() const;
  size_t error_count() const;
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  // Sorted by file, line, column, then code; duplicates removed.
  std::vector<Diagnostic> sorted() const;

 private:
  std::vector<Diagnostic> diagnostics_;
};

const char* severity_name(Severity severity);

}  // namespace flowgate
