// discover_sdks and read_sdk_components: arguments → SDK sources → components.
#include "gate/sdk_discovery.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "analysis/lint_passes.h"

namespace flowgate {
namespace {

namespace fs = std::filesystem;

// Folders that say where a file sits in a package, not which package it is.
bool generic_folder(const std::string& name) {
  static const std::set<std::string> generic = {
      "Resources", "Resource", "Sources", "Source",     "Classes",   "Library",
      "Libraries", "Swift",    "ObjC",    "Frameworks", "Framework", "Privacy",
      "Assets",    "Support",  "src",     "lib",        "include",   "Pods",
      "Products",  "ios",      "iOS",     "macos",      "tvos",      "watchos",
      ".",         "..",       "",        "Vendor",     "vendor",    "ThirdParty"};
  return generic.count(name) > 0;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string strip(const std::string& s, std::string_view suffix) {
  return ends_with(s, suffix) ? s.substr(0, s.size() - suffix.size()) : s;
}

// The path as shown to people and written into reports: relative to the current folder when it
// lies below it, with forward slashes.
std::string display_path(const fs::path& p) {
  fs::path normal = p.lexically_normal();
  if (normal.is_absolute()) {
    std::error_code ec;
    fs::path cwd = fs::current_path(ec);
    if (!ec) {
      fs::path rel = normal.lexically_relative(cwd);
      if (!rel.empty() && *rel.begin() != "..") normal = rel;
    }
  }
  return normal.generic_string();
}

bool is_apple_manifest(const fs::path& p) {
  return p.extension() == ".xcprivacy";
}

bool is_yaml(const fs::path& p) {
  return p.extension() == ".yaml" || p.extension() == ".yml";
}

// Whether a YAML file has the SDK manifest's shape (a mapping with `sdk:`); "" when it has, else
// why not.
std::string sdk_manifest_shape(const fs::path& p, const DiscoveryLimits& limits) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) return "cannot be read";
  if (size > limits.max_yaml_bytes) return "too large for an SDK manifest";
  try {
    YAML::Node root = YAML::LoadFile(p.string());
    if (root.IsMap() && root["sdk"]) return "";
    return "YAML without `sdk:`, not an SDK manifest";
  } catch (const YAML::Exception&) {
    return "not valid YAML";
  }
}

// The package key of an xcframework slice: the path up to and including "X.xcframework".
std::string xcframework_of(const std::string& path) {
  fs::path prefix;
  std::string found;
  for (const auto& part : fs::path(path)) {
    prefix /= part;
    if (ends_with(part.string(), ".xcframework")) found = prefix.generic_string();
  }
  return found;
}

}  // namespace

SdkIdentity sdk_identity_from_path(const std::string& path) {
  std::vector<std::string> parts;
  for (const auto& part : fs::path(path).lexically_normal()) parts.push_back(part.string());
  if (parts.empty()) return {path, path};
  auto package = [&](size_t last) {  // parts[0..last] joined
    fs::path p;
    for (size_t i = 0; i <= last; ++i) p /= parts[i];
    return p.generic_string();
  };
  size_t folders = parts.size() - 1;  // the last part is the file
  // The outermost bundle that names a package: X.xcframework, then X.framework.
  for (std::string_view suffix : {".xcframework", ".framework"}) {
    for (size_t i = 0; i < folders; ++i) {
      if (ends_with(parts[i], suffix) && parts[i].size() > suffix.size()) {
        return {strip(parts[i], suffix), package(i)};
      }
    }
  }
  // CocoaPods: Pods/X/… (the last Pods folder, when X is a pod and not the Pods project's own).
  for (size_t i = folders; i-- > 0;) {
    if (parts[i] == "Pods" && i + 1 < folders && parts[i + 1] != "Target Support Files" &&
        parts[i + 1] != "Headers" && parts[i + 1] != "Local Podspecs") {
      return {parts[i + 1], package(i + 1)};
    }
  }
  // A Swift package target: Sources/X/…
  for (size_t i = folders; i-- > 0;) {
    if ((parts[i] == "Sources" || parts[i] == "Source") && i + 1 < folders &&
        !generic_folder(parts[i + 1])) {
      return {parts[i + 1], package(i + 1)};
    }
  }
  // A resource bundle: X.bundle (CocoaPods writes X_Privacy.bundle).
  for (size_t i = folders; i-- > 0;) {
    if (ends_with(parts[i], ".bundle") && parts[i].size() > 7) {
      return {strip(strip(parts[i], ".bundle"), "_Privacy"), package(i)};
    }
  }
  // The nearest folder that is not a generic one.
  for (size_t i = folders; i-- > 0;) {
    if (!generic_folder(parts[i])) return {parts[i], package(i)};
  }
  return {fs::path(path).stem().string(), path};
}

