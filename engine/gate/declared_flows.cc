// Builders of Component: Apple manifest (+ mapping), SDK manifest, inventory, app manifest.
#include "gate/declared_flows.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "gate/sdk_discovery.h"

namespace flowgate {
namespace {

// Readings of Apple's entries: each (type, purpose) pair is one entry; its readings are our
// (data, purpose) pairs, or one unmapped flow saying why there is none.
void add_apple_entries(const AppleManifest& manifest, const AppleMapping& mapping, Component& c,
                       const std::string* recipient, const std::vector<std::string>& destinations) {
  for (const auto& collected : manifest.collected) {
    if (collected.tracking) {
      c.tracking = true;
      if (c.tracking_location.line == 0) c.tracking_location = collected.location;
    }
    auto type = mapping.data_types.find(collected.type);
    if (type == mapping.data_types.end()) {
      c.findings.push_back({"gate-unknown-apple-type", Severity::kError,
                            fmt::format("'{}' is not a data type Apple documents; the gate cannot "
                                        "tell what it is, so it is treated as undisclosed",
                                        collected.type),
                            collected.location, c.name});
    }
    std::vector<std::string> purposes = collected.purposes;
    if (purposes.empty()) {
      c.findings.push_back({"gate-no-purpose", Severity::kWarning,
                            fmt::format("'{}' is declared with no purpose", collected.type),
                            collected.location, c.name});
    }
    for (const auto& apple_purpose : purposes) {
      size_t entry = c.entries.size();
      c.entries.push_back(fmt::format("{} for {}{}", short_apple_name(collected.type),
                                      short_apple_name(apple_purpose),
                                      collected.tracking ? " (tracking)" : ""));
      auto purpose = mapping.purposes.find(apple_purpose);
      DeclaredFlow base;
      base.entry = entry;
      base.location = collected.location;
      if (type == mapping.data_types.end()) {
        base.unmapped = fmt::format("'{}' is not a documented Apple data type", collected.type);
      } else if (type->second.ours.empty()) {
        base.unmapped = fmt::format("{} has no counterpart in the policy: {}",
                                    short_apple_name(collected.type), type->second.none_reason);
      } else if (purpose == mapping.purposes.end()) {
        base.unmapped = fmt::format("'{}' is not a documented Apple purpose", apple_purpose);
      } else if (purpose->second.ours.empty()) {
        base.unmapped = fmt::format("the purpose {} has no counterpart in the policy: {}",
                                    short_apple_name(apple_purpose), purpose->second.none_reason);
      }
      if (!base.unmapped.empty()) {
        c.flows.push_back(base);
        continue;
      }
      const std::string& to = recipient ? *recipient : purpose->second.recipient;
      for (const auto& data : type->second.ours) {
        for (const auto& ours : purpose->second.ours) {
          for (const auto& destination : destinations) {
            DeclaredFlow flow = base;
            flow.data = data;
            flow.purpose = ours;
            flow.recipient = to;
            flow.destination = destination;
            c.flows.push_back(flow);
          }
        }
      }
    }
  }
  if (manifest.tracking.value_or(false)) {
    c.tracking = true;
    c.tracking_location = manifest.tracking_location;
  }
  for (size_t i = 0; i < manifest.tracking_domains.size(); ++i) {
    c.tracking_domains.push_back(manifest.tracking_domains[i]);
    c.tracking_domain_locations.push_back(i < manifest.tracking_domain_locations.size()
                                              ? manifest.tracking_domain_locations[i]
                                              : SourceLocation{manifest.path, 0, 0});
  }
}

}  // namespace

const char* component_kind_name(Component::Kind kind) {
  switch (kind) {
    case Component::Kind::kAppleManifest:
      return "apple-manifest";
    case Component::Kind::kSdkManifest:
      return "sdk-manifest";
    case Component::Kind::kInventory:
      return "inventory";
    case Component::Kind::kAppManifest:
      return "app-manifest";
  }
  return "?";
}

std::string short_apple_name(const std::string& name) {
  for (std::string_view prefix :
       {"NSPrivacyCollectedDataTypePurpose", "NSPrivacyCollectedDataType"}) {
    if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size()) {
      return name.substr(prefix.size());
    }
  }
  return name;
}

