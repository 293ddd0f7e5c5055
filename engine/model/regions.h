// RegionCatalog: the region ids a policy may name (ISO 3166-1 alpha-2 countries, ISO 3166-2:US
// states) and the region groups over them, whose membership starts and ends on dates, so
// "is DE in EU_EEA on 2026-11-29?" has one answer. Groups may include other groups; include
// cycles are reported when the catalog is built.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/diagnostic.h"
#include "model/calendar.h"

namespace flowgate {

struct Membership {
  std::string region;
  Date from;
  std::optional<Date> until;  // last day of membership, inclusive
  std::string source;
  SourceLocation location;
};

struct RegionGroup {
  std::string id;
  std::string description;
  std::string source;
  SourceLocation location;
  std::vector<Membership> members;
  std::vector<std::pair<std::string, SourceLocation>> include;
  bool derived = false;  // computed from jurisdiction facts, not written by hand
};

class RegionCatalog {
 public:
  void add_region(std::string id, std::string name, SourceLocation location);
  // Returns false (and reports) when the id is already taken.
  bool add_group(RegionGroup group, DiagnosticSink& sink);

  bool is_region(std::string_view id) const { return regions_.count(std::string(id)) > 0; }
  const RegionGroup* group(std::string_view id) const;
  const std::map<std::string, RegionGroup>& groups() const { return groups_; }
  const std::map<std::string, std::string>& regions() const { return names_; }
  // Where a region is defined; an empty location for an unknown id.
  SourceLocation location_of(std::string_view region) const;
  // The ISO code of the region whose code or name this is, ignoring case ("Japan", "jp" → JP);
  // empty when none is.
  std::string code_for(std::string_view code_or_name) const;

  // Resolves includes (reporting unknown groups and include cycles); call once after adding.
  void resolve(DiagnosticSink& sink);
  // Membership on a date, includes followed.
  bool contains(std::string_view group, std::string_view region, Date on) const;
  // Every date on which some group's membership changes: the date classes conditions can see.
  std::set<Date> breakpoints() const;

 private:
  std::map<std::string, std::string> names_;
  std::map<std::string, SourceLocation> regions_;
  std::map<std::string, RegionGroup> groups_;
  std::map<std::string, std::vector<Membership>> flattened_;
};

}  // namespace flowgate
