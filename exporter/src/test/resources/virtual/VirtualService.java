import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * A service on virtual threads (Java 21+), for the agent's tests, run from source with the
 * OpenTelemetry API on its class path (a no-op without the OpenTelemetry agent). Commands on
 * stdin, each answered by a line when done:
 *   vio N CALLS FILE      virtual threads req-0..N-1, each making CALLS read(2)s of FILE, and
 *                         yielding every 10 (so they move between carriers)
 *   unnamed N CALLS FILE  the same on unnamed virtual threads
 *   pinned N FILE         virtual threads pinned-0..N-1, each making one read(2) of FILE (a
 *                         slow file: they pin their carriers, and the scheduler adds more)
 *   hang FILE             virtual thread stuck-req reads FILE, which may never return
 *   traced POOLS THREADS CALLS FILE
 *                         POOLS x THREADS virtual threads at once, pool P's named pP-job-N,
 *                         each in a span of its own, each making CALLS read(2)s of FILE and
 *                         yielding after each; prints "span NAME TRACE_ID" for each
 *   exit                  returns from main
 */
public final class VirtualService {
  private static final Tracer TRACER = GlobalOpenTelemetry.getTracer("virtual-service");

  public static void main(String[] args) throws Exception {
    System.out.println("service ready java=" + Runtime.version().feature());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      switch (cmd[0]) {
        case "vio" -> {
          run(Thread.ofVirtual().name("req-", 0).factory(), Integer.parseInt(cmd[1]),
              () -> reads(cmd[3], Integer.parseInt(cmd[2]), 10));
          System.out.println("vio done");
        }
        case "unnamed" -> {
          run(Thread.ofVirtual().factory(), Integer.parseInt(cmd[1]),
              () -> reads(cmd[3], Integer.parseInt(cmd[2]), 10));
          System.out.println("unnamed done");
        }
        case "pinned" -> {
          run(Thread.ofVirtual().name("pinned-", 0).factory(), Integer.parseInt(cmd[1]),
              () -> reads(cmd[2], 1, 0));
          System.out.println("pinned done");
        }
        case "hang" -> {
          Thread.ofVirtual().name("stuck-req").start(() -> stuckRead(cmd[1]));
          System.out.println("hang started");
        }
        case "traced" -> {
          traced(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]), Integer.parseInt(cmd[3]),
              cmd[4]);
          System.out.println("traced done");
        }
        case "exit" -> {
          System.out.println("bye");
          return;
        }
        default -> System.out.println("unknown command " + cmd[0]);
      }
    }
  }

  /** {@code n} threads of {@code factory} running {@code task}, all at once; waits for them. */
  static void run(ThreadFactory factory, int n, Runnable task) {
    try (ExecutorService threads = Executors.newThreadPerTaskExecutor(factory)) {
      for (int i = 0; i < n; i++) {
        threads.submit(task);
      }
    }
  }

  static void traced(int pools, int threads, int calls, String file) {
    List<Thread> all = new ArrayList<>();
    for (int p = 0; p < pools; p++) {
      for (int t = 0; t < threads; t++) {
        all.add(Thread.ofVirtual().name("p" + p + "-job-" + t).unstarted(() -> {
          Span span = TRACER.spanBuilder("job").startSpan();
          try (Scope scope = span.makeCurrent()) {
            System.out.println("span " + Thread.currentThread().getName() + " "
                + span.getSpanContext().getTraceId());
            reads(file, calls, 1);
          } finally {
            span.end();
          }
        }));
      }
    }
    all.forEach(Thread::start);
    for (Thread t : all) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Exactly {@code calls} read(2)s of {@code path}, yielding after every {@code every}. */
  static void reads(String path, int calls, int every) {
    byte[] buf = new byte[16];
    try (FileInputStream f = new FileInputStream(path)) {
      for (int i = 0; i < calls; i++) {
        f.getChannel().position(0);
        f.read(buf);
        if (every > 0 && (i + 1) % every == 0) {
          Thread.yield();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The frame a stuck call's Java stack should show. */
  static void stuckRead(String path) {
    reads(path, 1, 0);
  }
}
