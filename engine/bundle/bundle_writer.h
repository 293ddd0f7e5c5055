// The bundle writer (toolchain side): CompiledPolicy → bundle bytes (docs/bundle-format.md), the
// Ed25519 signature, key files, and the atomic write that puts a bundle on disk. This file's
// external interface is encode_bundle and sign_bundle.
//
// Key files are one line of 64 lowercase hex digits: a secret key file holds the 32-byte Ed25519
// seed (written with mode 0600), a public key file the 32-byte public key (what an app trusts, and
// what flowgate::runtime::read_public_key_file reads).
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "compile/compiled_policy.h"
#include "flowgate/verify.h"

namespace flowgate {

// The bundle for a compiled policy, unsigned. Nodes are written bottom-up (children before
// parents), renumbered if the compiler's order is not already so; unreachable nodes are dropped
// in that case. The result is loaded back before it is returned, so a policy the runtime would
// refuse is never written: throws std::invalid_argument naming the problem (a compiler bug, not
// bad user input).
// Children are written as u16 when the diagram allows (format version 3), else as 3 bytes when the
// bundle has a serial and the diagram allows (version 5), else as u32. kMedium writes 3 bytes
// whenever the diagram allows (it needs a serial); kWide keeps u32 and the lowest version the
// policy's bits and serial need, as older runtimes read.
enum class ChildWidth { kNarrowWhenPossible, kMedium, kWide };
struct EncodeOptions {
  ChildWidth width = ChildWidth::kNarrowWhenPossible;
  // The bundle's serial (format version 4 and later): a release number that only grows, covered by
  // the digest and the signature; BundleHolder refuses to replace a running bundle with one of a
  // lower serial. 0 writes none, and the lowest version (1–3) the policy needs, as runtimes before
  // version 4 read; such a bundle counts as serial 0 in a holder. `flowgate compile` always gives
  // one (docs/bundle-format.md, "Serial").
  uint64_t serial = 0;
  // The newest format version to write: 4 keeps u32 children where 3-byte ones would do (version
  // 5), for runtimes of version 4 (`flowgate compile --max-format-version 4`).
  uint32_t max_format_version = 5;
};
std::string encode_bundle(const CompiledPolicy& policy, const EncodeOptions& options);
std::string encode_bundle(const CompiledPolicy& policy,
                          ChildWidth width = ChildWidth::kNarrowWhenPossible);

struct SecretKey {
  std::array<uint8_t, 64> bytes{};  // libsodium's Ed25519 secret key: seed ‖ public key
};
struct KeyPair {
  SecretKey secret;
  runtime::PublicKey public_key;
};

KeyPair generate_key_pair();
runtime::PublicKey public_key_of(const SecretKey& key);

// Signs a bundle (an existing signature is replaced): sets the signed flag, recomputes the digest
// and appends the signature block. Throws std::invalid_argument when `bundle` is not a bundle.
std::string sign_bundle(std::string bundle, const SecretKey& key);
// The Ed25519 signature of any message (runtime::verify_detached checks it).
runtime::Signature sign_detached(std::string_view message, const SecretKey& key);

// Key files and the atomic write fail on I/O: they return runtime::Status (docs/design.md,
// "Errors"), its message "path: what went wrong" — kIoError when the file cannot be read or
// written, kInvalidArgument when it is not a secret key file.
runtime::Status read_secret_key_file(const std::string& path, SecretKey* key);
runtime::Status write_key_files(const KeyPair& keys, const std::string& secret_path,
                                const std::string& public_path);

// Writes `bytes` to `path` so that readers see the old file or the new one, never a part: a temp
// file in the same directory, fsync, rename over `path`, fsync of the directory. On any failure
// the old file is untouched, the temp file removed, and a kIoError Status returned.
runtime::Status write_file_atomically(const std::string& path, std::string_view bytes,
                                      unsigned mode = 0644);

}  // namespace flowgate
