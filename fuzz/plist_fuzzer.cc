// libFuzzer target for the Apple privacy-manifest reader (engine/gate/apple_manifest.cc): bytes →
// one PrivacyInfo.xcprivacy → parse_apple_manifest, as read_apple_manifest runs it for `flowgate
// gate` on a third-party SDK's file (over the size budget it is refused unread). Text that is not
// UTF-8, which read_apple_manifest refuses before the parser, is parsed too: parse_apple_manifest
// takes any SourceFile, and pugixml reads bytes.
//
// Invariants: nothing is thrown; a manifest is returned exactly when no error was reported, and
// every error is a "manifest-…" code located inside the file (line 0 only for whole-file errors);
// a returned manifest stays within the budgets (AppleManifestLimits); the diagnostics render.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "diagnostic/source_file.h"
#include "flowgate/diagnostic.h"
#include "flowgate/toolchain.h"
#include "gate/apple_manifest.h"

using namespace flowgate;

namespace {

void check(const SourceFile& file, const DiagnosticSink& sink,
           const std::optional<AppleManifest>& manifest, const AppleManifestLimits& limits) {
  if (manifest.has_value() == sink.has_errors()) {
    std::fprintf(stderr, "manifest %s but %zu errors\n", manifest ? "returned" : "refused",
                 sink.error_count());
    std::abort();
  }
  size_t lines = 1;
  for (char c : file.text()) lines += c == '\n';
  for (const Diagnostic& d : sink.diagnostics()) {
    if (d.code.rfind("manifest-", 0) != 0 || d.message.empty()) {
      std::fprintf(stderr, "diagnostic code '%s': %s\n", d.code.c_str(), d.message.c_str());
      std::abort();
    }
    if (d.location.file != file.path() || d.location.line > lines) std::abort();
  }
  if (!manifest) return;
  size_t strings = manifest->tracking_domains.size();
  if (manifest->tracking_domain_locations.size() != manifest->tracking_domains.size()) std::abort();
  for (const auto& domain : manifest->tracking_domains) {
    if (domain.size() > limits.max_string) std::abort();
  }
  for (const auto& c : manifest->collected) {
    if (c.type.size() > limits.max_string || c.location.line == 0 || c.location.line > lines)
      std::abort();
    strings += 1 + c.purposes.size();
  }
  for (const auto& a : manifest->accessed_apis) {
    if (a.category.size() > limits.max_string) std::abort();
    strings += 1 + a.reasons.size();
  }
  if (strings > limits.max_elements) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const AppleManifestLimits limits;
  if (size > limits.max_bytes) return 0;  // read_source_file refuses it unread
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    SourceFile file("sdk/PrivacyInfo.xcprivacy", std::move(text));
    DiagnosticSink sink;
    std::optional<AppleManifest> manifest = parse_apple_manifest(file, sink, limits);
    check(file, sink, manifest, limits);
    (void)render_text(sink.sorted(), nullptr, false);
    (void)render_json(sink.sorted());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parse_apple_manifest threw: %s\n", e.what());
    std::abort();
  }
  return 0;
}
