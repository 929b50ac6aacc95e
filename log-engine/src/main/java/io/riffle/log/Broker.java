package io.riffle.log;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.riffle.log.cluster.MetadataStore;
import io.riffle.log.cluster.ReplicaManager;
import io.riffle.log.cluster.TopicController;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.config.BrokerConfig;
import io.riffle.log.group.GroupCoordinator;
import io.riffle.log.txn.TransactionCoordinator;
import io.riffle.log.network.ApiVersionRanges;
import io.riffle.log.network.KafkaServer;
import io.riffle.log.server.ApiContext;
import io.riffle.log.server.DelayedFetches;
import io.riffle.log.server.KafkaApis;
import io.riffle.log.storage.LogManager;
import io.riffle.log.storage.StorageFaults;
import io.riffle.log.txn.ProducerIdManager;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Riffle log node: storage, cluster metadata, partitions and the Kafka protocol listener,
 * started in dependency order and closed in reverse.
 *
 * <p>Start order: data directory and logs (recovering them if the last stop was not clean),
 * cluster metadata, partitions, then the listener — so no client is served before the logs
 * are consistent. Close order: listener, parked fetches, logs (flushed, then marked clean).
 */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    private final LogManager logManager;
    private final ReplicaManager replicaManager;
    private final TopicController controller;
    private final DelayedFetches delayedFetches;
    private final GroupCoordinator groupCoordinator;
    private final TransactionCoordinator txnCoordinator;
    private final ExecutorService completionPool;
    private final KafkaServer server;
    private volatile boolean closed;

    private Broker(BrokerConfig config, LogManager logManager, ReplicaManager replicaManager, TopicController controller,
                   DelayedFetches delayedFetches, GroupCoordinator groupCoordinator,
                   TransactionCoordinator txnCoordinator, ExecutorService completionPool, KafkaServer server) {
        this.config = config;
        this.logManager = logManager;
        this.replicaManager = replicaManager;
        this.controller = controller;
        this.delayedFetches = delayedFetches;
        this.groupCoordinator = groupCoordinator;
        this.txnCoordinator = txnCoordinator;
        this.completionPool = completionPool;
        this.server = server;
    }

    public static Broker start(BrokerConfig config) throws IOException, InterruptedException {
        return start(config, Time.SYSTEM, StorageFaults.NONE);
    }

    /** Starts a node; faults lets tests inject disk failures. */
    public static Broker start(BrokerConfig config, Time time, StorageFaults faults) throws IOException, InterruptedException {
        LogManager logManager = new LogManager(config, time, faults);
        ExecutorService completionPool = null;
        DelayedFetches delayed = null;
        GroupCoordinator groupCoordinator = null;
        TransactionCoordinator txnCoordinator = null;
        try {
            MetadataStore metadata = new MetadataStore(logManager.dataDir());
            ReplicaManager replicaManager = new ReplicaManager(config, logManager);
            TopicController controller = new TopicController(config, metadata, replicaManager);
            long started = System.nanoTime();
            controller.loadAll();
            logManager.deleteOrphanDirectories(dir -> metadata.topics().stream().anyMatch(t ->
                    dir.startsWith(t.name() + "-") && isPartitionOf(t, dir)));
            log.info("Loaded {} partition log(s) from {} in {} ms{}", replicaManager.partitions().size(),
                    logManager.dataDir(), (System.nanoTime() - started) / 1_000_000,
                    logManager.wasCleanShutdown() ? "" : ", recovering after an unclean shutdown");
            logManager.startBackgroundTasks();
            completionPool = Executors.newFixedThreadPool(Math.max(1, config.numIoThreads() / 2), r -> {
                Thread t = new Thread(r, "riffle-fetch-completion");
                t.setDaemon(true);
                return t;
            });
            delayed = new DelayedFetches(completionPool);
            replicaManager.addAppendListener(delayed::onAppend);
            groupCoordinator = new GroupCoordinator(config, replicaManager, controller, time);
            groupCoordinator.startup();
            ProducerIdManager producerIds = new ProducerIdManager(logManager.dataDir().resolve("meta"));
            txnCoordinator = new TransactionCoordinator(config, replicaManager, controller, producerIds, time);
            GroupCoordinator groups = groupCoordinator;
            txnCoordinator.addMarkerListener((tp, producerId, epoch, commit) -> {
                if (tp.topic().equals(GroupCoordinator.OFFSETS_TOPIC)) {
                    groups.settleTransactionalOffsets(tp.partition(), producerId, commit);
                }
            });
            txnCoordinator.startup();
            ApiVersionRanges versions = new ApiVersionRanges(KafkaApis.SERVED);
            BrokerConfig.Listener listener = config.listener();
            BrokerConfig.Listener advertised = config.advertisedListener();
            int[] boundPort = {0};
            ApiContext context = new ApiContext(config, logManager, replicaManager, controller, metadata, producerIds,
                    versions, advertised != null ? advertised.host() : (listener.host().isEmpty() ? null : listener.host()),
                    () -> advertised != null && advertised.port() != 0 ? advertised.port() : boundPort[0],
                    logManager.clusterId());
            KafkaServer server = KafkaServer.start(listener.host(), listener.port(), config.numNetworkThreads(),
                    config.numIoThreads(), config.socketRequestMaxBytes(), new KafkaApis(context, delayed, groupCoordinator, txnCoordinator), versions);
            boundPort[0] = server.boundPort();
            return new Broker(config, logManager, replicaManager, controller, delayed, groupCoordinator, txnCoordinator,
                    completionPool, server);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (delayed != null) {
                delayed.close();
            }
            if (groupCoordinator != null) {
                groupCoordinator.close();
            }
            if (txnCoordinator != null) {
                txnCoordinator.close();
            }
            if (completionPool != null) {
                completionPool.shutdownNow();
            }
            logManager.close();
            throw e;
        }
    }

    private static boolean isPartitionOf(TopicInfo topic, String dir) {
        String suffix = dir.substring(topic.name().length() + 1);
        try {
            int p = Integer.parseInt(suffix);
            return p >= 0 && p < topic.partitionCount();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public int kafkaPort() {
        return server.boundPort();
    }

    /** host:port for a client's bootstrap.servers. */
    public String bootstrapServers() {
        String host = config.listener().host();
        return (host.isEmpty() || host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + kafkaPort();
    }

    public BrokerConfig config() {
        return config;
    }

    public LogManager logManager() {
        return logManager;
    }

    public ReplicaManager replicaManager() {
        return replicaManager;
    }

    public TopicController controller() {
        return controller;
    }

    /** Stops serving, then closes logs cleanly. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } finally {
            delayedFetches.close();
            groupCoordinator.close();
            txnCoordinator.close();
            completionPool.shutdown();
            logManager.close();
        }
    }
}
