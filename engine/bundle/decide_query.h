// decide_on_bundle: a toolchain Query (string ids, as parsed from JSON) decided by the runtime on a
// loaded bundle, through its StringQuery. What `flowgate decide` answers, and what the tests hold
// the reference evaluator and the compiled diagram to.
#pragma once

#include <string>

#include "flowgate/runtime.h"
#include "model/query.h"

namespace flowgate {

// `unknown` (when not null) receives which field held an id the bundle does not know, beside the
// unknown-id decision (kNone otherwise); query_field_value says what it held.
runtime::Decision decide_on_bundle(const runtime::Bundle& bundle, const Query& query,
                                   runtime::UnknownId* unknown = nullptr);

// The value `query` holds in a field, as decide_on_bundle passes it: for consents and features the
// position-th id in the set's order. "" for kNone or a position past the end.
std::string query_field_value(const Query& query, runtime::UnknownId field);

}  // namespace flowgate
