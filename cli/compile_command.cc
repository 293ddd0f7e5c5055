// `flowgate compile -o FILE [--sign KEY] [--serial N]`: the policy → a decision diagram → a bundle
// file stamped with a serial, written atomically, signed when a secret key is given.
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "bundle/bundle_writer.h"
#include "commands.h"
#include "compile/compiler.h"
#include "flowgate/runtime.h"
#include "flowgate/toolchain.h"
#include "model/policy.h"
#include "runtime/hex.h"

namespace flowgate::cli {
namespace {

struct CompileOptions {
  std::string policy_dir;
  std::string output;
  std::string secret_key;
  uint64_t serial = 0;
  bool serial_given = false;  // --serial, else default_serial()
  uint32_t max_format_version = EncodeOptions{}.max_format_version;
  std::string format = "text";
};

// The default serial (docs/bundle-format.md, "Serial"): SOURCE_DATE_EPOCH when the environment
// sets it (a release build pins it to the release commit's time, so the same commit compiles to
// the same bytes), else the UTC time of this compile, both in seconds since 1970-01-01.
std::optional<uint64_t> default_serial() {
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr) {
    const std::string_view text(epoch);
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0) {
      fmt::print(stderr,
                 "flowgate: error: SOURCE_DATE_EPOCH='{}' is not a positive number of seconds "
                 "(unset it, or give --serial)\n",
                 text);
      return std::nullopt;
    }
    return value;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

// The bundle's format version (the u32 after the magic).
uint32_t format_version(const std::string& bytes) {
  uint32_t version = 0;
  if (bytes.size() >= 12) std::memcpy(&version, bytes.data() + 8, 4);
  return version;
}

int run_compile(const CompileOptions& o) {
  std::string dir;
  auto policy = load_checked_policy(o.policy_dir, "no bundle written", &dir);
  if (!policy) return kExitInputError;
  const std::optional<uint64_t> serial = o.serial_given ? o.serial : default_serial();
  if (!serial) return kExitInputError;
  CompileStats stats;
  std::string bytes =
      encode_bundle(compile_policy(*policy, &stats),
                    EncodeOptions{.serial = *serial, .max_format_version = o.max_format_version});
  if (!o.secret_key.empty()) {
    SecretKey key;
    if (runtime::Status s = read_secret_key_file(o.secret_key, &key); !s.ok()) {
      fmt::print(stderr, "flowgate: error: {}\n", s.message());
      return kExitInputError;
    }
    bytes = sign_bundle(std::move(bytes), key);
  }
  if (runtime::Status s = write_file_atomically(o.output, bytes); !s.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", s.message());
    return kExitInputError;
  }
  std::unique_ptr<const runtime::Bundle> bundle;
  runtime::Status status = runtime::Bundle::load(bytes, &bundle);
  if (!status.ok()) {
    fmt::print(stderr, "flowgate: error: the written bundle does not load: {}\n", status.message());
    return kExitInputError;
  }
  auto digest = bundle->digest();
  std::string sha = runtime::to_hex(digest);
  if (o.format == "json") {
    nlohmann::ordered_json j = {{"bundle", o.output},
                                {"policy", policy->info.name},
                                {"policy_version", policy->info.version},
                                {"serial", bundle->serial()},
                                {"format_version", format_version(bytes)},
                                {"sha256", sha},
                                {"signed", bundle->is_signed()},
                                {"bytes", bytes.size()},
                                {"rules", stats.rules},
                                {"combinations", stats.combinations},
                                {"diagram_nodes", stats.diagram_nodes},
                                {"builder_nodes", stats.builder_nodes},
                                {"decisions", stats.decisions},
                                {"compile_ms", stats.milliseconds}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}: {} {} → {} ({} bytes{}, sha256 {})\n", dir, policy->info.name,
               policy->info.version, o.output, bytes.size(), bundle->is_signed() ? ", signed" : "",
               sha.substr(0, 16));
    if (bundle->serial() != 0) {
      const uint32_t version = format_version(bytes);
      fmt::print("  serial {} (format version {}{})\n", bundle->serial(), version,
                 version >= 5 ? ": 3-byte children for a diagram this large; runtimes before "
                                "version 5 refuse it, and --max-format-version 4 writes one "
                                "they read"
                              : "");
    } else {
      fmt::print(
          "  no serial (format version {}: runtimes before version 4 read it; a holder "
          "running a serialled bundle refuses it as a downgrade)\n",
          format_version(bytes));
    }
    fmt::print(
        "  {} rules, {} distinct combinations, {} diagram nodes ({} built), {} decision "
        "records, compiled in {:.1f} ms\n",
        stats.rules, stats.combinations, stats.diagram_nodes, stats.builder_nodes, stats.decisions,
        stats.milliseconds);
  }
  return kExitClean;
}

struct KeygenOptions {
  std::string secret_path;
  std::string public_path;
};

int run_keygen(const KeygenOptions& o) {
  if (runtime::Status s = write_key_files(generate_key_pair(), o.secret_path, o.public_path);
      !s.ok()) {
    fmt::print(stderr, "flowgate: error: {}\n", s.message());
    return kExitInputError;
  }
  fmt::print("wrote {} (secret, mode 0600) and {} (public: give it to the app)\n", o.secret_path,
             o.public_path);
  return kExitClean;
}

}  // namespace

