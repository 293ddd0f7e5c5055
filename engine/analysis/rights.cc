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

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string sections_of(const std::vector<const RightsEntry*>& entries) {
  std::vector<std::string> sections;
  for (const RightsEntry* e : entries) {
    for (const auto& c : e->citations) sections.push_back(c.section);
  }
  return join(sorted_sections(std::move(sections)));
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
      fmt::format("unknown request '{}': the rights are {}", request, join(known)));
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
  return join(parts, " and ");
}

RightsAnswer answer_right(const Policy& policy, std::string_view region_id,
                          std::string_view request_id, Date as_of) {
  check_region(policy, region_id);
  const Vocabulary& rights = policy.vocabulary(VocabularyKind::kRight);
  Vocabulary::Index request_index = check_request(policy, request_id);
  auto concerns = [&](const std::string& right) {
    auto index = rights.find(right);
    return index && rights.is_under(request_index, *index);
  };

  RightsAnswer answer;
  answer.region = std::string(region_id);
  answer.request = std::string(request_id);
  answer.as_of = as_of;
  const std::string& region = answer.region;
  const std::string where = region_label(policy, region);
  const std::string right = right_phrase(request_id);
  const std::string date = format_date(as_of);

  // The law: every jurisdiction whose facts reach the region on the date.
  std::vector<const Jurisdiction*> consulted;
  const Jurisdiction* granting = nullptr;
  const RightFact* grant = nullptr;
  const Jurisdiction* future_law = nullptr;
  const RightFact* future = nullptr;
  for (const auto& j : policy.jurisdictions) {
    bool applies = j.id == region ||
                   (policy.regions.group(j.id) && policy.regions.contains(j.id, region, as_of));
    if (!applies) continue;
    consulted.push_back(&j);
    for (const auto& fact : j.rights) {
      if (!concerns(fact.right.id)) continue;
      if (in_force(fact, as_of)) {
        if (!grant) {
          granting = &j;
          grant = &fact;
        }
      } else if (fact.effective > as_of && (!future || fact.effective < future->effective)) {
        future_law = &j;
        future = &fact;
      }
    }
  }
  answer.statutory = grant != nullptr;

  // The policy: the rights entries on this right whose condition holds for this subject.
  Query subject;
  subject.region = region;
  subject.as_of = as_of;
  std::vector<const RightsEntry*> promised, conditional, excluded, responses;
  for (const auto& entry : policy.rights) {
    if (!concerns(entry.right.id)) continue;
    if (entry.when && !evaluate_condition(entry.when->root, policy, subject)) continue;
    bool response_only = entry.grant == Grant::kConditional && entry.response;
    if (entry.response && entry.grant != Grant::kExcluded) responses.push_back(&entry);
    if (response_only) continue;
    switch (entry.grant) {
      case Grant::kPromised:
        promised.push_back(&entry);
        break;
      case Grant::kConditional:
        conditional.push_back(&entry);
        break;
      case Grant::kExcluded:
        excluded.push_back(&entry);
        break;
    }
  }
  // A specific exclusion (one with a `when`) overrides a general promise of the policy's own, never
  // a statutory right.
  bool specific_exclusion = std::any_of(excluded.begin(), excluded.end(),
                                        [](const RightsEntry* e) { return e->when.has_value(); });
  std::vector<const RightsEntry*> effective_promises;
  for (const RightsEntry* p : promised) {
    if (p->when || !specific_exclusion) effective_promises.push_back(p);
  }
  answer.promised = !effective_promises.empty();
  answer.available = answer.statutory || answer.promised;
  answer.policy_out_of_date = answer.statutory && !excluded.empty();

  // Citations: promises and exclusions always; conditional statements, the general ones only when
  // the policy says nothing in particular for the region; response promises.
  bool specific_statement = false;
  for (const auto* list : {&promised, &conditional, &excluded}) {
    for (const RightsEntry* e : *list) specific_statement |= e->when.has_value();
  }
  std::vector<const RightsEntry*> cited_conditional;
  for (const RightsEntry* e : conditional) {
    if (e->when || !specific_statement) cited_conditional.push_back(e);
  }
  std::vector<const RightsEntry*> cited;
  for (const auto* list : {&promised, &cited_conditional, &excluded, &responses}) {
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

  // The deadline: the law's response period in force; else the policy's response promise.
  const ResponseFact* period = nullptr;
  const Jurisdiction* period_law = nullptr;
  const RightsEntry* promise = nullptr;
  if (answer.available) {
    std::vector<const Jurisdiction*> order;
    if (granting) order.push_back(granting);
    order.insert(order.end(), consulted.begin(), consulted.end());
    for (const Jurisdiction* j : order) {
      for (const auto& fact : j->response) {
        if (!period && in_force(fact, as_of)) {
          period = &fact;
          period_law = j;
        }
      }
    }
    if (period) {
      answer.deadline = period->deadline;
      answer.extension = period->extension;
    } else if (!responses.empty()) {
      promise = responses.front();
      answer.deadline = promise->response->deadline;
      answer.extension = promise->response->extension;
    }
  }

  // Sources of the facts used.
  if (grant) answer.sources.push_back(grant->source);
  if (period) answer.sources.push_back(period->source);
  if (!grant) {
    for (const Jurisdiction* j : consulted) {
      answer.sources.push_back(j->law.citation.empty() ? j->law.title : j->law.citation);
    }
  }
  answer.sources.erase(std::unique(answer.sources.begin(), answer.sources.end()),
                       answer.sources.end());

  // The reason.
  std::string law_part;  // why no law grants it
  if (!grant) {
    std::vector<std::string> parts;
    for (const Jurisdiction* j : consulted) {
      if (j == future_law) {
        parts.push_back(
            fmt::format("{} grants it only from {}", law_name(*j), format_date(future->effective)));
      } else if (j->law.effective > as_of) {
        parts.push_back(fmt::format("{} takes effect only on {} and does not grant it",
                                    law_name(*j), format_date(j->law.effective)));
      } else {
        parts.push_back(fmt::format("{} does not grant it", law_name(*j)));
      }
    }
    law_part = parts.empty() ? fmt::format("no privacy law recorded for {} grants it", region)
                             : join(parts, " and ");
  }
  std::string deadline_part;
  if (answer.deadline) {
    deadline_part = "respond within " + describe_duration(*answer.deadline);
    if (answer.extension) {
      deadline_part += ", extendable by " + describe_duration(*answer.extension);
    }
    if (period) {
      deadline_part += period_law == granting
                           ? " under that law"
                           : fmt::format(", the response period of {}", law_name(*period_law));
      if (!answer.extension) deadline_part += ", which fixes no extension";
    } else {
      deadline_part += fmt::format(", as the policy promises ({})", sections_of({promise}));
    }
  } else if (answer.available) {
    deadline_part = "no law or policy statement fixes a response deadline";
  }

  if (answer.statutory) {
    std::string policy_part;
    if (answer.policy_out_of_date) {
      policy_part = fmt::format(
          "; the policy's statement that it is unavailable there ({}) is out of date, and a "
          "policy's exclusion never removes a statutory right",
          sections_of(excluded));
    } else if (!promised.empty()) {
      policy_part = fmt::format("; the policy promises it too ({})", sections_of(promised));
    } else if (!cited_conditional.empty()) {
      policy_part =
          fmt::format("; the policy defers to the law ({})", sections_of(cited_conditional));
    }
    answer.reason = fmt::format("{} grants {} in {} on {} ({}){}; {}.", law_name(*granting), right,
                                where, date, grant->source, policy_part, deadline_part);
  } else if (answer.promised) {
    answer.reason =
        fmt::format("{} of the policy promises {} to subjects in {}, although on {} {}; {}.",
                    sections_of(effective_promises), right, where, date, law_part, deadline_part);
  } else {
    std::string policy_part;
    if (!excluded.empty()) {
      policy_part = fmt::format("the policy excludes it there ({}: \"{}\")", sections_of(excluded),
                                excluded.front()->quote);
      if (!promised.empty()) {
        policy_part += fmt::format(", overriding its general promise ({})", sections_of(promised));
      }
    } else if (!cited_conditional.empty()) {
      policy_part = fmt::format("the policy leaves it to applicable law ({})",
                                sections_of(cited_conditional));
    } else {
      policy_part = "the policy does not promise it";
    }
    answer.reason = fmt::format("{} is not available in {} on {}: {}, and {}.", right, where, date,
                                law_part, policy_part);
  }
  if (!answer.reason.empty()) {
    answer.reason[0] =
        static_cast<char>(std::toupper(static_cast<unsigned char>(answer.reason[0])));
  }
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
