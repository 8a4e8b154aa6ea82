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

  /** The calls of the on-call view's JSON ({@code /api/v1/timed-out}). */
  static List<Map<String, Object>> timedOut(String json) {
    return list(map(parse(json)).get("timed_out")).stream().map(Json::map).toList();
  }

  /** The first call of the on-call view's JSON whose {@code key} is {@code value}, or null. */
  static Map<String, Object> timedOutCall(String json, String key, Object value) {
    return timedOut(json).stream()
        .filter(c -> String.valueOf(value).equals(String.valueOf(c.get(key)))).findFirst()
        .orElse(null);
  }
}
