/**
 * Agent-mode benchmark: ns per Thread.yield() (one sched_yield(2) each) in this JVM, best of 3.
 * Usage: java [-javaagent:...] bench/YieldLoop.java CALLS [agent|joined]; with "agent" it first
 * waits until a standalone agent serves, with "joined" until the agent has joined a host
 * exporter; CALLS 0 only waits (the JVM a process outside it runs beside).
 */
public class YieldLoop {
  public static void main(String[] args) throws Exception {
    long n = Long.parseLong(args[0]);
    if (args.length > 1) {
      String running = args[1].equals("joined") ? "joined .*" : "serving on .*:[0-9]+";
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!String.valueOf(System.getProperty("syscall_exporter.agent.running"))
          .matches(running)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the agent did not start");
        }
        Thread.sleep(50);
      }
      if (args[1].equals("joined")) {
        Thread.sleep(2000); // the agent joins on a thread of its own, in milliseconds
      }
      System.err.println("agent ready");
    }
    if (n == 0) {
      Thread.sleep(Long.MAX_VALUE);
    }
    for (int i = 0; i < 200_000; i++) {
      Thread.yield();
    }
    long best = Long.MAX_VALUE;
    for (int rep = 0; rep < 3; rep++) {
      long t0 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        Thread.yield();
      }
      best = Math.min(best, System.nanoTime() - t0);
    }
    System.out.printf("%.1f%n", (double) best / n);
  }
}
