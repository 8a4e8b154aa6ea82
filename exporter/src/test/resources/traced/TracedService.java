import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A service traced by the OpenTelemetry Java agent, whose requests make slow calls: each
 * command runs inside a span of its own unless told "untraced", and prints the span's ids
 * before the call. Reads and fsyncs run one after another on one thread, "request-1", as a
 * worker pool's thread serves request after request; each hang on a thread of its own,
 * "hang-N", which stays. With {@code -Dtraced.http-port=N} (0: any), it serves its own metrics
 * with client_java's HTTPServer.
 *
 * <pre>
 *   read PATH [untraced]      reads 1 byte of PATH (slow on a slow file system)
 *   fsync PATH MB [untraced]  writes MB MiB to PATH and fsyncs it
 *   hang PATH                 reads a file that never answers, from a thread that stays
 * </pre>
 */
public final class TracedService {
  private static final Tracer TRACER = GlobalOpenTelemetry.getTracer("traced-service");

  public static void main(String[] args) throws Exception {
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "request-1");
      t.setDaemon(true);
      return t;
    });
    String http = "none";
    if (System.getProperty("traced.http-port") != null) {
      // The service's own metrics endpoint: client_java's server on its default registry.
      http = Integer.toString(HTTPServer.builder()
          .port(Integer.parseInt(System.getProperty("traced.http-port"))).buildAndStart()
          .getPort());
    }
    System.out.println("service ready http=" + http);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    int hangs = 0;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      boolean traced = !cmd[cmd.length - 1].equals("untraced");
      Runnable call = switch (cmd[0]) {
        case "read" -> () -> readByte(cmd[1]);
        case "fsync" -> () -> fsync(cmd[1], Integer.parseInt(cmd[2]));
        case "hang" -> () -> readByte(cmd[1]);
        default -> null;
      };
      if (call == null) {
        System.out.println("unknown command " + cmd[0]);
        continue;
      }
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(1);
      Runnable request = () -> {
        if (!traced) {
          System.out.println(cmd[0] + " started untraced");
          started.countDown();
          call.run();
        } else {
          Span span = TRACER.spanBuilder("request " + cmd[0]).startSpan();
          try (Scope scope = span.makeCurrent()) {
            System.out.println(cmd[0] + " started trace_id="
                + span.getSpanContext().getTraceId() + " span_id="
                + span.getSpanContext().getSpanId());
            started.countDown();
            call.run();
          } finally {
            span.end();
          }
        }
        done.countDown();
      };
      if (cmd[0].equals("hang")) {
        Thread t = new Thread(request, "hang-" + ++hangs);
        t.setDaemon(true);
        t.start();
      } else {
        worker.execute(request);
      }
      started.await();
      if (!cmd[0].equals("hang")) {
        done.await();
        System.out.println(cmd[0] + " done");
      }
    }
  }

  private static void readByte(String path) {
    try (RandomAccessFile f = new RandomAccessFile(path, "r")) {
      f.read();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void fsync(String path, int mib) {
    try (RandomAccessFile f = new RandomAccessFile(path, "rw")) {
      byte[] chunk = new byte[1 << 20];
      for (int i = 0; i < mib; i++) {
        f.write(chunk);
      }
      f.getFD().sync();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(Path.of(path));
      } catch (IOException ignored) {
        // a test's temporary file
      }
    }
  }
}
