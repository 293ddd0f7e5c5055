// libFuzzer target for the loader: bytes → one policy YAML file → the model → check_policy.
//
// Default mode (in-process, fast): the input goes through the same steps load_policy takes for one
// file — find_text_problem (what read_source_file checks), SourceFile, parse_yaml, the top-level
// dispatch to the section readers (sections.h) — in the context of the shipped policy, whose files
// are read and parsed once at start-up and replayed into a fresh LoadState per input. The model is
// then assembled as load_policy does (vocabulary DAGs, derived US groups, region catalog, policy
// text) and check_policy runs over it, so conditions, references, quotes and citations written in
// the fuzzed file are checked too. Diagnostics are rendered (text and JSON) to exercise locations.
//
// The input is read as a file under rules/ (rules/zz-fuzz.yaml) unless its top level holds a
// jurisdictions/ key (jurisdiction, regions, region_groups, digital_consent_ages), in which case it
// is read as jurisdictions/zz-fuzz.yaml, or 'inventory', as data_inventory.yaml (replacing the
// shipped one).
//
// FLOWGATE_FUZZ_FULL_LOAD=1 (environment) switches to the slow, fully faithful path: the bytes are
// written to rules/zz-fuzz.yaml in a scratch copy of the shipped policy made once at start-up, and
// flowgate::load_policy + flowgate::check_policy run on that folder.
//
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostic/source_file.h"
#include "flowgate/diagnostic.h"
#include "flowgate/toolchain.h"
#include "load/fields.h"
#include "load/sections.h"
#include "load/yaml_tree.h"
#include "model/policy.h"

#ifndef FLOWGATE_FUZZ_POLICY_DIR
#error "FLOWGATE_FUZZ_POLICY_DIR must name the shipped policy folder"
#endif

namespace fs = std::filesystem;
using namespace flowgate;

namespace {

// The size budget load_policy applies per file (LoadOptions::max_file_bytes).
constexpr size_t kMaxFileBytes = LoadOptions{}.max_file_bytes;

struct CachedFile {
  Place place;
  std::unique_ptr<SourceFile> file;
  YamlNode root;
};

// The shipped policy, read once. Each input gets a fresh Policy seeded with copies of what the
// checker needs to resolve references (vocabularies, regions, region groups, jurisdiction facts
// for the derived US groups); the shipped rules, retention, rights and inventory are not re-checked
// on every run.
struct Context {
  std::vector<CachedFile> files;  // the shipped files, parsed once (their nodes stay alive)
  Policy base;                    // the shipped files' readers' output, not assembled
  std::array<std::vector<Term>, kVocabularyKinds> terms;  // as read, before build
  std::array<Vocabulary, kVocabularyKinds> vocabularies;  // built from `terms`
  std::vector<RegionGroup> region_groups;                 // as read, before add_group
  std::unique_ptr<SourceFile> text;  // the policy text, lent to each Policy in turn
  std::string scratch_dir;           // full-load mode only
  bool full_load = false;
};

Context* g_context = nullptr;

// Where a file with this top level belongs.
Place place_of(const YamlNode& root) {
  if (!root.is_map()) return Place::kRules;
  for (const char* key : {"jurisdiction", "regions", "region_groups", "digital_consent_ages"}) {
    if (root.find(key)) return Place::kJurisdictions;
  }
  if (root.find("inventory")) return Place::kInventory;
  return Place::kRules;
}

std::optional<std::string> slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "yaml_loader_fuzzer: %s\n", message.c_str());
  std::exit(2);
}

void cache_file(Context& context, const fs::path& root, const fs::path& path, Place place) {
  auto bytes = slurp(path);
  if (!bytes) die("cannot read " + path.string());
  auto file = std::make_unique<SourceFile>(path.lexically_relative(root).generic_string(),
                                           std::move(*bytes));
  DiagnosticSink sink;
  auto node = parse_yaml(*file, sink);
  if (!node) die("the shipped file " + path.string() + " does not parse");
  context.files.push_back({place, std::move(file), std::move(*node)});
}

