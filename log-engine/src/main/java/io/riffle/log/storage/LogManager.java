package io.riffle.log.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.riffle.log.config.BrokerConfig;
import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the data directory and every partition log in it: checks the directory's format
 * version, opens logs at start-up (recovering them after an unclean shutdown), and runs the
 * background work — retention, time-based flushes, producer-id expiry — on one scheduler, and
 * the {@link LogCleaner} thread that compacts logs with cleanup.policy=compact.
 *
 * <p>Data directory layout:
 * <pre>
 *   meta.properties                 format version, node id, cluster id
 *   .clean-shutdown                 present only between a clean stop and the next start
 *   meta/                           cluster metadata (topics) kept by the cluster layer
 *   TOPIC-PARTITION/                one directory per partition log (Kafka's naming)
 * </pre>
 *
 * <p>Thread-safety: the log map is concurrent; each log guards itself.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    public static final int FORMAT_VERSION = 1;
    static final String META_FILE = "meta.properties";
    static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";

    private final Path dataDir;
    private final BrokerConfig config;
    private final Time time;
    private final StorageFaults faults;
    private final ScheduledExecutorService scheduler;
    private final LogCleaner cleaner;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final String clusterId;
    private final boolean cleanShutdown;
    private volatile boolean closed;

    public LogManager(BrokerConfig config, Time time, StorageFaults faults) throws IOException {
        this.config = config;
        this.dataDir = config.dataDir().toAbsolutePath();
        this.time = time;
        this.faults = faults;
        Files.createDirectories(dataDir);
        boolean fresh = !Files.exists(dataDir.resolve(META_FILE));
        this.clusterId = checkFormat();
        Path marker = dataDir.resolve(CLEAN_SHUTDOWN_FILE);
        this.cleanShutdown = fresh || Files.exists(marker);
        Files.deleteIfExists(marker);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "riffle-log-scheduler");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.scheduler = executor;
        this.cleaner = new LogCleaner(logs::values, config.cleanerBackoffMs(), CLEANER_MAP_BYTES);
    }

    /** Budget of the log cleaner's key → offset map (Kafka's log.cleaner.dedupe.buffer.size default). */
    static final long CLEANER_MAP_BYTES = 128L * 1024 * 1024;

    /** Reads or writes meta.properties; refuses a directory of a newer format or another node. */
    private String checkFormat() throws IOException {
        Path meta = dataDir.resolve(META_FILE);
        Properties props = new Properties();
        if (Files.exists(meta)) {
            try (var in = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
                props.load(in);
            }
            int version = Integer.parseInt(props.getProperty("riffle.data.format.version", "-1"));
            if (version != FORMAT_VERSION) {
                throw new KafkaStorageException("Data directory " + dataDir + " has format version " + version
                        + "; this Riffle reads version " + FORMAT_VERSION + " only. Use a matching release or a new directory.");
            }
            int node = Integer.parseInt(props.getProperty("node.id", "-1"));
            if (node != config.nodeId()) {
                throw new KafkaStorageException("Data directory " + dataDir + " belongs to node " + node
                        + ", not node.id " + config.nodeId());
            }
            return props.getProperty("cluster.id");
        }
        try (var files = Files.list(dataDir)) {
            if (files.anyMatch(p -> p.getFileName().toString().matches(".+-\\d+"))) {
                throw new KafkaStorageException("Data directory " + dataDir + " holds partition logs but no "
                        + META_FILE + ": refusing to guess its format");
            }
        }
        String id = org.apache.kafka.common.Uuid.randomUuid().toString();
        props.setProperty("riffle.data.format.version", Integer.toString(FORMAT_VERSION));
        props.setProperty("node.id", Integer.toString(config.nodeId()));
        props.setProperty("cluster.id", id);
        Path tmp = dataDir.resolve(META_FILE + ".tmp");
        try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            props.store(out, "Riffle data directory");
        }
        Files.move(tmp, meta, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return id;
    }

    /** Starts retention, flush and producer-expiry tasks, and the log cleaner if log.cleaner.enable. */
    public void startBackgroundTasks() {
        if (config.cleanerEnable()) {
            cleaner.start();
        }
        long retention = config.retentionCheckIntervalMs();
        scheduler.scheduleWithFixedDelay(this::runRetention, retention, retention, TimeUnit.MILLISECONDS);
        long flush = config.flushSchedulerIntervalMs();
        scheduler.scheduleWithFixedDelay(this::flushDirtyLogs, flush, flush, TimeUnit.MILLISECONDS);
        long expiry = config.producerIdExpirationCheckIntervalMs();
        scheduler.scheduleWithFixedDelay(this::expireProducers, expiry, expiry, TimeUnit.MILLISECONDS);
    }

    public String clusterId() {
        return clusterId;
    }

    public Path dataDir() {
        return dataDir;
    }

    public boolean wasCleanShutdown() {
        return cleanShutdown;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public Time time() {
        return time;
    }

    public static String partitionDirName(TopicPartition tp) {
        return tp.topic() + "-" + tp.partition();
    }

    /** Opens the partition's log, creating its directory if new. */
    public PartitionLog getOrCreateLog(TopicPartition tp, LogConfig logConfig) {
        return logs.computeIfAbsent(tp, key -> {
            try {
                return PartitionLog.open(dataDir.resolve(partitionDirName(key)), key, logConfig, cleanShutdown,
                        time, scheduler, faults);
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot open the log of " + key + " in " + dataDir + ": " + e.getMessage(), e);
            }
        });
    }

    public PartitionLog getLog(TopicPartition tp) {
        return logs.get(tp);
    }

    public Collection<PartitionLog> allLogs() {
        return logs.values();
    }

    /** Deletes a partition's log and its directory. */
    public void deleteLog(TopicPartition tp) {
        PartitionLog removed = logs.remove(tp);
        try {
            if (removed != null) {
                removed.deleteAll();
            } else {
                deleteDirectory(dataDir.resolve(partitionDirName(tp)));
            }
        } catch (IOException e) {
            log.warn("Could not delete the log directory of {}", tp, e);
        }
    }

    /** Removes partition directories that belong to no known partition (a topic deleted while down). */
    public void deleteOrphanDirectories(Function<String, Boolean> isKnownPartitionDir) throws IOException {
        try (var files = Files.list(dataDir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p) && name.matches(".+-\\d+") && !isKnownPartitionDir.apply(name)) {
                    log.info("Deleting the log directory {} of a deleted partition", name);
                    deleteDirectory(p);
                }
            }
        }
    }

    private static void deleteDirectory(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One retention pass over every log (also called by tests). */
    public void runRetention() {
        for (PartitionLog partitionLog : logs.values()) {
            try {
                int deleted = partitionLog.deleteOldSegments();
                if (deleted > 0) {
                    log.info("{}: retention deleted {} segment(s); log start offset now {}",
                            partitionLog.topicPartition(), deleted, partitionLog.logStartOffset());
                }
            } catch (IOException | RuntimeException e) {
                log.warn("{}: retention pass failed", partitionLog.topicPartition(), e);
            }
        }
    }

    /** The log cleaner (started by {@link #startBackgroundTasks} only if log.cleaner.enable). */
    public LogCleaner cleaner() {
        return cleaner;
    }

    /**
     * One cleaner pass now, on the calling thread: cleans the dirtiest compacted log that is
     * eligible (also called by tests, which never wait on the cleaner's timer).
     *
     * @return whether a log was cleaned
     */
    public boolean cleanNow() {
        return cleaner.cleanDirtiestLog();
    }

    private void flushDirtyLogs() {
        for (PartitionLog partitionLog : logs.values()) {
            try {
                partitionLog.maybeFlushOnTime();
            } catch (IOException | RuntimeException e) {
                log.warn("{}: scheduled flush failed", partitionLog.topicPartition(), e);
            }
        }
    }

    private void expireProducers() {
        long cutoff = time.milliseconds() - config.producerIdExpirationMs();
        for (PartitionLog partitionLog : logs.values()) {
            synchronized (partitionLog.lock()) {
                partitionLog.producerState().expireProducers(cutoff);
            }
        }
    }

    /** Closes every log (flushing it), then marks the shutdown clean. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cleaner.close();
        scheduler.shutdownNow();
        boolean allClosed = true;
        for (PartitionLog partitionLog : logs.values()) {
            try {
                partitionLog.close();
            } catch (IOException | RuntimeException e) {
                allClosed = false;
                log.warn("Closing {} failed", partitionLog.topicPartition(), e);
            }
        }
        if (allClosed) {
            try {
                Files.writeString(dataDir.resolve(CLEAN_SHUTDOWN_FILE), "clean\n");
            } catch (IOException e) {
                log.warn("Could not write the clean-shutdown marker", e);
            }
        }
    }


}
