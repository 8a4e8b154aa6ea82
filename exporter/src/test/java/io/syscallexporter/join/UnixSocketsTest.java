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
        // SO_PEERPIDFD (77) is newer than these headers (Linux 6.5; asm-generic/socket.h).
        {"MSG_DONTWAIT", "MSG_DONTWAIT", Integer.toString(UnixSockets.MSG_DONTWAIT)},
        {"MSG_NOSIGNAL", "MSG_NOSIGNAL", Integer.toString(UnixSockets.MSG_NOSIGNAL)},
        {"POLLIN", "POLLIN", Integer.toString(UnixSockets.POLLIN)},
        {"POLLOUT", "POLLOUT", Integer.toString(UnixSockets.POLLOUT)},
        {"pollfd.size", "sizeof(struct pollfd)", Integer.toString(UnixSockets.POLLFD_SIZE)},
        {"pollfd.revents", "offsetof(struct pollfd, revents)", "6"},
        {"SHUT_RDWR", "SHUT_RDWR", Integer.toString(UnixSockets.SHUT_RDWR)},
        {"EINTR", "EINTR", Integer.toString(UnixSockets.EINTR)},
        {"EAGAIN", "EAGAIN", Integer.toString(UnixSockets.EAGAIN)},
        {"sockaddr_un.size", "sizeof(struct sockaddr_un)",
            Integer.toString(UnixSockets.SOCKADDR_UN_SIZE)},
        {"sockaddr_un.sun_path", "offsetof(struct sockaddr_un, sun_path)",
            Integer.toString(UnixSockets.SUN_PATH)},
        {"ucred.size", "sizeof(struct ucred)", Integer.toString(UnixSockets.UCRED_SIZE)},
        {"ucred.pid", "offsetof(struct ucred, pid)", "0"},
        {"ucred.uid", "offsetof(struct ucred, uid)", "4"},
        {"ENOPROTOOPT", "ENOPROTOOPT", Integer.toString(PeerSocket.ENOPROTOOPT)},
    };
    CLayouts.assertMatch(dir, List.of("<errno.h>", "<sys/socket.h>", "<sys/un.h>",
        "<poll.h>"), checks);
  }
}
