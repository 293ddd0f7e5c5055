// Query (and Decision, model/decision.h) as the toolchain sees them: ids as strings, as a flow
// arrives in JSON (docs/design.md, "The public contract"). The runtime's interned form comes with
// the bundle.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "flowgate/runtime.h"
#include "model/calendar.h"
#include "model/decision.h"
#include "model/policy.h"

namespace flowgate {

struct Query {
  std::string data;
  std::string purpose;
  Action action = Action::kTransmit;
  std::string recipient;
  std::string destination;  // a region id, or "device" for collect
  std::string region;       // the subject's region
  std::optional<int> age;   // whole years; absent means unknown
  Date as_of;
  bool ads_personalization = true;  // the in-app toggle (§11.2.1), on unless the user turned it off
  bool gpc = false;
  bool parental_consent = false;   // verifiable consent of a parent or guardian (COPPA)
  std::set<std::string> consents;  // purpose ids the subject consented to
  std::set<std::string> features;  // features in use, e.g. "bluetooth"
  // signals.tcf and signals.gpp, decoded
  runtime::ConsentStrings consent_strings;
};

}  // namespace flowgate
