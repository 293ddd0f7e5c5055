// The bundle loader and the decision walk. This file's external interface is Bundle::load and
// Bundle::decide (flowgate/runtime.h).
//
// load() checks the bytes in one pass, in the order of docs/bundle-format.md: sizes, magic and
// version, the digest, the section table, then every record and every reference between records.
// Only then does it build the in-memory form: id tables with a hash index for interning, the
// diagram as 8-byte Ops (the variable's kind folded into the node), and a table of the walk's first
// steps. decide() trusts what load() checked and reads without bounds checks; every index it
// computes is below a size load() pinned.
#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>
#include <tuple>
#include <utility>
#include <vector>

#include "flowgate/runtime.h"
#include "runtime/bundle_format.h"
#include "runtime/sha256.h"

namespace flowgate::runtime {

namespace bf = bundle_format;

// ---- Status -----------------------------------------------------------------------------------

Status::Status(Code code, std::string message) noexcept
    : code_(code), message_(std::move(message)) {}
Status Status::invalid_argument(std::string m) noexcept {
  return Status(Code::kInvalidArgument, std::move(m));
}
Status Status::io_error(std::string m) noexcept {
  return Status(Code::kIoError, std::move(m));
}
Status Status::corruption(std::string m) noexcept {
  return Status(Code::kCorruption, std::move(m));
}
Status Status::not_supported(std::string m) noexcept {
  return Status(Code::kNotSupported, std::move(m));
}
Status Status::unauthenticated(std::string m) noexcept {
  return Status(Code::kUnauthenticated, std::move(m));
}
Status Status::resource_exhausted(std::string m) noexcept {
  return Status(Code::kResourceExhausted, std::move(m));
}
Status Status::failed_precondition(std::string m) noexcept {
  return Status(Code::kFailedPrecondition, std::move(m));
}

// ---- The loaded form ----------------------------------------------------------------------------

namespace {

// A diagram node with its variable folded in: what to read from the query, and where the children
// start. kOp* 0–7 are VariableKind's values; the bit kinds follow.
enum Op : uint8_t {
  kOpGpc = 8,
  kOpAdsPersonalization = 9,
  kOpConsentForPurpose = 10,
  kOpConsent = 11,  // arg: purpose index
  kOpFeature = 12,  // arg: feature index
  // Consent strings. The purpose tests' arg: the TCF purpose number - 1; kOpGppOptOut's: its bit.
  kOpTcfPurposeConsent = 13,
  kOpTcfPurposeLegitimateInterest = 14,
  kOpGppOptOut = 15,
  kOpTcfPresent = 16,
  kOpGppPresent = 17,
  kOpParentalConsent = 18,
};

struct Node {
  uint8_t op;
  uint8_t unused;
  uint16_t arg;
  uint32_t first_child;
};
static_assert(sizeof(Node) == 8);

// The most entries Rep::lead_refs holds: 16 KiB, so that it stays in the cache beside the diagram.
constexpr size_t kMaxLeadEntries = 4096;

enum IdTable { kData = 0, kPurpose, kRecipient, kFeature, kRegion, kIdTables };
constexpr bf::Section kIdSection[kIdTables] = {bf::kDataIds, bf::kPurposeIds, bf::kRecipientIds,
                                               bf::kFeatureIds, bf::kRegionIds};
constexpr const char* kIdName[kIdTables] = {"data", "purpose", "recipient", "feature", "region"};

// Unaligned little-endian words of an id, for hashing and comparing it a word at a time.
template <typename Word>
uint64_t load(const char* p) noexcept {
  Word v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// An id's first and last 8 bytes (4 and 4 below 8 bytes; below 4, its first, middle and last
// byte), read without a byte past its end: with its length, all of an id up to 16 bytes, and what
// interning hashes. A string decide interns five to eight ids, and hashing them a byte at a time
// (FNV-1a) was the largest part of its profile; hashing the ends costs the same for every length,
// and ids that share their length and ends (none in the shipped policy) only share a probe chain.
struct IdEnds {
  uint64_t head = 0, tail = 0;
  IdEnds() = default;
  explicit IdEnds(std::string_view id) noexcept {
    const char* p = id.data();
    const size_t n = id.size();
    if (n >= 8) {
      head = load<uint64_t>(p);
      tail = load<uint64_t>(p + n - 8);
    } else if (n >= 4) {
      head = load<uint32_t>(p);
      tail = load<uint32_t>(p + n - 4);
    } else if (n > 0) {
      head = load<uint8_t>(p) | load<uint8_t>(p + n / 2) << 8 | load<uint8_t>(p + n - 1) << 16;
    }
  }
  // Two independent multiplies, then the high half (which every input bit reaches) folded into
  // the low bits the slot is taken from.
  uint64_t hash(size_t length) const noexcept {
    uint64_t h = (head + length) * 0x9E3779B97F4A7C15u ^ tail * 0xC2B2AE3D27D4EB4Fu;
    return h ^ (h >> 32);
  }
  static uint16_t tag(uint64_t hash) noexcept { return static_cast<uint16_t>(hash >> 48); }
  friend bool operator==(const IdEnds&, const IdEnds&) = default;
};

// Whether two ids of `n` bytes whose ends are equal are equal: the bytes between the ends, as two
// words wherever they fall up to 32 bytes, then a word at a time.
bool same_middle(const char* a, const char* b, size_t n) noexcept {
  if (n <= 16) return true;
  const size_t second = std::min<size_t>(16, n - 8);
  uint64_t diff = (load<uint64_t>(a + 8) ^ load<uint64_t>(b + 8)) |
                  (load<uint64_t>(a + second) ^ load<uint64_t>(b + second));
  for (size_t i = 24; i + 8 < n; i += 8) diff |= load<uint64_t>(a + i) ^ load<uint64_t>(b + i);
  return diff == 0;
}

// How many entries of the ascending `v` are at or below `x` (std::upper_bound's index): a binary
// search whose steps are conditional moves, not branches: upper_bound branches on the date or age,
// which differs from one query to the next, where this loop's trip count depends on v's size alone
// (1.5 ns less of an interned decide's 29 ns, bench stream).
uint32_t count_at_or_below(const std::vector<int32_t>& v, int32_t x) noexcept {
  if (v.empty()) return 0;
  const int32_t* base = v.data();
  for (size_t len = v.size(); len > 1; len -= len / 2) {
    if (base[len / 2] <= x) base += len / 2;
  }
  return static_cast<uint32_t>(base - v.data()) + (*base <= x ? 1 : 0);
}
}  // namespace

struct Bundle::Rep {
  std::string bytes;
  std::vector<std::string_view> strings;
  // Interning, per id table: the ids by index with their ends (IdEnds), and open addressing over
  // them filled at load. The table is a power of two at least twice the ids, so a lookup probes
  // about one slot; a slot keeps 16 bits of the id's hash beside its index + 1 (0: empty), so a
  // probe that meets another id reads no key.
  struct Key {
    IdEnds ends;
    std::string_view id;  // a view into `bytes`
  };
  struct Slot {
    uint16_t index_plus_one;
    uint16_t tag;
  };
  std::array<std::vector<Key>, kIdTables> ids;
  std::array<std::vector<Slot>, kIdTables> slots;
  std::array<uint32_t, kIdTables> count{};
  std::vector<uint16_t> region_class;
  std::vector<uint16_t> destination_class;
  uint16_t device_destination_class = 0;
  // The recipient a collect is decided with ("device"); kUnknown when the bundle has none, so a
  // collect then decides the unknown-id decision.
  uint16_t device_recipient = InternedQuery::kUnknown;
  std::vector<int32_t> date_breakpoints;
  std::vector<int32_t> age_thresholds;
  std::vector<Node> nodes;
  std::vector<uint32_t> children;
  std::vector<bf::DecisionRecord> decisions;
  std::vector<uint32_t> lists;
  uint32_t root = 0;
  // The walk's first steps as one load. The leading variables are the longest prefix of the
  // variable order made of data, purpose, action and recipient (each once) whose value
  // combinations number at most kMaxLeadEntries; lead_stride holds each one's stride, by kind (0:
  // not leading), and lead_refs, for every combination of their values in row-major order, the
  // ref the walk from the root first reaches that tests none of them (or its leaf). The shipped
  // diagram's walk tests data, purpose and action on almost every query: three dependent steps of
  // the six a decide took, each a load and a switch, where the index is three multiply-adds.
  std::array<uint32_t, bf::kVarRecipient + 1> lead_stride{};
  std::vector<uint32_t> lead_refs;
  uint32_t unknown_id_decision = 0;
  uint32_t policy_name = 0;
  uint32_t policy_version = 0;
  uint64_t serial = 0;  // 0: a bundle of format version 1–3, which has none
  Sha256Digest digest{};
  bool is_signed = false;
  std::array<uint8_t, 8> key_id{};
  std::array<uint8_t, 64> signature{};

