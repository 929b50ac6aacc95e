package io.riffle.processor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Word count end to end against a real Riffle broker, under both guarantees; {@link
 * KafkaWordCountIntegrationTest} runs the same against Apache Kafka.
 */
class WordCountIntegrationTest {
    private TestBroker broker;
    private Path stateDir;

    @BeforeEach
    void setUp() throws Exception {
        broker = startBroker();
        stateDir = WordCountHarness.tempDir();
        WordCountHarness.createTopics(broker, 4);
    }

    /** The broker the suite runs against: Riffle here, Apache Kafka in the portability subclass. */
    TestBroker startBroker() throws Exception {
        return RiffleTestBroker.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
        WordCountHarness.delete(stateDir);
    }

    @Test
    void atLeastOnceLosesNothing() throws Exception {
        runWordCount("wc-alos", "at_least_once", false);
    }

    @Test
    void exactlyOnceCountsExactly() throws Exception {
        runWordCount("wc-eos", "exactly_once_v2", true);
    }

    private void runWordCount(String appId, String guarantee, boolean readCommitted) throws Exception {
        List<String> lines = WordCountHarness.lines(42, 10_000);
        Map<String, Long> expected = WordCountHarness.expectedCounts(lines);
        Properties props = WordCountHarness.props(broker, appId, stateDir, guarantee);
        props.put(StreamsConfig.NUM_STREAM_THREADS, "2");
        List<RiffleStreams.State> states = new CopyOnWriteArrayList<>();
        WordCountHarness.OutputReader output = new WordCountHarness.OutputReader(broker, readCommitted);
        try (RiffleStreams streams = new RiffleStreams(WordCountHarness.topology(), props)) {
            streams.setStateListener((now, before) -> states.add(now));
            streams.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> streams.state() == RiffleStreams.State.RUNNING);
            long start = System.nanoTime();
            WordCountHarness.produceAsync(broker, lines);
            await().atMost(Duration.ofSeconds(40)).until(() -> output.poll().equals(expected));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("word count %s: %d lines (%d words) produced and counted in %.2f s = %.0f words/s (informal); %d output records%n",
                guarantee, lines.size(), lines.size() * 10, seconds, lines.size() * 10 / seconds, output.records());
            assertEquals(RiffleStreams.State.RUNNING, streams.state());
        }
        assertTrue(states.containsAll(List.of(RiffleStreams.State.REBALANCING, RiffleStreams.State.RUNNING, RiffleStreams.State.NOT_RUNNING)), states.toString());
        assertEquals(expected, output.poll());
        // the record cache sends fewer updates than words (one per key per commit)
        assertTrue(output.records() <= lines.size() * 10L, "output records " + output.records());
    }
}
