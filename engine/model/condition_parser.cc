// parse_condition: the condition grammar in Boost Spirit X3.
//
//   or      := and ("or" and)*
//   and     := not ("and" not)*
//   not     := "not" not | compare
//   compare := operand (CMP operand | "in" set)?
//   set     := GROUP_ID | "[" REGION ("," REGION)* "]"
//   operand := "(" or ")" | DATE | INT | STRING | "true" | "false" |
//              NAME "(" (STRING | INT | PATH) ")" | PATH
//
// NAME and PATH may hold dots: tcf.purpose_consent(4), usnat.sale_opt_out.
//
// Semantic actions build the Expr tree; `>` expectation points turn a missing piece into an error
// that names what was expected at that character.
#include <fmt/format.h>

#include <algorithm>
#include <boost/fusion/include/at_c.hpp>
#include <boost/fusion/include/std_tuple.hpp>
#include <boost/spirit/home/x3.hpp>
#include <charconv>

#include "model/condition.h"

namespace flowgate {
namespace {

namespace x3 = boost::spirit::x3;
using Iterator = std::string_view::const_iterator;

struct begin_tag;

using Range = boost::iterator_range<Iterator>;

template <typename Context>
uint32_t offset_of(const Context& ctx, Iterator at) {
  return static_cast<uint32_t>(at - x3::get<begin_tag>(ctx));
}

// Spans: leaves take theirs from the raw[] range they matched; inner nodes run from their first
// token to the end of their last child.
template <typename Context>
void set_span(Expr& e, const Context& ctx, Iterator first, uint32_t end) {
  e.offset = offset_of(ctx, first);
  e.length = end - e.offset;
}
uint32_t end_of(const Expr& e) {
  return e.offset + e.length;
}

// The value of a quoted literal: quotes removed, backslash escapes resolved.
std::string unquote(std::string_view quoted) {
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[0] == '"' && quoted[i] == '\\' && i + 2 < quoted.size()) ++i;
    out += quoted[i];
  }
  return out;
}

template <ExprKind Kind>
struct Leaf {
  template <typename Context>
  void operator()(Context& ctx) const {
    const Range& range = x3::_attr(ctx);
    Expr e;
    e.kind = Kind;
    set_span(e, ctx, range.begin(), offset_of(ctx, range.end()));
    std::string_view text(&*range.begin(), range.size());
    switch (Kind) {
      case ExprKind::kString:
        e.text = text.front() == '"' || text.front() == '\'' ? unquote(text) : std::string(text);
        break;
      case ExprKind::kBool:
        e.number = text == "true";
        break;
      case ExprKind::kInt:
        std::from_chars(text.data(), text.data() + text.size(), e.number);
        break;
      default:
        e.text = std::string(text);
    }
    x3::_val(ctx) = std::move(e);
  }
};

struct Assign {
  template <typename Context>
  void operator()(Context& ctx) const {
    x3::_val(ctx) = std::move(x3::_attr(ctx));
  }
};

// Left operand already in _val; appends the right operand, flattening a chain into one node.
template <ExprKind Kind>
struct Fold {
  template <typename Context>
  void operator()(Context& ctx) const {
    Expr& lhs = x3::_val(ctx);
    if (lhs.kind != Kind) {  // and/or are associative: a chain becomes one node
      Expr node;
      node.kind = Kind;
      node.children.push_back(std::move(lhs));
      lhs = std::move(node);
    }
    lhs.offset = lhs.children.front().offset;
    lhs.length = end_of(x3::_attr(ctx)) - lhs.offset;
    lhs.children.push_back(std::move(x3::_attr(ctx)));
  }
};

struct MakeNot {
  template <typename Context>
  void operator()(Context& ctx) const {
    auto& keyword = boost::fusion::at_c<0>(x3::_attr(ctx));
    auto& operand = boost::fusion::at_c<1>(x3::_attr(ctx));
    Expr e;
    e.kind = ExprKind::kNot;
    set_span(e, ctx, keyword.begin(), end_of(operand));
    e.children.push_back(std::move(operand));
    x3::_val(ctx) = std::move(e);
  }
};

