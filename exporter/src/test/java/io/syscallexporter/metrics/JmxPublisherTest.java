package io.syscallexporter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.Flags;
import io.syscallexporter.process.KernelSymbols;
import io.syscallexporter.process.ProcFs;
import io.syscallexporter.syscalls.SyscallTable;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class JmxPublisherTest {
  private static final long SECOND = 1_000_000_000L;
  private static final SyscallTable X86 = SyscallTable.forArch("x86_64");

  private final FakeKernel kernel = new FakeKernel();
  private final AtomicLong now = new AtomicLong();

  @Test
  void publishesEachLabelSetUntilItIsReleased() throws Exception {
    ExporterConfig config = Flags.parse("--labels.idle-timeout=1m");
    LabelBudget budget = new LabelBudget(X86, config, null, ThreadNames.HOST);
    HistogramTotals totals = new HistogramTotals(kernel, budget, config, now::get);
    TimeoutScanner scanner = new TimeoutScanner(kernel, X86, new ProcFs(), new KernelSymbols(),
        ThreadNames.HOST, config);
    kernel.histograms.add(FakeKernel.entry("db*", 0, 1_000_000, 5));

    try (JmxPublisher jmx = new JmxPublisher(JmxPublisher.Source.of(totals::forEach, scanner, budget))) {
      jmx.start();
      jmx.refresh();
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      ObjectName all = new ObjectName("syscall_exporter:*");
      assertThat(server.queryNames(all, null)).hasSize(3);
      // Labels become object name keys; a value with a wildcard character is quoted.
      ObjectName name = new ObjectName("syscall_exporter:name=syscall_duration_nanoseconds,"
          + "process=" + ObjectName.quote("db*") + ",syscall=read");
      assertThat(server.getAttribute(name, "Count")).isEqualTo(5L);
      assertThat(server.getAttribute(name, "Mean")).isEqualTo(1_000_000.0);
      assertThat(server.queryNames(new ObjectName("syscall_exporter:name=syscall_slow,*"),
          null)).singleElement().satisfies(slow ->
              assertThat(server.getAttribute(slow, "Count")).isEqualTo(0L));

      // Idle past the timeout: released from the totals, and from the registry and JMX.
      now.addAndGet(2 * 60 * SECOND);
      kernel.histograms.clear();
      totals.drain();
      jmx.refresh();
      assertThat(server.queryNames(all, null)).isEmpty();
    }
  }

  @Test
  void objectNamesStartWithTheMetricThenTheLabelsInAFixedOrder() {
    ObjectName n = JmxPublisher.objectName("syscall_exporter", "syscall_duration_nanoseconds",
        new LabelSet("read", "checkout", "42", null, "io-worker-*"));
    assertThat(n.getKeyPropertyListString()).isEqualTo("name=syscall_duration_nanoseconds,"
        + "syscall=read,process=checkout,thread=\"io-worker-\\*\",pid=42");
  }

  @Test
  void quotesOnlyWhatAnObjectNameValueCannotHold() {
    assertThat(JmxPublisher.value("io-worker-*")).isEqualTo("\"io-worker-\\*\"");
    assertThat(JmxPublisher.value("main")).isEqualTo("main");
    assertThat(JmxPublisher.value("a,b=c")).isEqualTo("\"a,b=c\"");
  }
}
