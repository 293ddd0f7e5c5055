// decide_on_bundle: a toolchain Query (string ids, as parsed from JSON) decided by the runtime on a
// loaded bundle, through its StringQuery. What `flowgate decide` answers, and what the tests hold
// the reference evaluator and the compiled diagram to.
#pragma once

#include "flowgate/runtime.h"
#include "model/query.h"

namespace flowgate {

runtime::Decision decide_on_bundle(const runtime::Bundle& bundle, const Query& query);

}  // namespace flowgate
