package dev.flowgate;

import java.io.File;

/**
 * A compiled, checked policy bundle (the file {@code flowgate compile} writes), open in native
 * memory until {@link #close}. Open it with try-with-resources (Kotlin: {@code use {}}):
 *
 * <pre>{@code
 * try (Bundle bundle = Bundle.open("policy.fgb", Options.requireSignature(releaseKey))) {
 *   Decision d = bundle.decide(query);
 *   if (!d.isAllowed()) { ... d.getReason() ... }
 * }
 * }</pre>
 *
 * <p>Opening checks the bundle's structure, digest and, under the options, its signature; any
 * failure is a {@link FlowgateException} with the {@code fg_status} and nothing is opened.
 *
 * <p>Threads: an open bundle is immutable; any number of threads may decide on it at once. {@link
 * #close} waits for decisions in progress and makes later calls fail with IllegalStateException,
 * never touch freed memory. To swap policies at run time, use a {@link BundleHolder}.
 */
public final class Bundle implements AutoCloseable {
  private final HandleGuard guard;

  Bundle(long handle) {
    guard = new HandleGuard(handle, "Bundle", Native::close);
  }

  /** Opens the bundle file at path. */
  public static Bundle open(String path, Options options) throws FlowgateException {
    return open(null, Native.path(path), options);
  }

  /** Opens the bundle file. */
  public static Bundle open(File file, Options options) throws FlowgateException {
    return open(file == null ? null : file.getPath(), options);
  }

  /** Opens a bundle from its bytes (copied), e.g. as the app downloaded it. */
  public static Bundle fromBytes(byte[] bytes, Options options) throws FlowgateException {
    return open(Native.bytes(bytes), null, options);
  }

  private static Bundle open(byte[] data, byte[] path, Options options) throws FlowgateException {
    Options o = options != null ? options : Options.none();
    long[] out = new long[1];
    Native.check(Native.open(data, path, o.isSignatureRequired(), o.keyBytes(), out));
    return new Bundle(out[0]);
  }

  /** Decides the query. Never throws for an id the bundle lacks: that is the unknown-id deny. */
  public Decision decide(Query query) {
    if (query == null) throw new IllegalArgumentException("decide: null query");
    return guard.use(
        "decide",
        h -> {
          byte[] record =
              Native.decide(
                  h,
                  query.idBlock,
                  query.consentCount(),
                  query.featureCount(),
                  query.isCollect(),
                  query.getAge(),
                  query.asOfDays(),
                  query.flags,
                  query.tcfPurposeConsentsBits(),
                  query.tcfPurposeLegitimateInterestsBits(),
                  query.gppOptOutsBits(),
                  query.tcString,
                  query.gppString);
          if (record == null) {
            // Query.Builder admits nothing the natives refuse: only a binding fault lands here.
            throw new IllegalStateException(
                "flowgate: the query was not decided: " + Native.text(Native.lastError()));
          }
          return Decision.fromRecord(record);
        });
  }

  /** The policy's name, from its rules/policy.yaml. */
  public String getPolicyName() {
    return guard.use("getPolicyName", h -> Native.text(Native.policyName(h)));
  }

  /** The policy's version. */
  public String getPolicyVersion() {
    return guard.use("getPolicyVersion", h -> Native.text(Native.policyVersion(h)));
  }

  /** The serial flowgate compile stamped; 0 for a bundle without one. */
  public long getSerial() {
    return guard.use("getSerial", Native::serial);
  }

  /** The SHA-256 content digest (32 bytes), as the decision log records it. */
  public byte[] getDigest() {
    return guard.use("getDigest", Native::digest);
  }

  public boolean isClosed() {
    return guard.isClosed();
  }

  /** Frees the native bundle; waits for decisions in progress. Closing twice is harmless. */
  @Override
  public void close() {
    guard.close();
  }
}
