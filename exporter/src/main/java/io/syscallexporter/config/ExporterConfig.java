package io.syscallexporter.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the command line sets; see {@link Flags} for the defaults and meaning.
 * {@code configFile}, {@code webConfigFile} and {@code cgroupRoot} are null when none is given.
 * {@code listenAddressGiven}: {@code --web.listen-address} was on the command line (a joined
 * agent serves a port only then).
 * {@code agentServiceEndpoint}: the agent puts its series in the service's own registry too;
 * {@code agentHostSeries}: a joined JVM's series stay on the host exporter's endpoint while
 * they are there.
 */
public record ExporterConfig(
    String listenHost,
    int listenPort,
    String telemetryPath,
    Path webConfigFile,
    boolean timedOutView,
    Duration slowThreshold,
    boolean slowAll,
    Duration syscallTimeout,
    Duration scanInterval,
    Duration drainInterval,
    boolean perPidLabels,
    boolean cgroupLabels,
    Path cgroupRoot,
    int labelLimit,
    Duration labelIdleTimeout,
    int logRateLimit,
    Path configFile,
    Path agentSocket,
    String agentName,
    Duration agentStartTimeout,
    boolean agentServiceEndpoint,
    boolean agentHostSeries,
    boolean listenAddressGiven) {}
