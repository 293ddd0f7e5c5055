// flowgate_bench facts --policy DIR --out FILE: the policy's *facts* (not its rules) in a neutral
// JSON form, for the hand-written peer encodings (bench/peers/natural/): the vocabulary DAGs
// (every term with its direct parents and its ancestors, and which terms are leaves, i.e. valid
// in a query) and every region group's dated membership per region as half-open day intervals
// [from, to) (includes followed, derived groups included). The rules themselves are not
// exported: each peer states them in its own language (NOTES.md).
#include <fstream>
#include <iostream>

#include "bench.h"

namespace flowgate::bench {

int cmd_facts(Args a) {
  Loaded l = load_checked(a["--policy"]);
  const Policy& p = *l.policy;
  json out;
  for (VocabularyKind kind : {VocabularyKind::kData, VocabularyKind::kPurpose,
                              VocabularyKind::kRecipient, VocabularyKind::kFeature}) {
    const Vocabulary& v = p.vocabulary(kind);
    json terms = json::object();
    for (Vocabulary::Index i = 0; i < v.size(); ++i) {
      const Term& t = v.term(i);
      json anc = json::array();
      for (Vocabulary::Index j = 0; j < v.size(); ++j)
        if (v.is_under(i, j)) anc.push_back(v.term(j).id);
      terms[t.id] = {{"parents", t.parents}, {"ancestors", anc}, {"leaf", v.is_leaf(i)}};
    }
    out["vocabulary"][vocabulary_name(kind)] = terms;
  }
  const RegionCatalog& rc = p.regions;
  std::vector<int32_t> bps;
  for (Date d : rc.breakpoints()) bps.push_back(d.days);
  std::sort(bps.begin(), bps.end());
  // Membership can only change at a breakpoint; test one day in each segment.
  std::vector<int32_t> starts = {INT32_MIN / 2};
  for (int32_t b : bps) if (b > starts.back()) starts.push_back(b);
  constexpr int32_t kEnd = INT32_MAX / 2;
  json regions = json::array();
  for (const auto& [id, name] : rc.regions()) regions.push_back(id);
  out["regions"] = regions;
  for (const auto& [gid, g] : rc.groups()) {
    json members = json::object();
    for (const auto& [rid, name] : rc.regions()) {
      json iv = json::array();
      for (size_t s = 0; s < starts.size(); ++s) {
        int32_t lo = starts[s], hi = s + 1 < starts.size() ? starts[s + 1] : kEnd;
        if (!rc.contains(gid, rid, Date{lo})) continue;
        if (!iv.empty() && iv.back()[1] == lo)
          iv.back()[1] = hi;
        else
          iv.push_back({lo, hi});
      }
      if (!iv.empty()) members[rid] = iv;
    }
    out["groups"][gid] = members;
  }
  out["date_breakpoints"] = bps;
  std::ofstream(a["--out"]) << out.dump(1) << "\n";
  return 0;
}

}  // namespace flowgate::bench
