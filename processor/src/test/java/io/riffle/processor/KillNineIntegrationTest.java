package io.riffle.processor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.riffle.log.BrokerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The word count in a child JVM, killed with SIGKILL at random points of its progress and
 * restarted on the same state directory; under exactly_once_v2 the final counts are exact.
 */
class KillNineIntegrationTest {
    private BrokerFixture broker;
    private Path stateDir;
    private Process child;

    @BeforeEach
    void setUp() throws Exception {
        broker = new BrokerFixture(Map.of("group.initial.rebalance.delay.ms", "0", "group.min.session.timeout.ms", "1000"));
        stateDir = WordCountHarness.tempDir();
        WordCountHarness.createTopics(broker, 4);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (child != null) {
            child.destroyForcibly().waitFor();
        }
        broker.close();
        WordCountHarness.delete(stateDir);
    }

    private Process startChild() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Xmx256m",
            WordCountMain.class.getName(), broker.bootstrap(), stateDir.toString(), "exactly_once_v2");
        pb.redirectErrorStream(true);
        pb.redirectOutput(new File(stateDir.toFile(), "child.log"));
        return pb.start();
    }

    @Test
    void exactlyOnceCountsStayExactAcrossKillNine() throws Exception {
        List<String> lines = WordCountHarness.lines(99, 4000);
        Map<String, Long> expected = WordCountHarness.expectedCounts(lines);
        WordCountHarness.OutputReader output = new WordCountHarness.OutputReader(broker, true);
        Random random = new Random(2026);
        for (int kill = 0; kill < 3; kill++) {
            // a fresh chunk per run: at least 200 updates (one per word) are still to come when the threshold is set
            WordCountHarness.produceAsync(broker, lines.subList(kill * 1000, (kill + 1) * 1000));
            child = startChild();
            long before = output.records();
            long step = 20 + random.nextInt(150);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                output.poll();
                return output.records() >= before + step;
            });
            child.destroyForcibly().waitFor(); // SIGKILL: no commit, no close, no checkpoint
            System.out.printf("run %d killed after %d committed output records (%d of them in this run)%n",
                kill, output.records(), output.records() - before);
        }
        WordCountHarness.produceAsync(broker, lines.subList(3000, 4000));
        child = startChild();
        await().atMost(Duration.ofSeconds(40)).until(() -> output.poll().equals(expected));
        assertEquals(expected, output.poll());
    }
}
