package io.syscallexporter.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.Remapper;

/** What the agent defines into java.lang, and what it changes in java.lang.VirtualThread. */
class VirtualThreadHooksTest {
  /**
   * In java.base, the carrier records may use nothing of ours: every class they name is the
   * JDK's or their own (Layouts' constants are compiled in).
   */
  @Test
  void theDefinedClassesNameOnlyTheJdkAndThemselves() throws Exception {
    Set<String> named = new TreeSet<>();
    for (String name : VirtualThreadHooks.CLASSES) {
      byte[] bytes = VirtualThreadHooks.definedBytes(name);
      ClassReader reader = new ClassReader(bytes);
      assertThat(reader.getClassName()).startsWith(VirtualThreadHooks.DEFINED);
      reader.accept(new ClassRemapper(new ClassWriter(0), new Remapper() {
        @Override
        public String map(String internalName) {
          named.add(internalName);
          return internalName;
        }
      }), 0);
    }
    assertThat(named).isNotEmpty().allMatch(n -> n.startsWith("java/"));
    assertThat(named).contains(VirtualThreadHooks.DEFINED + "$CarrierRecord");
  }

  /** A stand-in for the JDK's class: mount() and unmount() as Java 21-25 have them. */
  private static byte[] virtualThread(boolean withUnmount) {
    ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES);
    w.visit(Opcodes.V17, Opcodes.ACC_FINAL, VirtualThreadHooks.VIRTUAL_THREAD, null,
        "java/lang/Thread", null);
    List<String> methods = new ArrayList<>(List.of("mount", "run"));
    if (withUnmount) {
      methods.add("unmount");
    }
    for (String name : methods) {
      MethodVisitor m = w.visitMethod(Opcodes.ACC_PRIVATE, name, "()V", null, null);
      m.visitCode();
      m.visitInsn(Opcodes.NOP);
      m.visitInsn(Opcodes.RETURN);
      m.visitMaxs(0, 0);
      m.visitEnd();
    }
    w.visitEnd();
    return w.toByteArray();
  }

  /** Each method's calls to the defined class, in order. */
  private static Map<String, List<String>> hookCalls(byte[] bytes) {
    Map<String, List<String>> calls = new HashMap<>();
    new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor,
          String signature, String[] exceptions) {
        List<String> in = calls.computeIfAbsent(name, n -> new ArrayList<>());
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitInsn(int opcode) {
            in.add(opcode == Opcodes.RETURN ? "return" : "op");
          }

          @Override
          public void visitMethodInsn(int opcode, String owner, String method, String desc,
              boolean itf) {
            in.add(owner.equals(VirtualThreadHooks.DEFINED) ? method : owner + "." + method);
          }
        };
      }
    }, 0);
    return calls;
  }

  @Test
  void mountTellsItsStartAndEndAndUnmountItsStart() {
    VirtualThreadHooks.Hooks hooks = new VirtualThreadHooks.Hooks();
    byte[] hooked = hooks.transform(null, null, VirtualThreadHooks.VIRTUAL_THREAD, null, null,
        virtualThread(true));
    assertThat(hooks.inserted.get())
        .isEqualTo(VirtualThreadHooks.IN_MOUNT | VirtualThreadHooks.IN_UNMOUNT);
    Map<String, List<String>> calls = hookCalls(hooked);
    assertThat(calls.get("mount")).containsExactly("mountStart", "op", "mounted", "return");
    assertThat(calls.get("unmount")).containsExactly("unmounting", "op", "return");
    assertThat(calls.get("run")).containsExactly("op", "return");
  }

  @Test
  void anotherClassIsLeftAloneAndAJdkWithoutUnmountIsSeen() {
    VirtualThreadHooks.Hooks hooks = new VirtualThreadHooks.Hooks();
    assertThat(hooks.transform(null, null, "java/lang/Thread", null, null, new byte[0]))
        .isNull();
    hooks.transform(null, null, VirtualThreadHooks.VIRTUAL_THREAD, null, null,
        virtualThread(false));
    assertThat(hooks.inserted.get()).isEqualTo(VirtualThreadHooks.IN_MOUNT);
  }
}
