package io.syscallexporter.config;

/** Bad command-line input: printed with the usage, exit code 2. */
public final class UsageException extends Exception {
  public UsageException(String message) {
    super(message);
  }
}
