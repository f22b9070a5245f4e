// Starts a real Neo4j Community server in-process with Bolt on 127.0.0.1:<port>,
// prints "READY <bolt uri>" and keeps running until it is killed or its standard
// input closes, so that a dying test runner never leaves a server behind.
//
// Its standard input also takes commands, one per line: "stop" shuts the database
// server down (Bolt closes, as when a server stops or restarts) and prints
// "STOPPED"; "start" starts it again on the same port and files and prints "READY".
// The outage tests use them.
//
// An optional third argument is the folder LOAD CSV reads file:/// URLs from (for
// the import benchmark). The page cache is sized like a real server's (system
// property maillage.pagecache.mb, 512 by default). The system property maillage.plugins names the folder
// of the plugins it loads, as a real server's plugins folder: Maillage's own (neo4j-plugin/).
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public final class Launcher {
    private static DatabaseManagementService start(int port, Path home, Path importDir) {
        var builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory,
                        Long.getLong("maillage.pagecache.mb", 512L) * 1024 * 1024);
        if (importDir != null) {
            builder = builder.setConfig(GraphDatabaseSettings.load_csv_file_url_root, importDir);
        }
        String plugins = System.getProperty("maillage.plugins"); // Maillage's procedures (neo4j-plugin/)
        if (plugins != null) {
            builder = builder.setConfig(GraphDatabaseSettings.plugin_dir, Path.of(plugins));
        }
        return builder.build();
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7687;
        Path home = Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir")).resolve("neo4j");
        Path importDir = args.length > 2 ? Path.of(args[2]) : null;
        final DatabaseManagementService[] running = {start(port, home, importDir)};
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (running[0] != null) {
                running[0].shutdown();
            }
        }));
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        var input = new BufferedReader(new InputStreamReader(System.in));
        try {
            String line;
            while ((line = input.readLine()) != null) {
                if (line.equals("stop") && running[0] != null) {
                    running[0].shutdown();
                    running[0] = null;
                    System.out.println("STOPPED");
                } else if (line.equals("start") && running[0] == null) {
                    running[0] = start(port, home, importDir);
                    System.out.println("READY bolt://127.0.0.1:" + port);
                }
                System.out.flush();
            }
        } catch (IOException ignored) {
            // A broken pipe means the parent is gone.
        }
        System.exit(0);
    }
}
