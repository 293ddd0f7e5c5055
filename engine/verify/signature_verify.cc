// Ed25519 verification of a bundle's signature block (libsodium). This file's external interface
// is verify_bundle_signature (flowgate/verify.h).
#include <sodium.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>

#include "flowgate/verify.h"
#include "runtime/hex.h"

namespace flowgate::runtime {
Status parse_public_key_hex(std::string_view text, PublicKey* key) noexcept {
  if (key == nullptr) return Status::invalid_argument("parse_public_key_hex: null output");
  text = trim_space(text);
  if (text.size() != 64) {
    return Status::invalid_argument("a public key is 64 hex digits; got " +
                                    std::to_string(text.size()) + " characters");
  }
  if (!from_hex(text, key->bytes))
    return Status::invalid_argument("a public key is hex digits only");
  return Status();
}

Status read_public_key_file(const std::string& path, PublicKey* key) noexcept {
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::io_error(path + ": cannot open");
    std::string text(4097, '\0');  // a key file is 64 hex digits; never read more than this
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > 4096) return Status::invalid_argument(path + ": not a public key file");
    Status s = parse_public_key_hex(text, key);
    if (!s.ok()) return Status(s.code(), path + ": " + s.message());
    return s;
  } catch (...) {
    return Status::io_error(path + ": cannot read");
  }
}

Status verify_bundle_signature(const Bundle& bundle, std::span<const PublicKey> trusted) noexcept {
  try {
    if (sodium_init() < 0) return Status::unauthenticated("libsodium failed to initialise");
    if (!bundle.is_signed()) {
      return Status::unauthenticated(
          "bundle is unsigned; a signature from a trusted key is "
          "required");
    }
    if (trusted.empty()) return Status::unauthenticated("no trusted keys to verify against");
    const auto key_id = bundle.signing_key_id();
    bool named = false;  // a trusted key has the signature's key id
    for (const PublicKey& key : trusted) {
      if (std::memcmp(key.bytes.data(), key_id.data(), key_id.size()) != 0) continue;
      named = true;
      if (crypto_sign_verify_detached(bundle.signature().data(), bundle.digest().data(),
                                      bundle.digest().size(), key.bytes.data()) == 0) {
        return Status();
      }
    }
    if (named) {
      return Status::unauthenticated("bundle signature does not verify with key " + to_hex(key_id) +
                                     " (forged or damaged signature)");
    }
    return Status::unauthenticated("bundle is signed by key " + to_hex(key_id) +
                                   ", which is not a trusted key");
  } catch (...) {
    return Status::unauthenticated("bundle signature could not be checked");
  }
}

Status verify_bundle_signature(std::string_view bytes, const PublicKey& key) noexcept {
  try {
    std::unique_ptr<const Bundle> bundle;
    Status s = Bundle::load(std::string(bytes), &bundle);
    if (!s.ok()) return s;
    return verify_bundle_signature(*bundle, std::span<const PublicKey>(&key, 1));
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("out of memory verifying the bundle");
  }
}

Status verify_detached(std::string_view message, const Signature& signature,
                       const PublicKey& key) noexcept {
  if (sodium_init() < 0) return Status::unauthenticated("libsodium failed to initialise");
  if (crypto_sign_verify_detached(signature.data(),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), key.bytes.data()) != 0) {
    return Status::unauthenticated("signature does not verify with key " + to_hex(key.bytes) +
                                   " (forged, damaged, or the signed text was changed)");
  }
  return Status();
}

}  // namespace flowgate::runtime
