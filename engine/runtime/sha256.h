// SHA-256 (FIPS 180-4), standard library only: the bundle's content digest. Incremental (update …
// finish) or one shot (sha256). Not constant-time with respect to anything secret; it hashes public
// bundle bytes only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flowgate::runtime {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256() noexcept;
  void update(const void* data, size_t size) noexcept;
  void update(std::string_view bytes) noexcept { update(bytes.data(), bytes.size()); }
  // The digest of everything updated so far; the object is then spent (reset() to reuse).
  Sha256Digest finish() noexcept;
  void reset() noexcept;

 private:
  void compress(const uint8_t* block) noexcept;

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t length_ = 0;  // bytes
};

Sha256Digest sha256(const void* data, size_t size) noexcept;
inline Sha256Digest sha256(std::string_view bytes) noexcept {
  return sha256(bytes.data(), bytes.size());
}

}  // namespace flowgate::runtime
