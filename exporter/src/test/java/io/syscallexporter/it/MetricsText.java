package io.syscallexporter.it;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text exposition, enough to look up samples by name and labels. */
final class MetricsText {
  static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  static final String PROTOBUF = "application/vnd.google.protobuf;"
      + "proto=io.prometheus.client.MetricFamily;encoding=delimited";
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  record Sample(String name, Map<String, String> labels, double value) {}

  final String text;
  private final List<Sample> samples = new ArrayList<>();

  MetricsText(String text) {
    this.text = text;
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      Map<String, String> labels = new TreeMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
  }

  /** The sample with exactly these labels ("k1", "v1", ...); fails when there is none. */
  double value(String name, String... labelPairs) {
    Double v = find(name, labelPairs);
    if (v == null) {
      throw new AssertionError("no sample " + name + " " + String.join(",", labelPairs));
    }
    return v;
  }

  /** The sample with exactly these labels, or null. */
  Double find(String name, String... labelPairs) {
    Map<String, String> want = new TreeMap<>();
    for (int i = 0; i + 1 < labelPairs.length; i += 2) {
      want.put(labelPairs[i], labelPairs[i + 1]);
    }
    for (Sample s : samples) {
      if (s.name().equals(name) && s.labels().equals(want)) {
        return s.value();
      }
    }
    return null;
  }

  /** The distinct names of the samples. */
  java.util.Set<String> names() {
    return samples.stream().map(Sample::name).collect(java.util.stream.Collectors.toSet());
  }

  List<Sample> samples() {
    return samples;
  }

  List<Sample> samples(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /**
   * From a protobuf answer ({@link #PROTOBUF}), the histogram of {@code family} whose labels
   * include all of {@code labels} ("name=value"); fails when there is none.
   */
  static Metrics.Histogram protobufHistogram(InputStream in, String family, String... labels)
      throws IOException {
    try (in) {
      Metrics.MetricFamily f;
      while ((f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
        if (!f.getName().equals(family)) {
          continue;
        }
        for (Metrics.Metric m : f.getMetricList()) {
          if (m.getLabelList().stream().map(l -> l.getName() + "=" + l.getValue()).toList()
              .containsAll(List.of(labels))) {
            return m.getHistogram();
          }
        }
      }
    }
    throw new AssertionError("no " + family + " " + List.of(labels) + " in the protobuf answer");
  }
}
