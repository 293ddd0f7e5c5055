// A small hand-built CompiledPolicy that exercises every variable kind and every bit kind, for
// the bundle, runtime and C API tests (until the compiler's output on the shipped policy is used).
#pragma once

#include <string>

#include "compile/compiled_policy.h"

namespace flowgate::testing {

// Decision indices of test_policy().
enum TestDecision : uint32_t {
  kUnknownId = 0,
  kDefaultDeny = 1,
  kAllowTransmit = 2,  // encrypt_in_transit
  kAllowCollect = 3,
  kDenyMinor = 4,
  kAllowEu = 5,  // legal basis consent; encrypt_in_transit, transfer.scc
};

// `top_down`: nodes numbered root first (the encoder must reorder them).
CompiledPolicy test_policy(bool top_down = false);

// The test policy's decision walked directly on the CompiledPolicy (no bundle): the expected
// answer for the runtime. Indices as in InternedQuery; destination 0xFFFF is the device.
uint32_t walk_compiled(const CompiledPolicy& p, uint32_t data, uint32_t purpose, uint32_t action,
                       uint32_t recipient, uint32_t destination, uint32_t region, int age,
                       int32_t as_of_days, bool gpc, bool ads, uint64_t consents, uint64_t features,
                       const runtime::ConsentStrings& strings = {}, bool parental_consent = false);

}  // namespace flowgate::testing