void load_context(Context& context, const fs::path& root) {
  auto yaml_under = [](const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      auto extension = entry.path().extension();
      if ((extension == ".yaml" || extension == ".yml") && entry.is_regular_file()) {
        out.push_back(entry.path());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  for (const auto& path : yaml_under(root / "rules"))
    cache_file(context, root, path, Place::kRules);
  for (const auto& path : yaml_under(root / "jurisdictions")) {
    cache_file(context, root, path, Place::kJurisdictions);
  }
  if (fs::exists(root / "data_inventory.yaml")) {
    cache_file(context, root, root / "data_inventory.yaml", Place::kInventory);
  }

  DiagnosticSink sink;
  LoadState state{context.base, sink, {}, {}};
  for (const auto& cached : context.files) {
    read_document(cached.root, *cached.file, cached.place, state);
  }
  context.terms = state.terms;
  for (size_t k = 0; k < kVocabularyKinds; ++k) {
    context.vocabularies[k] =
        Vocabulary::build(static_cast<VocabularyKind>(k), std::move(state.terms[k]), sink);
  }
  context.region_groups = std::move(state.region_groups);
  if (sink.has_errors()) die("the shipped policy does not load cleanly");

  const PolicyInfo& info = context.base.info;
  if (info.text_path.empty()) die("the shipped policy names no policy text");
  auto text = slurp(root / "rules" / info.text_path);
  if (!text) die("cannot read the policy text " + info.text_path);
  context.text = std::make_unique<SourceFile>(("rules" / fs::path(info.text_path)).generic_string(),
                                              std::move(*text));
}

void make_scratch_copy(Context& context, const fs::path& root) {
  std::string pattern = (fs::temp_directory_path() / "flowgate-fuzz-XXXXXX").string();
  if (!mkdtemp(pattern.data())) die("mkdtemp failed");
  context.scratch_dir = pattern;
  const auto options = fs::copy_options::recursive | fs::copy_options::overwrite_existing;
  fs::copy(root / "rules", fs::path(pattern) / "rules", options);
  fs::copy(root / "jurisdictions", fs::path(pattern) / "jurisdictions", options);
  if (fs::exists(root / "data_inventory.yaml")) {
    fs::copy(root / "data_inventory.yaml", fs::path(pattern) / "data_inventory.yaml", options);
  }
  fs::permissions(fs::path(pattern) / "rules", fs::perms::owner_all, fs::perm_options::add);
  std::atexit([] {
    std::error_code ec;
    if (g_context && !g_context->scratch_dir.empty()) fs::remove_all(g_context->scratch_dir, ec);
  });
}

void render(const DiagnosticSink& sink, const Policy& policy) {
  auto sorted = sink.sorted();
  std::string text = render_text(sorted, &policy, false);
  std::string json = render_json(sorted);
  if (text.size() + json.size() == 1) std::abort();  // keep the results observable
}

int run_full_load(const uint8_t* data, size_t size) {
  const fs::path file = fs::path(g_context->scratch_dir) / "rules" / "zz-fuzz.yaml";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  DiagnosticSink sink;
  auto policy = load_policy(g_context->scratch_dir, sink);
  check_policy(*policy, sink);
  render(sink, *policy);
  return 0;
}

int run_in_process(const uint8_t* data, size_t size) {
  if (size > kMaxFileBytes) return 0;  // read_source_file refuses these before reading them
  std::string bytes(reinterpret_cast<const char*>(data), size);
  DiagnosticSink sink;
  // read_source_file: a file that is not UTF-8 text is reported and not parsed.
  if (auto problem = find_text_problem(bytes)) {
    SourceFile file("rules/zz-fuzz.yaml", std::move(bytes));
    (void)file.location(problem->offset);
    if (problem->offset >= size) std::abort();
    return 0;
  }
  auto input = std::make_unique<SourceFile>("rules/zz-fuzz.yaml", std::move(bytes));
  auto root = parse_yaml(*input, sink);

  const Context& context = *g_context;
  Policy policy;
  policy.root = "(fuzz)";
  policy.info = context.base.info;
  policy.regions = context.base.regions;  // regions as read; groups are added below
  LoadState state{policy, sink, {}, {}};
  if (root) read_document(*root, *input, place_of(*root), state);
  policy.files.push_back(std::move(input));

  bool term_cites = false;
  for (const auto& terms : state.terms) {
    for (const auto& term : terms) term_cites |= !term.citations.empty();
  }

  // Assemble the model as load_policy does, over the shipped and the fuzzed content.
  for (size_t k = 0; k < kVocabularyKinds; ++k) {
    if (state.terms[k].empty()) {
      policy.vocabularies[k] = context.vocabularies[k];
      continue;
    }
    std::vector<Term> terms = context.terms[k];
    for (auto& term : state.terms[k]) terms.push_back(std::move(term));
    policy.vocabularies[k] =
        Vocabulary::build(static_cast<VocabularyKind>(k), std::move(terms), sink);
  }
  std::vector<RegionGroup> fuzzed_groups = std::move(state.region_groups);
  state.region_groups = context.region_groups;
  for (auto& group : fuzzed_groups) state.region_groups.push_back(std::move(group));
  // The derived groups come from the shipped and the fuzzed jurisdictions together.
  std::vector<Jurisdiction> fuzzed_jurisdictions = std::move(policy.jurisdictions);
  policy.jurisdictions = context.base.jurisdictions;
  for (auto& j : fuzzed_jurisdictions) policy.jurisdictions.push_back(std::move(j));
  derive_us_groups(state);
  for (auto& group : state.region_groups) policy.regions.add_group(std::move(group), sink);
  policy.regions.resolve(sink);

  // Building the checker's index of the policy text costs more than the rest of a run, so the text
  // is lent only when the fuzzed file cites or quotes something (without it, citation and quote
  // checks are skipped, and there is nothing else for them to check).
  bool cites = term_cites;
  for (const auto& rule : policy.rules) cites |= !rule.quote.empty() || !rule.citations.empty();
  for (const auto& entry : policy.retention)
    cites |= !entry.quote.empty() || !entry.citations.empty();
  for (const auto& entry : policy.rights) cites |= !entry.quote.empty() || !entry.citations.empty();
  for (const auto& item : policy.inventory) cites |= !item.citations.empty();
  if (cites) policy.text = std::move(g_context->text);

  check_policy(policy, sink);
  render(sink, policy);
  if (cites) g_context->text = std::move(policy.text);
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_context = new Context;
  const fs::path root(FLOWGATE_FUZZ_POLICY_DIR);
  const char* full = std::getenv("FLOWGATE_FUZZ_FULL_LOAD");
  g_context->full_load = full && *full && std::string_view(full) != "0";
  if (g_context->full_load) {
    make_scratch_copy(*g_context, root);
  } else {
    load_context(*g_context, root);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return g_context->full_load ? run_full_load(data, size) : run_in_process(data, size);
}
