package io.syscallexporter;

import com.google.inject.ProvisionException;
import io.syscallexporter.bpf.BpfException;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.Flags;
import io.syscallexporter.config.UsageException;
import io.syscallexporter.http.WebServer;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/** Entry point: parse flags, attach, serve until SIGTERM or SIGINT, detach, exit 0. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("attach")) {
      System.exit(Attach.run(args));
      return;
    }
    ExporterConfig config;
    try {
      config = Flags.parse(args);
    } catch (Flags.HelpRequested e) {
      System.out.print(Flags.usage());
      return;
    } catch (UsageException e) {
      System.err.println("syscall_exporter: " + e.getMessage() + "\n");
      System.err.print(Flags.usage());
      System.exit(2);
      return;
    }
    ExporterModule module;
    try {
      module = ExporterModule.load(config, Mode.HOST);
    } catch (UsageException e) {
      System.err.println("syscall_exporter: " + e.getMessage());
      System.exit(2);
      return;
    }
    WebServer.tuneJdkServer();
    System.exit(run(module, config));
  }

  static int run(ExporterModule module, ExporterConfig config) {
    CountDownLatch stop = new CountDownLatch(1);
    // Handled, not left to the JVM: its default exit status on SIGTERM is 143.
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    Signal.handle(new Signal("INT"), s -> stop.countDown());

    Exporter exporter;
    try {
      exporter = module.injector().getInstance(Exporter.class);
    } catch (ProvisionException e) {
      Throwable cause = rootCause(e);
      Log.error(cause instanceof BpfException ? cause.getMessage() : "cannot start: " + cause);
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(exporter::close, "sysexp-detach"));
    try {
      exporter.start();
    } catch (IOException | RuntimeException e) {
      Log.error(e.getMessage());
      exporter.close();
      return 1;
    }
    Log.info("listening", "address", config.listenHost() + ":" + exporter.port(),
        "telemetry_path", config.telemetryPath(), "tls", exporter.tls());
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Log.info("shutting down: detaching BPF programs");
    exporter.close();
    return 0;
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
