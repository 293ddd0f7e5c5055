package dev.flowgate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * How a bundle is trusted: the Ed25519 public keys that may sign it, and whether a signature is
 * required. Immutable.
 *
 * <pre>{@code
 * Options production = Options.requireSignature(Options.publicKeyFromHex(releasePubText));
 * Options development = Options.none();  // any well-formed bundle, signed or not
 * }</pre>
 *
 * When keys are given, a signed bundle's signature is checked even if none is required.
 */
public final class Options {
  private static final Options NONE = new Options(false, Collections.<byte[]>emptyList());

  private final boolean requireSignature;
  private final List<byte[]> trustedKeys;

  private Options(boolean requireSignature, List<byte[]> trustedKeys) {
    this.requireSignature = requireSignature;
    this.trustedKeys = trustedKeys;
  }

  /** No signature required and no key trusted: for development and tests, not for an app. */
  public static Options none() {
    return NONE;
  }

  /**
   * A signature by one of these keys is required (production).
   *
   * @throws IllegalArgumentException when no key is given or a key is not 32 bytes
   */
  public static Options requireSignature(byte[]... trustedKeys) {
    if (trustedKeys == null || trustedKeys.length == 0) {
      throw new IllegalArgumentException(
          "requireSignature needs at least one trusted public key (flowgate keygen --public)");
    }
    return new Options(true, copyKeys(Arrays.asList(trustedKeys)));
  }

  /**
   * These keys are trusted; a signed bundle must be signed by one of them, an unsigned one is
   * accepted.
   */
  public static Options trust(byte[]... trustedKeys) {
    return new Options(false, copyKeys(Arrays.asList(trustedKeys)));
  }

  /**
   * A public key from the text of a {@code .pub} file written by {@code flowgate keygen}: 64 hex
   * digits (surrounding white space ignored).
   *
   * @throws IllegalArgumentException when the text is not 64 hex digits
   */
  public static byte[] publicKeyFromHex(String text) {
    String hex = text == null ? "" : text.trim();
    if (hex.length() != 64) {
      throw new IllegalArgumentException(
          "a public key is 64 hex digits (the .pub file of flowgate keygen); got "
              + hex.length()
              + " characters");
    }
    byte[] key = new byte[32];
    for (int i = 0; i < 32; ++i) {
      int high = Character.digit(hex.charAt(2 * i), 16);
      int low = Character.digit(hex.charAt(2 * i + 1), 16);
      if (high < 0 || low < 0) {
        throw new IllegalArgumentException(
            "a public key is 64 hex digits; character " + (high < 0 ? 2 * i : 2 * i + 1)
                + " is '" + hex.charAt(high < 0 ? 2 * i : 2 * i + 1) + "'");
      }
      key[i] = (byte) (high << 4 | low);
    }
    return key;
  }

  public boolean isSignatureRequired() {
    return requireSignature;
  }

  /** Copies of the trusted keys, 32 bytes each. */
  public List<byte[]> getTrustedKeys() {
    List<byte[]> out = new ArrayList<>();
    for (byte[] key : trustedKeys) out.add(key.clone());
    return Collections.unmodifiableList(out);
  }

  /** The keys back to back, as fg_options wants them. */
  byte[] keyBytes() {
    byte[] out = new byte[32 * trustedKeys.size()];
    for (int i = 0; i < trustedKeys.size(); ++i) {
      System.arraycopy(trustedKeys.get(i), 0, out, 32 * i, 32);
    }
    return out;
  }

  private static List<byte[]> copyKeys(List<byte[]> keys) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < keys.size(); ++i) {
      byte[] key = keys.get(i);
      if (key == null || key.length != 32) {
        throw new IllegalArgumentException(
            "trusted key " + i + " must be a 32-byte Ed25519 public key; got "
                + (key == null ? "null" : key.length + " bytes"));
      }
      out.add(key.clone());
    }
    return Collections.unmodifiableList(out);
  }
}
