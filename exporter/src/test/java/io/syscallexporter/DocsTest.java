package io.syscallexporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.config.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation stays true: the README and docs/ link only to files and headings that
 * exist, and every flag of --help is documented in docs/ and every flag documented is one.
 * (DocsIT checks docs/metrics.md against a real /metrics.)
 */
class DocsTest {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$");
  private static final Pattern FLAG =
      Pattern.compile("--(no-)?([a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)+)");

  /** The README and every page of docs/. */
  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(REPO.resolve("README.md")));
    try (Stream<Path> docs = Files.list(REPO.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** Text outside fenced code blocks, where links and headings are Markdown. */
  static List<String> prose(Path page) throws IOException {
    List<String> out = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page)) {
      if (line.startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced) {
        out.add(line);
      }
    }
    return out;
  }

  /** GitHub's anchor of a heading: lowercase, punctuation dropped, spaces as hyphens. */
  static String anchor(String heading) {
    return heading.strip().toLowerCase().replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
        .replace(' ', '-');
  }

  static Set<String> anchors(Path page) throws IOException {
    Set<String> out = new TreeSet<>();
    for (String line : prose(page)) {
      Matcher m = HEADING.matcher(line);
      if (m.matches()) {
        out.add(anchor(m.group(1)));
      }
    }
    return out;
  }

  @Test
  void everyRelativeLinkAndAnchorResolves() throws IOException {
    List<String> broken = new ArrayList<>();
    int links = 0;
    for (Path page : pages()) {
      for (String line : prose(page)) {
        Matcher m = LINK.matcher(line);
        while (m.find()) {
          String target = m.group(1);
          if (target.matches("[a-z]+:.*")) {
            continue; // http:, https:, mailto:
          }
          links++;
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          Path to = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
          if (!Files.exists(to)) {
            broken.add(REPO.relativize(page) + ": " + target + " (no such file)");
          } else if (hash >= 0 && !anchors(to).contains(target.substring(hash + 1))) {
            broken.add(REPO.relativize(page) + ": " + target + " (no such heading)");
          }
        }
      }
    }
    assertThat(links).as("relative links checked").isGreaterThan(50);
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void everyFlagOfTheHelpIsDocumentedAndEveryDocumentedFlagIsOne() throws IOException {
    Set<String> flags = new TreeSet<>();
    Matcher help = FLAG.matcher(Flags.usage());
    while (help.find()) {
      flags.add(help.group(2));
    }
    assertThat(flags).as("flags in --help").hasSizeGreaterThan(15);
    Set<String> namespaces = new TreeSet<>();
    flags.forEach(f -> namespaces.add(f.substring(0, f.indexOf('.'))));

    Set<String> documented = new TreeSet<>();
    Set<String> unknown = new TreeSet<>();
    for (Path page : pages()) {
      Matcher m = FLAG.matcher(Files.readString(page));
      while (m.find()) {
        String name = m.group(2);
        // Another program's flag (Prometheus's --enable-feature, the JVM's, ...) is not ours.
        if (namespaces.contains(name.substring(0, name.indexOf('.')))) {
          (flags.contains(name) ? documented : unknown).add(REPO.relativize(page) + " --"
              + name);
        }
      }
    }
    Set<String> inDocs = new TreeSet<>();
    documented.stream().filter(d -> d.startsWith("docs/"))
        .forEach(d -> inDocs.add(d.substring(d.indexOf(" --") + 3)));
    assertThat(inDocs).as("flags documented in docs/").containsAll(flags);
    assertThat(unknown).as("documented flags the exporter does not have").isEmpty();
  }
}
