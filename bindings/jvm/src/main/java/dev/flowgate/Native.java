package dev.flowgate;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The natives of libflowgate_jni (jni/flowgate_jni.cc), shims over the C API. Package-private:
 * Bundle, BundleHolder and Query are the API. Handles are C pointers as longs, 0 for none.
 *
 * <p>The library is loaded once: from the absolute path in the system property {@code
 * flowgate.jni.library} when set (the tests), else by {@code System.loadLibrary("flowgate_jni")}
 * (an Android app's jniLibs, or java.library.path).
 */
final class Native {
  static final String LIBRARY_PROPERTY = "flowgate.jni.library";

  static {
    String path = System.getProperty(LIBRARY_PROPERTY);
    try {
      if (path != null && !path.isEmpty()) {
        System.load(path);
      } else {
        System.loadLibrary("flowgate_jni");
      }
    } catch (UnsatisfiedLinkError e) {
      UnsatisfiedLinkError error =
          new UnsatisfiedLinkError(
              "flowgate: cannot load the native library "
                  + (path != null && !path.isEmpty() ? path : "flowgate_jni")
                  + " ("
                  + e.getMessage()
                  + "); build it with `mvn -f bindings/jvm/pom.xml test` or for Android as"
                  + " docs/android.md says, or set -D"
                  + LIBRARY_PROPERTY
                  + "=/path/to/libflowgate_jni.so");
      error.initCause(e);
      throw error;
    }
  }

  private Native() {}

  // Bits of decide's flags (jni/flowgate_jni.cc).
  static final int GPC = 1;
  static final int ADS_PERSONALIZATION = 2;
  static final int PARENTAL_CONSENT = 4;
  static final int TCF_PRESENT = 8;
  static final int GPP_PRESENT = 16;

  static final int RELOAD_ALLOW_DOWNGRADE = 1;

  static native byte @Nullable [] lastError();

  static native int open(
      byte @Nullable [] data, byte @Nullable [] path, boolean requireSignature, byte[] keys, long[] out);

  static native void close(long bundle);

  static native byte[] policyName(long bundle);

  static native byte[] policyVersion(long bundle);

  static native long serial(long bundle);

  static native byte[] digest(long bundle);

  /** The decision's record (Decision.fromRecord), or null: then lastError() says why. */
  static native byte @Nullable [] decide(
      long bundle,
      byte[] ids,
      int consentCount,
      int featureCount,
      boolean collect,
      int age,
      int asOfDays,
      int flags,
      int tcfPurposeConsents,
      int tcfPurposeLegitimateInterests,
      int gppOptOuts,
      byte @Nullable [] tcString,
      byte @Nullable [] gppString);

  static native int holderOpen(
      byte @Nullable [] data, byte @Nullable [] path, boolean requireSignature, byte[] keys, long[] out);

  static native int reload(long holder, byte @Nullable [] data, byte @Nullable [] path, int flags);

  static native long acquire(long holder);

  static native long generation(long holder);

  static native void holderClose(long holder);

  static String text(byte @Nullable [] utf8) {
    return utf8 == null ? "" : new String(utf8, StandardCharsets.UTF_8);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Throws the failure of the native call just made on this thread, when code is not OK. */
  static void check(int code) throws FlowgateException {
    if (code != 0) throw new FlowgateException(code, text(lastError()));
  }

  /** A path for the natives; a NUL inside would name another file. */
  static byte[] path(@Nullable String path) throws FlowgateException {
    if (path == null) throw new FlowgateException(Status.INVALID_ARGUMENT.code(), "null path");
    if (path.indexOf('\0') >= 0) {
      throw new FlowgateException(
          Status.INVALID_ARGUMENT.code(), "the path contains a NUL character: " + path);
    }
    return utf8(path);
  }

  static byte[] bytes(byte @Nullable [] data) throws FlowgateException {
    if (data == null) throw new FlowgateException(Status.INVALID_ARGUMENT.code(), "null bytes");
    return data;
  }
}
