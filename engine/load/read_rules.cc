// Readers for what the policy says: policy info, rules, retention, rights promises.
#include <fmt/format.h>

#include "load/sections.h"

namespace flowgate {
namespace {

std::string entry_label(const YamlNode& node, std::string_view kind, size_t index) {
  if (const YamlNode* id = node.is_map() ? node.find("id") : nullptr; id && id->is_scalar()) {
    return fmt::format("{} '{}'", kind, id->scalar);
  }
  return fmt::format("{} #{}", kind, index + 1);
}

}  // namespace

void read_quote(const Fields& fields, std::string& quote, SourceLocation& location) {
  if (const YamlNode* node = fields.require("quote")) {
    location = node->location;
    if (auto text =
            read_scalar(*node, fmt::format("'quote' of {}", fields.what()), fields.sink())) {
      quote = *text;
    }
  }
}

void read_policy_info(const YamlNode& node, const SourceFile&, LoadState& state) {
  Fields fields(node, "policy", state.sink, {"name", "version", "effective", "text"});
  if (!fields.is_map()) return;
  PolicyInfo& info = state.policy.info;
  info.location = node.location;
  info.name = fields.string("name", true).value_or("");
  info.version = fields.string("version", true).value_or("");
  info.text_path = fields.string("text", true).value_or("");
  info.effective = fields.date("effective", false);
}

namespace {

std::optional<Statute> read_statute(const Fields& rule, DiagnosticSink& sink) {
  const YamlNode* node = rule.require("statute");
  if (!node) return std::nullopt;
  Fields fields(*node, fmt::format("'statute' of {}", rule.what()), sink,
                {"law", "section", "source", "effective", "until"});
  if (!fields.is_map()) return std::nullopt;
  Statute statute;
  statute.location = node->location;
  statute.law = fields.string("law", true).value_or("");
  statute.section = fields.string("section", true).value_or("");
  statute.source = fields.string("source", true).value_or("");
  auto effective = fields.date("effective", true);
  if (!effective) return std::nullopt;
  statute.effective = *effective;
  statute.until = fields.date("until", false);
  if (statute.until && *statute.until < statute.effective) {
    sink.error("bad-date", fields.get("until")->location,
               fmt::format("'until' of {} is before its 'effective' date", rule.what()),
               "'until' is the last day the provision applies");
  }
  return statute;
}

}  // namespace

void read_rules(const YamlNode& node, const SourceFile& file, Place place, LoadState& state) {
  const auto* items = read_list(node, "'rules'", state.sink);
  if (!items) return;
  const bool statutes = place == Place::kJurisdictions;
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    Fields fields(item, entry_label(item, statutes ? "statute rule" : "rule", i), state.sink,
                  statutes
                      ? std::initializer_list<std::string_view>{"id", "effect", "match", "when",
                                                                "obligations", "statute",
                                                                "citations", "quote", "note"}
                      : std::initializer_list<std::string_view>{"id", "effect", "match", "when",
                                                                "obligations", "bases", "citations",
                                                                "quote", "note"});
    if (!fields.is_map()) continue;
    Rule rule;
    rule.location = item.location;
    if (auto id = fields.id("id", true)) rule.id = id->id;
    auto effect = read_choice<Effect>(fields, "effect", true,
                                      {{"allow", Effect::kAllow},
                                       {"deny", Effect::kDeny},
                                       {"oblige", Effect::kOblige},
                                       {"basis", Effect::kBasis},
                                       {"require_basis", Effect::kRequireBasis}});
    if (effect) rule.effect = *effect;
    if (const YamlNode* match = fields.get("match")) {
      Fields m(*match, fmt::format("'match' of {}", fields.what()), state.sink,
               {"data", "purpose", "action", "recipient", "destination"});
      if (m.is_map()) {
        rule.data = m.id_set("data");
        rule.purpose = m.id_set("purpose");
        rule.recipient = m.id_set("recipient");
        rule.destination = m.id_set("destination");
        if (auto action = read_choice<Action>(m, "action", false,
                                              {{"any", Action::kAny},
                                               {"collect", Action::kCollect},
                                               {"transmit", Action::kTransmit}})) {
          rule.action = *action;
        }
      }
    }
    if (const YamlNode* when = fields.get("when")) {
      rule.when =
          read_condition(*when, file, fmt::format("'when' of {}", fields.what()), state.sink);
    }
    rule.obligations = fields.id_list("obligations", false);
    rule.bases = fields.id_list("bases", false);
    // A statute rule cites the statute; policy sections beside it are optional.
    rule.citations = fields.citations("citations", !statutes);
    if (statutes) rule.statute = read_statute(fields, state.sink);
    read_quote(fields, rule.quote, rule.quote_location);
    rule.note = fields.string("note", false).value_or("");
    state.policy.rules.push_back(std::move(rule));
  }
}

