package io.syscallexporter;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;

/**
 * The {@code -javaagent} and attach entry point. A guest in the service's JVM: it never throws
 * and never exits, and it runs the exporter from a class loader of its own, so that nothing of
 * it (its relocated dependencies, and JNR's native-bound {@code com.kenai.jffi}, which cannot
 * be relocated) meets the service's classes. Only this class is loaded from the service's
 * class path (and the warning's, should the isolation itself fail).
 */
public final class Agent {
  private Agent() {}

  /** {@code -javaagent:syscall-exporter.jar=--flag=value,--flag=value}. */
  public static void premain(String args, Instrumentation instrumentation) {
    start(args, true, instrumentation);
  }

  /** {@code java -jar syscall-exporter.jar attach PID [flags]}. */
  public static void agentmain(String args, Instrumentation instrumentation) {
    start(args, false, instrumentation);
  }

  private static void start(String args, boolean atLaunch, Instrumentation instrumentation) {
    try {
      URL jar = Agent.class.getProtectionDomain().getCodeSource().getLocation();
      // Parent: the platform loader, so the JDK is shared and the service's class path is not.
      ClassLoader isolated = new URLClassLoader("syscall-exporter", new URL[] {jar},
          ClassLoader.getPlatformClassLoader());
      Class<?> mode = Class.forName("io.syscallexporter.AgentMode", true, isolated);
      mode.getMethod("start", String.class, boolean.class, Instrumentation.class)
          .invoke(null, args, atLaunch, instrumentation);
    } catch (InvocationTargetException e) {
      AgentMode.notStarted(e.getCause());
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      AgentMode.notStarted(e);
    }
  }
}