struct MakeCompare {
  template <typename Context>
  void operator()(Context& ctx) const {
    CompareOp op = boost::fusion::at_c<0>(x3::_attr(ctx));
    auto& rhs = boost::fusion::at_c<1>(x3::_attr(ctx));
    Expr& lhs = x3::_val(ctx);
    Expr e;
    e.kind = ExprKind::kCompare;
    e.op = op;
    e.offset = lhs.offset;
    e.length = end_of(rhs) - lhs.offset;
    e.children.push_back(std::move(lhs));
    e.children.push_back(std::move(rhs));
    x3::_val(ctx) = std::move(e);
  }
};

struct MakeIn {
  template <typename Context>
  void operator()(Context& ctx) const {
    Expr& lhs = x3::_val(ctx);
    Expr set = std::move(x3::_attr(ctx));  // kInGroup or kInList, still without the lhs
    set.length = end_of(set) - lhs.offset;
    set.offset = lhs.offset;
    set.children.insert(set.children.begin(), std::move(lhs));
    x3::_val(ctx) = std::move(set);
  }
};

struct MakeList {
  template <typename Context>
  void operator()(Context& ctx) const {
    auto& open = boost::fusion::at_c<0>(x3::_attr(ctx));
    auto& regions = boost::fusion::at_c<1>(x3::_attr(ctx));
    auto& close = boost::fusion::at_c<2>(x3::_attr(ctx));
    Expr e;
    e.kind = ExprKind::kInList;
    set_span(e, ctx, open.begin(), offset_of(ctx, close.end()));
    e.children = std::move(regions);
    x3::_val(ctx) = std::move(e);
  }
};

struct MakeGroup {
  template <typename Context>
  void operator()(Context& ctx) const {
    const Range& range = x3::_attr(ctx);
    Expr e;
    e.kind = ExprKind::kInGroup;
    set_span(e, ctx, range.begin(), offset_of(ctx, range.end()));
    e.text.assign(range.begin(), range.end());
    x3::_val(ctx) = std::move(e);
  }
};

struct MakeCall {
  template <typename Context>
  void operator()(Context& ctx) const {
    auto& name = boost::fusion::at_c<0>(x3::_attr(ctx));
    auto& argument = boost::fusion::at_c<1>(x3::_attr(ctx));
    auto& close = boost::fusion::at_c<2>(x3::_attr(ctx));
    Expr e;
    e.kind = ExprKind::kCall;
    set_span(e, ctx, name.begin(), offset_of(ctx, close.end()));
    e.text.assign(name.begin(), name.end());
    e.children.push_back(std::move(argument));
    x3::_val(ctx) = std::move(e);
  }
};

struct CompareSymbols : x3::symbols<CompareOp> {
  CompareSymbols() {
    add("<", CompareOp::kLt)("<=", CompareOp::kLe)(">", CompareOp::kGt)(">=", CompareOp::kGe)(
        "==", CompareOp::kEq)("!=", CompareOp::kNe);
  }
};
const CompareSymbols compare_symbols;

auto keyword(const char* word) {
  return x3::lexeme[x3::lit(word) >> !(x3::alnum | x3::char_("_."))];
}
const auto any_keyword = keyword("and") | keyword("or") | keyword("not") | keyword("in") |
                         keyword("true") | keyword("false");

const x3::rule<class or_rule, Expr> or_expr = "condition";
const x3::rule<class and_rule, Expr> and_expr = "condition";
const x3::rule<class not_rule, Expr> not_expr =
    "a value: a path such as subject.age, a number, a date, a quoted string, true, false, a call "
    "or (";
const x3::rule<class compare_rule, Expr> compare = "a value";
const x3::rule<class operand_rule, Expr> operand =
    "a value: a path such as subject.age, a number, a date, a quoted string, true, false, a call "
    "or (";
