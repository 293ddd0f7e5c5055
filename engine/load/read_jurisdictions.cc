// Readers for what the law says: regions, region groups, jurisdiction facts, consent ages.
#include <fmt/format.h>

#include <regex>

#include "load/sections.h"

namespace flowgate {
namespace {

// source, effective and until: the basis of every legal fact.
bool read_fact_basis(const Fields& fields, FactBasis& fact) {
  fact.location = fields.node().location;
  auto source = fields.string("source", true);
  auto effective = fields.date("effective", true);
  fact.until = fields.date("until", false);
  if (!source || !effective) return false;
  fact.source = *source;
  fact.effective = *effective;
  if (fact.until && *fact.until < fact.effective) {
    fields.sink().error("bad-date-range", fields.get("until")->location,
                        fmt::format("{} ends before it takes effect", fields.what()));
  }
  return true;
}

template <typename Fact, typename ReadRest>
std::vector<Fact> read_facts(const Fields& top, std::string_view key,
                             std::initializer_list<std::string_view> keys, ReadRest read_rest) {
  std::vector<Fact> out;
  const YamlNode* node = top.get(key);
  if (!node) return out;
  const auto* items = read_list(*node, fmt::format("'{}' of {}", key, top.what()), top.sink());
  if (!items) return out;
  for (size_t i = 0; i < items->size(); ++i) {
    Fields fields((*items)[i], fmt::format("{} fact #{} of {}", key, i + 1, top.what()), top.sink(),
                  keys);
    if (!fields.is_map()) continue;
    Fact fact;
    bool ok = read_fact_basis(fields, fact);
    ok = read_rest(fields, fact) && ok;
    if (ok) out.push_back(std::move(fact));
  }
  return out;
}

}  // namespace

void read_regions(const YamlNode& node, const SourceFile&, LoadState& state) {
  Fields fields(node, "'regions'", state.sink, {"source", "countries", "us_states"});
  if (!fields.is_map()) return;
  fields.string("source", true);
  static const std::regex kCountry("[A-Z]{2}");
  static const std::regex kState("US-[A-Z]{2}");
  for (auto [key, pattern, example] :
       {std::tuple{"countries", &kCountry, "DE"}, std::tuple{"us_states", &kState, "US-CA"}}) {
    const YamlNode* map = fields.require(key);
    if (!map) continue;
    if (!map->is_map()) {
      state.sink.error("wrong-type", map->location,
                       fmt::format("expected a mapping of code: name for '{}', found {}", key,
                                   describe_kind(*map)));
      continue;
    }
    for (const auto& [code, name] : map->entries) {
      if (!std::regex_match(code.scalar, *pattern)) {
        state.sink.error("bad-region", code.location,
                         fmt::format("'{}' is not a region code of '{}'", code.scalar, key),
                         fmt::format("codes look like {}", example));
        continue;
      }
      auto text = read_scalar(name, fmt::format("the name of {}", code.scalar), state.sink);
      state.policy.regions.add_region(code.scalar, text.value_or(""), code.location);
    }
  }
}

void read_region_groups(const YamlNode& node, const SourceFile&, LoadState& state) {
  const auto* items = read_list(node, "'region_groups'", state.sink);
  if (!items) return;
  static const std::regex kGroupId("[A-Z][A-Z0-9_]*");
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    std::string what = fmt::format("region group #{}", i + 1);
    if (const YamlNode* id = item.is_map() ? item.find("id") : nullptr; id && id->is_scalar()) {
      what = fmt::format("region group '{}'", id->scalar);
    }
    Fields fields(item, what, state.sink,
                  {"id", "description", "source", "effective", "include", "members"});
    if (!fields.is_map()) continue;
    RegionGroup group;
    group.location = item.location;
    auto id = fields.string("id", true);
    if (!id) continue;
    if (!std::regex_match(*id, kGroupId)) {
      state.sink.error("bad-id", fields.get("id")->location,
                       fmt::format("region group id '{}' is not UPPER_SNAKE case", *id),
                       "group ids look like EU_EEA, so conditions can tell them from regions");
      continue;
    }
    group.id = *id;
    group.description = fields.string("description", true).value_or("");
    group.source = fields.string("source", true).value_or("");
    auto effective = fields.date("effective", false);
    for (const auto& inc : fields.id_list("include", false))
      group.include.emplace_back(inc.id, inc.location);
    if (const YamlNode* members = fields.get("members")) {
      if (const auto* list =
              read_list(*members, fmt::format("'members' of {}", what), state.sink)) {
        for (const auto& member : *list) {
          Membership m;
          m.location = member.location;
          m.source = group.source;
          if (member.is_scalar()) {
            m.region = member.scalar;
            if (!effective) {
              state.sink.error(
                  "missing-key", member.location,
                  fmt::format("member '{}' of {} has no effective date", m.region, what),
                  "give the group an 'effective' date, or write the member as "
                  "{region: XX, effective: YYYY-MM-DD}");
              continue;
            }
            m.from = *effective;
          } else {
            Fields mf(member, fmt::format("a member of {}", what), state.sink,
                      {"region", "effective", "until", "source"});
            if (!mf.is_map()) continue;
            auto region = mf.string("region", true);
            auto from = mf.date("effective", !effective.has_value());
            if (!region) continue;
            m.region = *region;
            if (from) {
              m.from = *from;
            } else if (effective) {
              m.from = *effective;
            } else {
              continue;
            }
            m.until = mf.date("until", false);
            if (auto source = mf.string("source", false)) m.source = *source;
          }
          group.members.push_back(std::move(m));
        }
      }
    }
    state.region_groups.push_back(std::move(group));
  }
}

