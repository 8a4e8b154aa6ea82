package io.syscallexporter.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The bundled Grafana dashboards, as data. */
final class Dashboards {
  static final Path DIR = Path.of("../grafana-dashboards");

  record Target(String dashboard, String panel, String expr) {}

  private Dashboards() {}

  static List<Path> files() throws Exception {
    try (var s = Files.list(DIR)) {
      return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  static Map<String, Object> load(Path file) throws Exception {
    return Json.map(Json.parse(Files.readString(file)));
  }

  static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object p : Json.list(dashboard.get("panels"))) {
      out.add(Json.map(p));
    }
    return out;
  }

  /**
   * The panel queries, and each query variable's {@code label_values(selector, label)} as a
   * query of its selector (the panel is the variable's name).
   */
  static List<Target> queries(Path file) throws Exception {
    Map<String, Object> d = load(file);
    List<Target> out = new ArrayList<>(targets(file));
    for (Object v : Json.list(Json.map(d.get("templating")).get("list"))) {
      Map<String, Object> var = Json.map(v);
      if ("query".equals(var.get("type"))) {
        String q = (String) Json.map(var.get("query")).get("query");
        String selector = q.substring("label_values(".length(), q.lastIndexOf(','));
        out.add(new Target((String) d.get("uid"), "$" + var.get("name"), selector));
      }
    }
    return out;
  }

  static List<Target> targets(Path file) throws Exception {
    Map<String, Object> d = load(file);
    List<Target> out = new ArrayList<>();
    for (Map<String, Object> p : panels(d)) {
      for (Object t : Json.list(p.get("targets"))) {
        out.add(new Target((String) d.get("uid"), (String) p.get("title"),
            (String) Json.map(t).get("expr")));
      }
    }
    return out;
  }
}
