package dev.flowgate;

/** The C API's {@code fg_status}: why an open, a reload or a decision failed. */
public enum Status {
  OK(0),
  /** A null or malformed argument, or options that make no sense. */
  INVALID_ARGUMENT(1),
  /** The file could not be read. */
  IO(2),
  /** Not a well-formed bundle: truncated, damaged or modified. */
  CORRUPT(3),
  /** A bundle format version this runtime does not read. */
  UNSUPPORTED(4),
  /** Unsigned, or not signed by a trusted key. */
  SIGNATURE(5),
  NO_MEMORY(6),
  /** A reload to a bundle whose serial is below the running one's (a rollback). */
  DOWNGRADE(7),
  /** A code this binding does not know: a newer native library than the Java classes. */
  UNKNOWN(-1);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The {@code fg_status} value. */
  public int code() {
    return code;
  }

  /** The status of an {@code fg_status} value; {@link #UNKNOWN} for one this binding lacks. */
  public static Status of(int code) {
    for (Status s : values()) {
      if (s.code == code) return s;
    }
    return UNKNOWN;
  }
}
