package dev.flowgate;

import java.io.File;

/**
 * The running bundle of an app, swapped for a new one at run time (hot reload): the app fetches a
 * signed bundle file and hands it to {@link #reload}; deciding threads never wait and never see a
 * mix of the two.
 *
 * <pre>{@code
 * try (BundleHolder holder = BundleHolder.open(path, Options.requireSignature(releaseKey))) {
 *   Decision d = holder.decide(query);     // on the running bundle
 *   holder.reload(updatePath);             // from an update thread, at any time
 *   try (Bundle snapshot = holder.acquire()) {
 *     // several decisions on one bundle, whatever reloads meanwhile
 *   }
 * }
 * }</pre>
 *
 * <p>A reload checks structure, digest and signature first, and refuses (FlowgateException, the
 * running bundle stays) a bundle that fails them, and one whose serial is below the running one's
 * or equal to it with other content (a rollback, {@link Status#DOWNGRADE}) unless {@link
 * Reload#ALLOW_DOWNGRADE} is given.
 *
 * <p>Threads: decide, acquire and reload may be called from any number of threads at once; reloads
 * are serialised among themselves. {@link #close} waits for calls in progress; snapshots acquired
 * before it stay valid until they are closed.
 */
public final class BundleHolder implements AutoCloseable {
  /** Flags of {@link #reload}. */
  public enum Reload {
    /** Accept a serial not above the running one's: a deliberate rollback. */
    ALLOW_DOWNGRADE
  }

  private final HandleGuard guard;

  private BundleHolder(long handle) {
    guard = new HandleGuard(handle, "BundleHolder", Native::holderClose);
  }

  /** A holder whose first bundle is the file at path (any serial). */
  public static BundleHolder open(String path, Options options) throws FlowgateException {
    return open(null, Native.path(path), options);
  }

  public static BundleHolder open(File file, Options options) throws FlowgateException {
    return open(file == null ? null : file.getPath(), options);
  }

  /** A holder whose first bundle is these bytes (copied). */
  public static BundleHolder fromBytes(byte[] bytes, Options options) throws FlowgateException {
    return open(Native.bytes(bytes), null, options);
  }

  private static BundleHolder open(byte[] data, byte[] path, Options options)
      throws FlowgateException {
    Options o = options != null ? options : Options.none();
    long[] out = new long[1];
    Native.check(Native.holderOpen(data, path, o.isSignatureRequired(), o.keyBytes(), out));
    return new BundleHolder(out[0]);
  }

  /** Swaps in the bundle file at path, once it passes every check. */
  public void reload(String path, Reload... flags) throws FlowgateException {
    reload(null, Native.path(path), flags);
  }

  public void reload(File file, Reload... flags) throws FlowgateException {
    reload(file == null ? null : file.getPath(), flags);
  }

  /** Swaps in the bundle in these bytes (copied), once it passes every check. */
  public void reload(byte[] bytes, Reload... flags) throws FlowgateException {
    reload(Native.bytes(bytes), null, flags);
  }

  private void reload(byte[] data, byte[] path, Reload[] flags) throws FlowgateException {
    int bits = 0;
    for (Reload flag : flags) {
      if (flag == Reload.ALLOW_DOWNGRADE) bits |= Native.RELOAD_ALLOW_DOWNGRADE;
    }
    final int reloadFlags = bits;
    guard.<Void, FlowgateException>use(
        "reload",
        h -> {
          Native.check(Native.reload(h, data, path, reloadFlags));
          return null;
        });
  }

  /**
   * The running bundle as a snapshot, to close after use: it does not change while held, and stays
   * valid after a reload or after the holder is closed.
   */
  public Bundle acquire() {
    return guard.use(
        "acquire",
        h -> {
          long b = Native.acquire(h);
          if (b == 0) throw new OutOfMemoryError("flowgate: no memory to acquire the bundle");
          return new Bundle(b);
        });
  }

  /** Decides the query on the running bundle. */
  public Decision decide(Query query) {
    try (Bundle snapshot = acquire()) {
      return snapshot.decide(query);
    }
  }

  /** How many bundles were swapped in (the first open counts); refused ones do not. */
  public long getGeneration() {
    return guard.use("getGeneration", Native::generation);
  }

  /** Frees the holder; waits for calls in progress. Closing twice is harmless. */
  @Override
  public void close() {
    guard.close();
  }
}
