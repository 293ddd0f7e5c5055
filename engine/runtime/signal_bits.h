// Bit-level reading of base64url consent strings (TCF, GPP): the one place where a read is checked
// against the end of a segment. Internal to flowgate_runtime.
//
// A segment is a run of base64url characters (A–Z a–z 0–9 - _, no padding); each character is 6
// bits, most significant first. BitReader reads fixed-width unsigned integers, booleans and
// Fibonacci-coded integers from it; a read past the end, or a malformed code, records the first
// error (field name, bit offset, what is wrong) and makes every later read return 0, so decoders
// read a whole structure and check ok() where it matters (before using a count or a length).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowgate::runtime::signals {

// The value of a base64url character, or -1.
constexpr int base64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

class BitReader {
 public:
  // `what` prefixes every error ("TC string core segment"). The segment must have been checked
  // with valid_base64url() first; characters outside the alphabet read as zero bits.
  BitReader(std::string_view segment, std::string what)
      : segment_(segment), what_(std::move(what)) {}

  size_t position() const noexcept { return pos_; }
  size_t size_bits() const noexcept { return segment_.size() * 6; }
  size_t remaining() const noexcept { return ok() ? size_bits() - pos_ : 0; }
  bool ok() const noexcept { return error_.empty(); }
  const std::string& error() const noexcept { return error_; }

  // An unsigned integer of `bits` (1–64) bits.
  uint64_t read(const char* field, unsigned bits) {
    if (!ok()) return 0;
    if (bits > size_bits() - pos_) {
      fail(field, "needs " + std::to_string(bits) + " bits, the segment ends at bit " +
                      std::to_string(size_bits()));
      return 0;
    }
    uint64_t value = 0;
    for (unsigned i = 0; i < bits; ++i) value = (value << 1) | bit(pos_ + i);
    pos_ += bits;
    return value;
  }
  bool read_bool(const char* field) { return read(field, 1) != 0; }

  // A Fibonacci-coded integer (Zeckendorf bits from F(2)=1 upward, terminated by "11"), at most
  // kMaxFibonacciBits bits long so that the value fits comfortably in 32 bits.
  static constexpr unsigned kMaxFibonacciBits = 40;
  uint64_t read_fibonacci(const char* field) {
    if (!ok()) return 0;
    const size_t start = pos_;
    uint64_t value = 0, f0 = 1, f1 = 2;  // the weights of the current and next bit
    int previous = 0;
    for (unsigned n = 0;; ++n) {
      if (pos_ >= size_bits()) {
        fail_at(field, start, "Fibonacci code has no terminating 11 before the segment ends");
        return 0;
      }
      if (n >= kMaxFibonacciBits) {
        fail_at(field, start,
                "Fibonacci code longer than " + std::to_string(kMaxFibonacciBits) + " bits");
        return 0;
      }
      const int b = bit(pos_++);
      if (b && previous) return value;  // the terminator's second 1 carries no weight
      if (b) value += f0;
      previous = b;
      const uint64_t next = f0 + f1;
      f0 = f1;
      f1 = next;
    }
  }

  // Reports an error about the structure just read (a value out of range), at bit `at`.
  void fail_at(const char* field, size_t at, const std::string& problem) {
    if (!ok()) return;
    error_ = what_ + ": " + field + " at bit " + std::to_string(at) + ": " + problem;
  }
  void fail(const char* field, const std::string& problem) { fail_at(field, pos_, problem); }

 private:
  int bit(size_t i) const noexcept {
    const int v = base64url_value(segment_[i / 6]);
    return v < 0 ? 0 : (v >> (5 - i % 6)) & 1;
  }

  std::string_view segment_;
  std::string what_;
  size_t pos_ = 0;
  std::string error_;
};

// The offset of the first character outside the base64url alphabet, or npos.
inline size_t invalid_base64url(std::string_view segment) noexcept {
  for (size_t i = 0; i < segment.size(); ++i) {
    if (base64url_value(segment[i]) < 0) return i;
  }
  return std::string_view::npos;
}

// Splits on `separator`, keeping empty parts.
inline std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace flowgate::runtime::signals