  // The slot of `id` (whose ends are `ends`) in `table`: the one that holds it, else the empty
  // one where it would go.
  size_t find_slot(IdTable table, std::string_view id, const IdEnds& ends) const noexcept {
    const std::vector<Slot>& slot = slots[table];
    const Key* key = ids[table].data();
    const size_t mask = slot.size() - 1;
    const uint64_t h = ends.hash(id.size());
    const uint16_t tag = IdEnds::tag(h);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot s = slot[i];
      if (s.index_plus_one == 0) return i;
      const Key& k = key[s.index_plus_one - 1];
      if (s.tag == tag && k.ends == ends && k.id.size() == id.size() &&
          same_middle(k.id.data(), id.data(), id.size())) {
        return i;
      }
    }
  }
  std::optional<uint16_t> intern(IdTable table, std::string_view id) const noexcept {
    const Slot s = slots[table][find_slot(table, id, IdEnds(id))];
    if (s.index_plus_one == 0) return std::nullopt;
    return static_cast<uint16_t>(s.index_plus_one - 1);
  }
  std::string_view id_at(IdTable table, size_t index) const noexcept {
    return index < ids[table].size() ? ids[table][index].id : std::string_view();
  }
};

// ---- The loader ---------------------------------------------------------------------------------

namespace {

std::string str(uint64_t n) {
  return std::to_string(n);
}

Status corrupt(const std::string& what) {
  return Status::corruption("bundle corrupt: " + what);
}

// Whether bytes are well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

class Loader {
 public:
  explicit Loader(Bundle::Rep& rep) : r_(rep), data_(rep.bytes) {}

  Status run() {
    Status s = check_frame();
    if (s.ok()) s = check_sections();
    if (s.ok()) s = read_serial();
    if (s.ok()) s = read_strings();
    if (s.ok()) s = read_ids();
    if (s.ok()) s = read_classes();
    if (s.ok()) s = read_bits_and_variables();
    if (s.ok()) s = read_decisions();
    if (s.ok()) s = read_diagram();
    return s;
  }

