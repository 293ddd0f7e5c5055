// The reviewed lint baseline (lint-baseline.yaml at the policy root): the findings a reviewer has
// acknowledged, each by its fingerprint and with the reason it is accepted.
//
//   baseline:
//     - fingerprint: "contradiction:share-with-affiliates:media-stays-on-device"
//       reason: "§1.1 keeps media on the device; the deny is meant to win."
//       message: "…what the finding said when it was reviewed (informative)…"
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "analysis/lint_findings.h"

namespace flowgate {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

SourceLocation at(const std::string& file, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return {file, static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
}

}  // namespace

Baseline read_baseline(const std::string& path, const std::string& display_path,
                       DiagnosticSink& sink) {
  Baseline out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  out.exists = true;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    sink.error("baseline-syntax",
               {display_path, static_cast<uint32_t>(e.mark.line + 1),
                static_cast<uint32_t>(e.mark.column + 1)},
               e.msg);
    return out;
  }
  if (!root.IsMap() || !root["baseline"]) {
    sink.error("baseline-format", {display_path, 1, 1},
               "the baseline must be a mapping with a `baseline:` list",
               "run `flowgate lint --update-baseline` to write one");
    return out;
  }
  YAML::Node list = root["baseline"];
  if (list.IsNull()) return out;
  if (!list.IsSequence()) {
    sink.error("baseline-format", at(display_path, list), "`baseline` must be a list of entries");
    return out;
  }
  std::set<std::string> seen;
  for (const YAML::Node& entry : list) {
    if (!entry.IsMap()) {
      sink.error("baseline-format", at(display_path, entry),
                 "each baseline entry is a mapping with `fingerprint` and `reason`");
      continue;
    }
    BaselineEntry e;
    e.line = static_cast<uint32_t>(entry.Mark().line + 1);
    bool ok = true;
    for (const auto& kv : entry) {
      std::string key = kv.first.as<std::string>("");
      if (!kv.second.IsScalar()) {
        sink.error("baseline-format", at(display_path, kv.second),
                   fmt::format("`{}` must be a string", key));
        ok = false;
        continue;
      }
      std::string value = kv.second.as<std::string>("");
      if (key == "fingerprint") {
        e.fingerprint = value;
      } else if (key == "reason") {
        e.reason = value;
      } else if (key == "message") {
        e.message = value;
      } else {
        sink.error("baseline-format", at(display_path, kv.first),
                   fmt::format("unknown key '{}' in a baseline entry", key),
                   "entries take fingerprint, reason and message");
        ok = false;
      }
    }
    if (e.fingerprint.empty()) {
      sink.error("baseline-format", at(display_path, entry),
                 "baseline entry without a fingerprint");
      ok = false;
    }
    if (e.reason.empty() || e.reason.find_first_not_of(" \t") == std::string::npos) {
      sink.error("baseline-reason", at(display_path, entry),
                 fmt::format("baseline entry '{}' has no reason", e.fingerprint),
                 "every acknowledged finding needs the reviewer's reason for accepting it");
      ok = false;
    }
    if (!e.fingerprint.empty() && !seen.insert(e.fingerprint).second) {
      sink.error("baseline-duplicate", at(display_path, entry),
                 fmt::format("fingerprint '{}' is listed twice", e.fingerprint));
      ok = false;
    }
    if (ok) out.entries.push_back(std::move(e));
  }
  return out;
}

BaselineMatch match_baseline(const Baseline& baseline,
                             const std::vector<std::string>& fingerprints) {
  std::map<std::string, const BaselineEntry*> by_fingerprint;
  for (const auto& e : baseline.entries) by_fingerprint[e.fingerprint] = &e;
  BaselineMatch out;
  std::set<std::string> matched;
  for (const auto& fingerprint : fingerprints) {
    auto it = by_fingerprint.find(fingerprint);
    out.entries.push_back(it == by_fingerprint.end() ? nullptr : it->second);
    if (it != by_fingerprint.end()) matched.insert(fingerprint);
  }
  for (const auto& e : baseline.entries) {
    if (!matched.count(e.fingerprint)) out.stale.push_back(e);
  }
  return out;
}

