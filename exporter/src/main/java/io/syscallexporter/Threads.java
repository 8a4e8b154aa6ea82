package io.syscallexporter;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The exporter's threads: daemons (they never keep a JVM alive, a service's least of all),
 * named {@code sysexp-<role>}. Short enough for the kernel's 15-byte comm, so in agent mode
 * they are labelled whole and apart from the service's own threads.
 */
public final class Threads {
  private Threads() {}

  public static ThreadFactory factory(String role) {
    return r -> {
      Thread t = new Thread(r, "sysexp-" + role);
      t.setDaemon(true);
      return t;
    };
  }

  public static Thread start(String role, Runnable body) {
    Thread t = factory(role).newThread(body);
    t.start();
    return t;
  }

  public static ScheduledExecutorService scheduler(String role) {
    return Executors.newSingleThreadScheduledExecutor(factory(role));
  }

  /**
   * Waits, up to {@code seconds} in all, for executors already shut down to finish the task
   * under way (null ones are skipped); false if one had not.
   */
  public static boolean awaitStopped(int seconds, ExecutorService... executors) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (ExecutorService e : executors) {
      try {
        if (e != null && !e.awaitTermination(Math.max(0, deadline - System.nanoTime()),
            TimeUnit.NANOSECONDS)) {
          Log.warn("a task did not stop in time", "seconds", seconds);
          return false;
        }
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
