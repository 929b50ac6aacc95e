package io.riffle.bench.tools;

import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;

import io.riffle.processor.Consumed;
import io.riffle.processor.Grouped;
import io.riffle.processor.Materialized;
import io.riffle.processor.Produced;
import io.riffle.processor.RiffleStreams;
import io.riffle.processor.StreamsBuilder;
import io.riffle.processor.StreamsConfig;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Word count on Riffle's processor, one stream thread, default settings otherwise; the same
 * topology as {@link KafkaStreamsWordCount}. Compiled against riffle-processor (scope provided)
 * and run in a child JVM on {@code bench jar + riffle.jar + shell/target/lib/*}.
 */
public final class RiffleWordCount {
    private RiffleWordCount() {
    }

    public static void main(String[] args) throws Exception {
        WordCountRun run = new WordCountRun("RiffleWordCount", args);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(run.input, Consumed.with(Serdes.String(), Serdes.String()))
            .peek((k, line) -> run.lineSeen())
            .flatMapValues(line -> Arrays.asList(line.split(" ")))
            .groupBy((k, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
            .aggregate(() -> 0L, (word, value, count) -> {
                run.words.incrementAndGet();
                return count + 1;
            }, Materialized.<String, Long>as("counts").withValueSerde(Serdes.Long()))
            .toStream()
            .to(run.output, Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID, run.applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS, run.bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE, run.guarantee);
        props.put(StreamsConfig.NUM_STREAM_THREADS, "1");
        props.put(StreamsConfig.STATE_DIR, run.stateDir);
        double seconds;
        try (RiffleStreams streams = new RiffleStreams(builder.build(), props)) {
            streams.start();
            seconds = run.awaitAllWords();
            streams.close(Duration.ofSeconds(60));
        }
        run.report("riffle-wordcount", seconds, run.verifyOutput());
    }
}
