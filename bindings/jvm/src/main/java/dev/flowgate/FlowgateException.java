package dev.flowgate;

/**
 * A bundle that could not be opened or reloaded, with the C API's {@code fg_status} and message.
 * Nothing was changed: a failed open gives no bundle, and a failed reload keeps the running one.
 */
public final class FlowgateException extends Exception {
  private static final long serialVersionUID = 1L;
  private final Status status;
  private final int code;

  FlowgateException(int code, String message) {
    super(Status.of(code) + " (fg_status " + code + "): " + message);
    this.status = Status.of(code);
    this.code = code;
  }

  /** Why it failed. */
  public Status getStatus() {
    return status;
  }

  /** The raw {@code fg_status} value (also for a status this binding does not name). */
  public int getCode() {
    return code;
  }
}