 private:
  // Magic, version, sizes, flags, the signature block's frame, and the digest.
  Status check_frame() {
    const size_t size = data_.size();
    if (size < sizeof(bf::Header)) {
      return corrupt("truncated: " + str(size) + " bytes, shorter than the " +
                     str(sizeof(bf::Header)) + "-byte header");
    }
    std::memcpy(&h_, data_.data(), sizeof(h_));
    if (std::memcmp(h_.magic, bf::kMagic, sizeof(bf::kMagic)) != 0) {
      return corrupt("bad magic number (not a flowgate bundle)");
    }
    if (h_.format_version < bf::kOldestFormatVersion || h_.format_version > bf::kFormatVersion) {
      return Status::not_supported(
          "bundle format version " + str(h_.format_version) + "; this runtime reads versions " +
          str(bf::kOldestFormatVersion) + " to " + str(bf::kFormatVersion));
    }
    sections_ = bf::section_count(h_.format_version);
    header_size_ = bf::header_size(h_.format_version);
    if (h_.header_size != header_size_) {
      return corrupt("header size " + str(h_.header_size) + ", expected " + str(header_size_) +
                     " in format version " + str(h_.format_version));
    }
    if (h_.section_count != sections_) {
      return corrupt("section count " + str(h_.section_count) + ", expected " + str(sections_) +
                     " in format version " + str(h_.format_version));
    }
    if ((h_.flags & ~(bf::kFlagSigned | bf::kFlagNarrowChildren | bf::kFlagMediumChildren)) != 0) {
      return corrupt("unknown flags 0x" + hex32(h_.flags));
    }
    if ((h_.flags & bf::kFlagNarrowChildren) && h_.format_version < 3) {
      return corrupt("narrow children need format version 3");
    }
    if ((h_.flags & bf::kFlagMediumChildren) && h_.format_version < bf::kFirstMediumVersion) {
      return corrupt("3-byte children need format version 5");
    }
    if ((h_.flags & bf::kFlagNarrowChildren) && (h_.flags & bf::kFlagMediumChildren)) {
      return corrupt("children both narrow and 3-byte (flags 0x" + hex32(h_.flags) + ")");
    }
    if (h_.reserved != 0) return corrupt("reserved header field is not zero");
    const uint64_t total = uint64_t{h_.total_size_hi} << 32 | h_.total_size_lo;
    if (total < header_size_ || total > bf::kMaxBundleBytes) {
      return corrupt("total size " + str(total) + " outside [" + str(header_size_) + ", " +
                     str(bf::kMaxBundleBytes) + "]");
    }
    const bool is_signed = (h_.flags & bf::kFlagSigned) != 0;
    const uint64_t expected = total + (is_signed ? sizeof(bf::SignatureBlock) : 0);
    if (size < expected) {
      return corrupt("truncated: " + str(size) + " bytes of " + str(expected) +
                     (is_signed && size >= total ? " (the signature block is cut off)" : ""));
    }
    if (size > expected) {
      return corrupt(str(size - expected) + " unexpected bytes after the bundle's end" +
                     (is_signed ? "" : " (a signature block without the signed flag?)"));
    }
    total_ = static_cast<uint32_t>(total);
    if (is_signed) {
      bf::SignatureBlock block;
      std::memcpy(&block, data_.data() + total_, sizeof(block));
      if (std::memcmp(block.tag, bf::kSignatureTag, sizeof(block.tag)) != 0) {
        return corrupt("bad signature block tag");
      }
      r_.is_signed = true;
      std::memcpy(r_.key_id.data(), block.key_id, 8);
      std::memcpy(r_.signature.data(), block.signature, 64);
    }
    r_.digest = sha256(data_.data() + bf::kDigestedFrom, total_ - bf::kDigestedFrom);
    if (std::memcmp(r_.digest.data(), h_.digest, bf::kDigestSize) != 0) {
      return corrupt("content digest mismatch (the bundle is damaged or was modified)");
    }
    return Status();
  }

  Status check_sections() {
    uint64_t end = header_size_;
    for (uint32_t i = 0; i < sections_; ++i) {
      bf::SectionEntry& e = sec_[i];
      std::memcpy(&e, data_.data() + sizeof(bf::Header) + i * sizeof(bf::SectionEntry), sizeof(e));
      const std::string name = std::string("section '") + bf::kSectionName[i] + "'";
      if (e.reserved != 0) return corrupt(name + ": reserved field is not zero");
      if (e.offset % 8 != 0) return corrupt(name + ": offset " + str(e.offset) + " not 8-aligned");
      if (e.offset < end) {
        return corrupt(name + ": offset " + str(e.offset) + " overlaps what precedes it (ends at " +
                       str(end) + ")");
      }
      if (uint64_t{e.offset} + e.size > total_) {
        return corrupt(name + ": [" + str(e.offset) + ", +" + str(e.size) +
                       ") runs past the bundle's end " + str(total_));
      }
      const uint32_t element = bf::element_size(i, h_.flags);
      if (uint64_t{e.count} * element != e.size) {
        return corrupt(name + ": " + str(e.count) + " elements of " + str(element) +
                       " bytes do not make " + str(e.size) + " bytes");
      }
      if (!zeros(end, e.offset)) return corrupt(name + ": padding before it is not zero");
      end = uint64_t{e.offset} + e.size;
    }
    if (total_ - end >= 8 || !zeros(end, total_)) {
      return corrupt("the bundle does not end at its last section (padded to 8 with zeros)");
    }
    return Status();
  }

  // Versions 4 and 5: exactly one u64, nonzero (0 means "no serial" and is written as a version 1–3
  // bundle). Covered by the digest like every section.
  Status read_serial() {
    if (sections_ <= bf::kSerial) return Status();
    const bf::SectionEntry& e = sec_[bf::kSerial];
    if (e.count != 1) return corrupt("serial: " + str(e.count) + " entries, expected 1");
    uint64_t serial = 0;
    copy_section(bf::kSerial, &serial);
    if (serial == 0)
      return corrupt("serial 0 (a bundle without a serial is format version 1 to 3)");
    r_.serial = serial;
    return Status();
  }

  Status read_strings() {
    const bf::SectionEntry& idx = sec_[bf::kStringIndex];
    const bf::SectionEntry& blob = sec_[bf::kStringData];
    std::vector<bf::StringEntry> entries(idx.count);
    copy_section(bf::kStringIndex, entries.data());
    const char* base = data_.data() + blob.offset;
    r_.strings.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      const bf::StringEntry& e = entries[i];
      if (uint64_t{e.offset} + e.length >= blob.size) {
        return corrupt("string " + str(i) + ": [" + str(e.offset) + ", +" + str(e.length) +
                       "] runs past the string data (" + str(blob.size) + " bytes)");
      }
      std::string_view s(base + e.offset, e.length);
      if (base[e.offset + e.length] != '\0')
        return corrupt("string " + str(i) + ": no NUL after it");
      if (s.find('\0') != std::string_view::npos) {
        return corrupt("string " + str(i) + ": holds a NUL byte");
      }
      if (!valid_utf8(s)) return corrupt("string " + str(i) + ": not valid UTF-8");
      r_.strings.push_back(s);
    }
    if (!string_ref(h_.policy_name, "policy name") ||
        !string_ref(h_.policy_version, "policy version")) {
      return error_;
    }
    r_.policy_name = h_.policy_name;
    r_.policy_version = h_.policy_version;
    return Status();
  }

