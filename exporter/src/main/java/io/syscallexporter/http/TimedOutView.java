package io.syscallexporter.http;

import io.syscallexporter.collect.TimedOutCall;
import java.util.List;
import java.util.Locale;

/** Renders the syscalls past their timeout, oldest first, as HTML and as JSON. */
final class TimedOutView {
  private TimedOutView() {}

  static String html(List<TimedOutCall> calls, long nowNanos) {
    StringBuilder s = new StringBuilder(1024 + 256 * calls.size());
    s.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\n")
        .append("<meta http-equiv=\"refresh\" content=\"5\">\n")
        .append("<title>Stuck syscalls - syscall_exporter</title>\n<style>\n")
        .append("body{font-family:sans-serif;margin:1.5em}")
        .append("table{border-collapse:collapse}")
        .append("th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left}")
        .append("th{background:#eee}td.age{text-align:right;font-weight:bold}")
        .append("code{font-size:90%}td.stack{white-space:pre;font-size:80%}\n")
        .append("</style>\n</head>\n<body>\n")
        .append("<h1>Syscalls stuck past their timeout</h1>\n")
        .append("<p>As of the last scan, oldest first; this page reloads every 5 s. An age")
        .append(" marked &ge; is at least that: the call began before the exporter started")
        .append(" (or attached), and its thread has been asleep that long. ")
        .append("<a href=\"/\">Home</a> · <a href=\"").append(Pages.TIMED_OUT_JSON)
        .append("\">JSON</a></p>\n");
    if (calls.isEmpty()) {
      s.append("<p id=\"none\">No syscall is past its timeout.</p>\n");
    } else {
      s.append("<table id=\"timed-out\">\n<thead><tr><th>Age (s)</th><th>Syscall</th>")
          .append("<th>Process</th><th>PID</th><th>Thread</th><th>TID</th><th>File</th>")
          .append("<th>Kernel wait</th><th>Trace</th><th>Kernel stack</th><th>Java stack</th>")
          .append("</tr></thead>\n")
          .append("<tbody>\n");
      for (TimedOutCall c : calls) {
        s.append("<tr><td class=\"age\">").append(c.beganBefore() ? "&ge; " : "")
            .append(age(c, nowNanos)).append("</td><td><code>").append(escape(c.syscall()))
            .append("</code>").append(c.resumes() == null ? ""
                : " (resumes <code>" + escape(c.resumes()) + "</code>)")
            .append("</td><td>").append(escape(c.process()))
            .append("</td><td>").append(Integer.toUnsignedString(c.pid())).append("</td><td>")
            .append(escape(c.thread())).append(c.carrier() == null ? ""
                : " (virtual, on " + escape(c.carrier()) + ")").append("</td><td>")
            .append(Integer.toUnsignedString(c.tid())).append("</td><td>")
            .append(c.fd() == null ? "" : "fd " + c.fd() + ": <code>"
                + escape(String.valueOf(c.file())) + "</code>")
            .append("</td><td><code>").append(c.wchan() == null ? "" : escape(c.wchan()))
            .append("</code></td><td>").append(!c.trace().present() ? ""
                : "<code>" + c.trace().traceId() + "</code><br>span <code>"
                    + c.trace().spanId() + "</code>")
            .append("</td><td class=\"stack\"><code>")
            .append(escape(String.join("\n", c.kernelStack())))
            .append("</code></td><td class=\"stack\"><code>")
            .append(escape(String.join("\n", c.javaStack()))).append("</code></td></tr>\n");
      }
      s.append("</tbody>\n</table>\n");
    }
    return s.append("</body>\n</html>\n").toString();
  }

  static String json(List<TimedOutCall> calls, long nowNanos) {
    StringBuilder s = new StringBuilder("{\"timed_out\":[");
    for (int i = 0; i < calls.size(); i++) {
      TimedOutCall c = calls.get(i);
      s.append(i == 0 ? "" : ",").append("\n{\"syscall\":").append(quote(c.syscall()))
          .append(",\"resumes\":").append(c.resumes() == null ? "null" : quote(c.resumes()))
          .append(",\"age_seconds\":").append(age(c, nowNanos))
          .append(",\"age_is_lower_bound\":").append(c.beganBefore())
          .append(",\"pid\":").append(Integer.toUnsignedString(c.pid()))
          .append(",\"process\":").append(quote(c.process()))
          .append(",\"tid\":").append(Integer.toUnsignedString(c.tid()))
          .append(",\"thread\":").append(quote(c.thread()))
          .append(",\"carrier\":").append(c.carrier() == null ? "null" : quote(c.carrier()))
          .append(",\"fd\":").append(c.fd() == null ? "null" : c.fd().toString())
          .append(",\"file\":").append(c.file() == null ? "null" : quote(c.file()))
          .append(",\"wchan\":").append(c.wchan() == null ? "null" : quote(c.wchan()))
          .append(",\"trace_id\":").append(c.trace().present() ? quote(c.trace().traceId())
              : "null")
          .append(",\"span_id\":").append(c.trace().present() ? quote(c.trace().spanId())
              : "null")
          .append(",\"kernel_stack\":");
      array(s, c.kernelStack());
      s.append(",\"java_stack\":");
      array(s, c.javaStack());
      s.append('}');
    }
    return s.append("]}\n").toString();
  }

  private static void array(StringBuilder s, List<String> items) {
    s.append('[');
    for (int i = 0; i < items.size(); i++) {
      s.append(i == 0 ? "" : ",").append(quote(items.get(i)));
    }
    s.append(']');
  }

  private static String age(TimedOutCall c, long nowNanos) {
    return String.format(Locale.ROOT, "%.1f", c.ageSeconds(nowNanos));
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(ch);
      }
    }
    return out.toString();
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (ch < 0x20) {
            out.append(String.format("\\u%04x", (int) ch));
          } else {
            out.append(ch);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
