package io.syscallexporter;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import io.syscallexporter.config.Flags;
import io.syscallexporter.config.UsageException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * {@code java -jar syscall-exporter.jar attach PID [flags]}: starts the agent in a running JVM
 * and reports whether it started, from that JVM's system properties.
 */
final class Attach {
  static final String USAGE = "usage: java -jar syscall-exporter.jar attach PID [flags]\n";
  /** Loading the BPF programs takes well under a second; a busy host may take longer. */
  static final long WAIT_MILLIS = 30_000;

  private Attach() {}

  /** Returns the exit status. */
  static int run(String[] args) {
    if (args.length < 2 || !args[1].matches("[1-9][0-9]*")) {
      System.err.print(USAGE);
      return 2;
    }
    String pid = args[1];
    String[] flags = Arrays.copyOfRange(args, 2, args.length);
    try {
      Flags.parse(flags); // say what is wrong here, not in the other JVM's log
    } catch (Flags.HelpRequested e) {
      System.out.print(USAGE + Flags.usage());
      return 0;
    } catch (UsageException e) {
      System.err.println("syscall_exporter: " + e.getMessage());
      return 2;
    }
    if (Arrays.stream(flags).anyMatch(f -> f.contains(","))) {
      System.err.println("syscall_exporter: agent flags are passed comma separated, so a value"
          + " cannot contain a comma");
      return 2;
    }
    try {
      VirtualMachine vm = VirtualMachine.attach(pid);
      try {
        vm.loadAgent(ownJar().toString(), String.join(",", flags));
        return awaitStart(vm, pid);
      } finally {
        vm.detach();
      }
    } catch (AttachNotSupportedException | IOException e) {
      System.err.println("syscall_exporter: cannot attach to JVM " + pid + ": " + e.getMessage()
          + " (run attach as the user that runs that JVM)");
      return 1;
    } catch (Exception e) { // AgentLoadException, AgentInitializationException
      System.err.println("syscall_exporter: JVM " + pid + " did not load the agent: " + e);
      return 1;
    }
  }

  private static int awaitStart(VirtualMachine vm, String pid)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
    while (System.nanoTime() < deadline) {
      Properties p = vm.getSystemProperties();
      String state = p.getProperty(AgentMode.RUNNING);
      if (state == null) {
        System.err.println("syscall_exporter: the agent did not start in JVM " + pid
            + "; its log (that JVM's stderr) says why");
        return 1;
      }
      if (!state.equals("starting")) {
        System.out.println("syscall_exporter: agent running in JVM " + pid + ", " + state);
        return 0;
      }
      Thread.sleep(50);
    }
    System.err.println("syscall_exporter: the agent in JVM " + pid + " has not started within "
        + WAIT_MILLIS / 1000 + " s");
    return 1;
  }

  private static Path ownJar() throws URISyntaxException {
    return Path.of(Attach.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
