package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Structural checks of the bundled dashboards: what makes them import-ready anywhere. */
class DashboardsIT {
  @Test
  void dashboardsAreImportReady() throws Exception {
    List<Path> files = Dashboards.files();
    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("jvm.json", "overview.json", "process.json");
    for (Path file : files) {
      Map<String, Object> d = Dashboards.load(file);
      assertThat((String) d.get("uid")).as("%s uid", file).startsWith("syscall-exporter-");
      List<Map<String, Object>> vars = Json.list(Json.map(d.get("templating")).get("list"))
          .stream().map(Json::map).toList();
      // The JVM dashboard is one agent's JVM, by thread pool; the others are by process.
      assertThat(vars).extracting(v -> v.get("name"))
          .contains("datasource", "job", "instance", "syscall",
              file.endsWith("jvm.json") ? "thread" : "process");
      Map<String, Object> ds = vars.stream().filter(v -> v.get("name").equals("datasource"))
          .findFirst().orElseThrow();
      assertThat(ds.get("type")).isEqualTo("datasource");
      assertThat(ds.get("query")).isEqualTo("prometheus");

      // No hard-coded data source anywhere: every reference is the variable.
      List<String> uids = new java.util.ArrayList<>();
      collectDatasourceUids(d, uids);
      assertThat(uids).isNotEmpty().allMatch(u -> u.equals("${datasource}"));

      for (Map<String, Object> p : Dashboards.panels(d)) {
        String title = (String) p.get("title");
        assertThat((String) p.get("description")).as("%s: description", title).isNotBlank();
        Map<String, Object> defaults = Json.map(Json.map(p.get("fieldConfig")).get("defaults"));
        assertThat((String) defaults.get("unit")).as("%s: unit", title).isNotBlank();
        List<Object> targets = Json.list(p.get("targets"));
        assertThat(targets).as("%s: targets", title).isNotEmpty();
        for (Object t : targets) {
          String expr = (String) Json.map(t).get("expr");
          assertThat(expr).as("%s: expr", title).isNotBlank();
          if (expr.contains("rate(")) {
            assertThat(expr).as("%s: rate window", title).contains("[$__rate_interval]");
          }
        }
      }
    }
  }

  private static void collectDatasourceUids(Object node, List<String> uids) {
    if (node instanceof Map<?, ?> m) {
      Object ds = m.get("datasource");
      if (ds instanceof Map<?, ?> dm) {
        uids.add(String.valueOf(dm.get("uid")));
      } else if (ds instanceof String s) {
        uids.add(s);
      }
      m.values().forEach(v -> collectDatasourceUids(v, uids));
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collectDatasourceUids(v, uids));
    }
  }

  @Test
  void prometheusConfigAndRulesPassPromtool() throws Exception {
    TestBinaries.run("promtool", "check", "config", "../prometheus.yml");
    TestBinaries.run("promtool", "check", "rules", "../alerts/syscall_exporter.rules.yml");
    String out = TestBinaries.run("promtool", "test", "rules",
        "../alerts/syscall_exporter.rules.test.yml");
    assertThat(out).contains("SUCCESS");
    TestBinaries.run("amtool", "check-config", "../alerts/alertmanager.yml");
  }
}
