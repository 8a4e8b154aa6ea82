package io.syscallexporter.service;

import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.syscallexporter.Log;
import io.syscallexporter.Threads;
import java.io.File;
import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Puts this JVM's syscall series on the service's own metrics endpoint: finds the registry the
 * endpoint really serves and registers a bridge collector in it.
 * <ul>
 *   <li>Micrometer in the service (Spring Boot's actuator): each Prometheus registry in
 *       {@code Metrics.globalRegistry} (where Spring Boot adds its registries): a 1.13+
 *       {@code PrometheusMeterRegistry}'s client_java {@code PrometheusRegistry}, or an older
 *       one's simpleclient {@code CollectorRegistry}. Never the clients' default registries
 *       then, which the actuator does not serve.
 *   <li>Otherwise: client_java's {@code PrometheusRegistry.defaultRegistry} and
 *       simpleclient's {@code CollectorRegistry.defaultRegistry}, of the loader that defined
 *       them.
 * </ul>
 * Loaders are found by a transformer that changes nothing and notes which loader defines those
 * classes (and, when attached late, by the classes already loaded); registries are held weakly.
 * A registry that already has one of our names (jmx_exporter's collector mapping our MBeans,
 * say) is left alone. Scrapes of the service read a snapshot taken here every second while it
 * is scraped (every 30 s while not): they never wait on the kernel or on us.
 */
public final class ServiceRegistries implements ClassFileTransformer {
  // The service's class names, written so that shading (which rewrites our own client_java's
  // names, in strings too) leaves them alone.
  static final String MICROMETER = name("io:micrometer:core:instrument:Metrics");
  static final String CLIENT_JAVA = name("io:prometheus:metrics:model:registry:PrometheusRegistry");
  static final String MULTI_COLLECTOR =
      name("io:prometheus:metrics:model:registry:MultiCollector");
  static final String SIMPLECLIENT = name("io:prometheus:client:CollectorRegistry");
  static final String COLLECTOR = name("io:prometheus:client:Collector");
  static final String MICROMETER_CLIENT_JAVA =
      name("io:micrometer:prometheusmetrics:PrometheusMeterRegistry");
  static final String MICROMETER_SIMPLECLIENT =
      name("io:micrometer:prometheus:PrometheusMeterRegistry");
  static final String COMPOSITE =
      name("io:micrometer:core:instrument:composite:CompositeMeterRegistry");
  private static final Set<String> MARKERS = Set.of(MICROMETER.replace('.', '/'),
      CLIENT_JAVA.replace('.', '/'), SIMPLECLIENT.replace('.', '/'));
  static final long EVERY_MILLIS = 1000;
  /** Past this without a registry, one line says there is none (yet). */
  static final long NONE_FOUND_MILLIS = 60_000;
  /** A registry scraped within this is served: longer than any scrape interval in use. */
  static final long SCRAPED_WITHIN_NANOS = TimeUnit.MINUTES.toNanos(5);
  /**
   * Unscraped, the snapshot is renewed this seldom (scraped, every second): it costs about as
   * much as a scrape of our own, and a registry nobody serves needs none.
   */
  static final long UNSCRAPED_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Supplier<MetricSnapshots> source;
  private final List<String> names;
  /** Each loader that defined one of the classes above, and which. */
  private final Map<ClassLoader, Set<String>> defined = new WeakHashMap<>();
  /** Registries seen: with our bridge, or left alone (said why once). */
  private final Map<Object, Boolean> seen = new WeakHashMap<>();
  private volatile List<Map<String, Object>> latest;
  /** When a registry with our bridge was last scraped (monotonic ns); 0: never. */
  private volatile long lastScraped;
  private long lastRefreshed = System.nanoTime();
  private final long startedNanos = System.nanoTime();
  private boolean saidNone;
  private int joined;

  ServiceRegistries(Supplier<MetricSnapshots> source) {
    this.source = source;
    MetricSnapshots first = source.get();
    this.names = PortableFamilies.names(first);
    this.latest = PortableFamilies.of(first);
  }

  /**
   * Starts looking for the service's registries, and keeps the snapshot they serve fresh.
   * {@code source}: our series (their names fixed by the first snapshot).
   */
  public static ServiceRegistries start(Instrumentation inst, Supplier<MetricSnapshots> source) {
    ServiceRegistries r = new ServiceRegistries(source);
    inst.addTransformer(r);
    for (Class<?> c : inst.getAllLoadedClasses()) { // attached late: already loaded
      r.note(c.getClassLoader(), c.getName().replace('.', '/'));
    }
    ScheduledExecutorService every = Threads.scheduler("service-metrics");
    every.scheduleWithFixedDelay(r::tick, 0, EVERY_MILLIS, TimeUnit.MILLISECONDS);
    return r;
  }

  /** What the bridges serve: the latest snapshot, taken on our thread. */
  List<Map<String, Object>> families() {
    lastScraped = System.nanoTime();
    return latest;
  }

  /**
   * Whether the service's endpoint serves our series: a registry holding them has been scraped
   * within {@link #SCRAPED_WITHIN_NANOS} (a registry nobody scrapes, like a default registry
   * the service never serves, does not count).
   */
  public boolean scraped() {
    long last = lastScraped;
    return last != 0 && System.nanoTime() - last < SCRAPED_WITHIN_NANOS;
  }

  @Override
  public byte[] transform(ClassLoader loader, String className, Class<?> redefined,
      ProtectionDomain domain, byte[] bytes) {
    note(loader, className);
    return null; // nothing changed
  }

  private void note(ClassLoader loader, String className) {
    if (loader != null && className != null && MARKERS.contains(className)) {
      synchronized (defined) {
        defined.computeIfAbsent(loader, l -> new HashSet<>()).add(className.replace('/', '.'));
      }
    }
  }

  /** Takes a new snapshot for the bridges. */
  void refresh() {
    latest = PortableFamilies.of(source.get());
    lastRefreshed = System.nanoTime();
  }

  private void tick() {
    try {
      look();
      if (joined > 0 && (scraped()
          || System.nanoTime() - lastRefreshed >= UNSCRAPED_REFRESH_NANOS)) {
        refresh();
      }
    } catch (RuntimeException | LinkageError e) {
      Log.warn("syscall_exporter agent: cannot update the service endpoint's series", "err",
          String.valueOf(e));
    }
  }

  private void look() {
    Map<ClassLoader, Set<String>> now = new IdentityHashMap<>();
    synchronized (defined) {
      defined.forEach((l, m) -> now.put(l, Set.copyOf(m)));
    }
    now.forEach((loader, markers) -> {
      if (markers.contains(MICROMETER)) {
        micrometerRegistries(loader).forEach(this::join);
      } else if (loader.getResource(MICROMETER.replace('.', '/') + ".class") == null) {
        if (markers.contains(CLIENT_JAVA)) {
          join(staticField(loader, CLIENT_JAVA, "defaultRegistry"));
        }
        if (markers.contains(SIMPLECLIENT)) {
          join(staticField(loader, SIMPLECLIENT, "defaultRegistry"));
        }
      }
    });
    if (joined == 0 && !saidNone
        && System.nanoTime() - startedNanos > TimeUnit.MILLISECONDS.toNanos(NONE_FOUND_MILLIS)) {
      saidNone = true;
      Log.info("syscall_exporter agent: no metrics registry of the service found yet (Micrometer"
          + " Prometheus, client_java, simpleclient); its series are on the agent's own"
          + " endpoints only");
    }
  }

  /** The Prometheus registries in Micrometer's global registry, composites opened. */
  private static List<Object> micrometerRegistries(ClassLoader loader) {
    List<Object> out = new ArrayList<>();
    Object global = staticField(loader, MICROMETER, "globalRegistry");
    if (global != null) {
      prometheusRegistriesIn(global, out, 0);
    }
    return out;
  }

  private static void prometheusRegistriesIn(Object meterRegistry, List<Object> out, int depth) {
    if (depth > 4) {
      return;
    }
    if (isA(meterRegistry, COMPOSITE)) {
      Object children = call(meterRegistry, "getRegistries");
      if (children instanceof Iterable<?> it) {
        for (Object child : it) {
          prometheusRegistriesIn(child, out, depth + 1);
        }
      }
    } else if (isA(meterRegistry, MICROMETER_CLIENT_JAVA)
        || isA(meterRegistry, MICROMETER_SIMPLECLIENT)) {
      Object registry = call(meterRegistry, "getPrometheusRegistry");
      if (registry != null) {
        out.add(registry);
      }
    }
  }

  /**
   * Registers the bridge in {@code registry} (client_java 1.x or simpleclient), once; a registry
   * that clashes is left alone. Whether it was registered now.
   */
  boolean join(Object registry) {
    if (registry == null || seen.containsKey(registry)) {
      return false;
    }
    seen.put(registry, Boolean.FALSE);
    boolean modern = isA(registry, CLIENT_JAVA);
    String what = registry.getClass().getName() + "@"
        + Integer.toHexString(System.identityHashCode(registry));
    try {
      Class<?> type = classIn(registry, modern ? CLIENT_JAVA : SIMPLECLIENT);
      String agentJar = agentJarOf(type);
      if (agentJar != null) {
        // jmx_exporter's agent does not relocate its client_java: its registry is that agent's
        // endpoint, not the service's, and with our config for it already holds our names,
        // which it may not serve yet when we look (a scrape then fails: duplicate names).
        Log.info("syscall_exporter agent: a registry of another Java agent, not the service's;"
            + " our series are not added there", "registry", what, "jar", agentJar);
        return false;
      }
      List<String> taken = namesIn(registry, modern);
      taken.retainAll(names);
      if (!taken.isEmpty()) {
        // As expected with jmx_exporter's agent and our config for it: not a fault.
        Log.info("syscall_exporter agent: the service's registry has our names already"
            + " (jmx_exporter mapping our MBeans?); our series are not added there",
            "registry", what, "names", String.join(",", taken));
        return false;
      }
      ClassLoader bridges = new BridgeLoader(type.getClassLoader());
      Supplier<List<Map<String, Object>>> families = this::families;
      Object bridge;
      Method register;
      if (modern) {
        bridge = bridges.loadClass("io.syscallexporter.bridge.MetricsModelBridge")
            .getConstructor(Supplier.class, List.class).newInstance(families, names);
        register = type.getMethod("register",
            Class.forName(MULTI_COLLECTOR, false, type.getClassLoader()));
      } else {
        // Its registry describes it at registration: that is no scrape.
        Supplier<List<Map<String, Object>>> described = () -> latest;
        bridge = bridges.loadClass("io.syscallexporter.bridge.SimpleclientBridge")
            .getConstructor(Supplier.class, Supplier.class).newInstance(families, described);
        register = type.getMethod("register",
            Class.forName(COLLECTOR, false, type.getClassLoader()));
      }
      register.invoke(registry, bridge);
      seen.put(registry, Boolean.TRUE);
      Log.info("syscall_exporter agent: syscall series on the service's metrics endpoint",
          "registry", what, "client", modern ? "client_java" : "simpleclient");
      joined++;
      return true;
    } catch (InvocationTargetException e) {
      Log.warn("syscall_exporter agent: the service's registry refused our series", "registry",
          what, "err", String.valueOf(e.getCause()));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      Log.warn("syscall_exporter agent: cannot add our series to the service's registry",
          "registry", what, "err", String.valueOf(e));
    }
    return false;
  }

  /** The file name of the Java agent's jar (one with a Premain-Class) {@code type} came from. */
  static String agentJarOf(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null
        || !"file".equals(source.getLocation().getProtocol())) {
      return null;
    }
    try (JarFile jar = new JarFile(new File(source.getLocation().toURI()))) {
      Manifest manifest = jar.getManifest();
      return manifest != null && manifest.getMainAttributes().getValue("Premain-Class") != null
          ? new File(jar.getName()).getName() : null;
    } catch (IOException | URISyntaxException | RuntimeException notAJar) {
      return null; // a directory of classes, say: the service's own
    }
  }

  /** The names a registry serves now (a scrape of it, once). */
  private static List<String> namesIn(Object registry, boolean modern)
      throws ReflectiveOperationException {
    List<String> out = new ArrayList<>();
    if (modern) {
      Object snapshots = registry.getClass().getMethod("scrape").invoke(registry);
      for (Object s : (Iterable<?>) snapshots) {
        Object metadata = s.getClass().getMethod("getMetadata").invoke(s);
        out.add((String) metadata.getClass().getMethod("getPrometheusName").invoke(metadata));
      }
    } else {
      Enumeration<?> families = (Enumeration<?>) registry.getClass()
          .getMethod("metricFamilySamples").invoke(registry);
      while (families.hasMoreElements()) {
        Object f = families.nextElement();
        out.add((String) f.getClass().getField("name").get(f));
      }
    }
    return out;
  }

  private static String name(String withColons) {
    return withColons.replace(':', '.');
  }

  private static boolean isA(Object o, String className) {
    return classIn(o, className) != null;
  }

  /** The class of that name among {@code o}'s class and its superclasses, or null. */
  private static Class<?> classIn(Object o, String className) {
    for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals(className)) {
        return c;
      }
    }
    return null;
  }

  private static Object call(Object o, String method) {
    try {
      return o.getClass().getMethod(method).invoke(o);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static Object staticField(ClassLoader loader, String className, String field) {
    try {
      return Class.forName(className, false, loader).getField(field).get(null);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }
}