  Status read_ids() {
    static constexpr uint32_t kLimit[kIdTables] = {bf::kMaxIds, bf::kMaxPurposes, bf::kMaxIds,
                                                   bf::kMaxFeatures, bf::kMaxIds};
    for (int t = 0; t < kIdTables; ++t) {
      const bf::SectionEntry& e = sec_[kIdSection[t]];
      const std::string name = std::string(kIdName[t]) + " ids";
      if (e.count > kLimit[t]) {
        return corrupt(str(e.count) + " " + name + ", more than the limit of " + str(kLimit[t]));
      }
      std::vector<uint32_t> refs(e.count);
      copy_section(kIdSection[t], refs.data());
      std::vector<Bundle::Rep::Key>& ids = r_.ids[t];
      ids.reserve(e.count);
      for (uint32_t i = 0; i < e.count; ++i) {
        if (!string_ref(refs[i], name + " [" + str(i) + "]")) return error_;
        if (r_.strings[refs[i]].empty()) return corrupt(name + " [" + str(i) + "] is empty");
        ids.push_back({IdEnds(r_.strings[refs[i]]), r_.strings[refs[i]]});
      }
      size_t capacity = 2;
      while (capacity < 2 * size_t{e.count}) capacity *= 2;
      r_.slots[t].assign(capacity, Bundle::Rep::Slot{0, 0});
      for (uint32_t i = 0; i < e.count; ++i) {
        const Bundle::Rep::Key& key = ids[i];
        Bundle::Rep::Slot& slot =
            r_.slots[t][r_.find_slot(static_cast<IdTable>(t), key.id, key.ends)];
        if (slot.index_plus_one != 0) {
          return corrupt(name + ": '" + std::string(key.id) + "' appears twice");
        }
        slot = {static_cast<uint16_t>(i + 1), IdEnds::tag(key.ends.hash(key.id.size()))};
      }
      r_.count[t] = e.count;
    }
    if (r_.intern(kRegion, "device")) return corrupt("region ids: 'device' is not a region");
    r_.device_recipient = r_.intern(kRecipient, "device").value_or(InternedQuery::kUnknown);
    return Status();
  }

  Status read_classes() {
    const uint32_t regions = r_.count[kRegion];
    r_.device_destination_class = h_.device_destination_class;
    for (auto [section, out, classes] :
         {std::tuple{bf::kRegionClass, &r_.region_class, h_.region_classes},
          std::tuple{bf::kDestinationClass, &r_.destination_class, h_.destination_classes}}) {
      const std::string name = bf::kSectionName[section];
      if (sec_[section].count != regions) {
        return corrupt(name + ": " + str(sec_[section].count) + " entries for " + str(regions) +
                       " regions");
      }
      out->resize(regions);
      copy_section(section, out->data());
      for (uint32_t i = 0; i < regions; ++i) {
        if ((*out)[i] >= classes) {
          return corrupt(name + " of region " + str(i) + " is " + str((*out)[i]) + ", not below " +
                         str(classes) + " classes");
        }
      }
    }
    if (h_.device_destination_class >= h_.destination_classes) {
      return corrupt("device destination class " + str(h_.device_destination_class) +
                     ", not below " + str(h_.destination_classes) + " classes");
    }
    for (auto [section, out] : {std::pair{bf::kDateBreakpoints, &r_.date_breakpoints},
                                std::pair{bf::kAgeThresholds, &r_.age_thresholds}}) {
      const std::string name = bf::kSectionName[section];
      if (sec_[section].count > bf::kMaxBreakpoints) {
        return corrupt(name + ": " + str(sec_[section].count) + ", more than the limit of " +
                       str(bf::kMaxBreakpoints));
      }
      out->resize(sec_[section].count);
      copy_section(section, out->data());
      for (size_t i = 1; i < out->size(); ++i) {
        if ((*out)[i - 1] >= (*out)[i]) {
          return corrupt(name + ": entry " + str(i) + " is not above the one before it");
        }
      }
    }
    for (int32_t t : r_.age_thresholds) {
      if (t < 0 || t > bf::kMaxAge) {
        return corrupt("age threshold " + std::to_string(t) + " outside [0, " + str(bf::kMaxAge) +
                       "]");
      }
    }
    return Status();
  }

