// Lowercase hex, standard library only: the one encoder and decoder for digests, key ids and key
// files, used by the runtime (signature messages, reload errors) and by every layer above it (the
// bundle writer's key files, the decision log, the approvals store, the CLI).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace flowgate::runtime {

// Two lowercase hex digits per byte.
std::string to_hex(std::span<const uint8_t> bytes);

// Exactly 2 * out.size() hex digits (either case) into `out`; false, with `out` unspecified, for
// any other length or character.
bool from_hex(std::string_view text, std::span<uint8_t> out) noexcept;

// `text` without leading and trailing ASCII white space (a key file's line break).
std::string_view trim_space(std::string_view text) noexcept;

}  // namespace flowgate::runtime