const x3::rule<class set_rule, Expr> set = "a region group or a [list] of regions";
const x3::rule<class region_rule, Expr> region_item = "a region code such as DE or US-CA";
const x3::rule<class region_list_rule, std::vector<Expr>> region_list =
    "a list of region codes such as DE, US-CA";
const x3::rule<class string_rule, Expr> string_literal = "a quoted string";
const x3::rule<class path_rule, Expr> path = "a path such as subject.age";
const x3::rule<class call_arg_rule, Expr> call_argument = "a quoted id, a number or a path";
const x3::rule<class name_rule, std::string> name = "a name";
// Tokens whose position a node needs, as ranges of the input.
const x3::rule<class not_token_rule, Range> not_token = "'not'";
const x3::rule<class name_token_rule, Range> name_token = "a name";
const x3::rule<class open_bracket_rule, Range> open_bracket = "'['";
const x3::rule<class close_bracket_rule, Range> close_bracket = "']'";
const x3::rule<class close_paren_rule, Range> close_paren = "')'";
const auto not_token_def = x3::raw[keyword("not")];
const auto name_token_def = x3::raw[name];
const auto open_bracket_def = x3::raw[x3::lit('[')];
const auto close_bracket_def = x3::raw[x3::lit(']')];
const auto close_paren_def = x3::raw[x3::lit(')')];
const x3::rule<class group_rule, std::string> group_id = "a region group id such as EU_EEA";

const auto name_def =
    x3::lexeme[!any_keyword >> (x3::alpha | x3::char_('_')) >> *(x3::alnum | x3::char_("_."))];
const auto group_id_def = x3::lexeme[x3::upper >> *(x3::upper | x3::digit | x3::char_('_'))];
// Any word: check_policy says which words are not region codes, with the ISO code of a region
// written by its name (`Japan`), where the parser could only say what it expected.
const auto region_item_def =
    x3::lexeme[x3::raw[x3::alpha >> *(x3::alnum | x3::char_('-'))]][Leaf<ExprKind::kString>{}];
const auto string_literal_def =
    x3::raw[x3::lexeme['"' > *(('\\' > x3::char_) | ~x3::char_("\"\\")) > '"'] |
            x3::lexeme['\'' > *(~x3::char_('\'')) > '\'']][Leaf<ExprKind::kString>{}];
const auto path_def = x3::raw[name][Leaf<ExprKind::kPath>{}];
const auto int_literal = x3::raw[x3::lexeme[x3::int64 >> !x3::alnum]][Leaf<ExprKind::kInt>{}];
const auto call_argument_def = string_literal[Assign{}] | int_literal | path[Assign{}];
const auto date_literal =
    x3::lexeme[x3::raw[x3::repeat(4)[x3::digit] >> '-' >> x3::repeat(2)[x3::digit] >> '-' >>
                       x3::repeat(2)[x3::digit]]];
const auto bool_literal = x3::raw[keyword("true") | keyword("false")];

const auto operand_def =
    ('(' > or_expr > ')')[Assign{}] | date_literal[Leaf<ExprKind::kDate>{}] | int_literal |
    string_literal[Assign{}] | bool_literal[Leaf<ExprKind::kBool>{}] |
    ((name_token >> '(') > call_argument > close_paren)[MakeCall{}] | path[Assign{}];
// After a comma a region must follow: the error is at the item, not at the comma.
const auto region_list_def = region_item >> *(',' > region_item);
const auto set_def =
    (open_bracket > region_list > close_bracket)[MakeList{}] | x3::raw[group_id][MakeGroup{}];
const auto compare_def = operand[Assign{}] >> -((compare_symbols > operand)[MakeCompare{}] |
                                                (keyword("in") > set)[MakeIn{}]);
const auto not_expr_def = (not_token > not_expr)[MakeNot{}] | compare[Assign{}];
const auto and_expr_def = not_expr[Assign{}] >>
                          *((keyword("and") > not_expr)[Fold<ExprKind::kAnd>{}]);