  Status read_bits_and_variables() {
    if (sec_[bf::kBits].count > bf::kMaxBits) return corrupt("too many bits");
    if (sec_[bf::kVariables].count > bf::kMaxVariables) return corrupt("too many variables");
    std::vector<bf::BitRecord> bits(sec_[bf::kBits].count);
    copy_section(bf::kBits, bits.data());
    bit_ops_.resize(bits.size());
    for (size_t i = 0; i < bits.size(); ++i) {
      const bf::BitRecord& b = bits[i];
      const std::string name = "bit " + str(i);
      if (b.reserved[0] | b.reserved[1] | b.reserved[2]) {
        return corrupt(name + ": reserved bytes are not zero");
      }
      Node& op = bit_ops_[i];
      if (b.kind >= bf::kBitTcfPurposeConsent && b.kind <= bf::kBitGppPresent &&
          h_.format_version < 2) {
        return corrupt(name + ": kind " + str(b.kind) + " needs format version 2");
      }
      if (b.kind == bf::kBitParentalConsent && h_.format_version < 3) {
        return corrupt(name + ": kind " + str(b.kind) + " needs format version 3");
      }
      switch (b.kind) {
        case bf::kBitGpc:
        case bf::kBitAdsPersonalization:
        case bf::kBitConsentForPurpose:
          if (b.id != bf::kNoString) return corrupt(name + ": this kind takes no id");
          op.op = static_cast<uint8_t>(kOpGpc + b.kind);
          break;
        case bf::kBitConsent:
        case bf::kBitFeature: {
          const bool consent = b.kind == bf::kBitConsent;
          if (!string_ref(b.id, name + " id")) return error_;
          auto index = r_.intern(consent ? kPurpose : kFeature, r_.strings[b.id]);
          if (!index) {
            return corrupt(name + ": '" + std::string(r_.strings[b.id]) + "' is not a " +
                           (consent ? "purpose" : "feature") + " id");
          }
          op.op = consent ? kOpConsent : kOpFeature;
          op.arg = *index;
          break;
        }
        case bf::kBitTcfPurposeConsent:
        case bf::kBitTcfPurposeLegitimateInterest:
          if (b.id < 1 || b.id > kTcfPurposeCount) {
            return corrupt(name + ": TCF purpose " + str(b.id) + ", not in [1, " +
                           str(kTcfPurposeCount) + "]");
          }
          op.op = b.kind == bf::kBitTcfPurposeConsent ? kOpTcfPurposeConsent
                                                      : kOpTcfPurposeLegitimateInterest;
          op.arg = static_cast<uint16_t>(b.id - 1);
          break;
        case bf::kBitGppOptOut: {
          if (!string_ref(b.id, name + " id")) return error_;
          auto field = gpp_opt_out_named(r_.strings[b.id]);
          if (!field) {
            return corrupt(name + ": '" + std::string(r_.strings[b.id]) +
                           "' is not a GPP opt-out field");
          }
          op.op = kOpGppOptOut;
          op.arg = *field;
          break;
        }
        case bf::kBitTcfPresent:
        case bf::kBitGppPresent:
          if (b.id != bf::kNoString) return corrupt(name + ": this kind takes no id");
          op.op = b.kind == bf::kBitTcfPresent ? kOpTcfPresent : kOpGppPresent;
          break;
        case bf::kBitParentalConsent:
          if (b.id != bf::kNoString) return corrupt(name + ": this kind takes no id");
          op.op = kOpParentalConsent;
          break;
        default:
          return corrupt(name + ": unknown kind " + str(b.kind));
      }
    }
    std::vector<bf::VariableRecord> vars(sec_[bf::kVariables].count);
    copy_section(bf::kVariables, vars.data());
    var_ops_.resize(vars.size());
    domains_.resize(vars.size());
    for (size_t i = 0; i < vars.size(); ++i) {
      const bf::VariableRecord& v = vars[i];
      const std::string name = "variable " + str(i);
      if (v.reserved[0] | v.reserved[1] | v.reserved[2]) {
        return corrupt(name + ": reserved bytes are not zero");
      }
      uint64_t expected = 0;
      switch (v.kind) {
        case bf::kVarData:
          expected = r_.count[kData];
          break;
        case bf::kVarPurpose:
          expected = r_.count[kPurpose];
          break;
        case bf::kVarAction:
          expected = 2;
          break;
        case bf::kVarRecipient:
          expected = r_.count[kRecipient];
          break;
        case bf::kVarDestination:
          expected = h_.destination_classes;
          break;
        case bf::kVarRegion:
          expected = h_.region_classes;
          break;
        case bf::kVarDate:
          expected = r_.date_breakpoints.size() + 1;
          break;
        case bf::kVarAge:
          expected = r_.age_thresholds.size() + 2;
          break;
        case bf::kVarBit:
          expected = 2;
          break;
        default:
          return corrupt(name + ": unknown kind " + str(v.kind));
      }
      if (v.kind == bf::kVarBit) {
        if (v.bit >= bits.size()) {
          return corrupt(name + ": bit " + str(v.bit) + ", not below " + str(bits.size()));
        }
        var_ops_[i] = bit_ops_[v.bit];
      } else {
        if (v.bit != 0) return corrupt(name + ": bit field set on a non-bit variable");
        var_ops_[i].op = v.kind;
      }
      if (v.domain == 0) return corrupt(name + ": empty domain");
      if (v.domain != expected) {
        return corrupt(name + ": domain " + str(v.domain) + ", but its kind has " + str(expected) +
                       " values");
      }
      domains_[i] = v.domain;
    }
    return Status();
  }

  Status read_decisions() {
    const uint32_t n = sec_[bf::kDecisions].count;
    if (n == 0) return corrupt("no decisions");
    if (n > bf::kMaxDecisions) return corrupt("too many decisions");
    r_.lists.resize(sec_[bf::kStringLists].count);
    copy_section(bf::kStringLists, r_.lists.data());
    for (size_t i = 0; i < r_.lists.size(); ++i) {
      if (!string_ref(r_.lists[i], "string list entry " + str(i))) return error_;
    }
    r_.decisions.resize(n);
    copy_section(bf::kDecisions, r_.decisions.data());
    for (uint32_t i = 0; i < n; ++i) {
      const bf::DecisionRecord& d = r_.decisions[i];
      const std::string name = "decision " + str(i);
      if (d.allow > 1) return corrupt(name + ": allow is " + str(d.allow) + ", not 0 or 1");
      if (d.reserved[0] | d.reserved[1] | d.reserved[2]) {
        return corrupt(name + ": reserved bytes are not zero");
      }
      if (!string_ref(d.reason, name + " reason")) return error_;
      for (auto [list, what] :
           {std::pair{d.obligations, "obligations"}, std::pair{d.legal_basis, "legal basis"},
            std::pair{d.citations, "citations"}, std::pair{d.rules, "rules"}}) {
        if (uint64_t{list.offset} + list.count > r_.lists.size()) {
          return corrupt(name + " " + what + ": [" + str(list.offset) + ", +" + str(list.count) +
                         ") runs past the string lists (" + str(r_.lists.size()) + ")");
        }
      }
    }
    if (h_.unknown_id_decision >= n) {
      return corrupt("unknown-id decision " + str(h_.unknown_id_decision) + ", not below " +
                     str(n) + " decisions");
    }
    r_.unknown_id_decision = h_.unknown_id_decision;
    return Status();
  }

