// The toolchain's front door: find a policy folder, load it, check it.
//
//   flowgate::DiagnosticSink sink;
//   auto policy = flowgate::load_policy("/path/to/policy", sink);   // load → model
//   flowgate::check_policy(*policy, sink);                           // references, types, quotes
//   for (const auto& d : sink.sorted()) …
//
// Loading (flowgate/load.h) never throws on bad input: every problem becomes a diagnostic with
// file:line:col, and the returned model holds whatever could be read. Checking reports into the
// same sink. Not thread-safe per Policy; separate policies may be loaded on separate threads.
#pragma once

#include <string>
#include <vector>

#include "flowgate/diagnostic.h"
#include "flowgate/load.h"

namespace flowgate {

// Schema-level and cross-reference checks on a loaded model (what `flowgate check` reports).
void check_policy(const Policy& policy, DiagnosticSink& sink);

// Diagnostics rendered for people: "file:line:col: error[code]: message", the source line with a
// caret under the column, and the help line. `policy` supplies source lines; may be null.
std::string render_text(const std::vector<Diagnostic>& diagnostics, const Policy* policy,
                        bool color);
// Diagnostics as a JSON array of {severity, code, file, line, column, message, help}.
std::string render_json(const std::vector<Diagnostic>& diagnostics);

}  // namespace flowgate
