package io.syscallexporter.join;

import io.syscallexporter.CLayouts;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket constants and struct sizes of UnixSockets, against glibc's headers. */
class UnixSocketsTest {
  @TempDir
  Path dir;

  @Test
  void constantsAndLayoutsMatchLibc() throws Exception {
    String[][] checks = {
        {"AF_UNIX", "AF_UNIX", Integer.toString(UnixSockets.AF_UNIX)},
        {"SOCK_STREAM", "SOCK_STREAM", Integer.toString(UnixSockets.SOCK_STREAM)},
        {"SOCK_CLOEXEC", "SOCK_CLOEXEC", Integer.toString(UnixSockets.SOCK_CLOEXEC)},
        {"SOL_SOCKET", "SOL_SOCKET", Integer.toString(UnixSockets.SOL_SOCKET)},
        {"SO_PEERCRED", "SO_PEERCRED", Integer.toString(UnixSockets.SO_PEERCRED)},
        {"SO_RCVTIMEO", "SO_RCVTIMEO", Integer.toString(UnixSockets.SO_RCVTIMEO)},
        {"SO_SNDTIMEO", "SO_SNDTIMEO", Integer.toString(UnixSockets.SO_SNDTIMEO)},
        {"SHUT_RDWR", "SHUT_RDWR", Integer.toString(UnixSockets.SHUT_RDWR)},
        {"EINTR", "EINTR", Integer.toString(UnixSockets.EINTR)},
        {"EAGAIN", "EAGAIN", Integer.toString(UnixSockets.EAGAIN)},
        {"sockaddr_un.size", "sizeof(struct sockaddr_un)",
            Integer.toString(UnixSockets.SOCKADDR_UN_SIZE)},
        {"sockaddr_un.sun_path", "offsetof(struct sockaddr_un, sun_path)",
            Integer.toString(UnixSockets.SUN_PATH)},
        {"ucred.size", "sizeof(struct ucred)", Integer.toString(UnixSockets.UCRED_SIZE)},
        {"ucred.pid", "offsetof(struct ucred, pid)", "0"},
        {"timeval.size", "sizeof(struct timeval)", Integer.toString(UnixSockets.TIMEVAL_SIZE)},
    };
    CLayouts.assertMatch(dir, List.of("<errno.h>", "<sys/socket.h>", "<sys/un.h>",
        "<sys/time.h>"), checks);
  }
}
