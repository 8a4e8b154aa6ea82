import com.codahale.metrics.MetricRegistry;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.yaml.snakeyaml.Yaml;

/**
 * A plain Java service for the agent-mode tests, run from source with its own (older) versions
 * of Guice, client_java, SnakeYAML and Dropwizard Metrics on its class path. It reads commands
 * from stdin, so a test can attach an agent between them:
 *   io N CALLS FILE   N threads io-worker-1..N, each making CALLS read(2)s of FILE
 *   long CALLS FILE   one thread with a name longer than 15 bytes does the same, then waits
 *   churn N FILE      N short-lived threads churn-1..N, 100 at a time, one read(2) each
 *   hang FILE         thread fuse-reader-1 reads FILE, which may never return
 *   pools CALLS FILE  threads whose names share their first 15 bytes, and a Jetty-like pool
 *                     whose acceptor renames itself; they wait for "go", then each makes CALLS
 *                     read(2)s of FILE
 *   go                starts the reads of "pools", and waits for them
 *   later NAME CALLS FILE
 *                     a thread NAME waits 3 s (to be named by its pool), then makes CALLS
 *                     read(2)s of FILE and ends
 *   exit              returns from main
 * With -Dio.at-start=FILE, main's very first act is "io 4 1000 FILE" (then "io at start done").
 * With -Dio.http-port=PORT (0: any), it serves client_java's default registry there, as a
 * plain client_java service does (its ready line says http=PORT).
 */
public class IoService {
  static final String LONG_NAME = "an-io-thread-named-longer-than-fifteen-1";
  /** Two pools, one comm: "payments-worke" is all the kernel keeps of either. */
  static final List<String> TWINS = List.of("payments-worker-1", "payments-worker-dlq");
  /** Jetty's pool threads, and one of them that renames itself its acceptor, as Jetty does. */
  static final List<String> JETTY = List.of("qtp401424608-14", "qtp401424608-16");
  static final String ACCEPTOR =
      "qtp401424608-15-acceptor-0@221f5154-ServerConnector@2cd8ab67{HTTP/1.1}{0.0.0.0:8080}";
  static final CountDownLatch GO = new CountDownLatch(1);
  static final List<Thread> POOLS = new ArrayList<>();
  static final CountDownLatch EXIT = new CountDownLatch(1);

  public static void main(String[] args) throws Exception {
    String atStart = System.getProperty("io.at-start");
    if (atStart != null) {
      io(4, 1000, atStart);
      System.out.println("io at start done");
    }
    // The service's own libraries still work with the agent in the JVM.
    String yaml = String.valueOf(((Map<?, ?>) new Yaml().load("version: 1.33")).get("version"));
    Counter requests = Counter.builder().name("requests_total").help("requests").register();
    requests.inc();
    MetricRegistry dropwizard = new MetricRegistry();
    dropwizard.counter("requests").inc(2);
    String guice = Guice.createInjector(new AbstractModule() {}).getClass().getName();
    String http = "none";
    if (System.getProperty("io.http-port") != null) {
      http = Integer.toString(HTTPServer.builder()
          .port(Integer.parseInt(System.getProperty("io.http-port"))).buildAndStart().getPort());
    }
    System.out.println("service ready yaml=" + yaml + " prometheus="
        + (long) requests.collect().getDataPoints().get(0).getValue()
        + " dropwizard=" + dropwizard.counter("requests").getCount() + " guice=" + guice
        + " http=" + http);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      switch (cmd[0]) {
        case "io" -> {
          io(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]), cmd[3]);
          System.out.println("io done");
        }
        case "long" -> {
          CountDownLatch done = new CountDownLatch(1);
          Thread t = new Thread(() -> {
            readFile(cmd[2], Integer.parseInt(cmd[1]));
            done.countDown();
            awaitExit();
          }, LONG_NAME);
          t.setDaemon(true);
          t.start();
          done.await();
          System.out.println("long done");
        }
        case "churn" -> {
          int n = Integer.parseInt(cmd[1]);
          for (int first = 1; first <= n; first += 100) {
            List<Thread> batch = new ArrayList<>();
            for (int i = first; i < first + 100 && i <= n; i++) {
              batch.add(new Thread(() -> readFile(cmd[2], 1), "churn-" + i));
            }
            batch.forEach(Thread::start);
            for (Thread t : batch) {
              t.join();
            }
          }
          System.out.println("churn done");
        }
        case "hang" -> {
          Thread t = new Thread(() -> readHungFile(cmd[1]), "fuse-reader-1");
          t.setDaemon(true);
          t.start();
          System.out.println("hang started");
        }
        case "pools" -> {
          List<String> names = new ArrayList<>(TWINS);
          names.addAll(JETTY);
          names.add("qtp401424608-15");
          for (String name : names) {
            POOLS.add(new Thread(() -> {
              if (Thread.currentThread().getName().equals("qtp401424608-15")) {
                Thread.currentThread().setName(ACCEPTOR); // the comm too: it is this thread
              }
              try {
                GO.await();
              } catch (InterruptedException e) {
                return;
              }
              readFile(cmd[2], Integer.parseInt(cmd[1]));
            }, name));
          }
          POOLS.forEach(Thread::start);
          System.out.println("pools started");
        }
        case "go" -> {
          GO.countDown();
          for (Thread t : POOLS) {
            t.join();
          }
          System.out.println("pools done");
        }
        case "later" -> {
          Thread t = new Thread(() -> {
            try {
              Thread.sleep(3000);
            } catch (InterruptedException e) {
              return;
            }
            readFile(cmd[3], Integer.parseInt(cmd[2]));
          }, cmd[1]);
          t.start();
          t.join();
          System.out.println("later done");
        }
        case "exit" -> {
          System.out.println("bye");
          EXIT.countDown();
          return;
        }
        default -> System.out.println("unknown command " + cmd[0]);
      }
    }
  }

  /** Threads io-worker-1..n, each making {@code calls} reads of {@code path}. */
  static void io(int n, int calls, String path) throws InterruptedException {
    List<Thread> workers = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      workers.add(new Thread(() -> readFile(path, calls), "io-worker-" + i));
    }
    workers.forEach(Thread::start);
    for (Thread t : workers) {
      t.join();
    }
  }

  /** Exactly {@code calls} read(2)s: FileInputStream.read(byte[]) is one each. */
  static void readFile(String path, int calls) {
    byte[] buf = new byte[16];
    try (FileInputStream f = new FileInputStream(path)) {
      for (int i = 0; i < calls; i++) {
        f.read(buf);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void readHungFile(String path) {
    try (FileInputStream f = new FileInputStream(path)) {
      f.read(new byte[16]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void awaitExit() {
    try {
      EXIT.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
