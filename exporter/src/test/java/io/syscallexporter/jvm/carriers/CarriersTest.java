package io.syscallexporter.jvm.carriers;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.bpf.Layouts;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The carrier records as the hooks drive them, called here on a platform thread (as the
 * carrier, and as the virtual thread mounted on it, in turn): what a carrier's record says
 * between a mount and an unmount. The pool table is the JVM's: the test of its bound runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CarriersTest {
  private static byte mountedIndex() {
    return Carriers.recordOf(Thread.currentThread()).get(Layouts.CARRIER_MOUNTED);
  }

  @Test
  @Order(1)
  void aMountWritesTheVirtualThreadsPoolAndAnUnmountClearsIt() {
    Carriers.cookie(0);
    Carriers.mountStart();
    assertThat(Carriers.recordOf(Thread.currentThread())).as("no cookie: no record").isNull();

    Carriers.cookie(0x1234);
    Carriers.mountStart(); // registers: a pwrite64 to /dev/null
    Thread req = new Thread(() -> { }, "req-17");
    Carriers.mounted(req);
    int index = mountedIndex();
    assertThat(index).isPositive();
    assertThat(Carriers.pools()[index]).isEqualTo("req-*");
    assertThat(Carriers.mountedOn(Thread.currentThread())).isSameAs(req);
    Carriers.mounted(new Thread(() -> { }, "req-2")); // the same pool, the same index
    assertThat(mountedIndex()).isEqualTo((byte) index);

    Carriers.unmounting();
    assertThat(mountedIndex()).isZero();
    assertThat(Carriers.mountedOn(Thread.currentThread())).isNull();
    Carriers.mounted(new Thread(() -> { }, ""));
    assertThat(Carriers.pools()[mountedIndex()]).isEqualTo("virtual");
    Carriers.unmounting();
  }

  @Test
  @Order(2)
  void aVirtualThreadsSpanIsInItsCarriersRecordWhileItIsMounted() {
    Carriers.cookie(0x1234);
    Carriers.mountStart();
    Thread self = Thread.currentThread();
    Carriers.mounted(self);
    Carriers.publish(0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L, 0x00f067aa0ba902b7L, (byte) 1);
    ByteBuffer record = Carriers.recordOf(self);
    assertThat(record.getLong(0)).isEqualTo(0x4bf92f3577b34da6L);
    assertThat(record.getLong(8)).isEqualTo(0xa3ce929d0e0e4736L);
    assertThat(record.getLong(16)).isEqualTo(0x00f067aa0ba902b7L);
    assertThat(record.get(24)).as("valid").isEqualTo((byte) 1);
    assertThat(record.get(25)).as("flags").isEqualTo((byte) 1);
    Carriers.unmounting();
    assertThat(Carriers.recordOf(self).get(24)).as("unmounted: not valid").isZero();
    // Mounted again (on this or another carrier): its span comes with it.
    Carriers.mounted(self);
    assertThat(Carriers.recordOf(self).get(24)).isEqualTo((byte) 1);
    assertThat(Carriers.recordOf(self).getLong(16)).isEqualTo(0x00f067aa0ba902b7L);
    Carriers.clear();
    assertThat(Carriers.recordOf(self).get(24)).isZero();
    Carriers.unmounting();
    Carriers.mounted(self);
    assertThat(Carriers.recordOf(self).get(24)).as("cleared stays cleared").isZero();
    Carriers.unmounting();
  }

  @Test
  @Order(3)
  void aPoolIsItsNameWithoutTheTrailingNumber() {
    assertThat(Carriers.poolOf("tomcat-handler-12")).isEqualTo("tomcat-handler-*");
    assertThat(Carriers.poolOf("req-")).isEqualTo("req-");
    assertThat(Carriers.poolOf("42")).isEqualTo("*");
    assertThat(Carriers.poolOf("")).isEqualTo("virtual");
  }

  @Test
  @Order(4)
  void poolsPastTheRecordsRoomShareOther() {
    Carriers.cookie(0x1234);
    Carriers.mountStart();
    for (int i = 0; i < 300; i++) {
      Carriers.mounted(new Thread(() -> { }, "pool" + i + "x-1"));
    }
    String[] pools = Carriers.pools();
    assertThat(pools).as("index 0, none; 1 to 255").hasSize(Carriers.MAX_POOLS + 1);
    assertThat(pools[Carriers.MAX_POOLS]).isEqualTo(Carriers.OTHER);
    assertThat(mountedIndex() & 0xff).isEqualTo(Carriers.MAX_POOLS);
    assertThat(Arrays.stream(pools).filter(Carriers.OTHER::equals)).hasSize(1);
    Carriers.unmounting();
  }
}
