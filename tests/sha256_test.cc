// The runtime's SHA-256 against the FIPS 180-2 appendix vectors, in one shot and fed in pieces;
// the runtime's hex encoder and decoder (runtime/hex.h), which every layer shares.
#include "runtime/sha256.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <span>
#include <string>

#include "runtime/hex.h"

using flowgate::runtime::Sha256;
using flowgate::runtime::Sha256Digest;

namespace {

std::string hex(const Sha256Digest& d) {
  return flowgate::runtime::to_hex(d);
}

}  // namespace

TEST_SUITE("sha256") {
  TEST_CASE("FIPS 180-2 vectors") {
    using flowgate::runtime::sha256;
    CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(hex(sha256(std::string(1000000, 'a'))) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    CHECK(hex(sha256(
              "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
              "klmnopqrlmnopqrsmnopqrstnopqrstu")) ==
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  }

  TEST_CASE("incremental updates agree with one shot at every split") {
    std::string message;
    for (int i = 0; i < 200; ++i) message += static_cast<char>('a' + i % 26);
    const Sha256Digest whole = flowgate::runtime::sha256(message);
    for (size_t split = 0; split <= message.size(); ++split) {
      Sha256 h;
      h.update(message.substr(0, split));
      h.update(message.substr(split));
      CHECK(h.finish() == whole);
    }
    Sha256 bytewise;
    for (char c : message) bytewise.update(&c, 1);
    CHECK(bytewise.finish() == whole);
  }
}

TEST_SUITE("sha256") {
  TEST_CASE("hex: lowercase out, either case in, strict length and digits") {
    using flowgate::runtime::from_hex;
    using flowgate::runtime::to_hex;
    using flowgate::runtime::trim_space;
    const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    CHECK(to_hex(bytes) == "000fa5ff");
    CHECK(to_hex(std::span<const uint8_t>{}).empty());
    uint8_t out[4] = {};
    CHECK(from_hex("000FA5ff", out));
    CHECK(std::equal(std::begin(out), std::end(out), std::begin(bytes)));
    CHECK_FALSE(from_hex("000fa5f", out));     // odd length
    CHECK_FALSE(from_hex("000fa5ff00", out));  // too long
    CHECK_FALSE(from_hex("000fa5fg", out));    // not a hex digit
    CHECK_FALSE(from_hex(" 00fa5ff", out));    // white space is the caller's to trim
    CHECK(trim_space(" \t000fa5ff\r\n") == "000fa5ff");
    CHECK(trim_space(" \n").empty());
  }
}
