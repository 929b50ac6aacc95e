package io.riffle.bench.tools;

import java.time.Duration;
import java.util.Properties;

import io.riffle.processor.Consumed;
import io.riffle.processor.Materialized;
import io.riffle.processor.RiffleStreams;
import io.riffle.processor.StreamsBuilder;
import io.riffle.processor.StreamsConfig;
import io.riffle.processor.Topology;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Restore time of a key-value store on Riffle's processor: a table over an empty input topic
 * (its store logged to {@code <app>-store-changelog}), the changelog filled directly, the state
 * directory deleted, then the time from {@code start()} until RUNNING with every record restored.
 * The same as {@link KafkaStreamsRestore}. Run on {@code bench jar + riffle.jar + shell/target/lib/*}.
 */
public final class RiffleRestore {
    private RiffleRestore() {
    }

    public static void main(String[] args) throws Exception {
        RestoreRun run = new RestoreRun("RiffleRestore", args);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID, run.applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS, run.bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE, "at_least_once");
        props.put(StreamsConfig.NUM_STREAM_THREADS, "1");
        props.put(StreamsConfig.STATE_DIR, run.stateDir.toString());
        // first start: creates the changelog topic
        try (RiffleStreams streams = new RiffleStreams(topology(run), props)) {
            streams.start();
            run.await("first start RUNNING", System.nanoTime(), () -> streams.state() == RiffleStreams.State.RUNNING);
            streams.close(Duration.ofSeconds(60));
        }
        double fill = run.fillChangelog();
        run.deleteStateDir();
        double seconds;
        long restored;
        try (RiffleStreams streams = new RiffleStreams(topology(run), props)) {
            long start = System.nanoTime();
            streams.start();
            seconds = run.await("RUNNING with " + run.records + " records restored", start,
                () -> streams.state() == RiffleStreams.State.RUNNING && streams.restoredRecords() >= run.records);
            restored = streams.restoredRecords();
            streams.close(Duration.ofSeconds(60));
        }
        run.report("riffle-restore", fill, seconds, restored);
    }

    private static Topology topology(RestoreRun run) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.table(run.input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()),
            Materialized.<byte[], byte[]>as(RestoreRun.STORE));
        return builder.build();
    }
}
