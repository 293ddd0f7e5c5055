// Ed25519 verification of a bundle's signature block (libsodium). This file's external interface
// is verify_bundle_signature (flowgate/verify.h).
#include <sodium.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>

#include "flowgate/verify.h"

namespace flowgate::runtime {
namespace {

std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status parse_public_key_hex(std::string_view text, PublicKey* key) noexcept {
  if (key == nullptr) return Status::invalid_argument("parse_public_key_hex: null output");
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.size() != 64) {
    return Status::invalid_argument("a public key is 64 hex digits; got " +
                                    std::to_string(text.size()) + " characters");
  }
  for (size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::invalid_argument("a public key is hex digits only");
    key->bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
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
      return Status::unauthenticated("bundle signature does not verify with key " + hex(key_id) +
                                     " (forged or damaged signature)");
    }
    return Status::unauthenticated("bundle is signed by key " + hex(key_id) +
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

}  // namespace flowgate::runtime
