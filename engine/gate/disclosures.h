// The store and regulator disclosures `flowgate gate --emit KIND` writes, all generated from the
// inventory and the rules so they never drift from the policy:
//   privacy-manifest   the app's own PrivacyInfo.xcprivacy (plist XML), through the mapping
//   play-data-safety   Google Play's Data safety answers (JSON, or CSV)
//   california-table   the §11.2.2-style disclosure table for a California adult (markdown)
//   gdpr-art30         the EU record of processing activities, GDPR Art. 30(1) (markdown or JSON)
// Each returns the text, or problems (an inventory id the mapping cannot declare) with locations.
#pragma once

#include <string>
#include <vector>

#include "gate/apple_mapping.h"
#include "gate/declared_flows.h"
#include "model/calendar.h"
#include "model/policy.h"

namespace flowgate {

struct Disclosure {
  std::string text;
  std::vector<GateFinding> problems;  // errors: the disclosure would be incomplete
};

Disclosure emit_privacy_manifest(const Policy& policy, const AppleMapping& mapping);
Disclosure emit_play_data_safety(const Policy& policy, const AppleMapping& mapping, bool csv);
Disclosure emit_california_table(const Policy& policy, Date as_of);
Disclosure emit_gdpr_art30(const Policy& policy, Date as_of, bool json);

}  // namespace flowgate