std::optional<RetentionPeriod> read_period(const Fields& fields, const IdRef* own_event) {
  const YamlNode* node = fields.get("period");
  if (!node) return std::nullopt;
  Fields p(*node, fmt::format("'period' of {}", fields.what()), fields.sink(),
           {"duration", "from", "source"});
  if (!p.is_map()) return std::nullopt;
  RetentionPeriod period;
  period.location = node->location;
  auto duration = p.duration("duration", true);
  auto from = p.id("from", own_event == nullptr);
  period.source = p.string("source", false).value_or("");
  if (!duration || (!from && !own_event)) return std::nullopt;
  period.duration = *duration;
  period.from = from ? *from : *own_event;
  return period;
}

void read_retention(const YamlNode& node, const SourceFile&, LoadState& state) {
  const auto* items = read_list(node, "'retention'", state.sink);
  if (!items) return;
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    Fields fields(
        item, entry_label(item, "retention entry", i), state.sink,
        {"id", "data", "event", "outcome", "except_when", "period", "citations", "quote", "note"});
    if (!fields.is_map()) continue;
    RetentionEntry entry;
    entry.location = item.location;
    if (auto id = fields.id("id", true)) entry.id = id->id;
    if (!fields.get("data")) fields.require("data");
    entry.data = fields.id_set("data");
    if (auto event = fields.id("event", true)) entry.event = *event;
    if (auto outcome = read_choice<RetentionOutcome>(
            fields, "outcome", true,
            {{"delete", RetentionOutcome::kDelete},
             {"anonymize", RetentionOutcome::kAnonymize},
             {"delete_or_anonymize", RetentionOutcome::kDeleteOrAnonymize},
             {"retain", RetentionOutcome::kRetain}})) {
      entry.outcome = *outcome;
    }
    entry.except_when = fields.id_list("except_when", false);
    entry.period = read_period(fields, entry.event.id.empty() ? nullptr : &entry.event);
    entry.citations = fields.citations("citations", true);
    read_quote(fields, entry.quote, entry.quote_location);
    entry.note = fields.string("note", false).value_or("");
    state.policy.retention.push_back(std::move(entry));
  }
}

void read_rights(const YamlNode& node, const SourceFile& file, LoadState& state) {
  const auto* items = read_list(node, "'rights'", state.sink);
  if (!items) return;
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    Fields fields(item, entry_label(item, "rights entry", i), state.sink,
                  {"id", "right", "grant", "when", "response", "citations", "quote", "note"});
    if (!fields.is_map()) continue;
    RightsEntry entry;
    entry.location = item.location;
    if (auto id = fields.id("id", true)) entry.id = id->id;
    if (auto right = fields.id("right", true)) entry.right = *right;
    if (auto grant = read_choice<Grant>(fields, "grant", true,
                                        {{"promised", Grant::kPromised},
                                         {"conditional", Grant::kConditional},
                                         {"excluded", Grant::kExcluded}})) {
      entry.grant = *grant;
    }
    if (const YamlNode* when = fields.get("when")) {
      entry.when =
          read_condition(*when, file, fmt::format("'when' of {}", fields.what()), state.sink);
    }
    if (const YamlNode* response = fields.get("response")) {
      Fields r(*response, fmt::format("'response' of {}", fields.what()), state.sink,
               {"deadline", "extension"});
      if (r.is_map()) {
        auto deadline = r.duration("deadline", true);
        if (deadline)
          entry.response =
              ResponsePromise{*deadline, r.duration("extension", false), response->location};
      }
    }
    entry.citations = fields.citations("citations", true);
    read_quote(fields, entry.quote, entry.quote_location);
    entry.note = fields.string("note", false).value_or("");
    state.policy.rights.push_back(std::move(entry));
  }
}

void read_unencoded(const YamlNode& node, const SourceFile&, LoadState& state) {
  const auto* items = read_list(node, "'unencoded'", state.sink);
  if (!items) return;
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    Fields fields(item, fmt::format("unencoded entry #{}", i + 1), state.sink,
                  {"quote", "section", "reason", "note"});
    if (!fields.is_map()) continue;
    UnencodedEntry entry;
    entry.location = item.location;
    read_quote(fields, entry.quote, entry.quote_location);
    entry.sections = fields.citations("section", true);
    if (auto reason = fields.string("reason", true)) {
      entry.reason = *reason;
      entry.reason_location = fields.get("reason")->location;
    }
    entry.note = fields.string("note", false).value_or("");
    state.policy.unencoded.push_back(std::move(entry));
  }
}

}  // namespace flowgate