void add_compile_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<CompileOptions>();
  CLI::App* c = app.add_subcommand("compile", "Compile the policy into a bundle the runtime loads");
  c->footer(
      "The bundle is one binary file: versioned, SHA-256 checksummed, Ed25519-signed with --sign\n"
      "(docs/bundle-format.md). It is written atomically: readers see the old file or the new.\n"
      "It carries a serial that the app's hot reload (fg_reload) requires to grow, so that an\n"
      "older signed bundle cannot be swapped back in: --serial N, else SOURCE_DATE_EPOCH, else\n"
      "the UTC time of the compile in seconds. Give each release a serial above the last one's.\n"
      "A diagram past 32,767 nodes is written with 3-byte child refs (format version 5); while\n"
      "apps still run a version-4 runtime, pass --max-format-version 4 (4-byte refs, larger).\n"
      "Examples:\n"
      "  flowgate compile -o policy.fgb\n"
      "  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) flowgate compile -o policy.fgb\n"
      "  flowgate keygen --secret release.key --public release.pub\n"
      "  flowgate compile -o policy.fgb --sign release.key\n"
      "  flowgate decide --bundle policy.fgb --trusted-key release.pub < queries.jsonl");
  c->add_option("-o,--output", o->output, "Bundle file to write")->required();
  c->add_option("--sign", o->secret_key, "Secret key file (from flowgate keygen) to sign with");
  CLI::Option* serial = c->add_option(
      "--serial", o->serial,
      "The bundle's serial, above every earlier release's (default: SOURCE_DATE_EPOCH, "
      "else the UTC time in seconds); 0 writes none");
  c->add_option("--max-format-version", o->max_format_version,
                "The newest bundle format to write: 4 for runtimes that read versions 1 to 4")
      ->check(CLI::Range(4u, EncodeOptions{}.max_format_version))
      ->capture_default_str();
  c->add_option("--policy", o->policy_dir, "Policy folder (default: found from here upward)");
  c->add_option("--format", o->format, "Report format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  c->callback([o, serial, &exit_code] {
    o->serial_given = serial->count() > 0;
    exit_code = run_compile(*o);
  });

  auto k = std::make_shared<KeygenOptions>();
  CLI::App* g = app.add_subcommand("keygen", "Make an Ed25519 key pair for signing bundles");
  g->add_option("--secret", k->secret_path, "Secret key file to write (mode 0600)")->required();
  g->add_option("--public", k->public_path, "Public key file to write")->required();
  g->callback([k, &exit_code] { exit_code = run_keygen(*k); });
}

}  // namespace flowgate::cli
