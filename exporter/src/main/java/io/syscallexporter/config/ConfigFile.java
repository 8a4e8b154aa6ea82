package io.syscallexporter.config;

import io.syscallexporter.jvm.ThreadPoolRules;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.syscalls.SyscallTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The optional YAML file of {@code --config.file}: per-syscall timeouts, the include and
 * exclude lists of the timeout and slow policies, and the rules that make Java thread names
 * into pool labels. See config/example.yml. Every error names the key path it is about.
 */
public final class ConfigFile {
  private static final Pattern GROUP_REFERENCE = Pattern.compile("(?<!\\\\)\\$(\\d)");
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
    yaml.known(top, "", "timeouts", "slow", "thread_pools");
    threadPoolRules(top); // every key is checked at start, whatever the mode
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

  /** The thread pool rules of {@code config}'s file, after the defaults; none without a file. */
  public static ThreadPoolRules threadPoolRules(ExporterConfig config, SyscallTable syscalls)
      throws UsageException {
    if (config.configFile() == null) {
      return ThreadPoolRules.DEFAULT;
    }
    ConfigFile file = new ConfigFile(config.configFile(), syscalls);
    return file.threadPoolRules(file.yaml.read());
  }

  private ThreadPoolRules threadPoolRules(Map<String, Object> top) throws UsageException {
    Map<String, Object> pools = yaml.section(top, "thread_pools", "");
    yaml.known(pools, "thread_pools", "rules");
    Object node = pools.get("rules");
    if (node == null) {
      return ThreadPoolRules.DEFAULT;
    }
    if (!(node instanceof List<?> list)) {
      throw yaml.error("thread_pools.rules", "must be a list of {match: REGEX, replace: TEXT}");
    }
    List<ThreadPoolRules.Rule> rules = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "thread_pools.rules[" + i + "]";
      Map<String, Object> rule = yaml.map(list.get(i), path);
      yaml.known(rule, path, "match", "replace");
      if (!(rule.get("match") instanceof String match) || match.isEmpty()) {
        throw yaml.error(path + ".match", "must be a regular expression");
      }
      String replace = rule.get("replace") == null ? "" : String.valueOf(rule.get("replace"));
      Pattern pattern;
      try {
        pattern = Pattern.compile(match);
      } catch (PatternSyntaxException e) {
        throw yaml.error(path + ".match", "not a regular expression: " + e.getDescription());
      }
      // $9 with no group 9 would fail at the first thread it matches: fail now instead.
      Matcher group = GROUP_REFERENCE.matcher(replace);
      while (group.find()) {
        if (Integer.parseInt(group.group(1)) > pattern.matcher("").groupCount()) {
          throw yaml.error(path + ".replace", "no group " + group.group(1) + " in the match");
        }
      }
      rules.add(new ThreadPoolRules.Rule(pattern, replace));
    }
    return new ThreadPoolRules(rules);
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
