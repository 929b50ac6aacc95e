package io.riffle.processor.state.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent state of one task: its stores, their changelog partitions, the
 * {@code .checkpoint} file in the task directory, and restoration.
 *
 * <h2>Checkpoint rule</h2>
 * The checkpoint names, per changelog partition, an offset {@code C} such that RocksDB holds
 * every changelog record below {@code C}, plus possibly some records at or after {@code C} that
 * were <em>committed</em> (stores write to RocksDB only after a commit, see
 * {@link CachingKeyValueStore}). Restoring from {@code C} to the end of the changelog therefore
 * always yields exactly the committed state, under at-least-once and exactly-once alike, and a
 * restart replays only the tail. Without a checkpoint file the local state is of unknown age and
 * is wiped. The file is rewritten after a commit when the changelogs moved by
 * {@link #CHECKPOINT_DELTA} records, after restoration, and on a clean close, each time after
 * flushing RocksDB's memtables (the WAL is off).
 *
 * <p>Not thread-safe: owned by the task's stream thread.
 */
public final class TaskStateManager {
    /** Kafka Streams' threshold: rewrite the checkpoint when changelogs moved this much. */
    public static final long CHECKPOINT_DELTA = 10_000;
    private static final Logger log = LoggerFactory.getLogger(TaskStateManager.class);

    private record Registered(String name, RestorableStore store, TopicPartition changelog) {
    }

    private final String taskId;
    private final OffsetCheckpoint checkpoint;
    private final Map<TopicPartition, Long> offsets;
    private final Map<String, Registered> stores = new LinkedHashMap<>();
    private long checkpointedTotal;
    private long restoredRecords;

    /** Reads the checkpoint; without one, deletes whatever local RocksDB state the task had. */
    public TaskStateManager(String taskId, Path taskDirectory) {
        this.taskId = taskId;
        this.checkpoint = new OffsetCheckpoint(taskDirectory.resolve(".checkpoint"));
        if (!checkpoint.exists()) {
            RocksDBStore.destroy(taskDirectory.resolve("rocksdb"));
        }
        this.offsets = new HashMap<>(checkpoint.read());
        this.checkpointedTotal = total();
    }

    public void register(String storeName, RestorableStore store, TopicPartition changelog) {
        if (stores.putIfAbsent(storeName, new Registered(storeName, store, changelog)) != null) {
            throw new IllegalStateException("task " + taskId + ": store " + storeName + " registered twice");
        }
    }

    public List<TopicPartition> changelogPartitions() {
        List<TopicPartition> result = new ArrayList<>();
        for (Registered r : stores.values()) {
            if (r.changelog() != null) {
                result.add(r.changelog());
            }
        }
        return result;
    }

    /** Changelog records replayed by the last {@link #restore}. */
    public long restoredRecords() {
        return restoredRecords;
    }

    /**
     * Brings every logged store up to the end of its changelog, reading from the checkpointed
     * offset (or the beginning). {@code consumer} has no group; it is left unassigned.
     */
    public void restore(Consumer<byte[], byte[]> consumer, Duration timeout) {
        List<TopicPartition> partitions = changelogPartitions();
        restoredRecords = 0;
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, RestorableStore> byPartition = new HashMap<>();
        for (Registered r : stores.values()) {
            if (r.changelog() != null) {
                byPartition.put(r.changelog(), r.store());
            }
        }
        consumer.assign(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
        for (TopicPartition tp : partitions) {
            Long from = offsets.get(tp);
            if (from != null && (from > end.get(tp) || from < begin.get(tp))) {
                log.warn("task {}: checkpoint offset {} of {} is outside [{}, {}]; wiping the store and restoring it all",
                    taskId, from, tp, begin.get(tp), end.get(tp));
                byPartition.get(tp).wipe();
                from = null;
            }
            consumer.seek(tp, from == null ? begin.get(tp) : from);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!caughtUp(consumer, partitions, end)) {
                if (System.nanoTime() > deadline) {
                    throw new StateStoreException("task " + taskId + ": restoring " + partitions + " did not reach " + end + " within " + timeout);
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (TopicPartition tp : records.partitions()) {
                    List<ConsumerRecord<byte[], byte[]>> batch = records.records(tp);
                    byPartition.get(tp).restoreBatch(batch);
                    restoredRecords += batch.size();
                }
            }
            for (TopicPartition tp : partitions) {
                offsets.put(tp, consumer.position(tp, timeout));
            }
        } finally {
            consumer.assign(List.of());
        }
        log.info("task {}: restored {} changelog records into {}", taskId, restoredRecords, stores.keySet());
        checkpoint(true);
    }

    private static boolean caughtUp(Consumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Phase one of a commit: every store logs and forwards its buffered writes. Forwarding can
     * write into other stores of the task (a cached table feeding a join feeding a cached table);
     * stores are registered in topological order, so one pass normally suffices, and passes repeat
     * until no store has writes left, so that none is committed without its changelog records.
     */
    public void prepareCommit() {
        boolean again = true;
        for (int pass = 0; again; pass++) {
            if (pass == 100) {
                throw new IllegalStateException("task " + taskId + ": stores kept writing to each other through 100 commit passes");
            }
            for (Registered r : stores.values()) {
                r.store().prepareCommit();
            }
            again = false;
            for (Registered r : stores.values()) {
                again |= r.store().hasUnpreparedWrites();
            }
        }
    }

    /** After a successful commit: the changelog offsets the producer acknowledged (next offset). */
    public void changelogCommitted(Map<TopicPartition, Long> nextOffsets) {
        for (TopicPartition tp : changelogPartitions()) {
            Long next = nextOffsets.get(tp);
            if (next != null) {
                offsets.merge(tp, next, Math::max);
            }
        }
    }

    /** Rewrites the checkpoint if forced or the changelogs moved enough; stores must be flushed. */
    public void checkpoint(boolean force) {
        long total = total();
        if (!force && total - checkpointedTotal < CHECKPOINT_DELTA) {
            return;
        }
        for (Registered r : stores.values()) {
            r.store().flushToDisk();
        }
        Map<TopicPartition, Long> logged = new HashMap<>();
        for (TopicPartition tp : changelogPartitions()) {
            logged.put(tp, offsets.getOrDefault(tp, 0L));
        }
        checkpoint.write(logged);
        checkpointedTotal = total;
    }

    public Map<TopicPartition, Long> checkpointedOffsets() {
        return checkpoint.read();
    }

    public Set<String> storeNames() {
        return stores.keySet();
    }

    private long total() {
        long sum = 0;
        for (long o : offsets.values()) {
            sum += o;
        }
        return sum;
    }
}
