// The bundle's binary layout, shared by the writer (engine/bundle/) and the loader (bundle.cc).
// docs/bundle-format.md is the specification; this header is its transcription. Little-endian
// throughout; every record is a plain struct whose size is pinned below, read with memcpy.
//
//   offset  size  field
//   0       8     magic "FLOWGATE"
//   8       4     format_version (kOldestFormatVersion … kFormatVersion)
//   12      32    digest: SHA-256 of bytes [44, total_size)
//   44      4     flags (bit 0: a signature block follows; bit 1: children are u16, from version 3;
//                 bit 2: children are 3 bytes, from version 5; other bits zero)
//   48      4     header_size (header_size(format_version): 360, or 376 from version 4)
//   52      4     section_count (section_count(format_version): 17, or 18 from version 4)
//   56      8     total_size: header and sections, without the signature block
//   64      4     policy_name       string ref
//   68      4     policy_version    string ref
//   72      4     root              child ref
//   76      4     unknown_id_decision
//   80      2     device_destination_class
//   82      2     region_classes
//   84      2     destination_classes
//   86      2     reserved (0)
//   88      16×N  section table: SectionEntry per Section, in enum order
//   …             sections, each 8-byte aligned, in enum order, zero padding between; from
//                 version 4 the last is kSerial, the bundle's u64 serial
//   total_size 80 signature block (only when flags bit 0): SignatureBlock
//
// Std-only: part of flowgate_runtime.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace flowgate::bundle_format {

static_assert(std::endian::native == std::endian::little,
              "the bundle codec reads little-endian records with memcpy");

inline constexpr char kMagic[8] = {'F', 'L', 'O', 'W', 'G', 'A', 'T', 'E'};
// Version 2 added the bit kinds that test consent strings (kBitTcfPurposeConsent and after). The
// writer stamps the lowest version that holds the bundle, so a bundle without them still loads in
// a version-1 runtime, and one with them is "not supported" there rather than "corrupt".
// Version 3 added kBitParentalConsent.
// Version 4 added section kSerial: the bundle's serial, a u64 above 0 that grows with every
// release, so that a holder can refuse a rollback to an older bundle (BundleHolder). Bundles of
// versions 1–3 have no serial: Bundle::serial() is 0 for them. The writer stamps version 4 or 5
// only when it is given a serial.
// Version 5 added kFlagMediumChildren, and otherwise has version 4's layout (the serial too).
inline constexpr uint32_t kFormatVersion = 5;
inline constexpr uint32_t kFirstSerialVersion = 4;
inline constexpr uint32_t kFirstMediumVersion = 5;
inline constexpr uint32_t kOldestFormatVersion = 1;
inline constexpr uint32_t kFlagSigned = 1u << 0;
// Children as u16 — a node index below 0x8000, or kLeaf16 | a decision index below 0x8000 — when
// the diagram is that small (every shipped policy so far): half the largest section. From
// version 3.
inline constexpr uint32_t kFlagNarrowChildren = 1u << 1;
inline constexpr uint16_t kLeaf16 = 0x8000u;
// Children as 3 bytes — a node index below 2^23, or kLeaf24 | a decision index below 2^23 — when
// the diagram is too large for u16 refs (tens of thousands of nodes): three quarters of the u32
// layout's largest section. From version 5, so only in bundles with a serial.
inline constexpr uint32_t kFlagMediumChildren = 1u << 2;
inline constexpr uint32_t kLeaf24 = 0x80'0000u;
inline constexpr size_t kDigestOffset = 12;
inline constexpr size_t kDigestSize = 32;
inline constexpr size_t kDigestedFrom = kDigestOffset + kDigestSize;  // 44
inline constexpr size_t kFlagsOffset = 44;

// Child references: a node index, or kLeaf | decision index.
inline constexpr uint32_t kLeaf = 0x8000'0000u;
// A string ref that names no string (Bit::id of kinds without an id).
inline constexpr uint32_t kNoString = 0xFFFF'FFFFu;

