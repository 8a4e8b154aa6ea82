package io.syscallexporter.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * One YAML file being read: plain data only (no tags, no objects, no duplicate keys), and
 * errors that name the file and the key path they are about.
 */
final class YamlFile {
  private final Path file;
  private final String what;

  /** {@code what} names the file in messages ("config file", "web config file"). */
  YamlFile(Path file, String what) {
    this.file = file;
    this.what = what;
  }

  Path path() {
    return file;
  }

  /** The top-level mapping; an empty file is an empty mapping. */
  Map<String, Object> read() throws UsageException {
    Object root;
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false); // the last one winning silently hides a mistake
    try {
      root = new Yaml(new SafeConstructor(options)).load(Files.readString(file));
    } catch (IOException e) {
      throw new UsageException("cannot read " + what + " " + file + ": " + e.getMessage());
    } catch (YAMLException | IllegalArgumentException e) {
      // IllegalArgumentException: a !!binary value that is not base64, and the like.
      throw new UsageException(what + " " + file + " is not valid YAML: " + e.getMessage());
    }
    return root == null ? Map.of() : map(root, "");
  }

  UsageException error(String path, String message) {
    return new UsageException(what + " " + file + ": " + (path.isEmpty() ? "" : path + ": ")
        + message);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> map(Object node, String path) throws UsageException {
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

  /** The mapping under {@code key}, or an empty one when absent. */
  Map<String, Object> section(Map<String, Object> parent, String key, String path)
      throws UsageException {
    Object node = parent.get(key);
    return node == null ? Map.of() : map(node, join(path, key));
  }

  void known(Map<String, Object> m, String path, String... keys) throws UsageException {
    Set<String> allowed = Set.of(keys);
    for (String key : m.keySet()) {
      if (!allowed.contains(key)) {
        throw error(join(path, key), "unknown key (known here: " + String.join(", ", keys)
            + ")");
      }
    }
  }

  /** A string value, or null when absent. */
  String string(Map<String, Object> m, String key, String path) throws UsageException {
    Object v = m.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw error(join(path, key), "must be a string");
    }
    return s;
  }

  static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}