const auto or_expr_def = and_expr[Assign{}] >> *((keyword("or") > and_expr)[Fold<ExprKind::kOr>{}]);

BOOST_SPIRIT_DEFINE(or_expr, and_expr, not_expr, compare, operand, set, region_item, region_list,
                    string_literal, path, call_argument, name, group_id, not_token, name_token,
                    open_bracket, close_bracket, close_paren)

// Nesting is bounded before the recursive-descent parser sees the text.
std::optional<ConditionSyntaxError> check_nesting(std::string_view text, size_t max_nesting) {
  size_t depth = 0;
  size_t nots = 0;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (quote == '"' && c == '\\') {
        ++i;  // an escaped character never closes the string
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (text.substr(i, 3) == "not" &&
        (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]))))
      ++nots;
    if (depth > max_nesting || nots > max_nesting) {
      return ConditionSyntaxError{
          static_cast<uint32_t>(i),
          fmt::format("condition nests deeper than {} levels", max_nesting)};
    }
  }
  return std::nullopt;
}

// The grammar's character classes are ASCII (Spirit's `standard` encoding calls isspace/isalnum,
// undefined for a negative char), and every id, region, date and keyword is ASCII: a byte at or
// above 0x80 — a full-width letter, a zero-width space, an accented letter pasted from a
// document — is an error at its offset, before the grammar sees it.
std::optional<ConditionSyntaxError> check_ascii(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') {
        return ConditionSyntaxError{static_cast<uint32_t>(i),
                                    fmt::format("control character U+{:04X} in a condition", byte)};
      }
      continue;
    }
    // Decode one UTF-8 sequence for the message; a malformed one is named by its first byte.
    const size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    uint32_t code = length == 1 ? byte : byte & (0x7F >> length);
    bool valid = length > 1 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    return ConditionSyntaxError{
        static_cast<uint32_t>(i),
        valid ? fmt::format("non-ASCII character U+{:04X} '{}' in a condition; ids, regions, "
                            "dates and keywords are ASCII (a pasted letter or invisible space?)",
                            code, text.substr(i, length))
              : fmt::format("byte 0x{:02X} is not UTF-8 text; conditions are ASCII", byte)};
  }
  return std::nullopt;
}

}  // namespace

std::variant<Expr, ConditionSyntaxError> parse_condition(std::string_view text,
                                                         const ConditionLimits& limits) {
  if (text.size() > limits.max_length) {
    return ConditionSyntaxError{
        static_cast<uint32_t>(limits.max_length),
        fmt::format("condition is longer than {} characters", limits.max_length)};
  }
  if (auto error = check_ascii(text)) return *error;
  if (auto error = check_nesting(text, limits.max_nesting)) return *error;
  Iterator first = text.begin();
  const Iterator last = text.end();
  Expr result;
  try {
    bool ok = x3::phrase_parse(first, last, x3::with<begin_tag>(text.begin())[or_expr], x3::space,
                               result);
    auto skip = [&](Iterator it) {
      while (it != last && std::isspace(static_cast<unsigned char>(*it))) ++it;
      return it;
    };
    first = skip(first);
    if (!ok) {
      return ConditionSyntaxError{
          static_cast<uint32_t>(first - text.begin()),
          first == last ? "expected a condition, found nothing"
                        : "expected a condition: a path such as subject.age, a literal, a call "
                          "such as consent(\"support\"), 'not' or '('"};
    }
    if (first != last) {
      std::string_view rest(&*first, static_cast<size_t>(last - first));
      auto token = rest.substr(0, std::min<size_t>(rest.find(' '), 20));
      return ConditionSyntaxError{
          static_cast<uint32_t>(first - text.begin()),
          fmt::format("unexpected '{}': expected 'and', 'or', a comparison or the end of the "
                      "condition",
                      token)};
    }
  } catch (const x3::expectation_failure<Iterator>& e) {
    Iterator where = e.where();
    while (where != last && std::isspace(static_cast<unsigned char>(*where))) ++where;
    // The word found, not its first character: "found 'Japan'" says what was written.
    Iterator end = where;
    auto in_word = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    };
    while (end != last && end - where < 20 && in_word(*end)) ++end;
    if (end == where && where != last) ++end;
    std::string found = where == last ? std::string("the end of the condition")
                                      : fmt::format("'{}'", std::string(where, end));
    std::string message = fmt::format("expected {}, found {}", e.which(), found);
    return ConditionSyntaxError{static_cast<uint32_t>(where - text.begin()), std::move(message)};
  }
  return result;
}

