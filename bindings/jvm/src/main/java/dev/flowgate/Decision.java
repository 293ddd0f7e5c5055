package dev.flowgate;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The policy's answer to a {@link Query}: allow or deny, the rules that decided it with their
 * citations of the policy text, the obligations an allow carries, the legal basis, and a reason
 * for people. Immutable, thread-safe, and independent of the bundle: it stays valid after the
 * bundle is closed.
 *
 * <p>A query naming an id the bundle does not know is denied by the rule {@code unknown-id}.
 */
public final class Decision {
  private final boolean allowed;
  private final String reason;
  private final List<String> rules;
  private final List<String> citations;
  private final List<String> obligations;
  private final List<String> legalBasis;
  private final @Nullable String unknownField;
  private final @Nullable String inputError;

  private Decision(
      boolean allowed,
      String reason,
      List<String> rules,
      List<String> citations,
      List<String> obligations,
      List<String> legalBasis,
      @Nullable String unknownField,
      @Nullable String inputError) {
    this.allowed = allowed;
    this.reason = reason;
    this.rules = rules;
    this.citations = citations;
    this.obligations = obligations;
    this.legalBasis = legalBasis;
    this.unknownField = unknownField;
    this.inputError = inputError;
  }

  /**
   * Reads the record Native.decide writes (jni/flowgate_jni.cc): allow, reason, then rules,
   * citations, obligations and legal basis, the unknown field and the input error; counts and
   * lengths 4 bytes big-endian, text UTF-8.
   */
  static Decision fromRecord(byte @Nullable [] record) {
    if (record == null) throw new OutOfMemoryError("flowgate: no memory to read a decision");
    try {
      ByteBuffer in = ByteBuffer.wrap(record);
      boolean allowed = in.get() != 0;
      String reason = string(in);
      List<String> rules = list(in);
      List<String> citations = list(in);
      List<String> obligations = list(in);
      List<String> legalBasis = list(in);
      String unknownField = string(in);
      String inputError = string(in);
      if (in.hasRemaining()) throw new IllegalStateException("trailing bytes");
      return new Decision(
          allowed,
          reason,
          rules,
          citations,
          obligations,
          legalBasis,
          unknownField.isEmpty() ? null : unknownField,
          inputError.isEmpty() ? null : inputError);
    } catch (BufferUnderflowException | IllegalArgumentException | IllegalStateException e) {
      // Only a native library out of step with these classes writes another layout.
      throw new IllegalStateException(
          "flowgate: the native library wrote a decision record this binding cannot read", e);
    }
  }

  private static String string(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) throw new IllegalStateException("bad length");
    byte[] bytes = new byte[length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static List<String> list(ByteBuffer in) {
    int count = in.getInt();
    if (count < 0 || count > in.remaining() / 4) throw new IllegalStateException("bad count");
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; ++i) out.add(string(in));
    return Collections.unmodifiableList(out);
  }

  /** True for allow; false for deny. */
  public boolean isAllowed() {
    return allowed;
  }

  /** The reason, for people: which rule decided, and the policy's words. */
  public String getReason() {
    return reason;
  }

  /** The rules that decided: for a deny the deny rule, for an allow the allow rules and those adding obligations or a legal basis. */
  public List<String> getRules() {
    return rules;
  }

  /** The sections of the policy text the rules cite, e.g. {@code §11.2.1}. */
  public List<String> getCitations() {
    return citations;
  }

  /** What an allow obliges the app to do, e.g. {@code encrypt_in_transit}. */
  public List<String> getObligations() {
    return obligations;
  }

  /** The GDPR legal basis of an allow, e.g. {@code contract}; empty where none applies. */
  public List<String> getLegalBasis() {
    return legalBasis;
  }

  /**
   * For an unknown-id deny, the field of the query that held the value the bundle does not know,
   * named as in the query JSON ({@code data}, {@code subject.region}, {@code signals.tcf}, …); null
   * otherwise.
   */
  public @Nullable String getUnknownField() {
    return unknownField;
  }

  /**
   * Why the query was denied without being decided as asked: a TC or GPP string that does not
   * decode, with the reason; null when the query was read as given.
   */
  public @Nullable String getInputError() {
    return inputError;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) return true;
    if (!(o instanceof Decision)) return false;
    Decision d = (Decision) o;
    return allowed == d.allowed
        && reason.equals(d.reason)
        && rules.equals(d.rules)
        && citations.equals(d.citations)
        && obligations.equals(d.obligations)
        && legalBasis.equals(d.legalBasis)
        && Objects.equals(unknownField, d.unknownField)
        && Objects.equals(inputError, d.inputError);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        allowed, reason, rules, citations, obligations, legalBasis, unknownField, inputError);
  }

  @Override
  public String toString() {
    return (allowed ? "allow" : "deny")
        + " "
        + rules
        + ": "
        + reason
        + (unknownField != null ? " [unknown " + unknownField + "]" : "")
        + (inputError != null ? " [" + inputError + "]" : "");
  }
}
