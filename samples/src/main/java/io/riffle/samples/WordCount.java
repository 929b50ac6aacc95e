package io.riffle.samples;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

import io.riffle.processor.Consumed;
import io.riffle.processor.Grouped;
import io.riffle.processor.Materialized;
import io.riffle.processor.Produced;
import io.riffle.processor.RiffleStreams;
import io.riffle.processor.StreamsBuilder;
import io.riffle.processor.StreamsConfig;
import io.riffle.processor.Topology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Word count: reads lines from a topic, counts words in a RocksDB store, writes each word's
 * count to another topic (key: word, value: 8-byte big-endian long). Runs until Ctrl-C.
 *
 * <pre>
 * samples/run-wordcount.sh --bootstrap localhost:9092 [--input lines] [--output word-counts]
 *     [--application-id riffle-wordcount] [--state-dir ./riffle-wordcount-state]
 *     [--guarantee at_least_once|exactly_once_v2] [--threads 1] [--partitions 3]
 * </pre>
 * The input and output topics are created (with {@code --partitions}) if missing.
 */
public final class WordCount {
    private WordCount() {
    }

    /** The topology: lines → words → count per word → counts topic. */
    public static Topology topology(String input, String output) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
            .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
            .filter((key, word) -> !word.isEmpty())
            .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
            .count(Materialized.as("word-counts-store"))
            .toStream()
            .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        String bootstrap = opts.getOrDefault("bootstrap", "localhost:9092");
        String input = opts.getOrDefault("input", "lines");
        String output = opts.getOrDefault("output", "word-counts");
        createTopicsIfMissing(bootstrap, List.of(input, output), Integer.parseInt(opts.getOrDefault("partitions", "3")));

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID, opts.getOrDefault("application-id", "riffle-wordcount"));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS, bootstrap);
        props.put(StreamsConfig.STATE_DIR, opts.getOrDefault("state-dir", "./riffle-wordcount-state"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE, opts.getOrDefault("guarantee", StreamsConfig.AT_LEAST_ONCE));
        props.put(StreamsConfig.NUM_STREAM_THREADS, opts.getOrDefault("threads", "1"));
        props.put(StreamsConfig.COMMIT_INTERVAL_MS, opts.getOrDefault("commit-interval-ms",
            StreamsConfig.EXACTLY_ONCE_V2.equals(props.get(StreamsConfig.PROCESSING_GUARANTEE)) ? "100" : "1000"));

        Topology topology = topology(input, output);
        System.out.println(topology.describe());
        RiffleStreams streams = new RiffleStreams(topology, props);
        CountDownLatch done = new CountDownLatch(1);
        streams.setStateListener((now, before) -> System.out.println("word count: " + before + " -> " + now));
        streams.setUncaughtExceptionHandler(e -> done.countDown());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(Duration.ofSeconds(30));
            done.countDown();
        }, "wordcount-shutdown"));
        streams.start();
        System.out.printf("word count: %s -> %s on %s; Ctrl-C to stop%n", input, output, bootstrap);
        done.await();
        if (streams.state() == RiffleStreams.State.ERROR) {
            streams.close(Duration.ofSeconds(30));
            System.exit(1);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Set<String> known = Set.of("bootstrap", "input", "output", "application-id", "state-dir", "guarantee", "threads",
            "partitions", "commit-interval-ms");
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name == null || !known.contains(name) || i + 1 >= args.length) {
                System.err.println("usage: WordCount [--bootstrap HOST:PORT] [--input TOPIC] [--output TOPIC] [--application-id ID]"
                    + " [--state-dir DIR] [--guarantee at_least_once|exactly_once_v2] [--threads N] [--partitions N]"
                    + " [--commit-interval-ms MS]; bad argument: " + args[i]);
                System.exit(2);
            }
            opts.put(name, args[++i]);
        }
        return opts;
    }

    private static void createTopicsIfMissing(String bootstrap, List<String> topics, int partitions)
        throws InterruptedException, ExecutionException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get();
            for (String t : topics) {
                if (!existing.contains(t)) {
                    try {
                        admin.createTopics(List.of(new NewTopic(t, Optional.of(partitions), Optional.empty()))).all().get();
                        System.out.printf("created topic %s with %d partitions%n", t, partitions);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                }
            }
        }
    }
}
