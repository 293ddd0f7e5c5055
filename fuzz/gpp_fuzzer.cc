// libFuzzer target: decode_gpp on arbitrary bytes. Checks on success: header version 1, section
// ids strictly ascending and one per '~'-separated part, each decoded section present exactly
// when its id is listed, two-bit fields within 0–3 and list lengths fixed by the section version.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "flowgate/signals.h"

namespace rt = flowgate::runtime;

namespace {

bool listed(const rt::GppString& g, uint16_t id) {
  return std::find(g.section_ids.begin(), g.section_ids.end(), id) != g.section_ids.end();
}

template <typename Section>
void check_two_bits(const Section& s) {
  for (uint8_t v : s.sensitive_data_processing)
    if (v > 3) std::abort();
  for (uint8_t v : s.known_child_sensitive_data_consents)
    if (v > 3) std::abort();
  if (s.sale_opt_out > 3 || s.sharing_opt_out > 3 || s.mspa_covered_transaction > 3) std::abort();
  if (s.gpc && !s.gpc_segment_included) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rt::GppString g;
  const rt::Status s = rt::decode_gpp(text, &g);
  if (!s.ok()) {
    if (s.message().empty()) std::abort();
    return 0;
  }
  if (g.version != 1) std::abort();
  if (static_cast<size_t>(std::count(text.begin(), text.end(), '~')) != g.section_ids.size())
    std::abort();
  for (size_t i = 1; i < g.section_ids.size(); ++i) {
    if (g.section_ids[i - 1] >= g.section_ids[i]) std::abort();
  }
  if (g.usnat.has_value() != listed(g, 7) || g.usca.has_value() != listed(g, 8) ||
      g.tcfeuv2.has_value() != listed(g, 2)) {
    std::abort();
  }
  if (g.usnat) {
    const size_t n = g.usnat->version == 1 ? 12 : 16;
    if (g.usnat->sensitive_data_processing.size() != n) std::abort();
    check_two_bits(*g.usnat);
  }
  if (g.usca) {
    if (g.usca->sensitive_data_processing.size() != 9) std::abort();
    check_two_bits(*g.usca);
  }
  (void)rt::gpp_opts_out_of_targeted_ads(g);
  return 0;
}
