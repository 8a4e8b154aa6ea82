package io.syscallexporter.config;

import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.syscalls.SyscallTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The optional YAML file of {@code --config.file}: per-syscall timeouts and the include and
 * exclude lists of the timeout and slow policies. See config/example.yml. Every error names
 * the key path it is about.
 */
public final class ConfigFile {
  private final Path file;
  private final SyscallTable syscalls;

  private ConfigFile(Path file, SyscallTable syscalls) {
    this.file = file;
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
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    } catch (IOException e) {
      throw new UsageException("cannot read config file " + file + ": " + e.getMessage());
    } catch (YAMLException e) {
      throw new UsageException("config file " + file + " is not valid YAML: " + e.getMessage());
    }
    Map<String, Object> top = root == null ? Map.of() : map(root, "");
    known(top, "", "timeouts", "slow");
    Map<String, Object> timeouts = map(top.getOrDefault("timeouts", Map.of()), "timeouts");
    known(timeouts, "timeouts", "syscalls", "exclude");
    Map<String, Object> slow = map(top.getOrDefault("slow", Map.of()), "slow");
    known(slow, "slow", "include", "exclude");

    Map<String, Duration> perSyscall = new LinkedHashMap<>();
    Map<String, Object> timeoutSyscalls = map(timeouts.getOrDefault("syscalls", Map.of()),
        "timeouts.syscalls");
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

  private UsageException error(String path, String message) {
    return new UsageException("config file " + file + ": " + (path.isEmpty() ? "" : path + ": ")
        + message);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> map(Object node, String path) throws UsageException {
    if (!(node instanceof Map<?, ?> m)) {
      throw error(path, "must be a mapping of keys to values");
    }
    for (Object key : m.keySet()) {
      if (!(key instanceof String)) {
        throw error(path, "key " + key + " must be a string");
      }
    }
    return (Map<String, Object>) m;
  }

  private void known(Map<String, Object> m, String path, String... keys) throws UsageException {
    Set<String> allowed = Set.of(keys);
    for (String key : m.keySet()) {
      if (!allowed.contains(key)) {
        throw error(path.isEmpty() ? key : path + "." + key,
            "unknown key (known here: " + String.join(", ", keys) + ")");
      }
    }
  }

  private Duration duration(Object value, String path) throws UsageException {
    try {
      Duration d = Durations.parse(String.valueOf(value));
      if (d.isZero()) {
        throw error(path, "must be more than 0");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw error(path, e.getMessage());
    }
  }

  private Set<String> syscallList(Object node, String path) throws UsageException {
    if (node == null) {
      return Set.of();
    }
    if (!(node instanceof List<?> list)) {
      throw error(path, "must be a list of syscall names, e.g. [futex, epoll_wait]");
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
      throw error(path, "unknown syscall \"" + name + "\" on " + syscalls.arch());
    }
  }
}