Component component_from_apple(const AppleManifest& manifest, const AppleMapping& mapping,
                               const std::string& name) {
  Component c;
  c.kind = Component::Kind::kAppleManifest;
  c.name = name;
  c.path = manifest.path;
  add_apple_entries(manifest, mapping, c, nullptr, {mapping.default_destination});
  return c;
}

Component component_from_sdk(const SdkManifest& sdk, const AppleManifest* apple,
                             const AppleMapping& mapping) {
  Component c;
  c.kind = Component::Kind::kSdkManifest;
  c.name = sdk.sdk;
  c.vendor = sdk.vendor;
  c.path = sdk.path;
  c.routed_through_runtime = sdk.routed_through_runtime;
  c.onward = sdk.onward;
  std::vector<std::string> destinations;
  for (const auto& d : sdk.destinations) destinations.push_back(d.id);
  if (destinations.empty()) destinations.push_back(mapping.default_destination);
  if (apple) add_apple_entries(*apple, mapping, c, &sdk.recipient.id, destinations);
  for (const auto& data : sdk.data) {
    for (const auto& purpose : sdk.purposes) {
      size_t entry = c.entries.size();
      c.entries.push_back(fmt::format("{} for {}", data.id, purpose.id));
      for (const auto& destination : destinations) {
        DeclaredFlow flow;
        flow.data = data.id;
        flow.purpose = purpose.id;
        flow.recipient = sdk.recipient.id;
        flow.destination = destination;
        flow.entry = entry;
        flow.location = data.location;
        c.flows.push_back(flow);
      }
    }
  }
  if (sdk.tracking) c.tracking = *sdk.tracking || c.tracking;
  if (c.tracking && c.tracking_location.line == 0) c.tracking_location = sdk.location;
  for (const auto& domain : sdk.tracking_domains) {
    c.tracking_domains.push_back(domain);
    c.tracking_domain_locations.push_back(sdk.location);
  }
  return c;
}

Component component_from_inventory(const Policy& policy) {
  Component c;
  c.kind = Component::Kind::kInventory;
  c.name = "app";
  c.vendor = policy.info.name;
  c.path = "data_inventory.yaml";
  c.routed_through_runtime = true;  // docs/design.md: the pipelines ask before every flow
  for (const auto& item : policy.inventory) {
    for (const auto& f : item.flows) {
      size_t entry = c.entries.size();
      c.entries.push_back(fmt::format("{}: {} {} for {} to {} in {}", item.id,
                                      action_name(f.action), item.data.id, f.purpose.id,
                                      f.recipient.id, f.destination.id));
      DeclaredFlow flow;
      flow.data = item.data.id;
      flow.purpose = f.purpose.id;
      flow.recipient = f.recipient.id;
      flow.destination = f.destination.id;
      flow.action = f.action;
      flow.entry = entry;
      flow.location = f.location;
      c.flows.push_back(flow);
    }
  }
  return c;
}

