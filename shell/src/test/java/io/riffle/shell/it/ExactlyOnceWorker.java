package io.riffle.shell.it;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The consume-transform-produce loop of {@link ExactlyOncePipelineIT}, run in its own JVM so the
 * test can kill it with SIGKILL: a read_committed consumer in a group reads the input topic, and
 * for each poll a transactional producer writes the transformed records and the consumer's
 * offsets in one transaction. Runs until killed; exits with status 2 on any error, so the test
 * sees a failure that is not the kill.
 *
 * <p>Usage: {@code ExactlyOnceWorker BOOTSTRAP GROUP TRANSACTIONAL_ID INPUT_TOPIC OUTPUT_TOPIC}.
 * Prints {@code worker ready} once its producer has fenced any predecessor.
 */
public final class ExactlyOnceWorker {

    private ExactlyOnceWorker() {
    }

    public static void main(String[] args) {
        String bootstrap = args[0];
        String group = args[1];
        String transactionalId = args[2];
        String input = args[3];
        String output = args[4];
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(bootstrap, transactionalId));
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(bootstrap, group))) {
            // First fence the killed predecessor: its open transaction (and pending offsets) is aborted.
            producer.initTransactions();
            System.out.println("worker ready");
            consumer.subscribe(List.of(input));
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<String, String> record : records) {
                    producer.send(new ProducerRecord<>(output, record.key(), "processed-" + record.value()));
                    offsets.put(new TopicPartition(record.topic(), record.partition()),
                        new OffsetAndMetadata(record.offset() + 1));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                System.out.println("committed " + records.count());
            }
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.out.flush();
            Runtime.getRuntime().halt(2);
        }
    }

    private static Properties producerConfig(String bootstrap, String transactionalId) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return config;
    }

    private static Properties consumerConfig(String bootstrap, String group) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20");
        // A killed member leaves the group quickly, so its successor's rebalance does not wait long.
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "2000");
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return config;
    }
}