  // Nodes refer only to nodes before them: the diagram is acyclic and every walk ends.
  Status read_diagram() {
    const uint32_t n = sec_[bf::kNodes].count;
    if (n > bf::kMaxNodes) return corrupt("too many nodes");
    std::vector<bf::NodeRecord> records(n);
    copy_section(bf::kNodes, records.data());
    // Narrow refs are widened once here, so deciding reads u32 refs whatever the file holds.
    const bf::SectionEntry& children = sec_[bf::kChildren];
    const uint32_t width = bf::element_size(bf::kChildren, h_.flags);
    const auto* bytes = reinterpret_cast<const unsigned char*>(data_.data()) + children.offset;
    r_.children.resize(children.count);
    if (width == 4) {
      copy_section(bf::kChildren, r_.children.data());
    } else {
      for (uint32_t i = 0; i < children.count; ++i) r_.children[i] = bf::child_at(bytes, i, width);
    }
    const uint32_t decisions = static_cast<uint32_t>(r_.decisions.size());
    r_.nodes.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      const bf::NodeRecord& rec = records[i];
      const std::string name = "node " + str(i);
      if (rec.variable >= var_ops_.size()) {
        return corrupt(name + ": variable " + str(rec.variable) + ", not below " +
                       str(var_ops_.size()));
      }
      const uint32_t domain = domains_[rec.variable];
      if (uint64_t{rec.first_child} + domain > r_.children.size()) {
        return corrupt(name + ": children [" + str(rec.first_child) + ", +" + str(domain) +
                       ") run past the children table (" + str(r_.children.size()) + ")");
      }
      for (uint32_t k = 0; k < domain; ++k) {
        const uint32_t ref = r_.children[rec.first_child + k];
        if (ref & bf::kLeaf) {
          if ((ref & ~bf::kLeaf) >= decisions) {
            return corrupt(name + ": child " + str(k) + " is decision " + str(ref & ~bf::kLeaf) +
                           ", not below " + str(decisions));
          }
        } else if (ref >= i) {
          return corrupt(name + ": child " + str(k) + " refers to node " + str(ref) +
                         ", which is not below it");
        }
      }
      r_.nodes[i] = var_ops_[rec.variable];
      r_.nodes[i].first_child = rec.first_child;
    }
    const uint32_t root = h_.root;
    if ((root & bf::kLeaf) ? (root & ~bf::kLeaf) >= decisions : root >= n) {
      return corrupt("root " + str(root) + " refers to no node or decision");
    }
    r_.root = root;
    build_lead(records);
    return Status();
  }

  // Rep::lead_stride and lead_refs, from the checked diagram (every walk ends).
  void build_lead(const std::vector<bf::NodeRecord>& records) {
    size_t entries = 1, k = 0;
    for (; k < var_ops_.size(); ++k) {
      const uint8_t kind = var_ops_[k].op;
      if (kind > bf::kVarRecipient || r_.lead_stride[kind] != 0 ||
          entries * domains_[k] > kMaxLeadEntries) {
        break;
      }
      r_.lead_stride[kind] = 1;  // leading; its stride follows
      entries *= domains_[k];
    }
    for (size_t v = k, stride = 1; v-- > 0; stride *= domains_[v]) {
      r_.lead_stride[var_ops_[v].op] = static_cast<uint32_t>(stride);
    }
    r_.lead_refs.resize(entries);
    for (size_t at = 0; at < entries; ++at) {
      // A step per leading variable at most, in the variable order as the compiler orders every
      // diagram (a crafted one could test a variable again further down and make this walk long):
      // decide() walks on from wherever the table stops.
      uint32_t ref = r_.root;
      for (uint32_t next = 0;
           !(ref & bf::kLeaf) && records[ref].variable >= next && records[ref].variable < k;) {
        const uint32_t v = records[ref].variable;
        const size_t value = at / r_.lead_stride[var_ops_[v].op] % domains_[v];
        ref = r_.children[records[ref].first_child + value];
        next = v + 1;
      }
      r_.lead_refs[at] = ref;
    }
  }

  template <typename T>
  void copy_section(uint32_t section, T* out) {
    const bf::SectionEntry& e = sec_[section];
    if (e.size > 0) std::memcpy(static_cast<void*>(out), data_.data() + e.offset, e.size);
  }

  bool zeros(uint64_t from, uint64_t to) const {
    for (uint64_t i = from; i < to; ++i) {
      if (data_[i] != 0) return false;
    }
    return true;
  }

  bool string_ref(uint32_t ref, const std::string& what) {
    if (ref < r_.strings.size()) return true;
    error_ = corrupt(what + ": string " + str(ref) + ", not below " + str(r_.strings.size()));
    return false;
  }

  static std::string hex32(uint32_t v) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s(8, '0');
    for (int i = 7; i >= 0; --i, v >>= 4) s[i] = kHex[v & 15];
    return s;
  }

  Bundle::Rep& r_;
  std::string_view data_;
  bf::Header h_{};
  uint32_t total_ = 0;
  uint32_t sections_ = 0;     // section_count(format_version)
  uint32_t header_size_ = 0;  // header_size(format_version)
  bf::SectionEntry sec_[bf::kSectionCount]{};
  std::vector<Node> bit_ops_;
  std::vector<Node> var_ops_;
  std::vector<uint32_t> domains_;
  Status error_;
};

}  // namespace

