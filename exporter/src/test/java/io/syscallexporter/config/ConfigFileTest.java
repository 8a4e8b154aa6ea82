package io.syscallexporter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.jvm.ThreadPoolRules;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.syscalls.SyscallTable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
  private static final SyscallTable X86 = SyscallTable.forArch("x86_64");

  @TempDir
  Path dir;

  private SyscallPolicy load(String yaml) throws Exception {
    Path file = dir.resolve("config.yml");
    Files.writeString(file, yaml);
    return ConfigFile.policy(Flags.parse("--config.file=" + file, "--syscall.timeout=10s"), X86);
  }

  private void fails(String yaml, String message) {
    assertThatThrownBy(() -> load(yaml)).isInstanceOf(UsageException.class)
        .hasMessageEndingWith(message);
  }

  @Test
  void threadPoolRulesApplyAfterTheDefaults() throws Exception {
    Path file = dir.resolve("config.yml");
    Files.writeString(file, "thread_pools:\n  rules:\n"
        + "    - {match: '^qtp\\*-\\*$', replace: jetty-worker-*}\n"
        + "    - {match: '^(.*)-exec-\\*$', replace: '$1-requests'}\n");
    ThreadPoolRules rules = ConfigFile.threadPoolRules(Flags.parse("--config.file=" + file), X86);
    assertThat(rules.label("qtp985934102-7")).isEqualTo("jetty-worker-*");
    assertThat(rules.label("http-nio-8080-exec-12")).isEqualTo("http-nio-8080-requests");
    assertThat(rules.label("pool-3-thread-7")).isEqualTo("pool-3-thread-*");
  }

  @Test
  void theExampleFileLoads() throws Exception {
    SyscallPolicy p = ConfigFile.policy(Flags.parse("--config.file=../config/example.yml"), X86);
    assertThat(p.timeout("futex").nanos()).isEqualTo(300_000_000_000L);
    assertThat(p.timeout("ioctl").never()).isTrue();
    assertThat(p.slow("flock")).isEqualTo(Layouts.COUNT_ALWAYS);
    assertThat(p.slow("fadvise64")).isEqualTo(Layouts.COUNT_NEVER);
    ThreadPoolRules rules = ConfigFile.threadPoolRules(
        Flags.parse("--config.file=../config/example.yml"), X86);
    assertThat(rules.label("qtp985934102-7")).isEqualTo("jetty-worker-*");
    assertThat(rules.label("qtp985934102-15-acceptor-0@364e9e-ServerConnector@3b084709"
        + "{HTTP/1.1, (http/1.1)}{0.0.0.0:18098}")).isEqualTo("jetty-acceptor");
    assertThat(rules.label("http-nio-8080-exec-12")).isEqualTo("http-nio-8080-exec-*");
  }

  @Test
  void anEmptyFileIsTheDefaults() throws Exception {
    SyscallPolicy p = load("");
    assertThat(p.timeout("openat").nanos()).isEqualTo(10_000_000_000L);
    assertThat(p.timeout("futex").never()).isTrue();
  }

  @Test
  void errorsNameTheKeyPath() {
    fails("timeout: {}\n", "timeout: unknown key (known here: timeouts, slow, thread_pools)");
    fails("thread_pools:\n  rules:\n    - {match: '(qtp', replace: x}\n",
        "thread_pools.rules[0].match: not a regular expression: Unclosed group");
    fails("thread_pools:\n  rules:\n    - {match: 'qtp', replace: '$2'}\n",
        "thread_pools.rules[0].replace: no group 2 in the match");
    fails("thread_pools:\n  rules:\n    - {match: 'qtp', with: x}\n",
        "thread_pools.rules[0].with: unknown key (known here: match, replace)");
    fails("thread_pools:\n  rules: qtp\n",
        "thread_pools.rules: must be a list of {match: REGEX, replace: TEXT}");
    fails("timeouts:\n  syscalls:\n    futex: 0s\n", "timeouts.syscalls.futex: must be more than 0");
    fails("timeouts:\n  syscalls:\n    fuetx: 1s\n",
        "timeouts.syscalls.fuetx: unknown syscall \"fuetx\" on x86_64");
    fails("timeouts:\n  exclude: read\n", "timeouts.exclude: must be a list of syscall names,"
        + " e.g. [futex, epoll_wait]");
    fails("slow: [1, 2]\n", "slow: must be a mapping of keys to values");
    assertThatThrownBy(() -> load("timeouts: [\n")).hasMessageContaining("is not valid YAML");
  }
}
