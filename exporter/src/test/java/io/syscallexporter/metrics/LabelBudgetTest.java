package io.syscallexporter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class LabelBudgetTest {
  private static final SyscallTable X86 = SyscallTable.forArch("x86_64");

  private static final long MINUTE = 60_000_000_000L;

  @Test
  void admitsUpToTheLimitThenSumsIntoOther() {
    LabelBudget budget = new LabelBudget(X86, false, null, ThreadNames.HOST, 2);
    assertThat(budget.labelsFor(new SeriesKey("a", 0, 0), 0))
        .isEqualTo(new LabelSet("read", "a", null));
    assertThat(budget.labelsFor(new SeriesKey("b", 0, 0), 0))
        .isEqualTo(new LabelSet("read", "b", null));
    assertThat(budget.labelsFor(new SeriesKey("c", 0, 1), 0))
        .isEqualTo(new LabelSet("write", "_other", null));
    // While held, a key keeps its labels: admitted stay admitted, refused stay refused.
    assertThat(budget.labelsFor(new SeriesKey("a", 0, 0), 1).process()).isEqualTo("a");
    assertThat(budget.labelsFor(new SeriesKey("c", 0, 1), 1).process()).isEqualTo("_other");
    assertThat(budget.overLimit()).isEqualTo(1);
    assertThat(budget.held()).isEqualTo(3);
  }

  @Test
  void releasesIdleLabelSetsAndGivesTheirRoomToNewOnes() {
    LabelBudget budget = new LabelBudget(X86, false, null, ThreadNames.HOST, 2);
    budget.labelsFor(new SeriesKey("old", 0, 0), 0);
    budget.labelsFor(new SeriesKey("busy", 0, 0), 0);
    budget.labelsFor(new SeriesKey("late", 0, 0), 0); // no room: _other
    budget.labelsFor(new SeriesKey("busy", 0, 0), 9 * MINUTE);
    budget.labelsFor(new SeriesKey("late", 0, 0), 9 * MINUTE);

    assertThat(budget.releaseIdle(11 * MINUTE, 10 * MINUTE))
        .containsExactly(new LabelSet("read", "old", null));
    assertThat(budget.held()).isEqualTo(2);
    // A new name gets the freed place; "late" stays in _other while it is held there.
    assertThat(budget.labelsFor(new SeriesKey("new", 0, 0), 11 * MINUTE).process())
        .isEqualTo("new");
    assertThat(budget.labelsFor(new SeriesKey("late", 0, 0), 11 * MINUTE).process())
        .isEqualTo("_other");

    // Everything idle: all released, _other's keys with it; a returning name starts afresh.
    assertThat(budget.releaseIdle(30 * MINUTE, 10 * MINUTE)).hasSize(3);
    assertThat(budget.held()).isZero();
    assertThat(budget.overLimit()).isZero();
    assertThat(budget.labelsFor(new SeriesKey("late", 0, 0), 30 * MINUTE).process())
        .isEqualTo("late");
  }

  @Test
  void forgetsIdleKeysEvenWhileTheirLabelSetIsBusy() {
    LabelBudget budget = new LabelBudget(X86, false, null, ThreadNames.HOST, 1);
    budget.labelsFor(new SeriesKey("own", 0, 0), 0);
    // A week of short-lived names, each seen once, all summed into a busy _other.
    for (int i = 0; i < 10_000; i++) {
      budget.labelsFor(new SeriesKey("short-lived-" + i, 0, 0), i * MINUTE / 100);
    }
    assertThat(budget.keys()).isEqualTo(10_001);
    budget.releaseIdle(100 * MINUTE, 10 * MINUTE);
    assertThat(budget.keys()).isLessThan(1_001);
    assertThat(budget.overLimit()).isEqualTo(budget.keys());
    assertThat(budget.held()).isEqualTo(1); // _other is still in use; "own" went idle
  }

  @Test
  void keysPastTheirBoundGoToOtherUnremembered() {
    LabelBudget budget = new LabelBudget(X86, false, null, ThreadNames.HOST, 1);
    budget.labelsFor(new SeriesKey("own", 0, 0), 0);
    // A process renaming itself in a loop, faster than any idle timeout.
    for (int i = 0; i < budget.maxKeys() + 5_000; i++) {
      assertThat(budget.labelsFor(new SeriesKey("name-" + i, 0, 0), 0).process())
          .isEqualTo("_other");
    }
    assertThat(budget.keys()).isEqualTo(budget.maxKeys());
    assertThat(budget.keysNotHeld()).isEqualTo(5_001);
    assertThat(budget.labelsFor(new SeriesKey("own", 0, 0), 0).process()).isEqualTo("own");
  }

  @Test
  void forgetsAJvmsPoolKeysAndKeepsItsLabelSets() {
    String[] next = {"pool-a"};
    ThreadNames byPoolId = labelling(key -> {
      ThreadNames.Labels l = new ThreadNames.Labels("checkout", next[0]);
      next[0] = "pool-b"; // the next join gives id 2 to another pool
      return l;
    });
    LabelBudget budget = new LabelBudget(X86, false, null, byPoolId, 10);
    SeriesKey id2 = new SeriesKey("", 100, 0, 0, SeriesKey.FIRST_POOL_ID);
    assertThat(budget.labelsFor(id2, 0).thread()).isEqualTo("pool-a");
    assertThat(budget.labelsFor(id2, 0).thread()).as("held").isEqualTo("pool-a");
    budget.forgetPools(100); // the JVM left; it joins again
    assertThat(budget.labelsFor(id2, 0).thread()).isEqualTo("pool-b");
    assertThat(budget.held()).isEqualTo(2);
  }

  @Test
  void inAgentModeLabelsByThreadPoolUnderTheJvm() {
    ThreadNames pools = labelling(key -> new ThreadNames.Labels("java", key.process()));
    LabelBudget budget = new LabelBudget(X86, false, null, pools, 1);
    assertThat(budget.labelsFor(new SeriesKey("io-worker-*", 0, 0), 0))
        .isEqualTo(new LabelSet("read", "java", null, null, "io-worker-*"));
    assertThat(budget.labelsFor(new SeriesKey("http-*", 0, 0), 0))
        .isEqualTo(new LabelSet("read", "java", null, null, "_other"));
  }

  @Test
  void addsPidOnlyWhenAsked() {
    LabelBudget budget = new LabelBudget(X86, true, null, ThreadNames.HOST, 1);
    assertThat(budget.labelsFor(new SeriesKey("a", 42, 110), 0).labels().toString())
        .isEqualTo(new LabelSet("getppid", "a", "42").labels().toString());
    assertThat(budget.labelsFor(new SeriesKey("a", 43, 110), 0))
        .isEqualTo(new LabelSet("getppid", "_other", "_other"));
  }

  /** Names a JVM's threads by pool as {@code labels} says; the rest is not asked here. */
  private static ThreadNames labelling(Function<SeriesKey, ThreadNames.Labels> labels) {
    return new ThreadNames() {
      @Override
      public SeriesKey seriesKey(StuckCall c, boolean perPid) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Labels labelsOf(SeriesKey key, long heldNanos) {
        return labels.apply(key);
      }

      @Override
      public String nameOf(int pid, int tid, String comm) {
        return comm;
      }

      @Override
      public CompletableFuture<StuckThread> stuckThread(int pid, int tid, String comm) {
        throw new UnsupportedOperationException();
      }
    };
  }
}