SdkDiscovery discover_sdks(const std::vector<std::string>& arguments, DiagnosticSink& sink,
                           const DiscoveryLimits& limits) {
  SdkDiscovery out;
  std::vector<std::pair<std::string, SdkSource::Kind>> found;  // display path, kind
  std::set<std::string> seen;                                  // canonical paths
  auto add = [&](const fs::path& p, SdkSource::Kind kind) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(p, ec);
    if (!seen.insert(ec ? p.string() : canonical.string()).second) return;
    found.emplace_back(display_path(p), kind);
  };
  for (const auto& argument : arguments) {
    fs::path p = argument;
    std::error_code ec;
    auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      sink.error("gate-input-missing", {argument, 0, 0}, "no such file or folder",
                 "pass PrivacyInfo.xcprivacy files, SDK manifests (.yaml) or folders holding them");
      continue;
    }
    if (fs::is_directory(status)) {
      size_t visited = 0;
      size_t skipped_yaml = 0;
      std::vector<fs::path> files;
      fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (++visited > limits.max_entries) {
          out.notes.push_back(fmt::format("{}: stopped searching after {} entries", display_path(p),
                                          limits.max_entries));
          break;
        }
        const fs::path& entry = it->path();
        std::error_code kind_ec;
        if (it->is_directory(kind_ec) && entry.filename() == ".git") {
          it.disable_recursion_pending();
          continue;
        }
        if (!it->is_regular_file(kind_ec)) continue;
        if (entry.filename() == "PrivacyInfo.xcprivacy" || is_yaml(entry)) files.push_back(entry);
      }
      if (ec) {
        sink.error("gate-input-unreadable", {display_path(p), 0, 0},
                   fmt::format("cannot search the folder: {}", ec.message()));
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        if (!is_yaml(file)) {
          add(file, SdkSource::Kind::kAppleManifest);
        } else if (sdk_manifest_shape(file, limits).empty()) {
          add(file, SdkSource::Kind::kSdkManifest);
        } else {
          ++skipped_yaml;
        }
      }
      if (files.empty()) {
        out.notes.push_back(fmt::format(
            "{}: no PrivacyInfo.xcprivacy and no SDK manifest below this folder", display_path(p)));
      }
      if (skipped_yaml > 0) {
        out.notes.push_back(
            fmt::format("{}: skipped {} YAML file{} without `sdk:` (not SDK manifests)",
                        display_path(p), skipped_yaml, skipped_yaml == 1 ? "" : "s"));
      }
      continue;
    }
    if (is_apple_manifest(p)) {
      add(p, SdkSource::Kind::kAppleManifest);
    } else if (is_yaml(p)) {
      // Named on the command line as YAML: an SDK manifest unless it is plainly something else.
      std::string why = sdk_manifest_shape(p, limits);
      if (why.empty() || why == "not valid YAML" || why == "cannot be read") {
        add(p, SdkSource::Kind::kSdkManifest);
      } else {
        out.notes.push_back(fmt::format("skipped {}: {}", display_path(p), why));
      }
    } else {
      out.notes.push_back(
          fmt::format("skipped {}: neither a privacy manifest (.xcprivacy) nor an SDK manifest "
                      "(.yaml)",
                      display_path(p)));
    }
  }
  // One source per manifest, except the slices of one xcframework, which are one.
  std::map<std::string, size_t> by_xcframework;
  for (const auto& [path, kind] : found) {
    std::string xcframework = kind == SdkSource::Kind::kAppleManifest ? xcframework_of(path) : "";
    if (!xcframework.empty()) {
      auto it = by_xcframework.find(xcframework);
      if (it != by_xcframework.end()) {
        out.sources[it->second].files.push_back(path);
        continue;
      }
      by_xcframework.emplace(xcframework, out.sources.size());
    }
    SdkSource source;
    source.kind = kind;
    SdkIdentity identity = sdk_identity_from_path(path);
    // An SDK manifest names its SDK (`sdk:`, read later); until then, its file's name.
    source.name =
        kind == SdkSource::Kind::kSdkManifest ? fs::path(path).stem().string() : identity.name;
    source.package = kind == SdkSource::Kind::kSdkManifest ? path : identity.package;
    source.files.push_back(path);
    out.sources.push_back(std::move(source));
  }
  return out;
}

