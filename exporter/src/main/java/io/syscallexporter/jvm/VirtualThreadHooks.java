package io.syscallexporter.jvm;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.lang.invoke.MethodHandles;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.Remapper;

/**
 * Puts the carrier records ({@code jvm.carriers.Carriers}) into the service's JVM and has
 * {@code java.lang.VirtualThread} tell them each mount and unmount: a call a carrier makes is
 * then counted under the virtual thread mounted on it. No JVMTI, no native code: the classes are
 * defined into {@code java.lang} (java.base opened to the agent for that, once), where
 * VirtualThread can call them and every class loader sees them; VirtualThread's {@code mount()}
 * and {@code unmount()} get one static call at their start (and at mount's end), by
 * retransformation. The transformer stays registered, so another agent retransforming the class
 * later keeps the calls. JDKs without virtual threads (before 21), or whose VirtualThread has no
 * such methods, get nothing, and say so.
 */
public final class VirtualThreadHooks {
  static final String VIRTUAL_THREAD = "java/lang/VirtualThread";
  static final String SOURCE = "io/syscallexporter/jvm/carriers/Carriers";
  /** What Carriers is defined as: CarrierRecords finds it by this name. */
  static final String DEFINED = "java/lang/SyscallExporterCarriers";
  /** The hooks found their places: in mount(), in unmount(). */
  static final int IN_MOUNT = 1;
  static final int IN_UNMOUNT = 2;
  /** Carriers' nested classes first: Carriers' code links to them. */
  static final List<String> CLASSES = List.of(SOURCE + "$CarrierRecord",
      SOURCE + "$MountedThread", SOURCE);

  private VirtualThreadHooks() {}

  /**
   * Installs the hooks if this JVM has virtual threads; returns why not, or null when they
   * are in (now or by an earlier agent).
   */
  public static String install(Instrumentation instrumentation) {
    Class<?> virtualThread;
    try {
      virtualThread = Class.forName(VIRTUAL_THREAD.replace('/', '.'));
    } catch (ClassNotFoundException e) {
      return "this JVM has no virtual threads";
    }
    if (CarrierRecords.presentNow()) {
      return null; // an earlier agent in this JVM put them in
    }
    if (!instrumentation.isRetransformClassesSupported()
        || !instrumentation.isModifiableClass(virtualThread)) {
      return "this JVM cannot retransform java.lang.VirtualThread";
    }
    try {
      Module javaBase = Object.class.getModule();
      instrumentation.redefineModule(javaBase, Set.of(), Map.of(),
          Map.of("java.lang", Set.of(VirtualThreadHooks.class.getModule())), Set.of(), Map.of());
      defineRecords(MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup()));
      Hooks hooks = new Hooks();
      instrumentation.addTransformer(hooks, true);
      instrumentation.retransformClasses(virtualThread);
      if (hooks.inserted.get() != (IN_MOUNT | IN_UNMOUNT)) {
        instrumentation.removeTransformer(hooks);
        instrumentation.retransformClasses(virtualThread);
        return "java.lang.VirtualThread of this JDK has no mount() and unmount() to hook";
      }
      return CarrierRecords.presentNow() ? null : "the carrier records cannot be reached";
    } catch (IOException | ReflectiveOperationException | UnmodifiableClassException
        | RuntimeException | LinkageError e) {
      return "cannot hook java.lang.VirtualThread: " + e;
    }
  }

  /**
   * Defines the carrier records with {@code javaLang}, a lookup with full access to java.lang
   * (java.base opened to its caller), and returns their class.
   */
  public static Class<?> defineRecords(MethodHandles.Lookup javaLang)
      throws IOException, IllegalAccessException {
    Class<?> defined = null;
    for (String name : CLASSES) {
      defined = javaLang.defineClass(definedBytes(name));
    }
    return defined;
  }

  /** One of our classes' bytes, renamed into java.lang. */
  static byte[] definedBytes(String name) throws IOException {
    byte[] bytes;
    try (InputStream in = VirtualThreadHooks.class.getResourceAsStream("/" + name + ".class")) {
      if (in == null) {
        throw new IOException("no " + name + " in the agent's jar");
      }
      bytes = in.readAllBytes();
    }
    ClassWriter out = new ClassWriter(0);
    new ClassReader(bytes).accept(new ClassRemapper(out, new Remapper() {
      @Override
      public String map(String internalName) {
        return internalName.startsWith(SOURCE) ? DEFINED + internalName.substring(SOURCE.length())
            : internalName;
      }
    }), 0);
    return out.toByteArray();
  }

  /**
   * Adds to VirtualThread: {@code mountStart()} first in {@code mount()} (on the carrier, as
   * itself), {@code mounted(this)} before each of its returns (as the virtual thread), and
   * {@code unmounting()} first in {@code unmount()} (still as the virtual thread). Says in
   * {@link #inserted} which of the two methods it found.
   */
  static final class Hooks implements ClassFileTransformer {
    final AtomicInteger inserted = new AtomicInteger();

    @Override
    public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined,
        ProtectionDomain domain, byte[] bytes) {
      if (!VIRTUAL_THREAD.equals(name)) {
        return null;
      }
      try {
        return hooked(bytes);
      } catch (RuntimeException e) {
        return null; // the class as it was: no hooks, nothing broken
      }
    }

    byte[] hooked(byte[] bytes) {
      ClassReader reader = new ClassReader(bytes);
      ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
      AtomicInteger found = new AtomicInteger();
      reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
        @Override
        public MethodVisitor visitMethod(int access, String method, String descriptor,
            String signature, String[] exceptions) {
          MethodVisitor mv = super.visitMethod(access, method, descriptor, signature,
              exceptions);
          if (!descriptor.equals("()V") || (access & Opcodes.ACC_STATIC) != 0) {
            return mv;
          }
          if (method.equals("mount")) {
            return new MethodVisitor(Opcodes.ASM9, mv) {
              @Override
              public void visitCode() {
                super.visitCode();
                call("mountStart", "()V");
                found.accumulateAndGet(IN_MOUNT, (a, b) -> a | b);
              }

              @Override
              public void visitInsn(int opcode) {
                if (opcode == Opcodes.RETURN) {
                  super.visitVarInsn(Opcodes.ALOAD, 0);
                  call("mounted", "(Ljava/lang/Thread;)V");
                }
                super.visitInsn(opcode);
              }

              private void call(String hook, String hookDescriptor) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, DEFINED, hook, hookDescriptor, false);
              }
            };
          }
          if (method.equals("unmount")) {
            return new MethodVisitor(Opcodes.ASM9, mv) {
              @Override
              public void visitCode() {
                super.visitCode();
                super.visitMethodInsn(Opcodes.INVOKESTATIC, DEFINED, "unmounting", "()V", false);
                found.accumulateAndGet(IN_UNMOUNT, (a, b) -> a | b);
              }
            };
          }
          return mv;
        }
      }, 0);
      inserted.set(found.get());
      return writer.toByteArray();
    }
  }
}