namespace {

// Whether lint passed its analysis budget and so did not look for contradictions, dead rules or
// gaps (lint.cc).
bool partly_analysed(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.code == kAnalysisBudgetCode; });
}

}  // namespace

std::vector<BaselineEntry> apply_baseline(const Baseline& baseline,
                                          std::vector<Finding>& findings) {
  std::vector<std::string> fingerprints;
  for (const Finding& f : findings) fingerprints.push_back(f.fingerprint);
  BaselineMatch match = match_baseline(baseline, fingerprints);
  for (size_t i = 0; i < findings.size(); ++i) {
    // A policy too costly to analyse stays a failure: a baseline cannot accept it.
    if (!match.entries[i] || findings[i].code == kAnalysisBudgetCode) continue;
    findings[i].baselined = true;
    findings[i].baseline_reason = match.entries[i]->reason;
  }
  // Entries for findings that were not looked for are not stale.
  if (partly_analysed(findings)) return {};
  return match.stale;
}

Baseline updated_baseline(const Baseline& previous,
                          const std::vector<std::pair<std::string, std::string>>& findings) {
  std::map<std::string, std::string> reasons;
  for (const auto& e : previous.entries) reasons[e.fingerprint] = e.reason;
  Baseline out;
  out.exists = true;
  std::set<std::string> seen;
  for (const auto& [fingerprint, message] : findings) {
    if (!seen.insert(fingerprint).second) continue;
    auto it = reasons.find(fingerprint);
    out.entries.push_back(
        {fingerprint, it == reasons.end() ? kBaselineTodo : it->second, message, 0});
  }
  return out;
}

Baseline updated_baseline(const Baseline& previous, const std::vector<Finding>& findings,
                          Severity threshold) {
  // Writing a baseline from a partial analysis would drop the reviewed entries of the findings
  // it did not look for: the previous baseline stays as it is.
  if (partly_analysed(findings)) {
    Baseline kept = previous;
    kept.exists = true;
    return kept;
  }
  std::vector<std::pair<std::string, std::string>> listed;
  for (const Finding& f : findings) {
    if (at_or_above(f.severity, threshold)) listed.emplace_back(f.fingerprint, f.message);
  }
  return updated_baseline(previous, listed);
}

bool write_baseline(const Baseline& baseline, const std::string& path, std::string& error,
                    const std::string& header) {
  std::ostringstream text;
  // An editor's schema line (`# yaml-language-server: $schema=…`, docs/editing-rules.md) at the
  // top of the file being replaced stays at the top.
  {
    std::ifstream previous(path, std::ios::binary);
    std::string first;
    if (previous && std::getline(previous, first) &&
        first.rfind("# yaml-language-server:", 0) == 0 &&
        header.find("yaml-language-server:") == std::string::npos) {
      text << first << "\n";
    }
  }
  if (header.empty()) {
    text << "# flowgate lint baseline: findings a reviewer has acknowledged, each with the "
            "reason.\n"
            "# `flowgate lint` fails only on findings not listed here. Fingerprints are the "
            "finding's\n"
            "# code and the ids of the statements involved (never line numbers). Written by\n"
            "# `flowgate lint --update-baseline`, which keeps existing reasons; replace every\n"
            "# \"TODO: review\" with the real reason.\n";
  } else {
    text << header;
  }
  text << "baseline:\n";
  for (const auto& e : baseline.entries) {
    text << "  - fingerprint: " << quoted(e.fingerprint) << "\n"
         << "    reason: " << quoted(e.reason) << "\n";
    if (!e.message.empty()) text << "    message: " << quoted(e.message) << "\n";
  }
  std::string temp = path + ".tmp";
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    file << text.str();
    file.flush();
    if (!file) {
      error = fmt::format("cannot write {}", temp);
      std::remove(temp.c_str());
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    error = fmt::format("cannot replace {}: {}", path, ec.message());
    std::remove(temp.c_str());
    return false;
  }
  return true;
}

}  // namespace flowgate
