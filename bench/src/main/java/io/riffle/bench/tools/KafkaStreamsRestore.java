package io.riffle.bench.tools;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Restore time of a KTable's store on Kafka Streams 4.3.1, measured as {@link RiffleRestore}
 * measures Riffle's (default topology optimization, so the table's store has its own changelog);
 * restored records are counted by a global {@link StateRestoreListener}. Run on
 * {@code bench jar + kafka-lib/*}.
 */
public final class KafkaStreamsRestore {
    private KafkaStreamsRestore() {
    }

    public static void main(String[] args) throws Exception {
        RestoreRun run = new RestoreRun("KafkaStreamsRestore", args);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, run.applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, run.bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "at_least_once");
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.STATE_DIR_CONFIG, run.stateDir.toString());
        try (KafkaStreams streams = new KafkaStreams(topology(run), props)) {
            streams.start();
            run.await("first start RUNNING", System.nanoTime(), () -> streams.state() == KafkaStreams.State.RUNNING);
            // Leave the group, as Riffle's close does: otherwise the next start waits out the
            // old member's session timeout (45 s) before it gets its tasks, which is not restoring.
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(60)));
        }
        double fill = run.fillChangelog();
        run.deleteStateDir();
        AtomicLong restored = new AtomicLong();
        double seconds;
        try (KafkaStreams streams = new KafkaStreams(topology(run), props)) {
            streams.setGlobalStateRestoreListener(new StateRestoreListener() {
                @Override
                public void onRestoreStart(TopicPartition partition, String store, long start, long end) {
                }

                @Override
                public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
                    restored.addAndGet(numRestored);
                }

                @Override
                public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
                }
            });
            long start = System.nanoTime();
            streams.start();
            seconds = run.await("RUNNING with " + run.records + " records restored", start,
                () -> streams.state() == KafkaStreams.State.RUNNING && restored.get() >= run.records);
            streams.close(Duration.ofSeconds(60));
        }
        run.report("kafka-streams-restore", fill, seconds, restored.get());
    }

    private static Topology topology(RestoreRun run) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.table(run.input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()),
            Materialized.<byte[], byte[], KeyValueStore<Bytes, byte[]>>as(RestoreRun.STORE));
        return builder.build();
    }
}