const char* compare_op_text(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNe:
      return "!=";
  }
  return "==";
}

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::kUnknown:
      return "unknown";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "int";
    case ValueType::kRegion:
      return "region";
    case ValueType::kDate:
      return "date";
    case ValueType::kString:
      return "string";
  }
  return "unknown";
}

const char* query_path_name(QueryPath path) {
  switch (path) {
    case QueryPath::kNone:
      return "";
    case QueryPath::kSubjectRegion:
      return "subject.region";
    case QueryPath::kSubjectAge:
      return "subject.age";
    case QueryPath::kDestination:
      return "destination";
    case QueryPath::kAsOf:
      return "as_of";
    case QueryPath::kGpc:
      return "signals.gpc";
    case QueryPath::kAdsPersonalization:
      return "signals.ads_personalization";
    case QueryPath::kParentalConsent:
      return "signals.parental_consent";
    case QueryPath::kTcfPresent:
      return "tcf.present";
    case QueryPath::kGppPresent:
      return "gpp.present";
    case QueryPath::kGppOptOut:
      return "a GPP opt-out";
  }
  return "";
}

std::string to_string(const Expr& e) {
  auto wrap = [](const Expr& child, ExprKind parent) {
    bool compound = child.kind == ExprKind::kAnd || child.kind == ExprKind::kOr ||
                    child.kind == ExprKind::kNot || child.kind == ExprKind::kCompare ||
                    child.kind == ExprKind::kInGroup || child.kind == ExprKind::kInList;
    bool needs = (parent == ExprKind::kAnd && child.kind == ExprKind::kOr) ||
                 (parent == ExprKind::kNot && compound && child.kind != ExprKind::kNot) ||
                 ((parent == ExprKind::kCompare || parent == ExprKind::kInGroup ||
                   parent == ExprKind::kInList) &&
                  compound);
    return needs ? "(" + to_string(child) + ")" : to_string(child);
  };
  switch (e.kind) {
    case ExprKind::kOr:
    case ExprKind::kAnd: {
      std::string out;
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) out += e.kind == ExprKind::kOr ? " or " : " and ";
        out += wrap(e.children[i], e.kind);
      }
      return out;
    }
    case ExprKind::kNot:
      return "not " + wrap(e.children[0], e.kind);
    case ExprKind::kCompare:
      return wrap(e.children[0], e.kind) + " " + compare_op_text(e.op) + " " +
             wrap(e.children[1], e.kind);
    case ExprKind::kInGroup:
      return wrap(e.children[0], e.kind) + " in " + e.text;
    case ExprKind::kInList: {
      std::string out = wrap(e.children[0], e.kind) + " in [";
      for (size_t i = 1; i < e.children.size(); ++i)
        out += (i > 1 ? ", " : "") + e.children[i].text;
      return out + "]";
    }
    case ExprKind::kPath:
      return e.text;
    case ExprKind::kInt:
      return std::to_string(e.number);
    case ExprKind::kDate:
      return e.text;
    case ExprKind::kString: {
      std::string out = "\"";
      for (char c : e.text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      return out + "\"";
    }
    case ExprKind::kBool:
      return e.number ? "true" : "false";
    case ExprKind::kCall:
      return e.text + "(" + to_string(e.children[0]) + ")";
  }
  return "";
}

}  // namespace flowgate
