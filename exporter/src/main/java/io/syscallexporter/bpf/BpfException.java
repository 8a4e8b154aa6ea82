package io.syscallexporter.bpf;

/** A libbpf call failed; the message says what failed and what to do about it. */
public final class BpfException extends RuntimeException {
  private final int errno;

  public BpfException(String message, int errno) {
    super(message);
    this.errno = errno;
  }

  /** The positive errno of the failed call, or 0 when none applies. */
  public int errno() {
    return errno;
  }
}
