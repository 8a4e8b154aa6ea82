package io.syscallexporter.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the command line sets; see {@link Flags} for the defaults and meaning.
 * {@code configFile} is null when none is given.
 */
public record ExporterConfig(
    String listenHost,
    int listenPort,
    String telemetryPath,
    Duration slowThreshold,
    boolean slowAll,
    Duration syscallTimeout,
    Duration scanInterval,
    Duration drainInterval,
    boolean perPidLabels,
    int labelLimit,
    Duration labelIdleTimeout,
    int logRateLimit,
    Path configFile) {}
