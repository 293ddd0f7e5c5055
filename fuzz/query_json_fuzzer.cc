// libFuzzer target for the CLI's strict query input (cli/query_input.cc, compiled into this
// target): bytes → parse_query_text → query_from_json → decide_on_bundle, as `flowgate decide`
// and `flowgate explain` read one JSON line.
//
// parse_query_text refuses bad text with std::invalid_argument (a NUL byte, a duplicate key) or
// nlohmann::json::parse_error; query_from_json refuses a bad query with std::invalid_argument
// (query_input.h). Those are the expected outcomes. Any other exception, a crash or a sanitizer
// report is a finding: the exception's type and message are printed before aborting.
//
// On success: the parsed value, dumped, parses again (dump never writes what the strict reader
// refuses); and a query that reads is decided on a small bundle compiled from a reduced policy
// (fuzz/corpus/bundle/serial5.fgb, loaded once), whose decision index must be in range.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>

#include "bundle/decide_query.h"
#include "cli/query_input.h"
#include "flowgate/runtime.h"
#include "model/calendar.h"

#ifndef FLOWGATE_FUZZ_BUNDLE
#error "FLOWGATE_FUZZ_BUNDLE must name a bundle file to decide on"
#endif

namespace rt = flowgate::runtime;
using nlohmann::json;

namespace {

const rt::Bundle* g_bundle = nullptr;

[[noreturn]] void unexpected(const char* step, const std::exception& e) {
  std::fprintf(stderr, "%s threw %s (not std::invalid_argument or json::parse_error): %s\n", step,
               typeid(e).name(), e.what());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::unique_ptr<const rt::Bundle> bundle;
  rt::Status s = rt::Bundle::load_file(FLOWGATE_FUZZ_BUNDLE, &bundle);
  if (!s.ok()) {
    std::fprintf(stderr, "query_json_fuzzer: %s: %s\n", FLOWGATE_FUZZ_BUNDLE, s.message().c_str());
    std::abort();
  }
  g_bundle = bundle.release();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json j;
  try {
    j = flowgate::cli::parse_query_text(text);
  } catch (const std::invalid_argument&) {
    return 0;
  } catch (const json::parse_error&) {
    return 0;
  } catch (const std::exception& e) {
    unexpected("parse_query_text", e);
  }

  // What nlohmann writes, the strict reader reads (no NUL, no duplicate key, no trailing bytes).
  try {
    (void)flowgate::cli::parse_query_text(j.dump());
  } catch (const std::exception& e) {
    unexpected("parse_query_text of the value dumped", e);
  }

  flowgate::Query q;
  try {
    q = flowgate::cli::query_from_json(j, flowgate::Date{rt::days_from_civil(2026, 11, 29)});
  } catch (const std::invalid_argument&) {
    return 0;
  } catch (const std::exception& e) {
    unexpected("query_from_json", e);
  }
  if (q.age && (*q.age < 0 || *q.age > 150)) std::abort();

  const rt::Decision d = flowgate::decide_on_bundle(*g_bundle, q);
  if (d.index() >= g_bundle->decision_count()) std::abort();
  (void)d.reason();
  return 0;
}
