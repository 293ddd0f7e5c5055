#include "analysis/retention.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "analysis/rights.h"
#include "reference/reference_evaluator.h"

namespace flowgate {
namespace {

// Outcomes as the sets of acts that satisfy them.
constexpr unsigned kDelete = 1, kAnonymize = 2, kRetain = 4;

unsigned acts(RetentionOutcome outcome) {
  switch (outcome) {
    case RetentionOutcome::kDelete:
      return kDelete;
    case RetentionOutcome::kAnonymize:
      return kAnonymize;
    case RetentionOutcome::kDeleteOrAnonymize:
      return kDelete | kAnonymize;
    case RetentionOutcome::kRetain:
      return kRetain;
  }
  return 0;
}

std::optional<std::string> outcome_of(unsigned set) {
  switch (set) {
    case kDelete:
      return "delete";
    case kAnonymize:
      return "anonymize";
    case kDelete | kAnonymize:
      return "delete_or_anonymize";
    case kRetain:
      return "retain";
    default:
      return std::nullopt;
  }
}

std::string words(std::string_view outcome) {
  return outcome == "delete_or_anonymize" ? "delete or anonymize" : std::string(outcome);
}

Vocabulary::Index check_id(const Vocabulary& vocabulary, std::string_view id, const char* what) {
  if (auto index = vocabulary.find(id)) return *index;
  std::vector<std::string> known;
  bool groups_only = std::string_view(what) == "data category";  // the leaves are many
  for (Vocabulary::Index i = 0; i < vocabulary.size(); ++i) {
    if (!groups_only || !vocabulary.is_leaf(i)) known.push_back(vocabulary.term(i).id);
  }
  throw std::invalid_argument(fmt::format(
      "unknown {} '{}': {} {}", what, id,
      groups_only ? "use a leaf or one of the groups" : "the events are", fmt::join(known, ", ")));
}

RetentionMatch match_of(const RetentionEntry& entry) {
  RetentionMatch m;
  m.id = entry.id;
  m.outcome = retention_outcome_name(entry.outcome);
  for (const auto& e : entry.except_when) m.exceptions.push_back(e.id);
  for (const auto& c : entry.citations) m.citations.push_back(c.section);
  m.quote = entry.quote;
  m.note = entry.note;
  return m;
}

std::string said(const RetentionMatch& m) {
  std::string out = fmt::format("{} {} {}", fmt::join(m.citations, " and "),
                                m.citations.size() == 1 ? "says" : "say", words(m.outcome));
  if (!m.exceptions.empty()) out += fmt::format(" (except on {})", fmt::join(m.exceptions, " or "));
  return out;
}

}  // namespace

RetentionAnswer answer_retention(const Policy& policy, std::string_view data_id,
                                 std::string_view event_id) {
  const Vocabulary& data = policy.vocabulary(VocabularyKind::kData);
  const Vocabulary& events = policy.vocabulary(VocabularyKind::kEvent);
  Vocabulary::Index category = check_id(data, data_id, "data category");
  Vocabulary::Index event = check_id(events, event_id, "event");
  auto covers = [&](const IdSet& set) {
    if (set.any) return true;
    return std::any_of(set.ids.begin(), set.ids.end(), [&](const IdRef& ref) {
      auto group = data.find(ref.id);
      return group && data.is_under(category, *group);
    });
  };
  auto is_event = [&](const std::string& id) {
    auto index = events.find(id);
    return index && events.is_under(event, *index);
  };

  RetentionAnswer answer;
  answer.data = std::string(data_id);
  answer.event = std::string(event_id);
  unsigned combined = kDelete | kAnonymize | kRetain;
  std::vector<std::string> exceptions;
  bool first = true;
  std::vector<std::string> sections;
  for (const auto& entry : policy.retention) {
    if (!covers(entry.data)) continue;
    RetentionMatch m = match_of(entry);
    if (is_event(entry.event.id)) {
      combined &= acts(entry.outcome);
      if (first) {
        exceptions = m.exceptions;
        first = false;
      } else {
        std::erase_if(exceptions, [&](const std::string& e) {
          return std::find(m.exceptions.begin(), m.exceptions.end(), e) == m.exceptions.end();
        });
      }
      sections.insert(sections.end(), m.citations.begin(), m.citations.end());
      answer.entries.push_back(std::move(m));
    } else if (std::any_of(entry.except_when.begin(), entry.except_when.end(),
                           [&](const IdRef& e) { return is_event(e.id); })) {
      sections.insert(sections.end(), m.citations.begin(), m.citations.end());
      answer.suspends.push_back(std::move(m));
    }
  }
  std::sort(sections.begin(), sections.end(), section_less);
  sections.erase(std::unique(sections.begin(), sections.end()), sections.end());
  answer.citations = std::move(sections);

  if (!answer.entries.empty()) {
    answer.outcome = outcome_of(combined);
    answer.conflict = !answer.outcome;
    if (answer.outcome) answer.exceptions = exceptions;
    std::vector<std::string> statements;
    bool differ = false;
    for (const auto& m : answer.entries) {
      statements.push_back(said(m));
      differ |= m.outcome != answer.entries.front().outcome ||
                m.exceptions != answer.entries.front().exceptions;
    }
    std::string what =
        fmt::format("On {}, for {}: {}", answer.event, answer.data, fmt::join(statements, "; "));
    if (answer.conflict) {
      answer.reason =
          what + "; no act satisfies all of them, so the policy contradicts itself here.";
    } else if (answer.entries.size() == 1) {
      answer.reason = what + ".";
    } else {
      answer.reason =
          fmt::format("{}; what satisfies all of them is to {}{}{}.", what, words(*answer.outcome),
                      answer.exceptions.empty()
                          ? std::string(", with no exception")
                          : ", except on " + fmt::to_string(fmt::join(answer.exceptions, " or ")),
                      differ ? " (the statements disagree; the stricter one decides)" : "");
    }
  } else if (!answer.suspends.empty()) {
    std::vector<std::string> suspended;
    for (const auto& m : answer.suspends) {
      const auto& entry = *std::find_if(policy.retention.begin(), policy.retention.end(),
                                        [&](const RetentionEntry& e) { return e.id == m.id; });
      suspended.push_back(fmt::format("{} on {} ({})", words(m.outcome), entry.event.id,
                                      fmt::join(m.citations, ", ")));
    }
    answer.outcome = "retain";
    answer.reason = fmt::format(
        "{} is an exception, not an event with an outcome of its own: while it lasts, {} is kept, "
        "and it suspends {}.",
        answer.event, answer.data, fmt::join(suspended, "; "));
  } else {
    answer.reason = fmt::format(
        "The policy says nothing about {} on {}: no retention entry covers that category and "
        "event.",
        answer.data, answer.event);
  }
  return answer;
}

ItemPeriod item_period(const Policy& policy, const InventoryItem& item) {
  if (item.period) return {&*item.period, nullptr};
  const Vocabulary& data = policy.vocabulary(VocabularyKind::kData);
  for (const RetentionEntry& e : policy.retention) {
    if (e.period && covers(e.data, data, item.data.id)) return {&*e.period, &e};
  }
  return {};
}

std::string describe_period(const RetentionPeriod& period) {
  return fmt::format("{} ({}) from {}", format_duration(period.duration),
                     describe_duration(period.duration), period.from.id);
}

}  // namespace flowgate
