// decode_bundle: runtime-checked load, then the sections copied out record by record.
#include "bundle/bundle_reader.h"

#include <cstring>
#include <memory>

#include "flowgate/runtime.h"
#include "runtime/bundle_format.h"

namespace flowgate {
namespace {

namespace bf = bundle_format;

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {
    std::memcpy(&header_, bytes_.data(), sizeof header_);
    for (uint32_t s = 0; s < bf::section_count(header_.format_version); ++s) {
      std::memcpy(&sections_[s], bytes_.data() + sizeof header_ + s * sizeof(bf::SectionEntry),
                  sizeof(bf::SectionEntry));
    }
  }

  const bf::Header& header() const { return header_; }
  uint32_t count(bf::Section s) const { return sections_[s].count; }
  const unsigned char* section(bf::Section s) const {
    return reinterpret_cast<const unsigned char*>(bytes_.data()) + sections_[s].offset;
  }

  template <typename T>
  T at(bf::Section s, uint32_t i) const {
    T value;
    std::memcpy(&value, bytes_.data() + sections_[s].offset + static_cast<size_t>(i) * sizeof(T),
                sizeof(T));
    return value;
  }

  std::string string(uint32_t ref) const {
    if (ref == bf::kNoString) return {};
    auto entry = at<bf::StringEntry>(bf::kStringIndex, ref);
    return bytes_.substr(sections_[bf::kStringData].offset + entry.offset, entry.length);
  }

  std::vector<std::string> strings(bf::Section s) const {
    std::vector<std::string> out;
    for (uint32_t i = 0; i < count(s); ++i) out.push_back(string(at<uint32_t>(s, i)));
    return out;
  }

  std::vector<std::string> list(bf::ListRef ref) const {
    std::vector<std::string> out;
    for (uint32_t i = 0; i < ref.count; ++i)
      out.push_back(string(at<uint32_t>(bf::kStringLists, ref.offset + i)));
    return out;
  }

  template <typename T>
  std::vector<T> array(bf::Section s) const {
    std::vector<T> out;
    for (uint32_t i = 0; i < count(s); ++i) out.push_back(at<T>(s, i));
    return out;
  }

 private:
  const std::string& bytes_;
  bf::Header header_;
  bf::SectionEntry sections_[bf::kSectionCount] = {};
};

}  // namespace

runtime::Status decode_bundle(const std::string& bytes, CompiledPolicy* out) {
  if (out == nullptr) return runtime::Status::invalid_argument("decode_bundle: null output");
  std::unique_ptr<const runtime::Bundle> checked;
  runtime::Status status = runtime::Bundle::load(bytes, &checked);
  if (!status.ok()) return status;
  Reader r(bytes);
  CompiledPolicy c;
  c.policy_name = r.string(r.header().policy_name);
  c.policy_version = r.string(r.header().policy_version);
  c.data_ids = r.strings(bf::kDataIds);
  c.purpose_ids = r.strings(bf::kPurposeIds);
  c.recipient_ids = r.strings(bf::kRecipientIds);
  c.feature_ids = r.strings(bf::kFeatureIds);
  c.region_ids = r.strings(bf::kRegionIds);
  c.region_class = r.array<uint16_t>(bf::kRegionClass);
  c.destination_class = r.array<uint16_t>(bf::kDestinationClass);
  c.device_destination_class = r.header().device_destination_class;
  c.region_classes = r.header().region_classes;
  c.destination_classes = r.header().destination_classes;
  c.date_breakpoints = r.array<int32_t>(bf::kDateBreakpoints);
  c.age_thresholds = r.array<int32_t>(bf::kAgeThresholds);
  for (uint32_t i = 0; i < r.count(bf::kBits); ++i) {
    auto b = r.at<bf::BitRecord>(bf::kBits, i);
    const bool tcf_purpose =
        b.kind == bf::kBitTcfPurposeConsent || b.kind == bf::kBitTcfPurposeLegitimateInterest;
    c.bits.push_back(
        {static_cast<Bit::Kind>(b.kind), tcf_purpose ? std::to_string(b.id) : r.string(b.id)});
  }
  for (uint32_t i = 0; i < r.count(bf::kVariables); ++i) {
    auto v = r.at<bf::VariableRecord>(bf::kVariables, i);
    c.variables.push_back({static_cast<VariableKind>(v.kind), v.bit, v.domain});
  }
  for (uint32_t i = 0; i < r.count(bf::kNodes); ++i) {
    auto n = r.at<bf::NodeRecord>(bf::kNodes, i);
    c.nodes.push_back({n.variable, n.first_child});
  }
  const uint32_t width = bf::element_size(bf::kChildren, r.header().flags);
  for (uint32_t i = 0; i < r.count(bf::kChildren); ++i)
    c.children.push_back(bf::child_at(r.section(bf::kChildren), i, width));
  c.root = r.header().root;
  for (uint32_t i = 0; i < r.count(bf::kDecisions); ++i) {
    auto d = r.at<bf::DecisionRecord>(bf::kDecisions, i);
    c.decisions.push_back({d.allow != 0, r.list(d.obligations), r.list(d.legal_basis),
                           r.list(d.citations), r.list(d.rules), r.string(d.reason)});
  }
  c.unknown_id_decision = r.header().unknown_id_decision;
  *out = std::move(c);
  return runtime::Status();
}

}  // namespace flowgate