namespace {

// What a manifest declares, for comparing slices: (type, purposes, linked, tracking) per entry.
using Declaration = std::tuple<std::string, std::vector<std::string>, bool, bool>;

std::set<Declaration> declarations(const AppleManifest& m) {
  std::set<Declaration> out;
  for (const auto& c : m.collected) out.emplace(c.type, c.purposes, c.linked, c.tracking);
  return out;
}

// What `other` declares that `base` does not, in words ("CrashData for AppFunctionality").
std::vector<std::string> only_in(const AppleManifest& other, const AppleManifest& base) {
  auto mine = declarations(base);
  std::vector<std::string> out;
  for (const auto& c : other.collected) {
    if (mine.count({c.type, c.purposes, c.linked, c.tracking})) continue;
    std::vector<std::string> purposes;
    for (const auto& p : c.purposes) purposes.push_back(short_apple_name(p));
    out.push_back(fmt::format("{} for {}", short_apple_name(c.type), fmt::join(purposes, ", ")));
  }
  if (other.tracking.value_or(false) != base.tracking.value_or(false)) {
    out.push_back(fmt::format("NSPrivacyTracking {}", other.tracking.value_or(false)));
  }
  for (const auto& d : other.tracking_domains) {
    if (std::find(base.tracking_domains.begin(), base.tracking_domains.end(), d) ==
        base.tracking_domains.end()) {
      out.push_back("tracking domain " + d);
    }
  }
  return out;
}

// The slices of one xcframework as one manifest: the first slice, with whatever the others declare
// besides; a finding for each slice that differs.
std::optional<Component> read_slices(const SdkSource& source, const AppleMapping& mapping,
                                     DiagnosticSink& sink) {
  std::vector<AppleManifest> slices;
  for (const auto& file : source.files) {
    if (auto m = read_apple_manifest(file, file, sink)) slices.push_back(std::move(*m));
  }
  if (slices.empty()) return std::nullopt;
  AppleManifest merged = slices.front();
  std::vector<GateFinding> findings;
  for (size_t i = 1; i < slices.size(); ++i) {
    auto extra = only_in(slices[i], slices.front());
    auto missing = only_in(slices.front(), slices[i]);
    if (extra.empty() && missing.empty()) continue;
    std::string text;
    if (!extra.empty()) text += fmt::format("declares {} besides", lint::abbreviate(extra, 4));
    if (!missing.empty()) {
      text += fmt::format("{}lacks {}", text.empty() ? "" : " and ", lint::abbreviate(missing, 4));
    }
    GateFinding f("gate-slices-disagree", Severity::kWarning,
                  fmt::format("this slice of {} {} compared with {}; the gate takes the union",
                              source.package, text, source.files.front()),
                  {slices[i].path, 1, 1}, source.name);
    f.entry = source.files[i];
    findings.push_back(std::move(f));
    auto mine = declarations(merged);
    for (const auto& c : slices[i].collected) {
      if (!mine.count({c.type, c.purposes, c.linked, c.tracking})) merged.collected.push_back(c);
    }
    if (slices[i].tracking.value_or(false) && !merged.tracking.value_or(false)) {
      merged.tracking = true;
      merged.tracking_location = slices[i].tracking_location;
    }
  }
  Component c = component_from_apple(merged, mapping, source.name);
  for (auto& f : findings) c.findings.push_back(std::move(f));
  return c;
}

}  // namespace

std::vector<Component> read_sdk_components(const SdkDiscovery& discovery, const Policy& policy,
                                           const AppleMapping& mapping, DiagnosticSink& sink) {
  struct Read {
    Component component;
    std::string package;
  };
  std::vector<Read> read;
  std::set<std::string> named_by_sdk_manifests;  // Apple manifests an SDK manifest covers
  for (const auto& source : discovery.sources) {
    if (source.kind != SdkSource::Kind::kSdkManifest) continue;
    auto c = read_component(source.files.front(), policy, mapping, sink);
    if (!c) continue;
    read.push_back({std::move(*c), source.package});
  }
  for (const auto& r : read) {
    for (const auto& flow : r.component.flows) {
      if (!flow.location.file.empty() && flow.location.file != r.component.path) {
        std::error_code ec;
        named_by_sdk_manifests.insert(fs::weakly_canonical(flow.location.file, ec).string());
      }
    }
  }
  for (const auto& source : discovery.sources) {
    if (source.kind != SdkSource::Kind::kAppleManifest) continue;
    std::error_code ec;
    if (named_by_sdk_manifests.count(fs::weakly_canonical(source.files.front(), ec).string())) {
      continue;
    }
    if (auto c = read_slices(source, mapping, sink)) {
      c->package = source.package;
      read.push_back({std::move(*c), source.package});
    }
  }
  // One name, two packages: both keep the name, each with its package beside it.
  std::map<std::string, std::set<std::string>> packages;
  for (const auto& r : read) packages[r.component.name].insert(r.package);
  std::vector<Component> out;
  for (auto& r : read) {
    if (packages[r.component.name].size() > 1) {
      r.component.name = fmt::format("{} ({})", r.component.name, r.package);
      for (auto& f : r.component.findings) f.component = r.component.name;
    }
    if (r.component.package.empty()) r.component.package = r.package;
    out.push_back(std::move(r.component));
  }
  return out;
}

}  // namespace flowgate
