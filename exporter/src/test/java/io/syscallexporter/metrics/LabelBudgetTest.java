package io.syscallexporter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.syscalls.SyscallTable;
import org.junit.jupiter.api.Test;

class LabelBudgetTest {
  private static final SyscallTable X86 = SyscallTable.forArch("x86_64");

  @Test
  void admitsUpToTheLimitThenSumsIntoOther() {
    LabelBudget budget = new LabelBudget(X86, false, 2);
    assertThat(budget.labelsFor(new SeriesKey("a", 0, 0))).isEqualTo(new LabelSet("read", "a", null));
    assertThat(budget.labelsFor(new SeriesKey("b", 0, 0))).isEqualTo(new LabelSet("read", "b", null));
    assertThat(budget.labelsFor(new SeriesKey("c", 0, 1)))
        .isEqualTo(new LabelSet("write", "_other", null));
    // Admission is permanent: admitted sets stay, refused ones stay refused.
    assertThat(budget.labelsFor(new SeriesKey("a", 0, 0)).process()).isEqualTo("a");
    assertThat(budget.labelsFor(new SeriesKey("c", 0, 1)).process()).isEqualTo("_other");
    assertThat(budget.overLimit()).isEqualTo(1);
  }

  @Test
  void addsPidOnlyWhenAsked() {
    LabelBudget budget = new LabelBudget(X86, true, 1);
    assertThat(budget.labelsFor(new SeriesKey("a", 42, 110)).labels().toString())
        .isEqualTo(new LabelSet("getppid", "a", "42").labels().toString());
    assertThat(budget.labelsFor(new SeriesKey("a", 43, 110)))
        .isEqualTo(new LabelSet("getppid", "_other", "_other"));
  }
}
