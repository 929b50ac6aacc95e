package io.riffle.processor;

import org.junit.jupiter.api.Tag;

/**
 * {@link WordCountIntegrationTest} against Apache Kafka 4.3.1 (a KRaft node in a child JVM): the
 * processor is portable. Tagged {@code portability}, so it runs with {@code -Pportability} only.
 */
@Tag("portability")
class KafkaWordCountIntegrationTest extends WordCountIntegrationTest {
    @Override
    TestBroker startBroker() throws Exception {
        return new KafkaAnchorBroker();
    }
}
