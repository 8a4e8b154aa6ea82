package io.syscallexporter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.TimedOutCall;
import io.syscallexporter.collect.TraceContext;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimedOutViewTest {
  private static final long SECOND = 1_000_000_000L;
  private final TimedOutCall call = new TimedOutCall(new SeriesKey("db<1>", 0, 0), "read", 11, 10,
      "db<1>", "wal \"writer\"", 0, 5L, "/data/a&b", "request_wait_answer",
      List.of("request_wait_answer+0x55", "fuse_simple_request+0x1a4"),
      List.of("com.example.Wal.sync(Wal.java:42)"), false, null,
      new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true), null);
  /** A futex wait resumed after a stop, which began before the exporter started. */
  private final TimedOutCall resumed = new TimedOutCall(new SeriesKey("db", 0, 219),
      "restart_syscall", 12, 10, "db", "locker", 2 * SECOND, null, null, null, List.of(),
      List.of(), true, "futex", TraceContext.NONE, null);

  @Test
  void htmlEscapesWhatProcessesNameThemselves() {
    String html = TimedOutView.html(List.of(call), 12 * SECOND);
    assertThat(html).contains("<td class=\"age\">12.0</td>", "db&lt;1&gt;",
        "wal &quot;writer&quot;", "fd 5: <code>/data/a&amp;b</code>", "request_wait_answer",
        "<code>request_wait_answer+0x55\nfuse_simple_request+0x1a4</code>",
        "<code>com.example.Wal.sync(Wal.java:42)</code>",
        "<code>4bf92f3577b34da6a3ce929d0e0e4736</code><br>span <code>00f067aa0ba902b7</code>")
        .doesNotContain("db<1>");
    assertThat(TimedOutView.html(List.of(), 0)).contains("No syscall is past its timeout.");
    assertThat(TimedOutView.html(List.of(resumed), 12 * SECOND)).contains(
        "<td class=\"age\">&ge; 10.0</td>",
        "<code>restart_syscall</code> (resumes <code>futex</code>)");
  }

  /** A virtual thread's call: the virtual thread, and the carrier it is mounted on. */
  @Test
  void aVirtualThreadIsShownWithItsCarrier() {
    TimedOutCall virtual = call.withThread(new io.syscallexporter.collect.ThreadNames.StuckThread(
        "stuck-req", List.of("App.stuckRead(App.java:9)"), TraceContext.NONE,
        "ForkJoinPool-1-worker-2"));
    assertThat(TimedOutView.html(List.of(virtual), 12 * SECOND))
        .contains("stuck-req (virtual, on ForkJoinPool-1-worker-2)");
    assertThat(TimedOutView.json(List.of(virtual), 12 * SECOND))
        .contains("\"thread\":\"stuck-req\",\"carrier\":\"ForkJoinPool-1-worker-2\"");
  }

  @Test
  void jsonListsEveryField() {
    assertThat(TimedOutView.json(List.of(call), 12 * SECOND)).isEqualTo("{\"timed_out\":[\n"
        + "{\"syscall\":\"read\",\"resumes\":null,\"age_seconds\":12.0,"
        + "\"age_is_lower_bound\":false,\"pid\":10,\"process\":\"db<1>\",\"tid\":11,"
        + "\"thread\":\"wal \\\"writer\\\"\",\"carrier\":null,\"fd\":5,\"file\":\"/data/a&b\","
        + "\"wchan\":\"request_wait_answer\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
        + "\"span_id\":\"00f067aa0ba902b7\",\"kernel_stack\":[\"request_wait_answer+0x55\","
        + "\"fuse_simple_request+0x1a4\"],"
        + "\"java_stack\":[\"com.example.Wal.sync(Wal.java:42)\"]}]}\n");
    assertThat(TimedOutView.json(List.of(resumed), 12 * SECOND)).contains(
        "{\"syscall\":\"restart_syscall\",\"resumes\":\"futex\",\"age_seconds\":10.0,"
            + "\"age_is_lower_bound\":true,").contains("\"trace_id\":null,\"span_id\":null");
  }
}
