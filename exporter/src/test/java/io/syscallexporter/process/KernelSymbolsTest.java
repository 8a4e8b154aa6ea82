package io.syscallexporter.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSymbolsTest {
  @TempDir
  Path dir;

  @Test
  void namesEachAddressByTheNearestCodeSymbolBelowIt() throws Exception {
    Path kallsyms = dir.resolve("kallsyms");
    Files.writeString(kallsyms, String.join("\n",
        "ffffffff81000000 T _stext",
        "ffffffff818372e0 t __pfx_request_wait_answer",
        "ffffffff818372f0 t request_wait_answer",
        "ffffffff81837400 D some_data",
        "ffffffff81837500 T __fuse_simple_request",
        "ffffffffc0001000 t nfs_wait_bit_killable\t[nfs]", ""));
    KernelSymbols symbols = new KernelSymbols(kallsyms);
    assertThat(symbols.symbolize(new long[] {0xffffffff81837345L, 0xffffffff81837420L,
        0xffffffff818375a4L, 0xffffffffc0001010L}))
        .containsExactly("request_wait_answer+0x55", "request_wait_answer+0x130",
            "__fuse_simple_request+0xa4", "nfs_wait_bit_killable+0x10");

    // Cached: a later, unreadable kallsyms does not change known names.
    Files.delete(kallsyms);
    assertThat(symbols.symbolize(new long[] {0xffffffff81837345L}))
        .containsExactly("request_wait_answer+0x55");
  }

  @Test
  void keepsAddressesHexWhenKallsymsHidesThem() throws Exception {
    // Without CAP_SYSLOG every address reads as zero.
    Path kallsyms = dir.resolve("kallsyms");
    Files.writeString(kallsyms, "0000000000000000 T _stext\n0000000000000000 t request_wait_answer\n");
    assertThat(new KernelSymbols(kallsyms).symbolize(new long[] {0xffffffff81837345L}))
        .isEqualTo(List.of("0xffffffff81837345"));
  }
}
