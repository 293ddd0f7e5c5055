// BundleHolder (flowgate/bundle_holder.h): load → verify → swap, or refuse and keep the running
// bundle. This file's external interface is BundleHolder.
#include "flowgate/bundle_holder.h"

#include <algorithm>
#include <new>
#include <utility>

namespace flowgate::runtime {

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
