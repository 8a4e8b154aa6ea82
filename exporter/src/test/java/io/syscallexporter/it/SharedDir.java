package io.syscallexporter.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A world-readable directory for an agent socket and a file the services read, so that JVMs and
 * clients run as user nobody reach them too.
 */
record SharedDir(Path dir, Path socket, Path data) {

  static SharedDir create(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path data = dir.resolve("data");
    Files.write(data, new byte[1 << 16]);
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rw-r--r--"));
    return new SharedDir(dir, dir.resolve("agent.sock"), data);
  }

  void delete() throws IOException {
    Files.deleteIfExists(data);
    Files.deleteIfExists(socket);
    Files.deleteIfExists(dir);
  }
}
