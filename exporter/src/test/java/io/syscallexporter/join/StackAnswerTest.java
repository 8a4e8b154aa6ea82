package io.syscallexporter.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syscallexporter.collect.TraceContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A JVM's STACK answer as the exporter reads it: what it may say, and what closes it. */
class StackAnswerTest {
  @Test
  void aStackWithoutATrace() throws Exception {
    AgentSocket.StackAnswer a = AgentSocket.stackAnswer("42\nwal-writer-1\nWal.sync(Wal.java:7)");
    assertThat(a.tid()).isEqualTo(42);
    assertThat(a.thread().name()).isEqualTo("wal-writer-1");
    assertThat(a.thread().javaStack()).containsExactly("Wal.sync(Wal.java:7)");
    assertThat(a.thread().trace()).isEqualTo(TraceContext.NONE);
  }

  @Test
  void aStackWithTheTraceItsThreadPublished() throws Exception {
    AgentSocket.StackAnswer a = AgentSocket.stackAnswer(
        "42 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 01\nwal-writer-1");
    assertThat(a.tid()).isEqualTo(42);
    assertThat(a.thread().trace()).isEqualTo(
        new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true));
    assertThat(AgentSocket.stackAnswer(
        "42 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 00\nw").thread().trace()
        .sampled()).isFalse();
  }

  /** A virtual thread mounted on a carrier: its name, a tab, the carrier's. */
  @Test
  void aVirtualThreadAndItsCarrier() throws Exception {
    AgentSocket.StackAnswer a = AgentSocket.stackAnswer(
        "42\nstuck-req\tForkJoinPool-1-worker-2\nApp.stuckRead(App.java:9)");
    assertThat(a.thread().name()).isEqualTo("stuck-req");
    assertThat(a.thread().carrier()).isEqualTo("ForkJoinPool-1-worker-2");
    assertThat(a.thread().javaStack()).containsExactly("App.stuckRead(App.java:9)");
    assertThat(AgentSocket.stackAnswer("42\nwal-writer-1").thread().carrier()).isNull();
  }

  /** A name line of more than a thread and its carrier, or with another control character. */
  @ParameterizedTest
  @ValueSource(strings = {"a\tb\tc", "a\tb\u0007", "a\u202e\tb"})
  void aMalformedNameLineClosesTheConnection(String nameLine) {
    assertThatThrownBy(() -> AgentSocket.stackAnswer("42\n" + nameLine))
        .isInstanceOf(Frames.MalformedException.class);
  }

  /** VIRTUAL_POOLS: an index of 1 to 255 and a showable pool, a line each. */
  @Test
  void virtualPoolsAreIndexesOneTo255() throws Exception {
    assertThat(AgentSocket.virtualPools("1\treq-*\n255\tvirtual\n"))
        .isEqualTo(java.util.Map.of(1, "req-*", 255, "virtual"));
    for (String bad : new String[] {"0\treq-*", "256\treq-*", "-1\treq-*", "x\treq-*",
        "1\t", "1\treq\u0000"}) {
      assertThatThrownBy(() -> AgentSocket.virtualPools(bad)).as(bad)
          .isInstanceOf(Frames.MalformedException.class);
    }
  }

  /** Ids that are not W3C's lowercase hex of their length, or all zeros: malformed. */
  @ParameterizedTest
  @ValueSource(strings = {
      "42 4BF92F3577B34DA6A3CE929D0E0E4736 00f067aa0ba902b7 01",
      "42 4bf92f3577b34da6a3ce929d0e0e47 00f067aa0ba902b7 01",
      "42 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7",
      "42 00000000000000000000000000000000 00f067aa0ba902b7 01",
      "42 4bf92f3577b34da6a3ce929d0e0e4736 0000000000000000 01",
      "42 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 01 trailing",
      "42 trace_id=\u202e 00f067aa0ba902b7 01",
      "99999999999",
      "-1"})
  void aMalformedFirstLineClosesTheConnection(String firstLine) {
    assertThatThrownBy(() -> AgentSocket.stackAnswer(firstLine + "\nwal-writer-1"))
        .isInstanceOf(Frames.MalformedException.class);
  }
}