enum Section : uint32_t {
  kStringIndex = 0,       // StringEntry[]
  kStringData = 1,        // bytes; count == size
  kDataIds = 2,           // u32 string ref[]
  kPurposeIds = 3,        // u32 string ref[]
  kRecipientIds = 4,      // u32 string ref[]
  kFeatureIds = 5,        // u32 string ref[]
  kRegionIds = 6,         // u32 string ref[]
  kRegionClass = 7,       // u16[] per region id
  kDestinationClass = 8,  // u16[] per region id
  kDateBreakpoints = 9,   // i32[] days since 1970-01-01, strictly ascending
  kAgeThresholds = 10,    // i32[] whole years, strictly ascending
  kBits = 11,             // BitRecord[]
  kVariables = 12,        // VariableRecord[]
  kNodes = 13,            // NodeRecord[]
  kChildren = 14,         // child ref[]: u32, u16 or 3 bytes (element_size)
  kDecisions = 15,        // DecisionRecord[]
  kStringLists = 16,      // u32 string ref[]: the decisions' lists
  kSerial = 17,           // u64[1]: the bundle's serial, nonzero (format versions 4 and 5)
  kSectionCount = 18,     // the most sections a bundle has; section_count(version) is exact
};

// How many sections, and so how large the header with its section table, a version has.
constexpr uint32_t section_count(uint32_t format_version) {
  return format_version >= kFirstSerialVersion ? 18 : 17;
}

struct Header {
  char magic[8];
  uint32_t format_version;
  uint8_t digest[32];
  uint32_t flags;
  uint32_t header_size;
  uint32_t section_count;
  uint32_t total_size_lo;  // u64 total_size as two words: keeps the struct free of padding
  uint32_t total_size_hi;
  uint32_t policy_name;
  uint32_t policy_version;
  uint32_t root;
  uint32_t unknown_id_decision;
  uint16_t device_destination_class;
  uint16_t region_classes;
  uint16_t destination_classes;
  uint16_t reserved;
};
static_assert(sizeof(Header) == 88 && std::is_trivially_copyable_v<Header>);
static_assert(offsetof(Header, digest) == kDigestOffset && offsetof(Header, flags) == kFlagsOffset);

struct SectionEntry {
  uint32_t offset;  // from the start of the bundle; a multiple of 8
  uint32_t size;    // bytes; count × the element size
  uint32_t count;   // elements
  uint32_t reserved;
};
static_assert(sizeof(SectionEntry) == 16 && std::is_trivially_copyable_v<SectionEntry>);

constexpr uint32_t header_size(uint32_t format_version) {
  return static_cast<uint32_t>(sizeof(Header) +
                               section_count(format_version) * sizeof(SectionEntry));
}
// The smallest header: versions 1–3. Every bundle is at least this long.
inline constexpr uint32_t kMinHeaderSize = header_size(kOldestFormatVersion);
static_assert(kMinHeaderSize == 360 && header_size(kFirstSerialVersion) == 376);

struct StringEntry {
  uint32_t offset;  // into kStringData; the string's bytes are followed by a NUL
  uint32_t length;  // bytes, without the NUL
};
static_assert(sizeof(StringEntry) == 8 && std::is_trivially_copyable_v<StringEntry>);

struct BitRecord {
  uint8_t kind;  // Bit::Kind
  uint8_t reserved[3];
  // A string ref (kConsent: a purpose id, kFeature: a feature id, kGppOptOut: its name), the TCF
  // purpose number for kTcfPurpose*, else kNoString.
  uint32_t id;
};
static_assert(sizeof(BitRecord) == 8 && std::is_trivially_copyable_v<BitRecord>);

struct VariableRecord {
  uint8_t kind;  // VariableKind
  uint8_t reserved[3];
  uint32_t bit;     // kBit: index into kBits, else 0
  uint32_t domain;  // number of values; fixed by the kind (docs/bundle-format.md)
};
static_assert(sizeof(VariableRecord) == 12 && std::is_trivially_copyable_v<VariableRecord>);

struct NodeRecord {
  uint32_t variable;     // index into kVariables
  uint32_t first_child;  // children[first_child .. first_child + domain)
};
static_assert(sizeof(NodeRecord) == 8 && std::is_trivially_copyable_v<NodeRecord>);

struct ListRef {
  uint32_t offset;  // into kStringLists
  uint32_t count;
};
static_assert(sizeof(ListRef) == 8 && std::is_trivially_copyable_v<ListRef>);

struct DecisionRecord {
  uint8_t allow;  // 0 deny, 1 allow
  uint8_t reserved[3];
  uint32_t reason;  // string ref
  ListRef obligations;
  ListRef legal_basis;
  ListRef citations;
  ListRef rules;
};
static_assert(sizeof(DecisionRecord) == 40 && std::is_trivially_copyable_v<DecisionRecord>);

