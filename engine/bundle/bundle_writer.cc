// The bundle writer: lays a CompiledPolicy out as runtime/bundle_format.h describes, signs it with
// libsodium, and writes files atomically. The loader (runtime/bundle.cc) is the writer's check:
// encode_bundle loads what it wrote before returning it.
#include "bundle/bundle_writer.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <unordered_map>
#include <vector>

#include "flowgate/runtime.h"
#include "runtime/bundle_format.h"
#include "runtime/hex.h"
#include "runtime/sha256.h"

namespace flowgate {

namespace bf = bundle_format;

// The runtime's numbering is the compiler's.
static_assert(static_cast<uint8_t>(VariableKind::kData) == bf::kVarData &&
              static_cast<uint8_t>(VariableKind::kPurpose) == bf::kVarPurpose &&
              static_cast<uint8_t>(VariableKind::kAction) == bf::kVarAction &&
              static_cast<uint8_t>(VariableKind::kRecipient) == bf::kVarRecipient &&
              static_cast<uint8_t>(VariableKind::kDestination) == bf::kVarDestination &&
              static_cast<uint8_t>(VariableKind::kRegion) == bf::kVarRegion &&
              static_cast<uint8_t>(VariableKind::kDate) == bf::kVarDate &&
              static_cast<uint8_t>(VariableKind::kAge) == bf::kVarAge &&
              static_cast<uint8_t>(VariableKind::kBit) == bf::kVarBit);
static_assert(static_cast<uint8_t>(Bit::Kind::kGpc) == bf::kBitGpc &&
              static_cast<uint8_t>(Bit::Kind::kAdsPersonalization) == bf::kBitAdsPersonalization &&
              static_cast<uint8_t>(Bit::Kind::kConsentForPurpose) == bf::kBitConsentForPurpose &&
              static_cast<uint8_t>(Bit::Kind::kConsent) == bf::kBitConsent &&
              static_cast<uint8_t>(Bit::Kind::kFeature) == bf::kBitFeature &&
              static_cast<uint8_t>(Bit::Kind::kTcfPurposeConsent) == bf::kBitTcfPurposeConsent &&
              static_cast<uint8_t>(Bit::Kind::kTcfPurposeLegitimateInterest) ==
                  bf::kBitTcfPurposeLegitimateInterest &&
              static_cast<uint8_t>(Bit::Kind::kGppOptOut) == bf::kBitGppOptOut &&
              static_cast<uint8_t>(Bit::Kind::kTcfPresent) == bf::kBitTcfPresent &&
              static_cast<uint8_t>(Bit::Kind::kGppPresent) == bf::kBitGppPresent &&
              static_cast<uint8_t>(Bit::Kind::kParentalConsent) == bf::kBitParentalConsent);
static_assert(CompiledPolicy::kLeaf == bf::kLeaf);

namespace {

[[noreturn]] void bad(const std::string& what) {
  throw std::invalid_argument("cannot bundle the compiled policy: " + what);
}

uint32_t u32(size_t n, const char* what) {
  if (n > std::numeric_limits<uint32_t>::max()) bad(std::string(what) + " too large");
  return static_cast<uint32_t>(n);
}

class StringTable {
 public:
  uint32_t ref(const std::string& s) {
    auto [it, added] = index_.try_emplace(s, static_cast<uint32_t>(entries_.size()));
    if (added) {
      entries_.push_back({u32(data_.size(), "string data"), u32(s.size(), "a string")});
      data_ += s;
      data_ += '\0';
    }
    return it->second;
  }
  const std::vector<bf::StringEntry>& entries() const { return entries_; }
  const std::string& data() const { return data_; }

