// RegionCatalog: group include resolution and dated membership.
#include "model/regions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>

namespace flowgate {

void RegionCatalog::add_region(std::string id, std::string name, SourceLocation location) {
  names_.emplace(id, std::move(name));
  regions_.emplace(std::move(id), std::move(location));
}

bool RegionCatalog::add_group(RegionGroup group, DiagnosticSink& sink) {
  if (auto it = groups_.find(group.id); it != groups_.end()) {
    sink.error("duplicate-id", group.location,
               fmt::format("region group '{}' is defined twice (first at {}:{})", group.id,
                           it->second.location.file, it->second.location.line));
    return false;
  }
  std::string id = group.id;
  groups_.emplace(std::move(id), std::move(group));
  return true;
}

std::string RegionCatalog::code_for(std::string_view code_or_name) const {
  auto fold = [](std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  };
  const std::string wanted = fold(code_or_name);
  for (const auto& [id, name] : names_) {
    if (fold(id) == wanted || fold(name) == wanted) return id;
  }
  return {};
}

SourceLocation RegionCatalog::location_of(std::string_view region) const {
  auto it = regions_.find(std::string(region));
  return it == regions_.end() ? SourceLocation{} : it->second;
}

const RegionGroup* RegionCatalog::group(std::string_view id) const {
  auto it = groups_.find(std::string(id));
  return it == groups_.end() ? nullptr : &it->second;
}

void RegionCatalog::resolve(DiagnosticSink& sink) {
  flattened_.clear();
  enum class Mark { kNone, kVisiting, kDone };
  std::map<std::string, Mark> marks;
  std::function<void(const RegionGroup&)> visit = [&](const RegionGroup& g) {
    marks[g.id] = Mark::kVisiting;
    std::vector<Membership> all = g.members;
    for (const auto& [included, location] : g.include) {
      const RegionGroup* child = group(included);
      if (!child) {
        sink.error(
            "unknown-region-group", location,
            fmt::format("region group '{}' includes '{}', which is not defined", g.id, included));
        continue;
      }
      if (marks[included] == Mark::kVisiting) {
        sink.error(
            "region-group-cycle", location,
            fmt::format("region group '{}' includes '{}', which includes it back", g.id, included));
        continue;
      }
      if (marks[included] == Mark::kNone) visit(*child);
      const auto& members = flattened_[included];
      all.insert(all.end(), members.begin(), members.end());
    }
    flattened_[g.id] = std::move(all);
    marks[g.id] = Mark::kDone;
  };
  for (const auto& [id, g] : groups_) {
    if (marks[id] == Mark::kNone) visit(g);
  }
}

bool RegionCatalog::contains(std::string_view group_id, std::string_view region, Date on) const {
  auto it = flattened_.find(std::string(group_id));
  if (it == flattened_.end()) return false;
  for (const auto& m : it->second) {
    if (m.region == region && m.from <= on && (!m.until || on <= *m.until)) return true;
  }
  return false;
}

std::set<Date> RegionCatalog::breakpoints() const {
  std::set<Date> out;
  for (const auto& [id, members] : flattened_) {
    for (const auto& m : members) {
      out.insert(m.from);
      if (m.until) out.insert(Date{m.until->days + 1});
    }
  }
  return out;
}

}  // namespace flowgate