Component component_from_app_manifest(const AppleManifest& manifest, const AppleMapping& mapping,
                                      const Policy& policy) {
  Component c;
  c.kind = Component::Kind::kAppManifest;
  c.name = "app";
  c.vendor = policy.info.name;
  c.path = manifest.path;
  c.routed_through_runtime = true;
  c.tracking = manifest.tracking.value_or(false);
  c.tracking_location = manifest.tracking_location;
  c.tracking_domains = manifest.tracking_domains;
  c.tracking_domain_locations = manifest.tracking_domain_locations;
  // Which (data, purpose) pairs the manifest declares, through the mapping.
  std::set<std::pair<std::string, std::string>> declared;
  for (const auto& collected : manifest.collected) {
    auto type = mapping.data_types.find(collected.type);
    for (const auto& apple_purpose : collected.purposes) {
      size_t entry = c.entries.size();
      c.entries.push_back(fmt::format("{} for {}", short_apple_name(collected.type),
                                      short_apple_name(apple_purpose)));
      auto purpose = mapping.purposes.find(apple_purpose);
      size_t before = c.flows.size();
      // The app's manifest is read with the mapping both ways: what Apple's value means to us, and
      // which of our ids the emitter declares as it.
      auto means_data = [&](const std::string& id) {
        const auto* d = mapping.find(mapping.emit_data, id);
        if (d && d->store == collected.type) return true;
        if (type == mapping.data_types.end()) return false;
        const auto& ours = type->second.ours;
        return std::find(ours.begin(), ours.end(), id) != ours.end();
      };
      auto means_purpose = [&](const std::string& id) {
        const auto* p = mapping.find(mapping.emit_purposes, id);
        if (p && p->store == apple_purpose) return true;
        if (purpose == mapping.purposes.end()) return false;
        const auto& ours = purpose->second.ours;
        return std::find(ours.begin(), ours.end(), id) != ours.end();
      };
      for (const auto& item : policy.inventory) {
        if (!means_data(item.data.id)) continue;
        for (const auto& f : item.flows) {
          if (f.action != Action::kTransmit || !means_purpose(f.purpose.id)) continue;
          DeclaredFlow flow;
          flow.data = item.data.id;
          flow.purpose = f.purpose.id;
          flow.recipient = f.recipient.id;
          flow.destination = f.destination.id;
          flow.entry = entry;
          flow.location = collected.location;
          c.flows.push_back(flow);
          declared.emplace(item.data.id, f.purpose.id);
        }
      }
      if (c.flows.size() == before) {
        c.findings.push_back(
            {"gate-app-manifest-overdeclared", Severity::kWarning,
             fmt::format("the app's manifest declares {}, but no inventory flow is behind it",
                         c.entries.back()),
             collected.location, c.name});
      }
    }
  }
  for (const auto& item : policy.inventory) {
    for (const auto& f : item.flows) {
      if (f.action != Action::kTransmit) continue;
      if (declared.count({item.data.id, f.purpose.id})) continue;
      const auto* d = mapping.find(mapping.emit_data, item.data.id);
      const auto* p = mapping.find(mapping.emit_purposes, f.purpose.id);
      c.findings.push_back(
          {"gate-app-manifest-missing", Severity::kError,
           fmt::format("inventory item '{}' sends {} for {}, which the app's manifest does not "
                       "declare (expected {} for {})",
                       item.id, item.data.id, f.purpose.id, d ? d->store : "an Apple data type",
                       p ? p->store : "an Apple purpose"),
           f.location, c.name});
    }
  }
  return c;
}

std::optional<Component> read_component(const std::string& path, const Policy& policy,
                                        const AppleMapping& mapping, DiagnosticSink& sink) {
  std::filesystem::path file = path;
  if (std::filesystem::is_directory(file)) file /= "PrivacyInfo.xcprivacy";
  std::string ext = file.extension().string();
  if (ext == ".yaml" || ext == ".yml") {
    auto sdk = read_sdk_manifest(file.string(), policy, sink);
    if (!sdk) return std::nullopt;
    std::optional<AppleManifest> apple;
    if (!sdk->apple_manifest.empty()) {
      apple = read_apple_manifest(sdk->apple_manifest, sdk->apple_manifest, sink);
      if (!apple) return std::nullopt;
    }
    return component_from_sdk(*sdk, apple ? &*apple : nullptr, mapping);
  }
  auto apple = read_apple_manifest(file.string(), file.string(), sink);
  if (!apple) return std::nullopt;
  SdkIdentity identity = sdk_identity_from_path(file.string());
  Component c = component_from_apple(*apple, mapping, identity.name);
  c.package = identity.package;
  return c;
}

}  // namespace flowgate