 private:
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<bf::StringEntry> entries_;
  std::string data_;
};

// The diagram with every node after the nodes it refers to. The compiler's order is kept when it
// already is so; otherwise the reachable nodes are renumbered in post-order from the root.
struct Diagram {
  std::vector<bf::NodeRecord> nodes;
  std::vector<uint32_t> children;
  uint32_t root;
};

Diagram order_bottom_up(const CompiledPolicy& p) {
  const size_t n = p.nodes.size();
  auto domain = [&](size_t node) -> uint32_t {
    const DiagramNode& d = p.nodes[node];
    if (d.variable >= p.variables.size()) {
      bad("node " + std::to_string(node) + " names variable " + std::to_string(d.variable));
    }
    const uint32_t size = p.variables[d.variable].domain;
    if (uint64_t{d.first_child} + size > p.children.size()) {
      bad("node " + std::to_string(node) + "'s children run past the children table");
    }
    return size;
  };
  auto is_node = [&](uint32_t ref) {
    if (ref & CompiledPolicy::kLeaf) return false;
    if (ref >= n) bad("a child reference names node " + std::to_string(ref));
    return true;
  };
  bool ordered = true;
  for (size_t i = 0; i < n && ordered; ++i) {
    const uint32_t size = domain(i);
    for (uint32_t k = 0; k < size; ++k) {
      const uint32_t ref = p.children[p.nodes[i].first_child + k];
      if (is_node(ref) && ref >= i) ordered = false;
    }
  }
  Diagram out;
  if (ordered) {
    is_node(p.root);  // a root naming no node throws
    for (const DiagramNode& d : p.nodes) out.nodes.push_back({d.variable, d.first_child});
    out.children = p.children;
    out.root = p.root;
    return out;
  }
  // Iterative post-order DFS; state 1 = on the stack (a revisit is a cycle), 2 = numbered.
  std::vector<uint8_t> state(n, 0);
  std::vector<uint32_t> number(n, 0);
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // node, next child
  if (is_node(p.root)) {
    stack.push_back({p.root, 0});
    state[p.root] = 1;
  }
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const uint32_t size = domain(node);
    if (next < size) {
      const uint32_t ref = p.children[p.nodes[node].first_child + next++];
      if (!is_node(ref) || state[ref] == 2) continue;
      if (state[ref] == 1) bad("the diagram has a cycle through node " + std::to_string(ref));
      state[ref] = 1;
      stack.push_back({ref, 0});
      continue;
    }
    const uint32_t me = node;
    stack.pop_back();
    number[me] = static_cast<uint32_t>(out.nodes.size());
    state[me] = 2;
    const uint32_t first = u32(out.children.size(), "children");
    for (uint32_t k = 0; k < size; ++k) {
      const uint32_t ref = p.children[p.nodes[me].first_child + k];
      out.children.push_back(ref & CompiledPolicy::kLeaf ? ref : number[ref]);
    }
    out.nodes.push_back({p.nodes[me].variable, first});
  }
  out.root = p.root & CompiledPolicy::kLeaf ? p.root : number[p.root];
  return out;
}

uint32_t bit_id(const Bit& b, StringTable& strings) {
  switch (b.kind) {
    case Bit::Kind::kConsent:
    case Bit::Kind::kFeature:
    case Bit::Kind::kGppOptOut:
      return strings.ref(b.id);
    case Bit::Kind::kTcfPurposeConsent:
    case Bit::Kind::kTcfPurposeLegitimateInterest:
      return b.tcf_purpose();  // the range is the loader's check
    case Bit::Kind::kGpc:
    case Bit::Kind::kAdsPersonalization:
    case Bit::Kind::kConsentForPurpose:
    case Bit::Kind::kTcfPresent:
    case Bit::Kind::kGppPresent:
    case Bit::Kind::kParentalConsent:
      break;
  }
  return bf::kNoString;
}

// The lowest version that holds the bundle's bits, so runtimes of the older version still load it;
// encode_bundle raises it for narrow children (3), a serial (4) and 3-byte children (5).
uint32_t format_version_of(const CompiledPolicy& p) {
  uint32_t version = bf::kOldestFormatVersion;
  for (const Bit& b : p.bits) {
    const auto kind = static_cast<uint8_t>(b.kind);
    if (kind >= bf::kBitParentalConsent) version = std::max(version, 3u);
    if (kind >= bf::kBitTcfPurposeConsent) version = std::max(version, 2u);
  }
  return version;
}

template <typename T>
std::string bytes_of(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

void put_header(std::string& bundle, const bf::Header& h) {
  std::memcpy(bundle.data(), &h, sizeof(h));
}

bf::Header get_header(const std::string& bundle) {
  if (bundle.size() < bf::kMinHeaderSize) bad("not a bundle (too short)");
  bf::Header h;
  std::memcpy(&h, bundle.data(), sizeof(h));
  if (std::memcmp(h.magic, bf::kMagic, 8) != 0) bad("not a bundle (bad magic number)");
  if (h.format_version < bf::kOldestFormatVersion || h.format_version > bf::kFormatVersion) {
    bad("bundle format version not supported");
  }
  return h;
}

void seal(std::string& bundle) {
  runtime::Sha256Digest digest = runtime::sha256(
      std::string_view(bundle).substr(bf::kDigestedFrom, bundle.size() - bf::kDigestedFrom));
  std::memcpy(bundle.data() + bf::kDigestOffset, digest.data(), digest.size());
}

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

static_assert(EncodeOptions{}.max_format_version == bf::kFormatVersion,
              "the writer writes the newest version by default");

std::string encode_bundle(const CompiledPolicy& p, ChildWidth width) {
  return encode_bundle(p, EncodeOptions{.width = width});
}

std::string encode_bundle(const CompiledPolicy& p, const EncodeOptions& options) {
  StringTable strings;
  auto id_table = [&](const std::vector<std::string>& ids) {
    std::vector<uint32_t> refs;
    for (const std::string& id : ids) refs.push_back(strings.ref(id));
    return refs;
  };
  bf::Header h{};
  std::memcpy(h.magic, bf::kMagic, 8);
  h.format_version = format_version_of(p);
  const Diagram diagram = order_bottom_up(p);
  const auto fits = [&](uint32_t limit) {
    return diagram.nodes.size() < limit && p.decisions.size() < limit;
  };
  const bool smallest = options.width == ChildWidth::kNarrowWhenPossible;
  const bool medium_allowed = options.max_format_version >= bf::kFirstMediumVersion;
  if (options.width == ChildWidth::kMedium && !medium_allowed)
    bad("3-byte children need format version 5");
  if (smallest && fits(bf::kLeaf16)) {
    h.flags |= bf::kFlagNarrowChildren;
    h.format_version = std::max(h.format_version, 3u);
  } else if ((smallest && options.serial != 0 && medium_allowed) ||
             options.width == ChildWidth::kMedium) {
    if (options.serial == 0) bad("3-byte children need a serial (format version 5)");
    // Past 2^23 nodes or decisions u32 refs remain, though such a bundle passes the format's
    // 64 MiB anyway (8 bytes a node record) and is refused below.
    if (fits(bf::kLeaf24)) h.flags |= bf::kFlagMediumChildren;
  }
  if (options.serial != 0) h.format_version = std::max(h.format_version, bf::kFirstSerialVersion);
  if (h.flags & bf::kFlagMediumChildren) h.format_version = bf::kFirstMediumVersion;
  const uint32_t section_count = bf::section_count(h.format_version);
  h.header_size = bf::header_size(h.format_version);
  h.section_count = section_count;
  h.policy_name = strings.ref(p.policy_name);
  h.policy_version = strings.ref(p.policy_version);
  h.unknown_id_decision = p.unknown_id_decision;
  h.device_destination_class = p.device_destination_class;
  h.region_classes = p.region_classes;
  h.destination_classes = p.destination_classes;

  std::string sections[bf::kSectionCount];
  uint32_t counts[bf::kSectionCount] = {};
  auto put = [&](bf::Section s, std::string bytes, size_t count) {
    counts[s] = u32(count, bf::kSectionName[s]);
    sections[s] = std::move(bytes);
  };
  put(bf::kDataIds, bytes_of(id_table(p.data_ids)), p.data_ids.size());
  put(bf::kPurposeIds, bytes_of(id_table(p.purpose_ids)), p.purpose_ids.size());
  put(bf::kRecipientIds, bytes_of(id_table(p.recipient_ids)), p.recipient_ids.size());
  put(bf::kFeatureIds, bytes_of(id_table(p.feature_ids)), p.feature_ids.size());
  put(bf::kRegionIds, bytes_of(id_table(p.region_ids)), p.region_ids.size());
  put(bf::kRegionClass, bytes_of(p.region_class), p.region_class.size());
  put(bf::kDestinationClass, bytes_of(p.destination_class), p.destination_class.size());
  put(bf::kDateBreakpoints, bytes_of(p.date_breakpoints), p.date_breakpoints.size());
  put(bf::kAgeThresholds, bytes_of(p.age_thresholds), p.age_thresholds.size());

  std::vector<bf::BitRecord> bits;
  for (const Bit& b : p.bits) {
    bf::BitRecord r{};
    r.kind = static_cast<uint8_t>(b.kind);
    r.id = bit_id(b, strings);
    bits.push_back(r);
  }
  put(bf::kBits, bytes_of(bits), bits.size());

  std::vector<bf::VariableRecord> variables;
  for (const Variable& v : p.variables) {
    bf::VariableRecord r{};
    r.kind = static_cast<uint8_t>(v.kind);
    r.bit = v.kind == VariableKind::kBit ? v.bit : 0;
    r.domain = v.domain;
    variables.push_back(r);
  }
  put(bf::kVariables, bytes_of(variables), variables.size());

  h.root = diagram.root;
  put(bf::kNodes, bytes_of(diagram.nodes), diagram.nodes.size());
  const uint32_t width = bf::element_size(bf::kChildren, h.flags);
  if (width == 4) {
    put(bf::kChildren, bytes_of(diagram.children), diagram.children.size());
  } else {
    // The leaf bit moves from kLeaf to the top bit of the narrow ref (bf::child_at's inverse).
    const uint32_t leaf = 1u << (8 * width - 1);
    std::string narrow;
    narrow.reserve(diagram.children.size() * width);
    for (uint32_t ref : diagram.children) {
      // A node or decision index that does not fit would alias another: a compiler bug.
      if ((ref & ~CompiledPolicy::kLeaf) >= leaf) bad("a child ref does not fit its width");
      if (ref & CompiledPolicy::kLeaf) ref = leaf | (ref & ~CompiledPolicy::kLeaf);
      for (uint32_t b = 0; b < width; ++b) narrow.push_back(static_cast<char>(ref >> (8 * b)));
    }
    put(bf::kChildren, std::move(narrow), diagram.children.size());
  }

  std::vector<uint32_t> lists;
  auto list = [&](const std::vector<std::string>& items) {
    bf::ListRef ref{u32(lists.size(), "string lists"), u32(items.size(), "a list")};
    for (const std::string& s : items) lists.push_back(strings.ref(s));
    return ref;
  };
  std::vector<bf::DecisionRecord> decisions;
  for (const Decision& d : p.decisions) {
    bf::DecisionRecord r{};
    r.allow = d.allow ? 1 : 0;
    r.reason = strings.ref(d.reason);
    r.obligations = list(d.obligations);
    r.legal_basis = list(d.legal_basis);
    r.citations = list(d.citations);
    r.rules = list(d.rules);
    decisions.push_back(r);
  }
  put(bf::kDecisions, bytes_of(decisions), decisions.size());
  put(bf::kStringLists, bytes_of(lists), lists.size());
  put(bf::kStringIndex, bytes_of(strings.entries()), strings.entries().size());
  put(bf::kStringData, strings.data(), strings.data().size());
  if (options.serial != 0) {
    put(bf::kSerial, std::string(reinterpret_cast<const char*>(&options.serial), 8), 1);
  }

  std::string bundle(h.header_size, '\0');
  bf::SectionEntry table[bf::kSectionCount] = {};
  for (uint32_t i = 0; i < section_count; ++i) {
    bundle.resize((bundle.size() + 7) / 8 * 8, '\0');
    table[i] = {u32(bundle.size(), "bundle"), u32(sections[i].size(), "section"), counts[i], 0};
    bundle += sections[i];
  }
  bundle.resize((bundle.size() + 7) / 8 * 8, '\0');
  if (bundle.size() > bf::kMaxBundleBytes) bad("the bundle exceeds the format's size limit");
  h.total_size_lo = static_cast<uint32_t>(bundle.size());
  h.total_size_hi = static_cast<uint32_t>(uint64_t{bundle.size()} >> 32);
  put_header(bundle, h);
  std::memcpy(bundle.data() + sizeof(h), table, section_count * sizeof(bf::SectionEntry));
  seal(bundle);

  std::unique_ptr<const runtime::Bundle> check;
  runtime::Status s = runtime::Bundle::load(bundle, &check);
  if (!s.ok()) bad(s.message());
  return bundle;
}

KeyPair generate_key_pair() {
  init_sodium();
  KeyPair keys;
  crypto_sign_keypair(keys.public_key.bytes.data(), keys.secret.bytes.data());
  return keys;
}

runtime::PublicKey public_key_of(const SecretKey& key) {
  runtime::PublicKey pk;
  std::memcpy(pk.bytes.data(), key.bytes.data() + 32, 32);
  return pk;
}

std::string sign_bundle(std::string bundle, const SecretKey& key) {
  init_sodium();
  bf::Header h = get_header(bundle);
  const uint64_t total = uint64_t{h.total_size_hi} << 32 | h.total_size_lo;
  if (total < bf::header_size(h.format_version) || total > bundle.size()) {
    bad("not a bundle (bad total size)");
  }
  bundle.resize(total);
  h.flags |= bf::kFlagSigned;
  put_header(bundle, h);
  seal(bundle);
  bf::SignatureBlock block{};
  std::memcpy(block.tag, bf::kSignatureTag, 8);
  std::memcpy(block.key_id, key.bytes.data() + 32, 8);
  crypto_sign_detached(block.signature, nullptr,
                       reinterpret_cast<const uint8_t*>(bundle.data()) + bf::kDigestOffset,
                       bf::kDigestSize, key.bytes.data());
  bundle.append(reinterpret_cast<const char*>(&block), sizeof(block));
  return bundle;
}

runtime::Signature sign_detached(std::string_view message, const SecretKey& key) {
  init_sodium();
  runtime::Signature signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       key.bytes.data());
  return signature;
}

runtime::Status read_secret_key_file(const std::string& path, SecretKey* key) {
  init_sodium();
  std::ifstream in(path, std::ios::binary);
  if (!in) return runtime::Status::io_error(path + ": cannot open");
  std::string text(4097, '\0');  // a key file is 64 hex digits; never read more than this
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  uint8_t seed[32];
  if (text.size() > 4096 || !runtime::from_hex(runtime::trim_space(text), seed)) {
    return runtime::Status::invalid_argument(
        path + ": not a secret key file (64 hex digits, the Ed25519 seed)");
  }
  uint8_t pk[32];
  crypto_sign_seed_keypair(pk, key->bytes.data(), seed);
  sodium_memzero(seed, sizeof(seed));
  return runtime::Status();
}

runtime::Status write_key_files(const KeyPair& keys, const std::string& secret_path,
                                const std::string& public_path) {
  init_sodium();
  uint8_t seed[32];
  crypto_sign_ed25519_sk_to_seed(seed, keys.secret.bytes.data());
  std::string secret = runtime::to_hex(seed) + "\n";
  sodium_memzero(seed, sizeof(seed));
  runtime::Status status = write_file_atomically(secret_path, secret, 0600);
  sodium_memzero(secret.data(), secret.size());
  if (!status.ok()) return status;
  return write_file_atomically(public_path, runtime::to_hex(keys.public_key.bytes) + "\n", 0644);
}

runtime::Status write_file_atomically(const std::string& path, std::string_view bytes,
                                      unsigned mode) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string temp =
      (slash == std::string::npos ? "" : path.substr(0, slash + 1)) + "." + base + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) {
    return runtime::Status::io_error(path + ": cannot create a temporary file in " + dir + ": " +
                                     errno_text());
  }
  auto fail = [&](const std::string& what) {
    runtime::Status status = runtime::Status::io_error(path + ": " + what + ": " + errno_text());
    unlink(temp.c_str());
    return status;
  };
  if (fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    close(fd);
    return fail("cannot set the file mode");
  }
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return fail("write failed");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    close(fd);
    return fail("fsync failed");
  }
  if (close(fd) != 0) return fail("close failed");
  if (rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename the temporary file");
  // The rename is durable once the directory is synced; a failure here leaves the new file in
  // place, so it is not reported.
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return runtime::Status();
}

}  // namespace flowgate
