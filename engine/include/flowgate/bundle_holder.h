// Bundle lifecycle: hold the running bundle, and replace it at run time with a new one only after
// the new one is loaded (structure and SHA-256 digest), its signature verified against a trusted
// key, (optionally) its digest matched against the one the update announced, and its serial found
// not to roll the running one back. A bad bundle is refused with a Status that says why, and the
// running one stays.
//
// Rollback: every bundle `flowgate compile` writes carries a serial that grows with each release
// (Bundle::serial(), docs/bundle-format.md). A validly signed *older* bundle — last year's, with
// its wider allows — would otherwise pass every check, so a load is refused with
// kFailedPrecondition (FG_ERR_DOWNGRADE in the C API), the message naming both serials, when
//   - its serial is below the running bundle's (a bundle without a serial, format 1–3, counts as
//     serial 0, so once a serialled bundle runs, no serial-less one replaces it), or
//   - its serial equals the running bundle's but its content digest differs: two different
//     policies under one serial have no order between them, and accepting one would let whoever
//     holds the other (a staging build, a re-compile with a stale serial) swap policies sideways
//     undetected; every distinct bundle needs its own serial. The same bundle again (equal digest)
//     is accepted and swapped in as before.
// LoadOptions::allow_downgrade lifts both checks for a deliberate rollback. The first load of a
// holder has nothing running to compare with: across a restart the app carries the floor itself —
// it stores current()->serial() after each successful load and passes it as
// LoadOptions::min_serial on its first load after starting, which then refuses a lower serial as a
// reload would (so a restart does not reopen the door to last year's bundle).
//
//   flowgate::runtime::BundleHolder holder({trusted_key});
//   if (!holder.load_file("policy.fgb").ok()) …            // refused: nothing is running yet
//   auto bundle = holder.current();                        // a snapshot: intern and decide on it
//   uint32_t d = bundle->decide(q);
//   holder.load_file("policy-v2.fgb");                     // later, from an update thread
//
// Threads: current() may be called from any number of threads while another thread loads; it
// returns the old bundle or the new one, never a mix, and the snapshot stays valid (and unchanged)
// for as long as the caller holds it, however many swaps happen meanwhile: the swap publishes a
// std::shared_ptr<const Bundle> with std::atomic_store, and current() takes it with
// std::atomic_load. Loads are serialised among themselves; the verification work happens before
// the swap, outside any lock readers take. Interned ids belong to the snapshot they came from:
// intern again after taking a new snapshot. Nothing here throws.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "flowgate/runtime.h"
#include "flowgate/verify.h"

namespace flowgate::runtime {

class BundleHolder {
 public:
  // require_signature: refuse a bundle not signed by one of `trusted` (the production setting).
  // When it is false, a signed bundle's signature is still checked against `trusted` if any keys
  // are given, as fg_open does.
  explicit BundleHolder(std::vector<PublicKey> trusted, bool require_signature = true);

  struct LoadOptions {
    // The digest the update announced (e.g. in its manifest); refused when the bundle's differs.
    std::optional<std::array<uint8_t, 32>> expected_digest;
    // Accept a bundle whose serial is not above the running one's: a deliberate rollback (the
    // signature, digest and every other check still apply).
    bool allow_downgrade = false;
    // The lowest serial to accept, whether or not a bundle runs: the serial the app last ran,
    // persisted by the app across restarts. 0: no floor beyond the running bundle's.
    uint64_t min_serial = 0;
  };

  // Loads, verifies and, when everything holds, swaps in the new bundle. On failure the running
  // bundle stays, and the status says why (kCorruption, kUnauthenticated, kIoError,
  // kFailedPrecondition for a rollback, …).
  Status load(std::string bytes, const LoadOptions& options) noexcept;
  Status load(std::string bytes) noexcept { return load(std::move(bytes), LoadOptions{}); }
  Status load_file(const std::string& path, const LoadOptions& options) noexcept;
  Status load_file(const std::string& path) noexcept { return load_file(path, LoadOptions{}); }

  // The running bundle; null until a load has succeeded.
  std::shared_ptr<const Bundle> current() const noexcept;
  // How many bundles have been swapped in; refused loads do not count.
  uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
  uint64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }

 private:
  Status install(std::unique_ptr<const Bundle> loaded, const LoadOptions& options) noexcept;

  const std::vector<PublicKey> trusted_;
  const bool require_signature_;
  std::shared_ptr<const Bundle> current_;  // only through std::atomic_load / std::atomic_store
  std::mutex load_mu_;                     // serialises loads; readers never take it
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace flowgate::runtime
