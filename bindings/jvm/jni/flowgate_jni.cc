// The JNI glue of the JVM binding: the natives of dev.flowgate.Native, each a shim over the C API
// (flowgate/flowgate.h). Its one entry point per native is named Java_dev_flowgate_Native_*.
//
// Contract with the Java side (Native.java):
// - Nothing is thrown across JNI by this file: every shim catches everything, and failures come
//   back as an fg_status (0 OK) whose message Native.lastError() reads on the same thread. The
//   only Java exceptions are the JVM's own (an OutOfMemoryError when an array cannot be made).
// - Every input is checked here again, whatever Java checked: a null array, a key list that is
//   not whole 32-byte keys, a path or id holding a NUL byte, a malformed id block. A bad input is
//   FG_ERR_INVALID_ARGUMENT, never a crash, and a query that cannot be read is not decided.
// - Strings cross as UTF-8 byte arrays, never as modified UTF-8 (NewStringUTF), so any text of a
//   bundle reaches Java as written.
// - Handles are the C API's pointers as jlong; Java never passes one after closing it (Bundle and
//   BundleHolder guard that with a lock), and 0 is refused here.
#include <jni.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "flowgate/flowgate.h"

namespace {

// The glue's own failure (a bad argument the C API never saw), else the C API's message.
thread_local std::string glue_error;
thread_local bool glue_failed = false;

jint glue_fail(fg_status code, const char* message) noexcept {
  glue_failed = true;
  try {
    glue_error = message;
  } catch (...) {
    glue_error.clear();
  }
  return code;
}

jint api(fg_status code) noexcept {
  glue_failed = false;
  return code;
}

fg_bundle* bundle_of(jlong handle) {
  return reinterpret_cast<fg_bundle*>(static_cast<intptr_t>(handle));
}
fg_holder* holder_of(jlong handle) {
  return reinterpret_cast<fg_holder*>(static_cast<intptr_t>(handle));
}
jlong handle_of(const void* p) {
  return static_cast<jlong>(reinterpret_cast<intptr_t>(p));
}

// A Java byte[] copied out; false (with nothing pending) for null.
bool copy_bytes(JNIEnv* env, jbyteArray array, std::string* out) {
  if (array == nullptr) return false;
  const jsize n = env->GetArrayLength(array);
  out->resize(static_cast<size_t>(n));
  if (n > 0) env->GetByteArrayRegion(array, 0, n, reinterpret_cast<jbyte*>(out->data()));
  return true;
}

jbyteArray to_java(JNIEnv* env, const char* bytes, size_t size) {
  if (size > static_cast<size_t>(INT32_MAX)) return nullptr;
  jbyteArray array = env->NewByteArray(static_cast<jsize>(size));
  if (array != nullptr && size > 0) {
    env->SetByteArrayRegion(array, 0, static_cast<jsize>(size),
                            reinterpret_cast<const jbyte*>(bytes));
  }
  return array;  // null with an OutOfMemoryError pending when it could not be made
}

jbyteArray to_java(JNIEnv* env, const char* text) {
  return to_java(env, text, text != nullptr ? std::strlen(text) : 0);
}

// The options of fg_open and fg_holder_open from Java's arguments; keys must be whole 32-byte keys.
struct Options {
  std::string keys;
  fg_options options{};
};

jint read_options(JNIEnv* env, jboolean require_signature, jbyteArray keys, Options* out) {
  if (keys != nullptr) copy_bytes(env, keys, &out->keys);
  if (out->keys.size() % 32 != 0) {
    return glue_fail(FG_ERR_INVALID_ARGUMENT,
                     "trusted keys must be 32-byte Ed25519 public keys, back to back");
  }
  out->options.require_signature = require_signature ? 1 : 0;
  out->options.trusted_key_count = out->keys.size() / 32;
  out->options.trusted_keys =
      out->keys.empty() ? nullptr : reinterpret_cast<const uint8_t*>(out->keys.data());
  return FG_OK;
}

// A path for the C API: NUL-terminated, with no NUL inside (it would name another file).
jint read_path(JNIEnv* env, jbyteArray path, std::string* out) {
  if (!copy_bytes(env, path, out)) return glue_fail(FG_ERR_INVALID_ARGUMENT, "null path");
  if (out->find('\0') != std::string::npos) {
    return glue_fail(FG_ERR_INVALID_ARGUMENT, "the path contains a NUL byte");
  }
  return FG_OK;
}

// The source of an open or reload: exactly one of bytes and path.
struct Source {
  std::string bytes, path;
  bool is_path = false;
};

jint read_source(JNIEnv* env, jbyteArray data, jbyteArray path, Source* out) {
  if ((data == nullptr) == (path == nullptr)) {
    return glue_fail(FG_ERR_INVALID_ARGUMENT, "give either the bundle's bytes or its path");
  }
  if (path != nullptr) {
    out->is_path = true;
    return read_path(env, path, &out->path);
  }
  copy_bytes(env, data, &out->bytes);
  return FG_OK;
}

const uint8_t* data_of(const Source& s) {
  return reinterpret_cast<const uint8_t*>(s.bytes.data());
}

// Writes a handle to out[0]; false when out is not a long[1] or more.
bool can_write_handle(JNIEnv* env, jlongArray out) {
  return out != nullptr && env->GetArrayLength(out) >= 1;
}
void write_handle(JNIEnv* env, jlongArray out, const void* p) {
  const jlong h = handle_of(p);
  env->SetLongArrayRegion(out, 0, 1, &h);
}

// Opens a bundle or a holder (fg_open / fg_open_file, fg_holder_open / fg_holder_open_file) from
// Java's arguments and writes its handle to out[0].
template <typename Handle>
jint open_handle(JNIEnv* env, jbyteArray data, jbyteArray path, jboolean require_signature,
                 jbyteArray keys, jlongArray out,
                 fg_status (*from_bytes)(const uint8_t*, size_t, const fg_options*, Handle**),
                 fg_status (*from_file)(const char*, const fg_options*, Handle**)) {
  try {
    if (!can_write_handle(env, out)) return glue_fail(FG_ERR_INVALID_ARGUMENT, "no handle output");
    Source source;
    Options options;
    jint code = read_source(env, data, path, &source);
    if (code == FG_OK) code = read_options(env, require_signature, keys, &options);
    if (code != FG_OK) return code;
    Handle* handle = nullptr;
    code = api(source.is_path
                   ? from_file(source.path.c_str(), &options.options, &handle)
                   : from_bytes(data_of(source), source.bytes.size(), &options.options, &handle));
    if (code == FG_OK) write_handle(env, out, handle);
    return code;
  } catch (...) {
    return glue_fail(FG_ERR_NO_MEMORY, "out of memory opening the bundle");
  }
}

// The decision record, for Decision.java: allow (1 byte), the reason, then the rules, citations,
// obligations and legal basis, each a count and its strings, then the name of the query field that
// held an unknown value ("" for none) and the message of an input the C API refused and denied
// ("" for none); every string a length and its UTF-8 bytes; every count and length 4 bytes,
// big-endian (java.nio.ByteBuffer's default order).
//
// The C API gained unknown_field and consent-string decoding with FG_FIELD_NONE; against a
// flowgate.h without them the field is "" and a query with a consent string is not decided.
void put_u32(std::string* out, size_t v) {
  const auto u = static_cast<uint32_t>(v);
  const char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                     static_cast<char>(u >> 8), static_cast<char>(u)};
  out->append(b, 4);
}
void put_string(std::string* out, const char* s, size_t length) {
  put_u32(out, s != nullptr ? length : 0);
  if (s != nullptr) out->append(s, length);
}
template <typename Count, typename At>
void put_list(std::string* out, const fg_decision* d, Count count, At at) {
  const size_t n = count(d);
  put_u32(out, n);
  for (size_t i = 0; i < n; ++i) {
    size_t length = 0;
    const char* s = at(d, i, &length);
    put_string(out, s, length);
  }
}

