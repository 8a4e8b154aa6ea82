package io.syscallexporter.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.syscalls.SyscallTable;
import java.io.IOException;
import java.math.BigInteger;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Property-based fuzzing of everything that reads user input: the flags, the config file and
 * the web config file. No input may crash the parser with anything but its usage error, and
 * none may be accepted as something else than it says.
 */
class ParsersPropertyTest {
  private static final SyscallTable X86 = SyscallTable.forArch("x86_64");
  private final Path file;

  ParsersPropertyTest() {
    try {
      file = Files.createTempFile("parsers", ".yml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterProperty
  void removeFile() throws IOException {
    Files.deleteIfExists(file);
  }

  @Property(tries = 3000)
  void anyFlagsParseOrGiveAUsageError(@ForAll("flags") List<String> args) {
    try {
      ExporterConfig c = Flags.parse(args.toArray(String[]::new));
      assertThat(c.listenPort()).isBetween(0, 65535);
      assertThat(c.labelLimit()).isPositive();
      assertThat(c.scanInterval()).isGreaterThanOrEqualTo(Duration.ofMillis(10));
      assertThat(c.labelIdleTimeout()).isGreaterThanOrEqualTo(c.drainInterval());
    } catch (UsageException e) {
      assertThat(e.getMessage()).isNotBlank();
    } catch (Flags.HelpRequested e) {
      assertThat(args).containsAnyOf("-h", "--help");
    }
  }

  /** A number flag takes exactly the number it is given, or refuses the value. */
  @Property(tries = 1000)
  void numberFlagsTakeWhatTheySayOrRefuse(@ForAll("numbers") String value) throws Exception {
    try {
      ExporterConfig c = Flags.parse("--labels.limit=" + value);
      assertThat(new BigInteger(value)).isEqualTo(c.labelLimit()); // the same number
    } catch (UsageException e) {
      assertThat(e.getMessage()).startsWith("bad value for --labels.limit");
    }
  }

  @Property(tries = 2000)
  void anyConfigFileLoadsOrNamesItsMistake(@ForAll("configYaml") String yaml) throws Exception {
    Files.writeString(file, yaml);
    try {
      ConfigFile.policy(Flags.parse("--config.file=" + file), X86);
    } catch (UsageException e) {
      assertThat(e.getMessage()).contains(file.toString());
    }
  }

  @Property(tries = 2000)
  void anyWebConfigFileLoadsOrNamesItsMistake(@ForAll("webYaml") String yaml) throws Exception {
    Files.writeString(file, yaml);
    try {
      WebConfig c = WebConfig.read(file);
      c.users().values().forEach(h -> assertThat(h).startsWith("$2"));
    } catch (UsageException e) {
      assertThat(e.getMessage()).contains(file.toString());
    }
  }

  @Property(tries = 1000)
  void anyBytesAreAConfigErrorOrAConfig(@ForAll String text) throws Exception {
    anyConfigFileLoadsOrNamesItsMistake(text);
    anyWebConfigFileLoadsOrNamesItsMistake(text);
  }

  @Provide
  Arbitrary<List<String>> flags() {
    Arbitrary<String> name = Arbitraries.of("--web.listen-address", "--web.telemetry-path",
        "--slow.threshold", "--slow.all", "--no-slow.all", "--syscall.timeout", "--scan.interval",
        "--drain.interval", "--labels.pid", "--labels.limit", "--labels.idle-timeout",
        "--log.rate-limit", "--web.timed-out-view", "--no-web.timed-out-view", "--nope", "-h",
        "--", "-", "--=", "--labels.limit=");
    Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.of("", "1s", "10ms", "0", "-1",
        "65536", ":9548", "127.0.0.1:0", "[::1]:9", "host:", "/metrics", "/", "true", "false",
        "1h", "5000", "1e3", "9999999999"), Arbitraries.strings().ofMaxLength(12));
    Arbitrary<String> arg = Arbitraries.oneOf(name, name.flatMap(n -> value.map(v -> n + "=" + v)),
        value);
    return arg.list().ofMaxSize(6);
  }

  @Provide
  Arbitrary<String> numbers() {
    return Arbitraries.oneOf(Arbitraries.strings().withChars("0123456789+-.e ").ofMinLength(1)
        .ofMaxLength(12), Arbitraries.integers().map(Object::toString));
  }

  @Provide
  Arbitrary<String> configYaml() {
    return yaml(List.of("timeouts", "syscalls", "exclude", "slow", "include", "futex", "read",
        "fsnyc", "openat", "bogus"), List.of("1s", "soon", "0s", "-1s", "[futex, read]",
        "[nope]", "{}", "[]", "~", "1", "\"5m\"", "[[a]]", "{futex: 1s}", "!!binary AAAA"));
  }

  @Provide
  Arbitrary<String> webYaml() {
    return yaml(List.of("tls_server_config", "cert_file", "key_file", "client_auth_type",
        "client_ca_file", "min_version", "max_version", "cipher_suites", "http_server_config",
        "headers", "basic_auth_users", "prom", "X-Frame-Options", "Bad Header", "http2"),
        List.of("a.pem", "TLS12", "TLS99", "RequireAndVerifyClientCert", "Never", "~", "[]", "{}",
            "$2y$10$s9iwUz2WRQzXHwyDsfUeNu5/DkGEedXTqwdGnPpxJuZEFP4MsiVGq", "plain", "1",
            "\"x\\r\\ny\"", "{a: b}"));
  }

  /** Lines of "indent key: value" or "indent key:" from these pieces: nearly right YAML. */
  private static Arbitrary<String> yaml(List<String> keys, List<String> values) {
    Arbitrary<String> line = Arbitraries.oneOf(
        Arbitraries.of(keys).flatMap(k -> Arbitraries.of("", "  ", "    ")
            .flatMap(indent -> Arbitraries.of(values).map(v -> indent + k + ": " + v))),
        Arbitraries.of(keys).flatMap(k -> Arbitraries.of("", "  ", "    ")
            .map(indent -> indent + k + ":")),
        Arbitraries.of(values).map(v -> "  - " + v));
    return line.list().ofMaxSize(8).map(lines -> String.join("\n", lines) + "\n");
  }
}
