// The load stage's front door: find a policy folder and load it into the model. Included by
// flowgate/toolchain.h, which adds the check stage; the loader itself includes only this header,
// so the load stage needs nothing above it (docs/design.md, "Pipeline and layering").
//
// Loading never throws on bad input: every problem becomes a diagnostic with file:line:col, and
// the returned model holds whatever could be read. Not thread-safe per Policy; separate policies
// may be loaded on separate threads.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "flowgate/diagnostic.h"

namespace flowgate {

struct Policy;

struct LoadOptions {
  size_t max_file_bytes = 1 << 20;  // per YAML file
  size_t max_files = 1000;
};

// A policy folder holds rules/ and jurisdictions/ (and data_inventory.yaml).
bool is_policy_dir(const std::string& dir);
// `start` and its parents, nearest first; nullopt when none is a policy folder.
std::optional<std::string> find_policy_dir(const std::string& start);

std::unique_ptr<Policy> load_policy(const std::string& dir, DiagnosticSink& sink,
                                    const LoadOptions& options = {});

}  // namespace flowgate
