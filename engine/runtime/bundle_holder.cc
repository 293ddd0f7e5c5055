// BundleHolder (flowgate/bundle_holder.h): load → verify → swap, or refuse and keep the running
// bundle. This file's external interface is BundleHolder.
#include "flowgate/bundle_holder.h"

#include <algorithm>
#include <new>
#include <string>
#include <utility>

#include "runtime/hex.h"

namespace flowgate::runtime {

namespace {

// The refusal's message: both serials, and for an equal serial both digests' first bytes.
Status downgrade(uint64_t have, uint64_t got, std::span<const uint8_t, 32> a,
                 std::span<const uint8_t, 32> b) {
  if (got < have) {
    return Status::failed_precondition(
        "bundle serial " + std::to_string(got) + " is below the running bundle's serial " +
        std::to_string(have) +
        ": refused as a downgrade (allow_downgrade / FG_RELOAD_ALLOW_DOWNGRADE to roll back on "
        "purpose)");
  }
  return Status::failed_precondition(
      "bundle serial " + std::to_string(got) + " equals the running bundle's serial " +
      std::to_string(have) + " but its content differs (sha256 " + to_hex(b.first<8>()) + "… vs " +
      to_hex(a.first<8>()) +
      "…): refused; every distinct bundle needs a serial of its own (allow_downgrade / "
      "FG_RELOAD_ALLOW_DOWNGRADE to replace it on purpose)");
}

// Ok unless `next` would roll `running` back (flowgate/bundle_holder.h, "Rollback").
Status check_serial(const Bundle& running, const Bundle& next) noexcept {
  const uint64_t have = running.serial(), got = next.serial();
  if (got > have) return Status::ok_status();
  auto a = running.digest(), b = next.digest();
  if (got == have && std::equal(a.begin(), a.end(), b.begin())) return Status::ok_status();
  try {
    return downgrade(have, got, a, b);
  } catch (...) {  // out of memory for the message: refuse all the same
    return Status(Status::Code::kFailedPrecondition, std::string());
  }
}

}  // namespace

BundleHolder::BundleHolder(std::vector<PublicKey> trusted, bool require_signature)
    : trusted_(std::move(trusted)), require_signature_(require_signature) {}

Status BundleHolder::install(std::unique_ptr<const Bundle> loaded,
                             const LoadOptions& options) noexcept {
  if (require_signature_ && trusted_.empty()) {
    return Status::invalid_argument("bundle holder: a signature is required but no key is trusted");
  }
  if (require_signature_ || (loaded->is_signed() && !trusted_.empty())) {
    Status s = verify_bundle_signature(*loaded, trusted_);
    if (!s.ok()) return s;
  }
  if (options.expected_digest) {
    auto digest = loaded->digest();
    if (!std::equal(digest.begin(), digest.end(), options.expected_digest->begin())) {
      return Status::unauthenticated(
          "bundle digest differs from the one the update announced: refused");
    }
  }
  if (!options.allow_downgrade && loaded->serial() < options.min_serial) {
    try {
      return Status::failed_precondition(
          "bundle serial " + std::to_string(loaded->serial()) +
          " is below the lowest serial this app has run, " + std::to_string(options.min_serial) +
          ": refused as a downgrade (allow_downgrade to roll back on purpose)");
    } catch (...) {  // out of memory for the message: refuse all the same
      return Status(Status::Code::kFailedPrecondition, std::string());
    }
  }
  if (!options.allow_downgrade) {
    // Loads are serialised (load_mu_), so the running bundle cannot change under this check.
    std::shared_ptr<const Bundle> running = current();
    if (running != nullptr) {
      Status s = check_serial(*running, *loaded);
      if (!s.ok()) return s;
    }
  }
  std::shared_ptr<const Bundle> next(std::move(loaded));
  std::atomic_store_explicit(&current_, std::move(next), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return Status::ok_status();
}

Status BundleHolder::load(std::string bytes, const LoadOptions& options) noexcept {
  try {
    std::lock_guard<std::mutex> lock(load_mu_);
    std::unique_ptr<const Bundle> loaded;
    Status s = Bundle::load(std::move(bytes), &loaded);
    if (s.ok()) s = install(std::move(loaded), options);
    if (!s.ok()) refused_.fetch_add(1, std::memory_order_relaxed);
    return s;
  } catch (const std::bad_alloc&) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return Status::resource_exhausted("bundle holder: out of memory");
  } catch (...) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return Status::invalid_argument("bundle holder: load failed");
  }
}

Status BundleHolder::load_file(const std::string& path, const LoadOptions& options) noexcept {
  try {
    std::lock_guard<std::mutex> lock(load_mu_);
    std::unique_ptr<const Bundle> loaded;
    Status s = Bundle::load_file(path, &loaded);
    if (s.ok()) s = install(std::move(loaded), options);
    if (!s.ok()) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return Status(s.code(), path + ": " + s.message());
    }
    return s;
  } catch (const std::bad_alloc&) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return Status::resource_exhausted("bundle holder: out of memory");
  } catch (...) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return Status::invalid_argument("bundle holder: load failed");
  }
}

std::shared_ptr<const Bundle> BundleHolder::current() const noexcept {
  return std::atomic_load_explicit(&current_, std::memory_order_acquire);
}

}  // namespace flowgate::runtime