Bundle::Bundle(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Bundle::~Bundle() = default;

Status Bundle::load(std::string bytes, std::unique_ptr<const Bundle>* bundle) noexcept {
  if (bundle == nullptr) return Status::invalid_argument("Bundle::load: null output");
  bundle->reset();
  try {
    auto rep = std::make_unique<Rep>();
    rep->bytes = std::move(bytes);
    Status s = Loader(*rep).run();
    if (!s.ok()) return s;
    bundle->reset(new Bundle(std::move(rep)));
    return Status();
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("out of memory loading the bundle");
  } catch (...) {
    return Status::corruption("bundle could not be loaded");
  }
}

Status Bundle::load_file(const std::string& path, std::unique_ptr<const Bundle>* bundle) noexcept {
  if (bundle == nullptr) return Status::invalid_argument("Bundle::load_file: null output");
  bundle->reset();
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::io_error(path + ": cannot open");
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) return Status::io_error(path + ": cannot read");
    if (static_cast<uint64_t>(size) > bf::kMaxBundleBytes + sizeof(bf::SignatureBlock)) {
      return Status::corruption(path + ": " + str(static_cast<uint64_t>(size)) +
                                " bytes, larger than a bundle may be");
    }
    std::string bytes(static_cast<size_t>(size), '\0');
    in.seekg(0);
    if (!in.read(bytes.data(), size)) return Status::io_error(path + ": read failed");
    Status s = load(std::move(bytes), bundle);
    if (!s.ok()) return Status(s.code(), path + ": " + s.message());
    return s;
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("out of memory loading " + path);
  } catch (...) {
    return Status::io_error(path + ": cannot read");
  }
}

// ---- Deciding -----------------------------------------------------------------------------------

uint32_t Bundle::decide(const InternedQuery& q) const noexcept {
  return decide(q, nullptr);
}

uint32_t Bundle::decide(const InternedQuery& q, UnknownId* unknown) const noexcept {
  const Rep& r = *rep_;
  // A collect stays on the device: its recipient and destination are `device` (docs/design.md).
  const bool collect = q.action == 0;
  const uint16_t recipient = collect ? r.device_recipient : q.recipient;
  const uint16_t destination = collect ? InternedQuery::kDevice : q.destination;
  QueryField bad = q.data >= r.count[kData]           ? QueryField::kData
                   : q.purpose >= r.count[kPurpose]   ? QueryField::kPurpose
                   : q.action > 1                     ? QueryField::kAction
                   : recipient >= r.count[kRecipient] ? QueryField::kRecipient
                   : (destination >= r.count[kRegion] && destination != InternedQuery::kDevice)
                       ? QueryField::kDestination
                   : q.region >= r.count[kRegion] ? QueryField::kRegion
                                                  : QueryField::kNone;
  if (unknown != nullptr) *unknown = UnknownId{bad, 0};
  if (bad != QueryField::kNone) return r.unknown_id_decision;
  const Node* nodes = r.nodes.data();
  const uint32_t* children = r.children.data();
  uint32_t ref = r.lead_refs[q.data * r.lead_stride[bf::kVarData] +
                             q.purpose * r.lead_stride[bf::kVarPurpose] +
                             q.action * r.lead_stride[bf::kVarAction] +
                             recipient * r.lead_stride[bf::kVarRecipient]];
  while (!(ref & bf::kLeaf)) {
    const Node& n = nodes[ref];
    uint32_t value;
    switch (n.op) {
      case bf::kVarData:
        value = q.data;
        break;
      case bf::kVarPurpose:
        value = q.purpose;
        break;
      case bf::kVarAction:
        value = q.action;
        break;
      case bf::kVarRecipient:
        value = recipient;
        break;
      case bf::kVarDestination:
        value = destination == InternedQuery::kDevice ? r.device_destination_class
                                                      : r.destination_class[destination];
        break;
      case bf::kVarRegion:
        value = r.region_class[q.region];
        break;
      case bf::kVarDate:
        value = count_at_or_below(r.date_breakpoints, q.as_of_days);
        break;
      case bf::kVarAge:
        value = q.age < 0 ? 0 : 1 + count_at_or_below(r.age_thresholds, q.age);
        break;
      case kOpGpc:
        value = q.gpc ? 1 : 0;
        break;
      case kOpAdsPersonalization:
        value = q.ads_personalization ? 1 : 0;
        break;
      case kOpConsentForPurpose:
        value = (q.consent_mask >> q.purpose) & 1;
        break;
      case kOpConsent:
        value = (q.consent_mask >> n.arg) & 1;
        break;
      case kOpFeature:
        value = (q.feature_mask >> n.arg) & 1;
        break;
      case kOpTcfPurposeConsent:
        value = (q.consent_strings.tcf_purpose_consents >> n.arg) & 1;
        break;
      case kOpTcfPurposeLegitimateInterest:
        value = (q.consent_strings.tcf_purpose_legitimate_interests >> n.arg) & 1;
        break;
      case kOpGppOptOut:
        value = (q.consent_strings.gpp_opt_outs >> n.arg) & 1;
        break;
      case kOpTcfPresent:
        value = q.consent_strings.tcf_present ? 1 : 0;
        break;
      case kOpGppPresent:
        value = q.consent_strings.gpp_present ? 1 : 0;
        break;
      case kOpParentalConsent:
        value = q.parental_consent ? 1 : 0;
        break;
      default:
        return r.unknown_id_decision;  // unreachable: load() admits no other op
    }
    ref = children[n.first_child + value];
  }
  return ref & ~bf::kLeaf;
}

uint32_t Bundle::decide(const StringQuery& s) const noexcept {
  return decide(s, nullptr);
}

