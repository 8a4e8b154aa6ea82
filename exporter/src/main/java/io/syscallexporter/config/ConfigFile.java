package io.syscallexporter.config;

import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.syscalls.SyscallTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The optional YAML file of {@code --config.file}: per-syscall timeouts and the include and
 * exclude lists of the timeout and slow policies. See config/example.yml. Every error names
 * the key path it is about.
 */
public final class ConfigFile {
  private final YamlFile yaml;
  private final SyscallTable syscalls;

  private ConfigFile(Path file, SyscallTable syscalls) {
    this.yaml = new YamlFile(file, "config file");
    this.syscalls = syscalls;
  }

  /** The policy for {@code config}: the defaults, adjusted by its config file if it has one. */
  public static SyscallPolicy policy(ExporterConfig config, SyscallTable syscalls)
      throws UsageException {
    if (config.configFile() == null) {
      return new SyscallPolicy(config.syscallTimeout(), Map.of(), Set.of(), Set.of(), Set.of(),
          config.slowAll());
    }
    return new ConfigFile(config.configFile(), syscalls).parse(config.syscallTimeout(),
        config.slowAll());
  }

  private SyscallPolicy parse(Duration defaultTimeout, boolean slowAll) throws UsageException {
    Map<String, Object> top = yaml.read();
    yaml.known(top, "", "timeouts", "slow");
    Map<String, Object> timeouts = yaml.section(top, "timeouts", "");
    yaml.known(timeouts, "timeouts", "syscalls", "exclude");
    Map<String, Object> slow = yaml.section(top, "slow", "");
    yaml.known(slow, "slow", "include", "exclude");

    Map<String, Duration> perSyscall = new LinkedHashMap<>();
    Map<String, Object> timeoutSyscalls = yaml.section(timeouts, "syscalls", "timeouts");
    for (Map.Entry<String, Object> e : timeoutSyscalls.entrySet()) {
      String path = "timeouts.syscalls." + e.getKey();
      syscall(e.getKey(), path);
      perSyscall.put(e.getKey(), duration(e.getValue(), path));
    }
    return new SyscallPolicy(defaultTimeout, perSyscall,
        syscallList(timeouts.get("exclude"), "timeouts.exclude"),
        syscallList(slow.get("include"), "slow.include"),
        syscallList(slow.get("exclude"), "slow.exclude"), slowAll);
  }

  private Duration duration(Object value, String path) throws UsageException {
    try {
      Duration d = Durations.parse(String.valueOf(value));
      if (d.isZero()) {
        throw yaml.error(path, "must be more than 0");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw yaml.error(path, e.getMessage());
    }
  }

  private Set<String> syscallList(Object node, String path) throws UsageException {
    if (node == null) {
      return Set.of();
    }
    if (!(node instanceof List<?> list)) {
      throw yaml.error(path, "must be a list of syscall names, e.g. [futex, epoll_wait]");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String name = String.valueOf(list.get(i));
      syscall(name, path + "[" + i + "]");
      names.add(name);
    }
    return names;
  }

  private void syscall(String name, String path) throws UsageException {
    if (syscalls.number(name).isEmpty()) {
      throw yaml.error(path, "unknown syscall \"" + name + "\" on " + syscalls.arch());
    }
  }
}
