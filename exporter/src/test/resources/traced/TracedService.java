import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A service traced by the OpenTelemetry Java agent, whose requests make slow calls: each
 * command runs on a thread of its own, inside a span of its own unless told "untraced", and
 * prints the span's ids before the call.
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
    System.out.println("service ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    int requests = 0;
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
      Thread t = new Thread(() -> {
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
      }, "request-" + ++requests);
      t.setDaemon(true);
      t.start();
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
