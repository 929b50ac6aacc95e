package io.riffle.shell.it;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Official-client helpers shared by the transaction fault ITs: a transactional producer whose
 * every wait is bounded (so a call against a dead node fails instead of hanging), and readers
 * that check what read_committed consumers see. Stateless, thread-safe.
 */
final class TransactionalClients {

    private TransactionalClients() {
    }

    /** A transactional producer with short, bounded timeouts: a dead broker fails a call within seconds. */
    static KafkaProducer<String, String> transactionalProducer(String bootstrap, String transactionalId) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "6000");
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "6000");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        // An open transaction left behind by a crash is aborted by the broker after this long.
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "5000");
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        return new KafkaProducer<>(config);
    }

    static Admin admin(String bootstrap) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(config);
    }

    static KafkaConsumer<String, String> consumer(String bootstrap, IsolationLevel isolation) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(config);
    }

    /**
     * Waits until, in every partition, the end offset a read_committed consumer sees (the last
     * stable offset) reaches the log end: no transaction is left open to block such consumers.
     */
    static void awaitNoOpenTransaction(String bootstrap, Collection<TopicPartition> partitions, Duration atMost) {
        try (KafkaConsumer<String, String> committed = consumer(bootstrap, IsolationLevel.READ_COMMITTED);
             KafkaConsumer<String, String> uncommitted = consumer(bootstrap, IsolationLevel.READ_UNCOMMITTED)) {
            await("last stable offset reaches the log end in " + partitions).atMost(atMost)
                .pollInSameThread().pollInterval(Duration.ofMillis(200))
                .until(() -> committed.endOffsets(partitions, Duration.ofSeconds(10))
                    .equals(uncommitted.endOffsets(partitions, Duration.ofSeconds(10))));
        }
    }

    /** Everything a read_committed consumer reads from the start of each partition to its end. */
    static Map<TopicPartition, List<String>> readCommitted(String bootstrap, Collection<TopicPartition> partitions) {
        Map<TopicPartition, List<String>> values = new LinkedHashMap<>();
        partitions.forEach(p -> values.put(p, new ArrayList<>()));
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, IsolationLevel.READ_COMMITTED)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            await("read_committed to the end of " + partitions).atMost(Duration.ofSeconds(60))
                .pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(() -> {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        values.get(new TopicPartition(record.topic(), record.partition())).add(record.value());
                    }
                    return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
                });
        }
        return values;
    }

    /** The transaction's state as DescribeTransactions reports it. */
    static TransactionDescription describe(String bootstrap, String transactionalId) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                .get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