// Bits of Native.decide's flags (Query.java).
constexpr jint kGpc = 1, kAdsPersonalization = 2, kParentalConsent = 4, kTcfPresent = 8,
               kGppPresent = 16;

// The ids of a query, as Query.java encodes them: data, purpose, recipient, destination, region,
// then the consents and the features, each NUL-terminated. An id is never empty of meaning here:
// the C API interns it, and one it does not know decides the unknown-id deny.
bool split_ids(const std::string& block, size_t expected, std::vector<std::string_view>* ids) {
  if (!block.empty() && block.back() != '\0') return false;
  size_t start = 0;
  while (start < block.size()) {
    const size_t end = block.find('\0', start);
    ids->emplace_back(block.data() + start, end - start);
    start = end + 1;
  }
  return ids->size() == expected;
}

}  // namespace

extern "C" {

JNIEXPORT jbyteArray JNICALL Java_dev_flowgate_Native_lastError(JNIEnv* env, jclass) {
  return glue_failed ? to_java(env, glue_error.data(), glue_error.size())
                     : to_java(env, fg_last_error());
}

JNIEXPORT jint JNICALL Java_dev_flowgate_Native_open(JNIEnv* env, jclass, jbyteArray data,
                                                     jbyteArray path, jboolean require_signature,
                                                     jbyteArray keys, jlongArray out) {
  return open_handle(env, data, path, require_signature, keys, out, fg_open, fg_open_file);
}

JNIEXPORT void JNICALL Java_dev_flowgate_Native_close(JNIEnv*, jclass, jlong bundle) {
  fg_close(bundle_of(bundle));
}

JNIEXPORT jbyteArray JNICALL Java_dev_flowgate_Native_policyName(JNIEnv* env, jclass, jlong b) {
  return to_java(env, b != 0 ? fg_bundle_policy_name(bundle_of(b)) : "");
}

JNIEXPORT jbyteArray JNICALL Java_dev_flowgate_Native_policyVersion(JNIEnv* env, jclass, jlong b) {
  return to_java(env, b != 0 ? fg_bundle_policy_version(bundle_of(b)) : "");
}

JNIEXPORT jlong JNICALL Java_dev_flowgate_Native_serial(JNIEnv*, jclass, jlong b) {
  return b != 0 ? static_cast<jlong>(fg_bundle_serial(bundle_of(b))) : 0;
}

JNIEXPORT jbyteArray JNICALL Java_dev_flowgate_Native_digest(JNIEnv* env, jclass, jlong b) {
  uint8_t digest[32] = {};
  if (b != 0) fg_bundle_digest(bundle_of(b), digest);
  return to_java(env, reinterpret_cast<const char*>(digest), sizeof digest);
}

// Interns, decides and returns the decision's record (the layout above), or null when the query
// could not be read or decided: then Native.lastError() says why. A consent or feature id the
// bundle does not know is a mistake, denied as unknown-id naming its field, as the runtime's
// string queries do (a misspelt consent must not read as "not consented").
JNIEXPORT jbyteArray JNICALL Java_dev_flowgate_Native_decide(
    JNIEnv* env, jclass, jlong b, jbyteArray id_block, jint consent_count, jint feature_count,
    jboolean collect, jint age, jint as_of_days, jint flags, jint tcf_consents, jint tcf_li,
    jint gpp_opt_outs, jbyteArray tc_string, jbyteArray gpp_string) {
  try {
    if (b == 0) {
      glue_fail(FG_ERR_INVALID_ARGUMENT, "decide: a closed bundle");
      return nullptr;
    }
    std::string block;
    std::vector<std::string_view> ids;
    if (consent_count < 0 || feature_count < 0 || !copy_bytes(env, id_block, &block) ||
        !split_ids(block,
                   5 + static_cast<size_t>(consent_count) + static_cast<size_t>(feature_count),
                   &ids)) {
      glue_fail(FG_ERR_INVALID_ARGUMENT, "decide: a malformed query");
      return nullptr;
    }
    const fg_bundle* bundle = bundle_of(b);
    // Each id view ends at a NUL of the block, so .data() is a C string.
    fg_query q;
    fg_query_init(&q);
    q.data = fg_intern_data(bundle, ids[0].data());
    q.purpose = fg_intern_purpose(bundle, ids[1].data());
    q.action = collect ? FG_COLLECT : FG_TRANSMIT;
    q.recipient = fg_intern_recipient(bundle, ids[2].data());
    q.destination = ids[3] == "device" ? FG_DEVICE : fg_intern_region(bundle, ids[3].data());
    q.region = fg_intern_region(bundle, ids[4].data());
    q.age = age;
    q.as_of_days = as_of_days;
    q.gpc = (flags & kGpc) != 0;
    q.ads_personalization = (flags & kAdsPersonalization) != 0;
    q.parental_consent = (flags & kParentalConsent) != 0;
    q.tcf_present = (flags & kTcfPresent) != 0;
    q.gpp_present = (flags & kGppPresent) != 0;
    q.tcf_purpose_consents = static_cast<uint32_t>(tcf_consents);
    q.tcf_purpose_legitimate_interests = static_cast<uint32_t>(tcf_li);
    q.gpp_opt_outs = static_cast<uint32_t>(gpp_opt_outs);
    const size_t features_at = 5 + static_cast<size_t>(consent_count);
    int32_t unknown_list_field = 0;  // the first consent or feature id the bundle does not know
    for (size_t i = 5; i < ids.size(); ++i) {
      const bool is_consent = i < features_at;
      const int32_t index = is_consent ? fg_intern_purpose(bundle, ids[i].data())
                                       : fg_intern_feature(bundle, ids[i].data());
      if (index < 0 || index >= 64) {
#ifdef FG_FIELD_NONE
        if (unknown_list_field == 0)
          unknown_list_field = is_consent ? FG_FIELD_CONSENT : FG_FIELD_FEATURE;
#endif
        continue;
      }
      (is_consent ? q.consent_mask : q.feature_mask) |= uint64_t{1} << index;
    }
    // The TC and GPP strings, decoded into the signal fields. One that does not decode leaves the
    // query marked, and fg_decide denies it (fail closed); its message goes into the record.
    std::string tcf, gpp, input_error;
    const bool has_tcf = copy_bytes(env, tc_string, &tcf);
    const bool has_gpp = copy_bytes(env, gpp_string, &gpp);
    if ((has_tcf && tcf.find('\0') != std::string::npos) ||
        (has_gpp && gpp.find('\0') != std::string::npos)) {
      glue_fail(FG_ERR_INVALID_ARGUMENT, "decide: a consent string contains a NUL byte");
      return nullptr;
    }
    if (has_tcf || has_gpp) {
#ifdef FG_FIELD_NONE
      if (fg_query_set_consent_strings(bundle, &q, has_tcf ? tcf.c_str() : nullptr,
                                       has_gpp ? gpp.c_str() : nullptr) != FG_OK) {
        input_error = fg_last_error();
      }
#else
      glue_fail(FG_ERR_UNSUPPORTED, "decide: this C API does not decode TC or GPP strings");
      return nullptr;
#endif
    }
    fg_decision d;
    fg_status code = fg_decide(bundle, &q, &d);
#ifdef FG_FIELD_NONE
    // Every scalar id known, a consent or feature id not: the unknown-id deny, naming that list
    // (the runtime checks the scalar fields first, so an unknown one of those keeps its name).
    if (code == FG_OK && d.unknown_field == FG_FIELD_NONE && unknown_list_field != 0) {
      q.data = -1;
      code = fg_decide(bundle, &q, &d);
      d.unknown_field = unknown_list_field;
    }
#endif
    if (code != FG_OK) {
      // Only a query the C API denies on purpose (a date that does not exist, a consent string
      // that does not decode) comes back with a decision; anything else is not decided.
      if (code != FG_ERR_INVALID_ARGUMENT ||
          (q.as_of_days != FG_INVALID_DATE && input_error.empty()))
        return nullptr;
      if (input_error.empty()) input_error = fg_last_error();
    }
    api(code);
    std::string out;
    out.push_back(static_cast<char>(fg_decision_allow(&d)));
    size_t length = 0;
    const char* reason = fg_decision_reason(&d, &length);
    put_string(&out, reason, length);
    put_list(&out, &d, fg_decision_rule_count, fg_decision_rule_at);
    put_list(&out, &d, fg_decision_citation_count, fg_decision_citation_at);
    put_list(&out, &d, fg_decision_obligation_count, fg_decision_obligation_at);
    put_list(&out, &d, fg_decision_legal_basis_count, fg_decision_legal_basis_at);
#ifdef FG_FIELD_NONE
    const char* field = fg_field_name(d.unknown_field);
#else
    const char* field = "";
#endif
    put_string(&out, field, std::strlen(field));
    put_string(&out, input_error.data(), input_error.size());
    return to_java(env, out.data(), out.size());
  } catch (...) {
    glue_fail(FG_ERR_NO_MEMORY, "out of memory deciding");
    return nullptr;
  }
}

JNIEXPORT jint JNICALL Java_dev_flowgate_Native_holderOpen(JNIEnv* env, jclass, jbyteArray data,
                                                           jbyteArray path,
                                                           jboolean require_signature,
                                                           jbyteArray keys, jlongArray out) {
  return open_handle(env, data, path, require_signature, keys, out, fg_holder_open,
                     fg_holder_open_file);
}

JNIEXPORT jint JNICALL Java_dev_flowgate_Native_reload(JNIEnv* env, jclass, jlong h,
                                                       jbyteArray data, jbyteArray path,
                                                       jint flags) {
  try {
    if (h == 0) return glue_fail(FG_ERR_INVALID_ARGUMENT, "reload: a closed holder");
    Source source;
    const jint code = read_source(env, data, path, &source);
    if (code != FG_OK) return code;
    const auto f = static_cast<uint32_t>(flags);
    return api(source.is_path
                   ? fg_reload_file_ex(holder_of(h), source.path.c_str(), f)
                   : fg_reload_ex(holder_of(h), data_of(source), source.bytes.size(), f));
  } catch (...) {
    return glue_fail(FG_ERR_NO_MEMORY, "out of memory reloading the bundle");
  }
}

JNIEXPORT jlong JNICALL Java_dev_flowgate_Native_acquire(JNIEnv*, jclass, jlong h) {
  return h != 0 ? handle_of(fg_acquire(holder_of(h))) : 0;
}

JNIEXPORT jlong JNICALL Java_dev_flowgate_Native_generation(JNIEnv*, jclass, jlong h) {
  return h != 0 ? static_cast<jlong>(fg_holder_generation(holder_of(h))) : 0;
}

JNIEXPORT void JNICALL Java_dev_flowgate_Native_holderClose(JNIEnv*, jclass, jlong h) {
  fg_holder_close(holder_of(h));
}

}  // extern "C"
