package io.riffle.bench.tools;

import java.util.Map;
import java.util.Random;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes the word-count benchmark's input: {@code --lines} lines of 10 words each, drawn (seeded)
 * from a vocabulary of {@code --vocabulary} words, without keys (so the producer spreads them
 * over the partitions). Prints {@code RESULT word-count-input lines=N words=M}.
 */
public final class WordCountInput {
    private WordCountInput() {
    }

    public static void main(String[] args) {
        ToolArguments a = new ToolArguments("WordCountInput", args,
            java.util.Set.of("--bootstrap-server", "--topic", "--lines", "--vocabulary", "--seed"));
        long lines = a.number("--lines", 1_000_000, 1);
        int vocabulary = (int) a.number("--vocabulary", 10_000, 1);
        Random random = new Random(a.number("--seed", 42, 0));
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.required("--bootstrap-server"),
            ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        String topic = a.required("--topic");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            StringBuilder line = new StringBuilder();
            for (long i = 0; i < lines; i++) {
                line.setLength(0);
                for (int w = 0; w < WordCountRun.WORDS_PER_LINE; w++) {
                    line.append(w == 0 ? "" : " ").append('w').append(random.nextInt(vocabulary));
                }
                producer.send(new ProducerRecord<>(topic, line.toString()));
            }
            producer.flush();
        }
        System.out.println("RESULT word-count-input lines=" + lines + " words=" + lines * WordCountRun.WORDS_PER_LINE);
    }
}
