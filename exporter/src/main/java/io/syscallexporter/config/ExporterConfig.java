package io.syscallexporter.config;

import java.time.Duration;

/** Everything the command line sets; see {@link Flags} for the defaults and meaning. */
public record ExporterConfig(
    String listenHost,
    int listenPort,
    String telemetryPath,
    Duration slowThreshold,
    Duration syscallTimeout,
    Duration scanInterval,
    boolean perPidLabels,
    int labelLimit,
    int slowLogPerSecond) {}
