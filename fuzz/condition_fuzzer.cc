// libFuzzer target for the condition language: bytes → flowgate::parse_condition.
// The parser must never crash, hang, recurse without bound or trip ASan/UBSan, whatever the bytes
// (it reads conditions straight out of policy YAML), and must keep its ConditionLimits: a condition
// it accepts has spans inside the text, the arity each node kind needs, at most max_nesting `not`s
// and at most max_nesting levels of parentheses (checked independently of the parser's own
// pre-scan, from the string literals it actually parsed). On success we also render the tree back
// to text and re-parse it. With FLOWGATE_FUZZ_ROUNDTRIP=1 in the environment the round trip is also
// asserted: to_string must produce text the parser accepts and that renders the same way again,
// which catches precedence and quoting mistakes in to_string. It is off by default so that a known
// round-trip defect does not stop the search for memory errors.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "model/condition.h"

namespace {

bool roundtrip_asserted() {
  static const bool on = [] {
    const char* value = std::getenv("FLOWGATE_FUZZ_ROUNDTRIP");
    return value && *value && std::string_view(value) != "0";
  }();
  return on;
}

// Walks the tree and checks the invariants the checker relies on: offsets inside the text,
// arities per kind.
void check_tree(const flowgate::Expr& e, size_t text_size, size_t depth) {
  using flowgate::ExprKind;
  if (depth > 10'000) std::abort();
  if (static_cast<size_t>(e.offset) > text_size ||
      static_cast<size_t>(e.offset) + e.length > text_size) {
    std::fprintf(stderr, "expr offset %u length %u outside text of %zu bytes\n", e.offset, e.length,
                 text_size);
    std::abort();
  }
  switch (e.kind) {
    case ExprKind::kOr:
    case ExprKind::kAnd:
      if (e.children.size() < 2) std::abort();
      break;
    case ExprKind::kNot:
    case ExprKind::kCall:
      if (e.children.size() != 1) std::abort();
      break;
    case ExprKind::kCompare:
      if (e.children.size() != 2) std::abort();
      break;
    case ExprKind::kInGroup:
      if (e.children.size() != 1) std::abort();
      break;
    case ExprKind::kInList:
      if (e.children.empty()) std::abort();
      break;
    default:
      break;
  }
  for (const auto& child : e.children) check_tree(child, text_size, depth + 1);
}

// The limits parse_condition promises (ConditionLimits): text nested deeper than max_nesting
// parentheses, or holding more than max_nesting `not`s, is an error rather than a deep recursion.
// Recomputed here from the parsed tree: string literals are known exactly from the kString spans,
// so parentheses inside them are not counted.
void collect_strings(const flowgate::Expr& e, std::vector<std::pair<size_t, size_t>>& spans,
                     size_t& nots) {
  if (e.kind == flowgate::ExprKind::kString) spans.emplace_back(e.offset, e.offset + e.length);
  if (e.kind == flowgate::ExprKind::kNot) ++nots;
  for (const auto& child : e.children) collect_strings(child, spans, nots);
}

void check_limits(const flowgate::Expr& e, std::string_view text) {
  const flowgate::ConditionLimits limits;
  std::vector<std::pair<size_t, size_t>> strings;
  size_t nots = 0;
  collect_strings(e, strings, nots);
  if (nots > limits.max_nesting) {
    std::fprintf(stderr, "parsed a condition with %zu 'not's; the limit is %zu\n", nots,
                 limits.max_nesting);
    std::abort();
  }
  size_t depth = 0, deepest = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    bool quoted = false;
    for (const auto& [begin, end] : strings) quoted |= i >= begin && i < end;
    if (quoted) continue;
    if (text[i] == '(') deepest = std::max(deepest, ++depth);
    if (text[i] == ')' && depth > 0) --depth;
  }
  if (deepest > limits.max_nesting) {
    std::fprintf(stderr, "parsed a condition nested %zu parentheses deep; the limit is %zu\n",
                 deepest, limits.max_nesting);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = flowgate::parse_condition(text);
  if (auto* error = std::get_if<flowgate::ConditionSyntaxError>(&result)) {
    if (error->offset > size) {
      std::fprintf(stderr, "error offset %u beyond the %zu-byte text\n", error->offset, size);
      std::abort();
    }
    return 0;
  }
  const auto& expr = std::get<flowgate::Expr>(result);
  check_tree(expr, size, 0);
  check_limits(expr, text);

  // Round trip: canonical text parses, and renders to itself.
  std::string canonical = flowgate::to_string(expr);
  auto again = flowgate::parse_condition(
      canonical, {.max_length = canonical.size() + 1024, .max_nesting = 1024});
  if (!roundtrip_asserted()) return 0;
  if (auto* error = std::get_if<flowgate::ConditionSyntaxError>(&again)) {
    std::fprintf(stderr,
                 "to_string output does not parse\n  input: %.*s\n  canonical: %s\n"
                 "  error at %u: %s\n",
                 static_cast<int>(size), text.data(), canonical.c_str(), error->offset,
                 error->message.c_str());
    std::abort();
  }
  std::string canonical_again = flowgate::to_string(std::get<flowgate::Expr>(again));
  if (canonical_again != canonical) {
    std::fprintf(stderr, "to_string is not stable\n  input: %.*s\n  first: %s\n  second: %s\n",
                 static_cast<int>(size), text.data(), canonical.c_str(), canonical_again.c_str());
    std::abort();
  }
  return 0;
}
