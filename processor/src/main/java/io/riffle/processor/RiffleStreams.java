package io.riffle.processor;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

import io.riffle.processor.internal.InternalTopicManager;
import io.riffle.processor.internal.InternalTopology;
import io.riffle.processor.internal.RiffleAssignor;
import io.riffle.processor.internal.TopologyBuilder;
import io.riffle.processor.state.InvalidStateStoreException;
import io.riffle.processor.state.ReadOnlyKeyValueStore;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import io.riffle.processor.internal.StreamThread;
import io.riffle.processor.state.internal.RocksDBResources;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Topology} against a Riffle node or any Kafka cluster: {@code num.stream.threads}
 * stream threads in the consumer group {@code application.id}, sharing the partitions' tasks with
 * every other instance of the application.
 *
 * <pre>
 *  CREATED ──start()──▶ REBALANCING ◀──▶ RUNNING
 *                            │               │
 *                            └──── ERROR ◀───┘   (a thread failed: the others are stopped too)
 *  any ──close()──▶ NOT_RUNNING
 * </pre>
 *
 * A failing thread never dies silently: the instance moves to {@link State#ERROR}, the uncaught
 * exception handler (default: log) receives the exception, and the other threads stop. Local
 * state lives in {@code <state.dir>/<application.id>/}, locked by this instance, together with a
 * process id file that keeps transactional ids stable across restarts. Thread-safe.
 */
public final class RiffleStreams implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RiffleStreams.class);

    /** The instance's life cycle. */
    public enum State { CREATED, REBALANCING, RUNNING, ERROR, NOT_RUNNING }

    /** Told of every state change, on the thread that caused it; keep it short. */
    @FunctionalInterface
    public interface StateListener {
        void onChange(State newState, State oldState);
    }

    private final Topology topology;
    private final StreamsConfig config;
    private final List<StreamThread> threads = new ArrayList<>();
    private final boolean[] threadRunning;
    private final RiffleAssignor.PartitionHosts partitionHosts = new RiffleAssignor.PartitionHosts();
    private State state = State.CREATED;
    private StateListener stateListener = (n, o) -> { };
    private Consumer<Throwable> uncaughtExceptionHandler = e -> { };
    private RocksDBResources rocksDB;
    private FileChannel lockChannel;
    private FileLock lock;
    private boolean closing;

    /** Validates the configuration ({@link ConfigException} names the key); starts nothing. */
    public RiffleStreams(Topology topology, Properties props) {
        this.topology = topology;
        this.config = new StreamsConfig(props);
        this.threadRunning = new boolean[config.numStreamThreads()];
    }

    public synchronized void setStateListener(StateListener listener) {
        this.stateListener = listener;
    }

    /** Receives the exception that ended a stream thread (after the instance moved to ERROR). */
    public synchronized void setUncaughtExceptionHandler(Consumer<Throwable> handler) {
        this.uncaughtExceptionHandler = handler;
    }

    public synchronized State state() {
        return state;
    }

    /**
     * Locks the state directory, creates the internal topics, and starts the stream threads.
     * Fails (and stays CREATED, releasing what it took) if a source topic is missing, topics are
     * not co-partitioned, or the state directory is used by another instance.
     */
    public synchronized void start() {
        if (state != State.CREATED) {
            throw new IllegalStateException("start() may be called once, on a CREATED instance; state is " + state);
        }
        Path appDir = config.stateDir().resolve(config.applicationId());
        try {
            String processId = lockStateDirectory(appDir);
            Properties adminProps = new Properties();
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
            adminProps.putAll(config.adminOverrides());
            try (Admin admin = Admin.create(adminProps)) {
                new InternalTopicManager(admin, config.applicationId(), Duration.ofSeconds(30)).setUp(topology.internal());
            }
            rocksDB = new RocksDBResources();
            StreamThread.Settings settings = new StreamThread.Settings(config.applicationId(), config.bootstrapServers(), processId,
                config.exactlyOnce(), config.commitIntervalMs(), appDir, config.cacheMaxBytes() / config.numStreamThreads(),
                config.defaultKeySerde(), config.defaultValueSerde(), consumerSettings(), config.producerOverrides(), errorPolicy(config));
            for (int i = 0; i < config.numStreamThreads(); i++) {
                threads.add(new StreamThread(i, settings, topology.internal(), rocksDB, new ThreadEvents()));
            }
        } catch (RuntimeException e) {
            releaseResources();
            throw e;
        }
        setState(State.REBALANCING);
        threads.forEach(Thread::start);
    }

    /** The consumer overrides plus what the {@link RiffleAssignor} needs to publish {@code application.server}. */
    static io.riffle.processor.internal.ErrorPolicy errorPolicy(StreamsConfig config) {
        return new io.riffle.processor.internal.ErrorPolicy(config.deserializationExceptionHandler(), config.processingExceptionHandler(),
            config.deadLetterQueueTopic(), config.timestampExtractor());
    }

    private java.util.Map<String, Object> consumerSettings() {
        java.util.Map<String, Object> c = new java.util.HashMap<>(config.consumerOverrides());
        c.put(RiffleAssignor.HOST_CONFIG, config.applicationServer() == null ? "" : config.applicationServer().toString());
        c.put(RiffleAssignor.HOSTS_CONFIG, partitionHosts);
        return c;
    }

    /**
     * Interactive query: a read-only view of a store over all of this instance's tasks, reading
     * their committed state (what RocksDB holds: the writes of the last successful commit, never
     * a thread's uncommitted buffers). Thread-safe. Throws {@link InvalidStateStoreException} while
     * the instance is not {@link State#RUNNING} (rebalancing, created, stopped, failed), and from
     * reads of a view whose task was closed meanwhile: fetch the store again once RUNNING.
     * An unknown store name is an {@link IllegalArgumentException}.
     */
    public <T> T store(StoreQueryParameters<T> parameters) {
        String name = parameters.storeName();
        if (topology.internal().store(name) == null) {
            throw new IllegalArgumentException("the topology has no store named '" + name + "'; it has "
                + new java.util.TreeSet<>(topology.internal().stores().keySet()));
        }
        checkQueryable(name);
        return parameters.queryableStoreType().compose(name, () -> {
            checkQueryable(name);
            List<ReadOnlyKeyValueStore<?, ?>> views = new ArrayList<>();
            for (StreamThread t : threads) {
                views.addAll(t.committedViews(name));
            }
            return views;
        });
    }

    private void checkQueryable(String storeName) {
        State now = state();
        if (now != State.RUNNING) {
            throw new InvalidStateStoreException("cannot query store " + storeName + ": instance " + config.applicationId()
                + " is " + now + ", not RUNNING" + (now == State.REBALANCING ? "; retry when the rebalance is over" : ""));
        }
    }

    /**
     * Which instance owns {@code key} of the store: the {@code application.server} of the member
     * that holds the key's partition (the partition Kafka's default partitioner gives the
     * serialized key), as published through the consumer group by every instance's assignor.
     * {@link KeyQueryMetadata#NOT_AVAILABLE} while not RUNNING or when the owner is unknown.
     */
    public <K> KeyQueryMetadata queryMetadataForKey(String storeName, K key, Serializer<K> keySerializer) {
        String topic = sourceTopicOfStore(storeName);
        if (state() != State.RUNNING) {
            return KeyQueryMetadata.NOT_AVAILABLE;
        }
        int partitions = partitionHosts.partitionCount(topic);
        if (partitions == 0) {
            return KeyQueryMetadata.NOT_AVAILABLE;
        }
        int partition = Utils.toPositive(Utils.murmur2(keySerializer.serialize(topic, key))) % partitions;
        String host = partitionHosts.host(new TopicPartition(topic, partition));
        return host == null || host.isEmpty() ? KeyQueryMetadata.NOT_AVAILABLE : new KeyQueryMetadata(HostInfo.parse(host), partition);
    }

    /** A source topic (real name) of the sub-topology that holds the store. */
    private String sourceTopicOfStore(String storeName) {
        for (InternalTopology.Subtopology s : topology.internal().subtopologies()) {
            if (s.stores().contains(storeName)) {
                TopologyBuilder.SourceDef src = s.sources().get(0);
                return InternalTopology.topicName(config.applicationId(), src.topics().get(0), src.internal());
            }
        }
        throw new IllegalArgumentException("the topology has no store named '" + storeName + "'");
    }

    private String lockStateDirectory(Path appDir) {
        try {
            Files.createDirectories(appDir);
            lockChannel = FileChannel.open(appDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = lockChannel.tryLock();
            if (lock == null) {
                throw new IllegalStateException("state directory " + appDir + " is in use by another instance; give each instance its own state.dir");
            }
            Path idFile = appDir.resolve("riffle-process-id");
            if (!Files.exists(idFile)) {
                Files.writeString(idFile, UUID.randomUUID().toString(), StandardCharsets.UTF_8);
            }
            return Files.readString(idFile, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot use state directory " + appDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops the threads (each commits and closes its tasks cleanly, unless it failed), waits up
     * to {@code timeout} for them, then releases RocksDB memory and the state directory.
     * Returns false if a thread did not stop in time (its native memory is then not released).
     */
    public boolean close(Duration timeout) {
        List<StreamThread> toJoin;
        synchronized (this) {
            if (state == State.NOT_RUNNING) {
                return true;
            }
            closing = true;
            toJoin = List.copyOf(threads);
        }
        toJoin.forEach(StreamThread::shutdown);
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean stopped = true;
        for (StreamThread t : toJoin) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped &= !t.isAlive();
        }
        synchronized (this) {
            if (stopped) {
                releaseResources();
            } else {
                log.warn("{}: stream threads did not stop within {}; RocksDB memory is not released", config.applicationId(), timeout);
            }
            setState(State.NOT_RUNNING);
        }
        return stopped;
    }

    @Override
    public void close() {
        close(Duration.ofMinutes(1));
    }

    /** Changelog records replayed into local state by all threads so far (restoration work). */
    public long restoredRecords() {
        return threads.stream().mapToLong(StreamThread::restoredRecords).sum();
    }

    /** Input records processed by all threads so far. */
    public long processedRecords() {
        return threads.stream().mapToLong(StreamThread::processedRecords).sum();
    }

    private void releaseResources() {
        if (rocksDB != null) {
            rocksDB.close();
        }
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            log.warn("{}: releasing the state directory lock failed", config.applicationId(), e);
        }
    }

    private void setState(State next) {
        State old = state;
        if (old == next) {
            return;
        }
        state = next;
        log.info("{}: state {} -> {}", config.applicationId(), old, next);
        try {
            stateListener.onChange(next, old);
        } catch (RuntimeException e) {
            log.warn("state listener failed", e);
        }
    }

    private final class ThreadEvents implements StreamThread.Listener {
        @Override
        public void onRebalancing(StreamThread thread) {
            synchronized (RiffleStreams.this) {
                threadRunning[thread.index()] = false;
                if (!closing && state == State.RUNNING) {
                    setState(State.REBALANCING);
                }
            }
        }

        @Override
        public void onRunning(StreamThread thread) {
            synchronized (RiffleStreams.this) {
                threadRunning[thread.index()] = true;
                for (boolean r : threadRunning) {
                    if (!r) {
                        return;
                    }
                }
                if (!closing && state == State.REBALANCING) {
                    setState(State.RUNNING);
                }
            }
        }

        @Override
        public void onError(StreamThread thread, Throwable error) {
            Consumer<Throwable> handler;
            synchronized (RiffleStreams.this) {
                if (closing) {
                    log.warn("{} failed while closing", thread.getName(), error);
                    return;
                }
                setState(State.ERROR);
                handler = uncaughtExceptionHandler;
                threads.forEach(StreamThread::shutdown);
            }
            log.error("{} failed; instance {} is in ERROR", thread.getName(), config.applicationId(), error);
            try {
                handler.accept(error);
            } catch (RuntimeException e) {
                log.warn("uncaught exception handler failed", e);
            }
        }
    }
}
