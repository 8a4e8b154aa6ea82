package io.syscallexporter.join;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdmissionTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void newConnectionsHaveABudgetOfTheirOwnPerUserAndInAll() {
    Admission a = new Admission(new Admission.Limits(10, 4, 6, 2, 10));
    assertThat(a.admit(1000, 0)).isTrue();
    assertThat(a.admit(1000, 0)).isTrue();
    assertThat(a.admit(1000, 0)).as("a third unjoined one of one user").isFalse();
    assertThat(a.admit(1001, 0)).isTrue();
    assertThat(a.admit(1001, 0)).isTrue();
    assertThat(a.admit(1002, 0)).as("unjoined ones in all").isFalse();
    // Joining frees the unjoined slot: the user may open another.
    assertThat(a.join(1000, 0)).isNull();
    assertThat(a.admit(1000, 0)).isTrue();
    assertThat(a.held()).isEqualTo(5);
    a.release(1000, true, 0);
    a.release(1000, false, 0);
    a.release(1000, false, 0);
    a.release(1001, false, 0);
    a.release(1001, false, 0);
    assertThat(a.held()).isZero();
  }

  @Test
  void oneUserHoldsAtMostItsShare() {
    Admission a = new Admission(new Admission.Limits(100, 100, 3, 3, 100));
    for (int i = 0; i < 3; i++) {
      assertThat(a.admit(1000, 0)).isTrue();
      assertThat(a.join(1000, 0)).isNull();
    }
    assertThat(a.admit(1000, 0)).as("a fourth connection of one user").isFalse();
    assertThat(a.admit(1001, 0)).as("another user").isTrue();
  }

  @Test
  void joinsArePacedPerUserAndTheBookkeepingIsForgotten() {
    Admission a = new Admission(new Admission.Limits(100, 100, 100, 100, 3));
    for (int i = 0; i < 3; i++) {
      assertThat(a.admit(1000, 0)).isTrue();
      assertThat(a.join(1000, 0)).isNull();
      a.release(1000, true, 0);
    }
    assertThat(a.admit(1000, 0)).isTrue();
    assertThat(a.join(1000, 0)).isEqualTo(Admission.Refusal.TOO_MANY_JOINS);
    assertThat(a.join(1000, SECOND)).as("a second later").isNull();
    a.release(1000, true, SECOND);
    assertThat(a.uids()).as("remembered while its joins refill").isEqualTo(1);
    assertThat(a.admit(1000, 10 * SECOND)).isTrue();
    a.release(1000, false, 10 * SECOND);
    assertThat(a.uids()).isZero();
  }

  @Test
  void joinedConnectionsAreBoundedInAll() {
    Admission a = new Admission(new Admission.Limits(2, 10, 10, 10, 10));
    for (int uid = 0; uid < 3; uid++) {
      assertThat(a.admit(uid, 0)).isTrue();
    }
    assertThat(a.join(0, 0)).isNull();
    assertThat(a.join(1, 0)).isNull();
    assertThat(a.join(2, 0)).isEqualTo(Admission.Refusal.BUSY);
  }
}
