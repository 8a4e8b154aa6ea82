package io.syscallexporter.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;

/**
 * Defines the bridge's classes in a child of the loader of a service's metrics registry, so
 * that they link against the service's own client classes. Their bytes ship in our jar as a
 * jar of their own ({@value #JAR}): shading leaves them alone, and no loader of the service
 * finds them as class files.
 */
final class BridgeLoader extends ClassLoader {
  static final String JAR = "/service/bridge.jar";
  private static Map<String, byte[]> classes;

  BridgeLoader(ClassLoader parent) {
    super("syscall-exporter-bridge", parent);
  }

  /** The bridge's own classes from our bytes, whatever the parent has; the rest from it. */
  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (!classes().containsKey(name)) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      return c != null ? c : findClass(name);
    }
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] bytes = classes().get(name);
    if (bytes == null) {
      throw new ClassNotFoundException(name);
    }
    return defineClass(name, bytes, 0, bytes.length);
  }

  /** The bridge's classes by binary name, read once. */
  static synchronized Map<String, byte[]> classes() {
    if (classes == null) {
      Map<String, byte[]> read = new HashMap<>();
      try (InputStream in = BridgeLoader.class.getResourceAsStream(JAR)) {
        if (in == null) {
          throw new IllegalStateException("the agent's jar has no " + JAR);
        }
        JarInputStream jar = new JarInputStream(in);
        for (JarEntry e; (e = jar.getNextJarEntry()) != null; ) {
          String n = e.getName();
          if (n.endsWith(".class")) {
            read.put(n.substring(0, n.length() - 6).replace('/', '.'), jar.readAllBytes());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      classes = read;
    }
    return classes;
  }
}
