// Starts a real Neo4j Community server in-process (neo4j-harness) with Bolt on
// 127.0.0.1:<port>, prints "READY <bolt uri>" and keeps running until it is
// killed or its standard input closes, so that a dying test runner never
// leaves a server behind. An optional third argument is the folder LOAD CSV
// reads file:/// URLs from (for the import benchmark). The page cache is sized
// like a real server's (system property maillage.pagecache.mb, 512 by default):
// the harness's own default of 8 MiB is meant for tiny test stores and makes
// every bulk write re-read its pages from the operating system.
import java.io.IOException;
import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

public final class Launcher {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7687;
        Path workDir = Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir"));
        var builder = Neo4jBuilders.newInProcessBuilder(workDir)
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .withConfig(HttpConnector.enabled, false)
                .withConfig(GraphDatabaseSettings.pagecache_memory,
                        Long.getLong("maillage.pagecache.mb", 512L) * 1024 * 1024);
        if (args.length > 2) {
            builder = builder.withConfig(GraphDatabaseSettings.load_csv_file_url_root, Path.of(args[2]));
        }
        Neo4j neo4j = builder.build();
        Runtime.getRuntime().addShutdownHook(new Thread(neo4j::close));
        System.out.println("READY " + neo4j.boltURI());
        System.out.flush();
        try {
            while (System.in.read() != -1) {
                // Keep reading: the parent closes our stdin when it is done.
            }
        } catch (IOException ignored) {
            // A broken pipe means the parent is gone.
        }
        System.exit(0);
    }
}
