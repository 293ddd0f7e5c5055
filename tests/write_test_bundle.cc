// Test fixture: writes the hand-built test policy as bundles for the C API test.
//   write_test_bundle DIR  →  DIR/test.fgb (unsigned), DIR/test-signed.fgb, DIR/test.key,
//                             DIR/test.pub, DIR/other.pub (a key that did not sign);
//                             signed by test.key with serials: DIR/serial-1.fgb, DIR/serial-2.fgb
//                             (policy version 2026-01-30-b) and DIR/serial-2-other.fgb (serial 2,
//                             policy version 2026-01-30-c: another bundle under the same serial);
//                             DIR/test-medium.fgb: test.fgb with 3-byte children (format 5)
#include <cstdint>
#include <cstdio>
#include <string>

#include "bundle/bundle_writer.h"
#include "bundle_test_policy.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_test_bundle DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  try {
    const std::string bundle = flowgate::encode_bundle(flowgate::testing::test_policy());
    const flowgate::KeyPair keys = flowgate::generate_key_pair();
    const flowgate::KeyPair other = flowgate::generate_key_pair();
    for (const flowgate::runtime::Status& s :
         {flowgate::write_file_atomically(dir + "/test.fgb", bundle),
          flowgate::write_file_atomically(dir + "/test-signed.fgb",
                                          flowgate::sign_bundle(bundle, keys.secret)),
          flowgate::write_key_files(keys, dir + "/test.key", dir + "/test.pub"),
          flowgate::write_key_files(other, dir + "/other.key", dir + "/other.pub")}) {
      if (!s.ok()) {
        std::fprintf(stderr, "write_test_bundle: %s\n", s.message().c_str());
        return 1;
      }
    }
    // The same policy with 3-byte children (format version 5), which `flowgate compile` writes only
    // for diagrams past 32,767 nodes: c_api_test decides it alike on every target.
    if (auto s = flowgate::write_file_atomically(
            dir + "/test-medium.fgb",
            flowgate::encode_bundle(flowgate::testing::test_policy(),
                                    {.width = flowgate::ChildWidth::kMedium, .serial = 1}));
        !s.ok()) {
      std::fprintf(stderr, "write_test_bundle: %s\n", s.message().c_str());
      return 1;
    }
    struct Serialled {
      const char* name;
      uint64_t serial;
      const char* version;
    };
    for (const Serialled& b :
         {Serialled{"serial-1.fgb", 1, "2026-01-30"}, Serialled{"serial-2.fgb", 2, "2026-01-30-b"},
          Serialled{"serial-2-other.fgb", 2, "2026-01-30-c"}}) {
      flowgate::CompiledPolicy policy = flowgate::testing::test_policy();
      policy.policy_version = b.version;
      const std::string bytes =
          flowgate::encode_bundle(policy, flowgate::EncodeOptions{.serial = b.serial});
      const flowgate::runtime::Status s = flowgate::write_file_atomically(
          dir + "/" + b.name, flowgate::sign_bundle(bytes, keys.secret));
      if (!s.ok()) {
        std::fprintf(stderr, "write_test_bundle: %s\n", s.message().c_str());
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_test_bundle: %s\n", e.what());
    return 1;
  }
  return 0;
}
