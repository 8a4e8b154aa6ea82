package io.syscallexporter.it;

import java.util.concurrent.TimeUnit;

/** Waiting for what the exporter, the kernel or a real client does in its own time. */
final class Await {
  private Await() {}

  /** A condition that may throw (an HTTP request, a parse) while it is not yet true. */
  interface Condition {
    boolean holds() throws Exception;
  }

  /** Returns once {@code condition} holds, checked every 100 ms; fails after {@code seconds}. */
  static void awaitTrue(String what, int seconds, Condition condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + seconds + " s");
      }
      Thread.sleep(100);
    }
  }
}
