package io.riffle.bench.tools;

import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The anchor of the processor bench: word count on Kafka Streams 4.3.1, one stream thread,
 * default settings otherwise. Compiled against kafka-streams (scope provided) and run in a child
 * JVM on {@code bench jar + kafka-lib/*}; the same topology as {@link RiffleWordCount}.
 */
public final class KafkaStreamsWordCount {
    private KafkaStreamsWordCount() {
    }

    public static void main(String[] args) throws Exception {
        WordCountRun run = new WordCountRun("KafkaStreamsWordCount", args);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(run.input, Consumed.with(Serdes.String(), Serdes.String()))
            .peek((k, line) -> run.lineSeen())
            .flatMapValues(line -> Arrays.asList(line.split(" ")))
            .groupBy((k, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
            .aggregate(() -> 0L, (word, value, count) -> {
                run.words.incrementAndGet();
                return count + 1;
            }, Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts").withValueSerde(Serdes.Long()))
            .toStream()
            .to(run.output, Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, run.applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, run.bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, run.guarantee);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.STATE_DIR_CONFIG, run.stateDir);
        double seconds;
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            seconds = run.awaitAllWords();
            streams.close(Duration.ofSeconds(60));
        }
        run.report("kafka-streams-wordcount", seconds, run.verifyOutput());
    }
}
