package newsdex.ci;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * OpenSearchNode runs one OpenSearch node of a local cluster in this JVM
 * until SIGTERM, for development and CI only.
 *
 * <p>It starts {@link Node} directly with the Netty4 transport and the
 * common-analysis plugin (porter_stem, stop, the English possessive filter)
 * taken from the classpath, so no distribution is unpacked and no plugin
 * directory is needed. Unlike the distribution's launcher
 * (org.opensearch.bootstrap.Bootstrap) it runs no bootstrap checks (heap
 * size, file descriptors, mmap count: Bootstrap's own Node subclass adds
 * them, Node's hook is empty), no root check (Bootstrap.initializeNatives)
 * and installs no security manager: this is what lets CI, which runs as
 * root, start it. The test framework's MockNode would do the same with
 * test-only dependencies (JUnit, Mockito, Lucene's test framework) on top.
 *
 * <p>Usage: {@code OpenSearchNode NAME HOME HTTP_PORT TRANSPORT_PORT SEEDS MANAGERS}
 * where SEEDS is a comma-separated list of host:transport-port and MANAGERS
 * the comma-separated names of every node of the cluster.
 */
public final class OpenSearchNode {

    /** ClasspathNode reaches Node's constructor that takes plugin classes. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
            super(env, plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: OpenSearchNode NAME HOME HTTP_PORT TRANSPORT_PORT SEEDS MANAGERS");
            System.exit(2);
        }
        String name = args[0];
        Path home = Path.of(args[1]).toAbsolutePath();
        Settings settings = Settings.builder()
            .put("cluster.name", System.getProperty("newsdex.cluster", "newsdex-dev"))
            .put("node.name", name)
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", args[2])
            .put("transport.port", args[3])
            .putList("discovery.seed_hosts", split(args[4]))
            .putList("cluster.initial_cluster_manager_nodes", split(args[5]))
            // A developer's disk may be fuller than the default 85% watermark;
            // shards must still be placed, or the cluster never turns green.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();

        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> name);
        Node node = new ClasspathNode(env, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));

        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "newsdex-node-close"));

        node.start();
        closed.await();
    }

    private static List<String> split(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