void read_jurisdiction(const YamlNode& node, const SourceFile&, LoadState& state) {
  std::string what = "jurisdiction file";
  if (const YamlNode* id = node.find("jurisdiction"); id && id->is_scalar()) {
    what = fmt::format("jurisdiction {}", id->scalar);
  }
  Fields top(node, what, state.sink,
             {"jurisdiction", "name", "law", "rights", "response", "universal_opt_out",
              "amendments", "notes"});
  Jurisdiction j;
  j.location = node.location;
  auto id = top.string("jurisdiction", true);
  if (!id) return;
  j.id = *id;
  j.location = top.get("jurisdiction")->location;
  j.name = top.string("name", true).value_or("");
  j.notes = top.string("notes", false).value_or("");
  if (const YamlNode* law = top.require("law")) {
    Fields lf(*law, fmt::format("'law' of {}", j.id), state.sink,
              {"title", "citation", "source", "enacted", "effective"});
    if (lf.is_map()) {
      j.law.location = law->location;
      j.law.title = lf.string("title", true).value_or("");
      j.law.citation = lf.string("citation", true).value_or("");
      j.law.source = lf.string("source", true).value_or("");
      j.law.enacted = lf.date("enacted", false);
      auto effective = lf.date("effective", true);
      j.law.effective = effective.value_or(Date{});
      if (!effective) j.law.enacted.reset();  // nothing to compare it with
    }
  }
  j.rights = read_facts<RightFact>(top, "rights", {"right", "source", "effective", "until"},
                                   [](const Fields& f, RightFact& fact) {
                                     auto right = f.id("right", true);
                                     if (right) fact.right = *right;
                                     return right.has_value();
                                   });
  j.response = read_facts<ResponseFact>(top, "response",
                                        {"deadline", "extension", "source", "effective", "until"},
                                        [](const Fields& f, ResponseFact& fact) {
                                          auto deadline = f.duration("deadline", true);
                                          fact.extension = f.duration("extension", false);
                                          if (deadline) fact.deadline = *deadline;
                                          return deadline.has_value();
                                        });
  j.universal_opt_out =
      read_facts<OptOutFact>(top, "universal_opt_out", {"required", "source", "effective", "until"},
                             [](const Fields& f, OptOutFact& fact) {
                               auto required = f.boolean("required", true);
                               if (required) fact.required = *required;
                               return required.has_value();
                             });
  if (const YamlNode* amendments = top.get("amendments")) {
    if (const auto* list = read_list(*amendments, "'amendments'", state.sink)) {
      for (size_t i = 0; i < list->size(); ++i) {
        Fields af((*list)[i], fmt::format("amendment #{} of {}", i + 1, j.id), state.sink,
                  {"title", "effective", "source", "summary"});
        if (!af.is_map()) continue;
        Amendment a;
        a.location = (*list)[i].location;
        a.title = af.string("title", true).value_or("");
        a.effective = af.date("effective", true).value_or(Date{});
        a.source = af.string("source", true).value_or("");
        a.summary = af.string("summary", true).value_or("");
        j.amendments.push_back(std::move(a));
      }
    }
  }
  state.policy.jurisdictions.push_back(std::move(j));
}

void read_digital_consent_ages(const YamlNode& node, const SourceFile&, LoadState& state) {
  Fields fields(node, "'digital_consent_ages'", state.sink, {"source", "ages", "notes"});
  if (!fields.is_map()) return;
  fields.string("source", true);
  const YamlNode* ages = fields.require("ages");
  if (!ages) return;
  const auto* list = read_list(*ages, "'ages'", state.sink);
  if (!list) return;
  for (size_t i = 0; i < list->size(); ++i) {
    Fields af((*list)[i], fmt::format("consent age #{}", i + 1), state.sink,
              {"region", "age", "source", "effective", "until"});
    if (!af.is_map()) continue;
    DigitalConsentAge age;
    age.location = (*list)[i].location;
    auto region = af.id("region", true);
    auto years = af.integer("age", true, 13, 16);  // GDPR Art. 8(1): no lower than 13, default 16
    auto source = af.string("source", true);
    auto effective = af.date("effective", true);
    if (!region || !years || !source || !effective) continue;
    age.region = *region;
    age.age = static_cast<int>(*years);
    age.source = *source;
    age.effective = *effective;
    state.policy.digital_consent_ages.push_back(std::move(age));
  }
}

}  // namespace flowgate
