#include "analysis/rights.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "model/query.h"
#include "reference/reference_evaluator.h"

namespace flowgate {
namespace {

bool in_force(const FactBasis& fact, Date on) {
  return fact.effective <= on && (!fact.until || on <= *fact.until);
}

// "the right to …": the right vocabulary's ids (rules/vocabulary/right.yaml) in words.
std::string right_phrase(std::string_view id) {
  static const std::pair<std::string_view, std::string_view> kPhrases[] = {
      {"access", "access"},
      {"portability", "data portability"},
      {"correct", "correct"},
      {"delete", "delete"},
      {"withdraw_consent", "withdraw consent"},
      {"object", "object"},
      {"restrict", "restrict processing"},
      {"complain", "complain to a supervisory authority"},
      {"opt_out_targeted_ads", "opt out of targeted advertising"},
      {"opt_out_sale", "opt out of sale"},
      {"opt_out_profiling", "opt out of profiling"},
      {"limit_sensitive", "limit the use of sensitive personal information"},
      {"appeal", "appeal a refused request"},
      {"non_discrimination", "non-discrimination"},
  };
  for (const auto& [key, phrase] : kPhrases) {
    if (key == id) return "the right to " + std::string(phrase);
  }
  return "the right '" + std::string(id) + "'";
}

std::string region_label(const Policy& policy, const std::string& region) {
  auto it = policy.regions.regions().find(region);
  if (it == policy.regions.regions().end() || it->second.empty()) return region;
  return fmt::format("{} ({})", region, it->second);
}

std::string law_name(const Jurisdiction& j) {
  return j.law.title.empty() ? "the law of " + j.name : "the " + j.law.title;
}

std::vector<std::string> sorted_sections(std::vector<std::string> sections) {
  std::sort(sections.begin(), sections.end(), section_less);
  sections.erase(std::unique(sections.begin(), sections.end()), sections.end());
  return sections;
}

std::string sections_of(const std::vector<const RightsEntry*>& entries) {
  std::vector<std::string> sections;
  for (const RightsEntry* e : entries) {
    for (const auto& c : e->citations) sections.push_back(c.section);
  }
  return fmt::to_string(fmt::join(sorted_sections(std::move(sections)), ", "));
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void check_region(const Policy& policy, std::string_view region) {
  if (policy.regions.is_region(region)) return;
  if (policy.regions.group(region)) {
    throw std::invalid_argument(fmt::format(
        "'{}' is a region group; rights are answered for one region, e.g. DE or US-CA", region));
  }
  std::string hint;
  if (policy.regions.is_region(upper(region))) {
    hint = fmt::format(" (did you mean '{}'?)", upper(region));
  }
  throw std::invalid_argument(fmt::format(
      "unknown region '{}'{}: use an ISO 3166-1 alpha-2 code (DE, JP) or, for a US state, its "
      "ISO 3166-2 code (US-CA)",
      region, hint));
}

Vocabulary::Index check_request(const Policy& policy, std::string_view request) {
  const Vocabulary& rights = policy.vocabulary(VocabularyKind::kRight);
  if (auto index = rights.find(request)) return *index;
  std::vector<std::string> known;
  for (const auto& term : rights.terms()) known.push_back(term.id);
  throw std::invalid_argument(
      fmt::format("unknown request '{}': the rights are {}", request, fmt::join(known, ", ")));
}

}  // namespace

bool section_less(const std::string& a, const std::string& b) {
  auto numbers = [](const std::string& s) {
    std::vector<int> out;
    int value = -1;
    for (char c : s) {
      if (std::isdigit(static_cast<unsigned char>(c))) {
        value = (value < 0 ? 0 : value * 10) + (c - '0');
      } else if (value >= 0) {
        out.push_back(value);
        value = -1;
      }
    }
    if (value >= 0) out.push_back(value);
    return out;
  };
  auto na = numbers(a);
  auto nb = numbers(b);
  if (na != nb) return na < nb;
  return a < b;
}

std::string describe_duration(const Duration& d) {
  std::vector<std::string> parts;
  auto add = [&](int32_t n, const char* unit) {
    if (n) parts.push_back(fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s"));
  };
  add(d.years, "year");
  add(d.months, "month");
  add(d.days, "day");
  if (parts.empty()) return "0 days";
  return fmt::to_string(fmt::join(parts, " and "));
}

namespace {

// Whether a right id is the requested right or one under it.
struct Concerns {
  const Vocabulary& rights;
  Vocabulary::Index request;
  bool operator()(const std::string& right) const {
    auto index = rights.find(right);
    return index && rights.is_under(request, *index);
  }
};

// The law: every jurisdiction whose facts reach the region on the date, the first right fact in
// force among them, and the earliest one not yet in force.
struct LawFindings {
  std::vector<const Jurisdiction*> consulted;
  const Jurisdiction* granting = nullptr;
  const RightFact* grant = nullptr;
  const Jurisdiction* future_law = nullptr;
  const RightFact* future = nullptr;
};

// The policy: its rights entries on this right whose condition holds for this subject.
struct PolicyStatements {
  std::vector<const RightsEntry*> promised, conditional, excluded, responses;
  std::vector<const RightsEntry*> effective_promises;  // the promises no specific exclusion beats
  std::vector<const RightsEntry*> cited_conditional;   // the conditional statements cited
};

// The response period fixed: the law's in force, else the policy's response promise.
struct ResponsePeriod {
  const ResponseFact* period = nullptr;
  const Jurisdiction* period_law = nullptr;
  const RightsEntry* promise = nullptr;
};

LawFindings consult_law(const Policy& policy, const std::string& region, const Concerns& concerns,
                        Date as_of) {
  LawFindings law;
  for (const auto& j : policy.jurisdictions) {
    bool applies = j.id == region ||
                   (policy.regions.group(j.id) && policy.regions.contains(j.id, region, as_of));
    if (!applies) continue;
    law.consulted.push_back(&j);
    for (const auto& fact : j.rights) {
      if (!concerns(fact.right.id)) continue;
      if (in_force(fact, as_of)) {
        if (!law.grant) {
          law.granting = &j;
          law.grant = &fact;
        }
      } else if (fact.effective > as_of &&
                 (!law.future || fact.effective < law.future->effective)) {
        law.future_law = &j;
        law.future = &fact;
      }
    }
  }
  return law;
}

PolicyStatements read_statements(const Policy& policy, const std::string& region,
                                 const Concerns& concerns, Date as_of) {
  Query subject;
  subject.region = region;
  subject.as_of = as_of;
  PolicyStatements s;
  for (const auto& entry : policy.rights) {
    if (!concerns(entry.right.id)) continue;
    if (entry.when && !evaluate_condition(entry.when->root, policy, subject)) continue;
    bool response_only = entry.grant == Grant::kConditional && entry.response;
    if (entry.response && entry.grant != Grant::kExcluded) s.responses.push_back(&entry);
    if (response_only) continue;
    switch (entry.grant) {
      case Grant::kPromised:
        s.promised.push_back(&entry);
        break;
      case Grant::kConditional:
        s.conditional.push_back(&entry);
        break;
      case Grant::kExcluded:
        s.excluded.push_back(&entry);
        break;
    }
  }
  // A specific exclusion (one with a `when`) overrides a general promise of the policy's own, never
  // a statutory right.
  bool specific_exclusion = std::any_of(s.excluded.begin(), s.excluded.end(),
                                        [](const RightsEntry* e) { return e->when.has_value(); });
  for (const RightsEntry* p : s.promised) {
    if (p->when || !specific_exclusion) s.effective_promises.push_back(p);
  }
  // Conditional statements: the general ones only when the policy says nothing in particular for
  // the region.
  bool specific_statement = false;
  for (const auto* list : {&s.promised, &s.conditional, &s.excluded}) {
    for (const RightsEntry* e : *list) specific_statement |= e->when.has_value();
  }
  for (const RightsEntry* e : s.conditional) {
    if (e->when || !specific_statement) s.cited_conditional.push_back(e);
  }
  return s;
}

// Citations: promises and exclusions always, the conditional statements cited, response promises;
// in the policy's order, then the sections in section order.
void cite(const Policy& policy, const PolicyStatements& s, RightsAnswer& answer) {
  std::vector<const RightsEntry*> cited;
  for (const auto* list : {&s.promised, &s.cited_conditional, &s.excluded, &s.responses}) {
    cited.insert(cited.end(), list->begin(), list->end());
  }
  std::sort(cited.begin(), cited.end(), [&](const RightsEntry* a, const RightsEntry* b) {
    return a - policy.rights.data() < b - policy.rights.data();
  });
  cited.erase(std::unique(cited.begin(), cited.end()), cited.end());
  std::vector<std::string> sections;
  for (const RightsEntry* e : cited) {
    answer.entries.push_back(e->id);
    for (const auto& c : e->citations) sections.push_back(c.section);
  }
  answer.citations = sorted_sections(std::move(sections));
}

// The deadline of an available right: the law's response period in force (the granting law's
// first); else the policy's response promise.
ResponsePeriod find_response(const LawFindings& law, const PolicyStatements& s, Date as_of) {
  ResponsePeriod r;
  std::vector<const Jurisdiction*> order;
  if (law.granting) order.push_back(law.granting);
  order.insert(order.end(), law.consulted.begin(), law.consulted.end());
  for (const Jurisdiction* j : order) {
    for (const auto& fact : j->response) {
      if (!r.period && in_force(fact, as_of)) {
        r.period = &fact;
        r.period_law = j;
      }
    }
  }
  if (!r.period && !s.responses.empty()) r.promise = s.responses.front();
  return r;
}

// The statute or article of every legal fact used; without a grant, every law consulted.
std::vector<std::string> sources_of(const LawFindings& law, const ResponsePeriod& response) {
  std::vector<std::string> sources;
  if (law.grant) sources.push_back(law.grant->source);
  if (response.period) sources.push_back(response.period->source);
  if (!law.grant) {
    for (const Jurisdiction* j : law.consulted) {
      sources.push_back(j->law.citation.empty() ? j->law.title : j->law.citation);
    }
  }
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  return sources;
}

// ---- the reason, rendered from the findings above

// Why no law grants it ("the Iowa Consumer Data Protection Act does not grant it").
std::string no_grant_text(const LawFindings& law, const std::string& region, Date as_of) {
  std::vector<std::string> parts;
  for (const Jurisdiction* j : law.consulted) {
    if (j == law.future_law) {
      parts.push_back(fmt::format("{} grants it only from {}", law_name(*j),
                                  format_date(law.future->effective)));
    } else if (j->law.effective > as_of) {
      parts.push_back(fmt::format("{} takes effect only on {} and does not grant it", law_name(*j),
                                  format_date(j->law.effective)));
    } else {
      parts.push_back(fmt::format("{} does not grant it", law_name(*j)));
    }
  }
  return parts.empty() ? fmt::format("no privacy law recorded for {} grants it", region)
                       : fmt::to_string(fmt::join(parts, " and "));
}

std::string deadline_text(const RightsAnswer& answer, const LawFindings& law,
                          const ResponsePeriod& response) {
  if (!answer.deadline) {
    return answer.available ? "no law or policy statement fixes a response deadline" : "";
  }
  std::string text = "respond within " + describe_duration(*answer.deadline);
  if (answer.extension) text += ", extendable by " + describe_duration(*answer.extension);
  if (response.period) {
    text += response.period_law == law.granting
                ? " under that law"
                : fmt::format(", the response period of {}", law_name(*response.period_law));
    if (!answer.extension) text += ", which fixes no extension";
  } else {
    text += fmt::format(", as the policy promises ({})", sections_of({response.promise}));
  }
  return text;
}

// The right, the subject's region and the date, in words: "the right to correct", "US-IA (Iowa)".
struct Subject {
  std::string right, where, date;
};

std::string statutory_reason(const RightsAnswer& answer, const LawFindings& law,
                             const PolicyStatements& s, const Subject& subject,
                             const std::string& deadline) {
  std::string policy_part;
  if (answer.policy_out_of_date) {
    policy_part = fmt::format(
        "; the policy's statement that it is unavailable there ({}) is out of date, and a "
        "policy's exclusion never removes a statutory right",
        sections_of(s.excluded));
  } else if (!s.promised.empty()) {
    policy_part = fmt::format("; the policy promises it too ({})", sections_of(s.promised));
  } else if (!s.cited_conditional.empty()) {
    policy_part =
        fmt::format("; the policy defers to the law ({})", sections_of(s.cited_conditional));
  }
  return fmt::format("{} grants {} in {} on {} ({}){}; {}.", law_name(*law.granting), subject.right,
                     subject.where, subject.date, law.grant->source, policy_part, deadline);
}

std::string promised_reason(const PolicyStatements& s, const Subject& subject,
                            const std::string& no_grant, const std::string& deadline) {
  return fmt::format("{} of the policy promises {} to subjects in {}, although on {} {}; {}.",
                     sections_of(s.effective_promises), subject.right, subject.where, subject.date,
                     no_grant, deadline);
}

std::string unavailable_reason(const PolicyStatements& s, const Subject& subject,
                               const std::string& no_grant) {
  std::string policy_part;
  if (!s.excluded.empty()) {
    policy_part = fmt::format("the policy excludes it there ({}: \"{}\")", sections_of(s.excluded),
                              s.excluded.front()->quote);
    if (!s.promised.empty()) {
      policy_part += fmt::format(", overriding its general promise ({})", sections_of(s.promised));
    }
  } else if (!s.cited_conditional.empty()) {
    policy_part = fmt::format("the policy leaves it to applicable law ({})",
                              sections_of(s.cited_conditional));
  } else {
    policy_part = "the policy does not promise it";
  }
  return fmt::format("{} is not available in {} on {}: {}, and {}.", subject.right, subject.where,
                     subject.date, no_grant, policy_part);
}

// One sentence a compliance officer can read, from the answer and what it was computed from.
std::string render_reason(const Policy& policy, const RightsAnswer& answer, const LawFindings& law,
                          const PolicyStatements& s, const ResponsePeriod& response) {
  Subject subject{right_phrase(answer.request), region_label(policy, answer.region),
                  format_date(answer.as_of)};
  std::string no_grant = law.grant ? "" : no_grant_text(law, answer.region, answer.as_of);
  std::string deadline = deadline_text(answer, law, response);
  std::string reason = answer.statutory  ? statutory_reason(answer, law, s, subject, deadline)
                       : answer.promised ? promised_reason(s, subject, no_grant, deadline)
                                         : unavailable_reason(s, subject, no_grant);
  if (!reason.empty()) {
    reason[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(reason[0])));
  }
  return reason;
}

}  // namespace

RightsAnswer answer_right(const Policy& policy, std::string_view region_id,
                          std::string_view request_id, Date as_of) {
  check_region(policy, region_id);
  const Concerns concerns{policy.vocabulary(VocabularyKind::kRight),
                          check_request(policy, request_id)};

  RightsAnswer answer;
  answer.region = std::string(region_id);
  answer.request = std::string(request_id);
  answer.as_of = as_of;
  const LawFindings law = consult_law(policy, answer.region, concerns, as_of);
  const PolicyStatements statements = read_statements(policy, answer.region, concerns, as_of);
  answer.statutory = law.grant != nullptr;
  answer.promised = !statements.effective_promises.empty();
  answer.available = answer.statutory || answer.promised;
  answer.policy_out_of_date = answer.statutory && !statements.excluded.empty();
  cite(policy, statements, answer);

  ResponsePeriod response;
  if (answer.available) {
    response = find_response(law, statements, as_of);
    if (response.period) {
      answer.deadline = response.period->deadline;
      answer.extension = response.period->extension;
    } else if (response.promise) {
      answer.deadline = response.promise->response->deadline;
      answer.extension = response.promise->response->extension;
    }
  }
  answer.sources = sources_of(law, response);
  answer.reason = render_reason(policy, answer, law, statements, response);
  return answer;
}

std::vector<RightsAnswer> answer_rights(const Policy& policy, std::string_view region, Date as_of) {
  std::vector<RightsAnswer> answers;
  for (const auto& term : policy.vocabulary(VocabularyKind::kRight).terms()) {
    answers.push_back(answer_right(policy, region, term.id, as_of));
  }
  return answers;
}

}  // namespace flowgate
