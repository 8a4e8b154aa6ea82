package io.syscallexporter.it;

import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** JSON (a subset of YAML) read with snakeyaml, into maps and lists. */
final class Json {
  private Json() {}

  static Object parse(String json) {
    return new Yaml(new SafeConstructor(new LoaderOptions())).load(json);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }
}
