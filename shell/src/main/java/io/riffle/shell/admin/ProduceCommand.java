package io.riffle.shell.admin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code riffle produce TOPIC}: sends each line of stdin (or {@code --file}) as one record, UTF-8,
 * optionally split into key and value at the first {@code --key-separator}. Uses the official
 * producer with its defaults (idempotent, acks=all). The topic must exist: unlike Kafka's
 * console producer this command never creates one by accident.
 *
 * <p>Not thread-safe; the producer's callbacks are not used, results are read from the futures
 * in input order on the command's thread.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send lines from stdin (or a file) to a topic, one record per line.")
public final class ProduceCommand implements Callable<Integer> {
    /** Results not yet printed; bounded so a long input does not keep every future in memory. */
    private static final int MAX_PENDING = 10_000;

    @Spec
    CommandSpec spec;
    @Mixin
    BrokerConnection connection;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--key-separator", paramLabel = "SEP",
            description = "Split each line at the first SEP: key before, value after. Lines without SEP get no key.")
    String keySeparator;
    @Option(names = "--file", paramLabel = "FILE", description = "Read lines from FILE instead of stdin.")
    Path file;
    @Option(names = "--verbose", description = "Print partition@offset for every record written.")
    boolean verbose;

    private final Deque<Future<RecordMetadata>> pending = new ArrayDeque<>();
    private long acknowledged;

    @Override
    public Integer call() {
        return Failures.run(spec, connection, () -> {
            if (keySeparator != null && keySeparator.isEmpty()) {
                throw CommandFailure.usage("--key-separator must not be empty");
            }
            try (Admin admin = connection.admin()) {
                TopicCommand.describeTopic(admin, connection, topic);
            }
            try (BufferedReader lines = open();
                 KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties())) {
                String line;
                while ((line = lines.readLine()) != null) {
                    pending.add(producer.send(record(line)));
                    drain(pending.size() >= MAX_PENDING);
                }
                producer.flush();
                drain(true);
                if (verbose) {
                    System.err.println("Produced " + acknowledged + " record(s) to " + topic + ".");
                }
                return 0;
            }
        });
    }

    private ProducerRecord<String, String> record(String line) {
        if (keySeparator != null) {
            int at = line.indexOf(keySeparator);
            if (at >= 0) {
                return new ProducerRecord<>(topic, line.substring(0, at), line.substring(at + keySeparator.length()));
            }
        }
        return new ProducerRecord<>(topic, null, line);
    }

    /** Reports the results of sends in input order: all of them, or those already complete. */
    private void drain(boolean all) throws InterruptedException {
        while (!pending.isEmpty() && (all || pending.peek().isDone())) {
            try {
                RecordMetadata metadata = pending.poll().get();
                acknowledged++;
                if (verbose) {
                    System.out.println(metadata.partition() + "@" + metadata.offset());
                }
            } catch (ExecutionException e) {
                throw new CommandFailure("record " + (acknowledged + 1) + " was not written ("
                    + Failures.explain(e.getCause(), connection) + "); " + acknowledged + " record(s) before it were");
            }
        }
    }

    private BufferedReader open() throws IOException {
        if (file == null) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw CommandFailure.usage("no such file: " + file);
        }
    }

    private Properties producerProperties() {
        Properties properties = connection.clientProperties();
        long timeout = connection.timeout().toMillis();
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // Bounded: send() blocks at most this long for metadata, and a record is failed when
        // not acknowledged within it (delivery.timeout.ms must cover linger + request timeout).
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(timeout));
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeout));
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(timeout + 5));
        return properties;
    }
}
