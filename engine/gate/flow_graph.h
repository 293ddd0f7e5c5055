// build_flow_graph: the data-flow graph (Boost Graph) over the inventory and the SDK manifests —
// data item → component (the app, then an SDK inside it) → recipient → region, with the onward
// transfers a vendor declares as further recipient hops — and every path by which a data category
// can leave the device, multi-hop included, each with the policy's verdict. A path fails when one
// of its hops reaches a recipient or region the policy forbids for every subject class.
// to_dot renders the graph for `flowgate map`, coloured by verdict.
#pragma once

#include <string>
#include <vector>

#include "gate/gate_check.h"

namespace flowgate {

enum class PathVerdict {
  kAllowed,      // every hop allowed for every subject class
  kConditional,  // allowed for some subjects; the runtime check decides for the others
  kForbidden,    // some hop is denied for every subject class (or not disclosed at all)
};
const char* path_verdict_name(PathVerdict v);

struct FlowVertex {
  enum class Kind { kData, kComponent, kRecipient, kRegion } kind = Kind::kData;
  std::string id;     // data id, component name, recipient id, region id
  std::string owner;  // recipients: the component whose flows reach it
};

struct FlowPath {
  std::vector<size_t> vertices;  // data … region
  std::string data;
  std::string purpose;
  PathVerdict verdict = PathVerdict::kAllowed;
  std::string why;  // for a forbidden hop: which and by what
  // Where the path starts: the component it leaves the app through, and the manifest entry or
  // inventory flow that declares its first hop.
  std::string component;
  SourceLocation origin;
  // A forbidden path: the hop that forbids it, and the rules to blame (blame_rules).
  std::string hop_recipient;
  std::string hop_region;
  bool onward_hop = false;  // the forbidden hop is a vendor's onward transfer, not the declared one
  std::vector<std::string> rules;
};

struct FlowGraphLimits {
  size_t max_depth = 16;
  size_t max_paths = 100'000;
};

struct FlowGraph {
  std::vector<FlowVertex> vertices;
  struct Edge {
    size_t from = 0, to = 0;
    PathVerdict verdict = PathVerdict::kAllowed;  // worst over the paths through it
    bool used = false;
  };
  std::vector<Edge> edges;
  std::vector<FlowPath> paths;
  bool truncated = false;                            // a limit was hit; `paths` is incomplete
  std::string describe(const FlowPath& path) const;  // "photos → app → adjust → … → US"
};

// Builds the graph from the components (transmit flows only: collect stays on the device; not the
// alternative readings run_gate marked, so pass GateReport::components) and
// enumerates its paths with a depth-first search, deciding each hop for the subject classes.
FlowGraph build_flow_graph(const Policy& policy, const std::vector<Component>& components,
                           Date as_of, const std::vector<SubjectClass>& subjects,
                           const FlowGraphLimits& limits = {});

// Findings for forbidden paths (rule gate-path-forbidden), each at the path's origin.
std::vector<GateFinding> path_findings(const FlowGraph& graph);

// Graphviz DOT: data items as notes, components as boxes, recipients as ellipses, regions as
// hexagons; edges green (allowed), orange (conditional), red (forbidden).
std::string to_dot(const FlowGraph& graph, const std::string& title);

}  // namespace flowgate
