// decode_bundle: the bundle writer's inverse (toolchain side) — bundle bytes back into the
// CompiledPolicy they encode, so analyses that work on diagrams (flowgate diff) can take a bundle
// file, or an approved bundle from the store, as well as a policy folder. This file's external
// interface is decode_bundle.
#pragma once

#include <string>

#include "compile/compiled_policy.h"
#include "flowgate/runtime.h"

namespace flowgate {

// The bytes are first loaded by the runtime (every offset, count and index checked, and the
// digest); on failure returns the runtime's Status (kCorruption, kNotSupported, …) and leaves *out
// alone. Signatures are not checked. The result's unreduced_nodes is 0.
runtime::Status decode_bundle(const std::string& bytes, CompiledPolicy* out);

}  // namespace flowgate
