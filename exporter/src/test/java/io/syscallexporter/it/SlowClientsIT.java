package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Slow, idle and chatty clients cannot stop scrapes, and leave nothing behind. */
class SlowClientsIT {
  @Test
  void scrapesAnswerWhileHalfOpenAndIdleConnectionsAreHeld() throws Exception {
    KernelRequired.check();
    try (ExporterProcess exporter = ExporterProcess.start()) {
      exporter.scrape(); // warm: threads and buffers a scrape needs exist
      long fdsBefore = count(exporter.pid(), "fd");
      long threadsBefore = count(exporter.pid(), "task");

      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 500; i++) {
          held.add(connect(exporter.port)); // idle: connected, nothing sent
        }
        for (int i = 0; i < 50; i++) {
          Socket s = connect(exporter.port); // half-open: a request that never ends
          s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          held.add(s);
        }
        Thread.sleep(500);
        long started = System.nanoTime();
        MetricsText m = exporter.scrape();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(m.value("syscall_exporter_programs_attached")).isEqualTo(3);
        assertThat(millis).as("scrape time with 550 connections held").isLessThan(5000);
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      // Closed connections and idle workers go; everything is back where it was.
      awaitCount(exporter.pid(), "fd", fdsBefore);
      awaitCount(exporter.pid(), "task", threadsBefore);
    }
  }

  @Test
  void tenThousandKeepAliveRequestsLeakNothing() throws Exception {
    KernelRequired.check();
    try (ExporterProcess exporter = ExporterProcess.start()) {
      try (Socket warm = connect(exporter.port)) {
        request(warm, new BufferedInputStream(warm.getInputStream()), "/-/healthy");
      }
      long fdsBefore = count(exporter.pid(), "fd");
      long threadsBefore = count(exporter.pid(), "task");
      for (int c = 0; c < 10; c++) {
        try (Socket s = connect(exporter.port)) {
          InputStream in = new BufferedInputStream(s.getInputStream());
          for (int i = 0; i < 1000; i++) {
            assertThat(request(s, in, "/-/healthy")).startsWith("HTTP/1.1 200");
          }
        }
      }
      awaitCount(exporter.pid(), "fd", fdsBefore);
      awaitCount(exporter.pid(), "task", threadsBefore);
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(10_000);
    s.setTcpNoDelay(true);
    return s;
  }

  /** One keep-alive GET on an open connection; returns the status line and headers. */
  private static String request(Socket s, InputStream in, String path) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) c);
    }
    int length = Integer.parseInt(head.toString()
        .replaceAll("(?si).*content-length: *(\\d+).*", "$1"));
    in.readNBytes(length);
    return head.toString();
  }

  /** Entries in /proc/PID/{fd,task}: open files, threads. */
  private static long count(long pid, String what) throws IOException {
    try (Stream<Path> entries = Files.list(Path.of("/proc/" + pid + "/" + what))) {
      return entries.count();
    }
  }

  private static void awaitCount(long pid, String what, long expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    long n = count(pid, what);
    while (n > expected && System.nanoTime() < deadline) {
      Thread.sleep(200);
      n = count(pid, what);
    }
    assertThat(n).as("/proc/%d/%s entries", pid, what).isLessThanOrEqualTo(expected);
  }
}
