import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * A Jetty 12 file server with Jetty's defaults (its QueuedThreadPool, named qtp<hash>-<n>, and
 * an acceptor that renames itself), for the tests of real servers under real load. Serves DIR
 * on 127.0.0.1:PORT until its stdin closes:
 *   java -cp JETTY_JARS FileServer.java DIR PORT
 */
public class FileServer {
  public static void main(String[] args) throws Exception {
    Server server = new Server();
    ServerConnector http = new ServerConnector(server, 1, 1); // one acceptor, one selector
    http.setHost("127.0.0.1");
    http.setPort(Integer.parseInt(args[1]));
    server.addConnector(http);
    ResourceHandler files = new ResourceHandler();
    files.setBaseResource(ResourceFactory.of(server).newResource(Path.of(args[0])));
    server.setHandler(files);
    server.start();
    System.out.println("jetty ready on " + http.getLocalPort());
    while (System.in.read() >= 0) {
      // until the test closes stdin
    }
    server.stop();
    System.out.println("jetty stopped");
  }
}