inline constexpr char kSignatureTag[8] = {'F', 'G', 'S', 'I', 'G', 'E', 'D', '1'};
struct SignatureBlock {
  char tag[8];            // kSignatureTag
  uint8_t key_id[8];      // the first 8 bytes of the Ed25519 public key
  uint8_t signature[64];  // Ed25519 over the 32-byte digest
};
static_assert(sizeof(SignatureBlock) == 80 && std::is_trivially_copyable_v<SignatureBlock>);

// Element sizes per section, in enum order (kStringData counts bytes); kChildren is 2 bytes a
// child under kFlagNarrowChildren and 3 under kFlagMediumChildren (element_size).
inline constexpr uint32_t kElementSize[kSectionCount] = {sizeof(StringEntry),
                                                         1,
                                                         4,
                                                         4,
                                                         4,
                                                         4,
                                                         4,
                                                         2,
                                                         2,
                                                         4,
                                                         4,
                                                         sizeof(BitRecord),
                                                         sizeof(VariableRecord),
                                                         sizeof(NodeRecord),
                                                         4,
                                                         sizeof(DecisionRecord),
                                                         4,
                                                         8};

constexpr uint32_t element_size(uint32_t section, uint32_t flags) {
  if (section != kChildren) return kElementSize[section];
  if (flags & kFlagNarrowChildren) return 2;
  return (flags & kFlagMediumChildren) ? 3 : 4;
}

// Child ref `i` of a children section whose refs are `width` bytes (element_size), as the u32 ref
// the loader keeps in memory: the leaf bit moves from the top of the narrow ref to kLeaf.
inline uint32_t child_at(const unsigned char* section, size_t i, uint32_t width) {
  const unsigned char* p = section + i * width;
  uint32_t ref = 0;
  for (uint32_t b = 0; b < width; ++b) ref |= uint32_t{p[b]} << (8 * b);
  if (width == 4) return ref;
  const uint32_t leaf = 1u << (8 * width - 1);
  return (ref & leaf) ? (kLeaf | (ref & ~leaf)) : ref;
}

inline constexpr const char* kSectionName[kSectionCount] = {
    "string index",     "string data",    "data ids",
    "purpose ids",      "recipient ids",  "feature ids",
    "region ids",       "region class",   "destination class",
    "date breakpoints", "age thresholds", "bits",
    "variables",        "nodes",          "children",
    "decisions",        "string lists",   "serial"};

// Limits the loader enforces (docs/bundle-format.md, "Limits").
inline constexpr uint64_t kMaxBundleBytes = 64u << 20;
inline constexpr uint32_t kMaxIds = 0xFFF0;   // per id table: ids fit the query's u16 fields
inline constexpr uint32_t kMaxPurposes = 64;  // consent_mask has a bit per purpose
inline constexpr uint32_t kMaxFeatures = 64;  // feature_mask has a bit per feature
inline constexpr uint32_t kMaxBreakpoints = 0xFFFF;
inline constexpr uint32_t kMaxBits = 0xFFFF;
inline constexpr uint32_t kMaxVariables = 0xFFFF;
inline constexpr uint32_t kMaxNodes = kLeaf - 1;
inline constexpr uint32_t kMaxDecisions = kLeaf - 1;
inline constexpr int32_t kMaxAge = 0x7FFF;

// Variable and bit kinds, as compile/compiled_policy.h numbers them (the writer pins the match).
enum VariableKind : uint8_t {
  kVarData = 0,
  kVarPurpose = 1,
  kVarAction = 2,
  kVarRecipient = 3,
  kVarDestination = 4,
  kVarRegion = 5,
  kVarDate = 6,
  kVarAge = 7,
  kVarBit = 8,
};
enum BitKind : uint8_t {
  kBitGpc = 0,
  kBitAdsPersonalization = 1,
  kBitConsentForPurpose = 2,
  kBitConsent = 3,
  kBitFeature = 4,
  // Format version 2:
  kBitTcfPurposeConsent = 5,
  kBitTcfPurposeLegitimateInterest = 6,
  kBitGppOptOut = 7,
  kBitTcfPresent = 8,
  kBitGppPresent = 9,
  // Format version 3:
  kBitParentalConsent = 10,
};

}  // namespace flowgate::bundle_format
