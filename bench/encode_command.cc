// flowgate_bench encode --policy DIR --out FILE --classes-out FILE: the compiled policy in a
// neutral form for the peers' generators (bench/peers/gen_encodings.mjs).
//
// Every path of the diagram to an allow leaf is one peer rule: a conjunction, per variable the
// path tests, of "the query's field is among these values", with the classes expanded back into
// the ids, regions, date intervals and age intervals they stand for. Values a node sends to the
// same child form one edge, so a rule is as general as the diagram allows. What it cannot carry
// (obligations, legal bases, citations of the decision record) is in peers/NOTES.md. FILE holds
// the rules; the classes file maps region ids to the region and destination classes they use.
#include <fstream>
#include <iostream>

#include "bench.h"
#include "compile/compiler.h"

namespace flowgate::bench {
namespace {

struct Constraint {
  VariableKind kind;
  uint32_t bit = 0;
  std::vector<uint32_t> values;  // class values
};

void allow_paths(const CompiledPolicy& c, uint32_t ref, std::vector<Constraint>& path,
                 std::vector<std::vector<Constraint>>& out) {
  if (ref & CompiledPolicy::kLeaf) {
    if (c.decisions[ref & ~CompiledPolicy::kLeaf].allow) out.push_back(path);
    return;
  }
  const DiagramNode& node = c.nodes[ref];
  const Variable& var = c.variables[node.variable];
  std::map<uint32_t, std::vector<uint32_t>> by_child;
  std::vector<uint32_t> order;
  for (uint32_t v = 0; v < var.domain; ++v) {
    uint32_t child = c.children[node.first_child + v];
    if (!by_child.count(child)) order.push_back(child);
    by_child[child].push_back(v);
  }
  for (uint32_t child : order) {
    path.push_back({var.kind, var.bit, by_child[child]});
    allow_paths(c, child, path, out);
    path.pop_back();
  }
}

// [lo, hi) intervals of a class set over sorted thresholds: class k covers [t[k-1], t[k]).
std::vector<std::pair<int64_t, int64_t>> intervals(const std::vector<uint32_t>& classes,
                                                   const std::vector<int32_t>& t, int64_t lo_all,
                                                   int64_t hi_all) {
  std::vector<std::pair<int64_t, int64_t>> r;
  for (uint32_t k : classes) {
    int64_t lo = k == 0 ? lo_all : t[k - 1];
    int64_t hi = k == t.size() ? hi_all : t[k];
    if (!r.empty() && r.back().second == lo)
      r.back().second = hi;
    else
      r.push_back({lo, hi});
  }
  return r;
}

// One rule in a neutral form: the peers' generators read this.
json constraint_json(const CompiledPolicy& c, const Constraint& k) {
  json j;
  auto ids = [&](const std::vector<std::string>& table) {
    json a = json::array();
    for (uint32_t v : k.values) a.push_back(table[v]);
    return a;
  };
  switch (k.kind) {
    case VariableKind::kData:
      j = {{"field", "data"}, {"in", ids(c.data_ids)}};
      break;
    case VariableKind::kPurpose:
      j = {{"field", "purpose"}, {"in", ids(c.purpose_ids)}};
      break;
    case VariableKind::kRecipient:
      j = {{"field", "recipient"}, {"in", ids(c.recipient_ids)}};
      break;
    case VariableKind::kAction: {
      json a = json::array();
      for (uint32_t v : k.values) a.push_back(v ? "transmit" : "collect");
      j = {{"field", "action"}, {"in", a}};
      break;
    }
    case VariableKind::kDestination:
    case VariableKind::kRegion: {
      // Region classes (the regions no rule tells apart); the classes file maps ids to them.
      bool dest = k.kind == VariableKind::kDestination;
      json a = json::array();
      for (uint32_t v : k.values) a.push_back((dest ? "d" : "r") + std::to_string(v));
      j = {{"field", dest ? "destination_class" : "region_class"}, {"in", a}};
      break;
    }
    case VariableKind::kDate: {
      json a = json::array();
      for (auto [lo, hi] : intervals(k.values, c.date_breakpoints, -1000000, 1000000))
        a.push_back({lo, hi});
      j = {{"field", "as_of_days"}, {"ranges", a}};
      break;
    }
    case VariableKind::kAge: {
      bool unknown = false;
      std::vector<uint32_t> bands;
      for (uint32_t v : k.values) {
        if (v == 0)
          unknown = true;
        else
          bands.push_back(v - 1);
      }
      json a = json::array();
      for (auto [lo, hi] : intervals(bands, c.age_thresholds, 0, 1000)) a.push_back({lo, hi});
      j = {{"field", "age"}, {"ranges", a}, {"unknown", unknown}};
      break;
    }
    case VariableKind::kBit: {
      const Bit& b = c.bits[k.bit];
      static const char* kinds[] = {"gpc", "ads_personalization", "consent_for_purpose", "consent",
                                    "feature"};
      j = {{"field", "signal"},
           {"signal", kinds[int(b.kind)]},
           {"id", b.id},
           {"value", k.values.at(0) == 1}};
      break;
    }
  }
  return j;
}

// The region → class and destination → class maps the peers look ids up in.
json classes_json(const CompiledPolicy& c) {
  json classes = {{"regions", json::object()}, {"destinations", json::object()}};
  for (size_t r = 0; r < c.region_ids.size(); ++r) {
    classes["regions"][c.region_ids[r]] = "r" + std::to_string(c.region_class[r]);
    classes["destinations"][c.region_ids[r]] = "d" + std::to_string(c.destination_class[r]);
  }
  classes["destinations"]["device"] = "d" + std::to_string(c.device_destination_class);
  return classes;
}

}  // namespace

int cmd_encode(Args a) {
  Loaded loaded = load_checked(a["--policy"]);
  CompiledPolicy c = compile_policy(*loaded.policy);
  std::vector<std::vector<Constraint>> paths;
  std::vector<Constraint> path;
  allow_paths(c, c.root, path, paths);
  json rules = json::array();
  for (auto& p : paths) {
    json r = json::array();
    for (auto& k : p) r.push_back(constraint_json(c, k));
    rules.push_back(r);
  }
  json out = {{"policy", c.policy_name},
              {"version", c.policy_version},
              {"diagram_nodes", c.nodes.size()},
              {"allow_rules", rules}};
  std::ofstream(a["--out"]) << out.dump() << "\n";
  std::ofstream(a["--classes-out"]) << classes_json(c).dump(1) << "\n";
  std::cerr << "encode: " << paths.size() << " allow paths from " << c.nodes.size() << " nodes\n";
  return 0;
}

}  // namespace flowgate::bench
