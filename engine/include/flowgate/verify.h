// Bundle signature verification (Ed25519, libsodium): beside the decision path, in its own library
// (flowgate_verify) so the runtime itself stays standard-library only.
//
// A signed bundle carries, after its content, the Ed25519 signature of its SHA-256 content digest
// and the id of the key that made it (the first 8 bytes of the public key); docs/bundle-format.md.
// Bundle::load checks the digest; these functions check that the signature over it comes from a
// trusted key. Thread-safe; nothing throws.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "flowgate/runtime.h"

namespace flowgate::runtime {

struct PublicKey {
  std::array<uint8_t, 32> bytes{};
};

// A public key file holds the key as 64 hex digits (white space around them is ignored).
Status parse_public_key_hex(std::string_view hex, PublicKey* key) noexcept;
Status read_public_key_file(const std::string& path, PublicKey* key) noexcept;

// Ok when the loaded bundle is signed by one of `trusted`; kUnauthenticated otherwise (unsigned,
// signed by another key, or a signature that does not verify), with a message that says which.
Status verify_bundle_signature(const Bundle& bundle, std::span<const PublicKey> trusted) noexcept;
// Loads `bytes` (structure and digest checked) and verifies its signature against `key`.
Status verify_bundle_signature(std::string_view bytes, const PublicKey& key) noexcept;

// An Ed25519 signature over any message (an approval record's canonical text, store/approvals.h).
using Signature = std::array<uint8_t, 64>;
// Ok when `signature` is `key`'s over `message`; kUnauthenticated otherwise.
Status verify_detached(std::string_view message, const Signature& signature,
                       const PublicKey& key) noexcept;

}  // namespace flowgate::runtime
