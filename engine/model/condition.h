// The condition language of rules: a small boolean expression over the query, e.g.
//   subject.region in EU_EEA and (not known(subject.age) or subject.age < 16)
// parse_condition turns text into an Expr tree (Boost Spirit X3, in condition_parser.cc); the
// checker then resolves names and types (check/condition_check.cc). Offsets are bytes into the
// condition text, so errors can point at the offending character inside the YAML file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flowgate {

enum class ExprKind : uint8_t {
  kOr,       // children: two or more operands
  kAnd,      // children: two or more operands
  kNot,      // children: one operand
  kCompare,  // children: lhs, rhs; op
  kInGroup,  // children: lhs; text: group id
  kInList,   // children: lhs, then one kString per listed region
  kPath,     // text: "subject.region", …; resolved into `path`
  kInt,      // number
  kDate,     // text: "2026-01-01"; number: days since epoch once checked
  kString,   // text: the unquoted value
  kBool,     // number: 0 or 1
  kCall,     // text: function name, e.g. consent, tcf.purpose_consent; children: its one argument
};

enum class CompareOp : uint8_t { kLt, kLe, kGt, kGe, kEq, kNe };

enum class QueryPath : uint8_t {
  kNone,
  kSubjectRegion,
  kSubjectAge,
  kDestination,
  kAsOf,
  kGpc,
  kAdsPersonalization,
  kTcfPresent,  // tcf.present
  kGppPresent,  // gpp.present
  kGppOptOut,   // usnat.sale_opt_out, …: Expr::number holds its runtime::GppOptOut once checked
  kParentalConsent,  // signals.parental_consent: verifiable consent of a parent or guardian
};

enum class ValueType : uint8_t { kUnknown, kBool, kInt, kRegion, kDate, kString };

struct Expr {
  ExprKind kind = ExprKind::kBool;
  CompareOp op = CompareOp::kEq;
  QueryPath path = QueryPath::kNone;     // kPath, after checking
  ValueType type = ValueType::kUnknown;  // after checking
  uint32_t offset = 0;                   // first byte in the condition text
  uint32_t length = 0;
  int64_t number = 0;
  std::string text;
  std::vector<Expr> children;
};

struct ConditionSyntaxError {
  uint32_t offset;
  std::string message;
};

struct ConditionLimits {
  size_t max_length = 1024;
  size_t max_nesting = 32;  // parentheses and chained `not`
};

// Parses a condition. Never throws; an input over the limits is an error, not a deep recursion.
std::variant<Expr, ConditionSyntaxError> parse_condition(std::string_view text,
                                                         const ConditionLimits& limits = {});

const char* compare_op_text(CompareOp op);
const char* value_type_name(ValueType type);
const char* query_path_name(QueryPath path);
// Renders an expression back to canonical text (fully parenthesised where precedence needs it).
std::string to_string(const Expr& expr);

}  // namespace flowgate
