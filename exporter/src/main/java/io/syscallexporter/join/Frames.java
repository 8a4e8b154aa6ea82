package io.syscallexporter.join;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The agent socket's protocol: frames of a 4-byte big-endian length, then a type byte and a
 * payload of that length less one. Text is UTF-8. Agent to exporter: {@link #HELLO} (its name),
 * {@link #THREADS} (lines "tid TAB name": each thread's full name, of which the kernel keeps 15
 * bytes, by its tid in the JVM's namespace), {@link #POOLS} (lines "key TAB
 * pool": the pool a comm key stands for, for threads not named yet), {@link #STACK} (an
 * answer), {@link #ELSEWHERE} (its series are on the service's own endpoint now: the exporter
 * leaves them out of its own), {@link #CONTEXT} (the cookie its threads register their trace
 * context records with), {@link #VIRTUAL_POOLS} (lines "index TAB pool": the pool each index
 * its carriers' records give a mounted virtual thread stands for). Exporter to agent: {@link
 * #WELCOME} (the frames it reads beyond the first ones, {@link #WELCOME_ELSEWHERE}, {@link
 * #WELCOME_CONTEXT} and {@link #WELCOME_VIRTUAL}: an older exporter says fewer) or
 * {@link #REFUSED}
 * (why), {@link #STACK_REQUEST} (a thread id and its comm), {@link #METRICS} (the JVM's own
 * series, for its JMX: {@code SeriesText}). A frame that breaks a rule is
 * malformed: the reader throws, and the exporter closes that connection.
 */
public final class Frames {
  public static final byte HELLO = 1;
  public static final byte POOLS = 2;
  public static final byte STACK_REQUEST = 3;
  public static final byte STACK = 4;
  public static final byte WELCOME = 5;
  public static final byte REFUSED = 6;
  public static final byte METRICS = 7;
  public static final byte THREADS = 8;
  public static final byte ELSEWHERE = 9;
  public static final byte CONTEXT = 10;
  public static final byte VIRTUAL_POOLS = 11;
  /** In a WELCOME: the exporter reads {@link #ELSEWHERE}. */
  public static final String WELCOME_ELSEWHERE = "elsewhere";
  /** In a WELCOME: the exporter reads {@link #CONTEXT}, and trace ids in a {@link #STACK}. */
  public static final String WELCOME_CONTEXT = "context";
  /**
   * In a WELCOME: the exporter reads {@link #VIRTUAL_POOLS}, and a virtual thread's carrier
   * after its name in a {@link #STACK}.
   */
  public static final String WELCOME_VIRTUAL = "virtual";
  /** What this exporter's WELCOME says it reads. */
  public static final String WELCOME_READS = WELCOME_ELSEWHERE + " " + WELCOME_CONTEXT + " "
      + WELCOME_VIRTUAL;
  /** Enough for a thousand thread names or a 64-frame stack; anything bigger is an attack. */
  public static final int MAX_FRAME = 64 * 1024;
  /** From the exporter, which the agent trusts: a JVM's series, thousands of label sets. */
  public static final int MAX_FRAME_TO_AGENT = 16 * 1024 * 1024;
  /**
   * Lines of a THREADS and of a POOLS frame, the longest thread or pool name, and the frames
   * of a STACK.
   */
  public static final int MAX_THREADS = 4096;
  public static final int MAX_POOLS = 1024;
  public static final int MAX_THREAD_NAME = 256;
  public static final int MAX_STACK_FRAMES = 64;

  private Frames() {}

  /**
   * Whether text from an agent may be shown as it is, in labels, JMX names, pages and logs: no
   * control character (C0, DEL, C1) and no invisible formatting (bidi overrides, zero-width
   * characters), which could make one name look like another.
   */
  public static boolean showable(String text) {
    return text.chars().allMatch(Frames::showable);
  }

  /** The text with each character that is not {@link #showable} replaced by '?'. */
  public static String shown(String text) {
    StringBuilder s = new StringBuilder(text.length());
    text.chars().forEach(ch -> s.append(showable(ch) ? (char) ch : '?'));
    return s.toString();
  }

  private static boolean showable(int ch) {
    return ch >= 0x20 && (ch < 0x7f || ch > 0x9f) && Character.getType(ch) != Character.FORMAT;
  }

  /** A frame as read. */
  public record Frame(byte type, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  /** A frame that breaks the protocol's rules. */
  public static final class MalformedException extends IOException {
    public MalformedException(String message) {
      super(message);
    }
  }

  /** Reads one frame of at most {@link #MAX_FRAME}; EOFException at a clean end. */
  public static Frame read(InputStream in) throws IOException {
    return read(in, MAX_FRAME);
  }

  /** Reads one frame of at most {@code maxFrame} bytes; EOFException at a clean end. */
  public static Frame read(InputStream in, int maxFrame) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int length = data.readInt();
    if (length < 1 || length > maxFrame) {
      throw new MalformedException("frame of " + length + " bytes (1 to " + maxFrame + ")");
    }
    byte type = data.readByte();
    if (type < HELLO || type > VIRTUAL_POOLS) {
      throw new MalformedException("unknown frame type " + type);
    }
    byte[] payload = new byte[length - 1];
    try {
      data.readFully(payload);
    } catch (EOFException e) {
      throw new MalformedException("frame cut short");
    }
    return new Frame(type, payload);
  }

  /** Writes one frame and flushes it. */
  public static void write(OutputStream out, byte type, byte[] payload) throws IOException {
    if (payload.length + 1 > MAX_FRAME_TO_AGENT) {
      throw new IllegalArgumentException("frame of " + (payload.length + 1) + " bytes");
    }
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(payload.length + 1);
    data.writeByte(type);
    data.write(payload);
    data.flush();
  }

  public static void write(OutputStream out, byte type, String text) throws IOException {
    write(out, type, text.getBytes(StandardCharsets.UTF_8));
  }
}
