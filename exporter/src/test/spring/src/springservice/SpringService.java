package springservice;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot service with the actuator's /actuator/prometheus, for ServiceEndpointIT: the
 * same source is built as a Boot 3 and a Boot 2 fat jar. It reads commands from stdin:
 *   io N CALLS FILE   N threads io-worker-1..N, each making CALLS read(2)s of FILE
 *   hang FILE         thread fuse-reader-1 reads FILE, which may never return
 *   exit              closes the application
 * and serves GET /read?path=FILE, a request that reads 1 byte of FILE (TraceExemplarIT: under
 * the OpenTelemetry agent, inside its server span), logging "read started" first.
 */
@SpringBootApplication
@RestController
public class SpringService {
  private static final Logger LOG = LoggerFactory.getLogger(SpringService.class);

  public static void main(String[] args) throws Exception {
    ConfigurableApplicationContext context = SpringApplication.run(SpringService.class, args);
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    System.out.println("service ready port=" + port);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      if (cmd[0].equals("io")) {
        io(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]), cmd[3]);
        System.out.println("io done");
      } else if (cmd[0].equals("hang")) {
        Thread t = new Thread(() -> readFile(cmd[1], 1), "fuse-reader-1");
        t.setDaemon(true);
        t.start();
        System.out.println("hang started");
      } else if (cmd[0].equals("exit")) {
        break;
      }
    }
    context.close();
    System.out.println("bye");
  }

  @GetMapping("/read")
  public String read(@RequestParam("path") String path) {
    LOG.info("read started");
    readFile(path, 1);
    return "read done\n";
  }

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
}