uint32_t Bundle::decide(const StringQuery& s, UnknownId* unknown) const noexcept {
  const Rep& r = *rep_;
  auto refuse = [&](QueryField field, size_t position) {
    if (unknown != nullptr) *unknown = UnknownId{field, static_cast<uint32_t>(position)};
    return r.unknown_id_decision;
  };
  InternedQuery q;
  auto data = r.intern(kData, s.data);
  if (!data) return refuse(QueryField::kData, 0);
  auto purpose = r.intern(kPurpose, s.purpose);
  if (!purpose) return refuse(QueryField::kPurpose, 0);
  auto action = action_index(s.action);
  if (!action) return refuse(QueryField::kAction, 0);
  if (*action == 1) {  // a collect's recipient and destination are the device's: not read
    auto recipient = r.intern(kRecipient, s.recipient);
    if (!recipient) return refuse(QueryField::kRecipient, 0);
    auto destination = destination_index(s.destination);
    if (!destination) return refuse(QueryField::kDestination, 0);
    q.recipient = *recipient;
    q.destination = *destination;
  }
  auto region = r.intern(kRegion, s.region);
  if (!region) return refuse(QueryField::kRegion, 0);
  for (size_t i = 0; i < s.consents.size(); ++i) {
    auto p = r.intern(kPurpose, s.consents[i]);
    if (!p) return refuse(QueryField::kConsent, i);
    q.consent_mask |= uint64_t{1} << *p;
  }
  for (size_t i = 0; i < s.features.size(); ++i) {
    auto f = r.intern(kFeature, s.features[i]);
    if (!f) return refuse(QueryField::kFeature, i);
    q.feature_mask |= uint64_t{1} << *f;
  }
  q.data = *data;
  q.purpose = *purpose;
  q.action = *action;
  q.region = *region;
  q.age = s.age < 0 ? int16_t{-1} : static_cast<int16_t>(std::min(s.age, int{INT16_MAX}));
  q.as_of_days = s.as_of_days;
  q.gpc = s.gpc;
  q.ads_personalization = s.ads_personalization;
  q.parental_consent = s.parental_consent;
  q.consent_strings = s.consent_strings;
  return decide(q, unknown);
}

// ---- Accessors ----------------------------------------------------------------------------------

std::string_view Bundle::policy_name() const noexcept {
  return rep_->strings[rep_->policy_name];
}
std::string_view Bundle::policy_version() const noexcept {
  return rep_->strings[rep_->policy_version];
}
uint64_t Bundle::serial() const noexcept {
  return rep_->serial;
}

std::optional<uint16_t> Bundle::data_index(std::string_view id) const noexcept {
  return rep_->intern(kData, id);
}
std::optional<uint16_t> Bundle::purpose_index(std::string_view id) const noexcept {
  return rep_->intern(kPurpose, id);
}
std::optional<uint16_t> Bundle::recipient_index(std::string_view id) const noexcept {
  return rep_->intern(kRecipient, id);
}
std::optional<uint16_t> Bundle::region_index(std::string_view id) const noexcept {
  return rep_->intern(kRegion, id);
}
std::optional<uint16_t> Bundle::feature_index(std::string_view id) const noexcept {
  return rep_->intern(kFeature, id);
}
std::optional<uint16_t> Bundle::destination_index(std::string_view id) const noexcept {
  if (id == "device") return InternedQuery::kDevice;
  return rep_->intern(kRegion, id);
}
std::optional<uint8_t> Bundle::action_index(std::string_view action) noexcept {
  if (action == "collect") return 0;
  if (action == "transmit") return 1;
  return std::nullopt;
}

size_t Bundle::data_count() const noexcept {
  return rep_->count[kData];
}
size_t Bundle::purpose_count() const noexcept {
  return rep_->count[kPurpose];
}
size_t Bundle::recipient_count() const noexcept {
  return rep_->count[kRecipient];
}
size_t Bundle::region_count() const noexcept {
  return rep_->count[kRegion];
}
size_t Bundle::feature_count() const noexcept {
  return rep_->count[kFeature];
}
std::string_view Bundle::data_id(size_t i) const noexcept {
  return rep_->id_at(kData, i);
}
std::string_view Bundle::purpose_id(size_t i) const noexcept {
  return rep_->id_at(kPurpose, i);
}
std::string_view Bundle::recipient_id(size_t i) const noexcept {
  return rep_->id_at(kRecipient, i);
}
std::string_view Bundle::region_id(size_t i) const noexcept {
  return rep_->id_at(kRegion, i);
}
std::string_view Bundle::feature_id(size_t i) const noexcept {
  return rep_->id_at(kFeature, i);
}

size_t Bundle::decision_count() const noexcept {
  return rep_->decisions.size();
}
uint32_t Bundle::unknown_id_decision() const noexcept {
  return rep_->unknown_id_decision;
}
Decision Bundle::decision(uint32_t index) const noexcept {
  return Decision(this, index < rep_->decisions.size() ? index : rep_->unknown_id_decision);
}

std::span<const uint8_t, 32> Bundle::digest() const noexcept {
  return std::span<const uint8_t, 32>(rep_->digest);
}
bool Bundle::is_signed() const noexcept {
  return rep_->is_signed;
}
std::span<const uint8_t, 8> Bundle::signing_key_id() const noexcept {
  return std::span<const uint8_t, 8>(rep_->key_id);
}
std::span<const uint8_t, 64> Bundle::signature() const noexcept {
  return std::span<const uint8_t, 64>(rep_->signature);
}
size_t Bundle::size_bytes() const noexcept {
  return rep_->bytes.size();
}

bool Decision::allow() const noexcept {
  return bundle_->rep_->decisions[index_].allow != 0;
}

StringList Decision::obligations() const noexcept {
  const Bundle::Rep& r = *bundle_->rep_;
  return StringList(r.strings.data(), r.lists.data() + r.decisions[index_].obligations.offset,
                    r.decisions[index_].obligations.count);
}
StringList Decision::legal_basis() const noexcept {
  const Bundle::Rep& r = *bundle_->rep_;
  return StringList(r.strings.data(), r.lists.data() + r.decisions[index_].legal_basis.offset,
                    r.decisions[index_].legal_basis.count);
}
StringList Decision::citations() const noexcept {
  const Bundle::Rep& r = *bundle_->rep_;
  return StringList(r.strings.data(), r.lists.data() + r.decisions[index_].citations.offset,
                    r.decisions[index_].citations.count);
}
StringList Decision::rules() const noexcept {
  const Bundle::Rep& r = *bundle_->rep_;
  return StringList(r.strings.data(), r.lists.data() + r.decisions[index_].rules.offset,
                    r.decisions[index_].rules.count);
}
std::string_view Decision::reason() const noexcept {
  const Bundle::Rep& r = *bundle_->rep_;
  return r.strings[r.decisions[index_].reason];
}

}  // namespace flowgate::runtime
