package io.riffle.processor;

import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * The word count as a process, for {@link KillNineIntegrationTest}:
 * {@code WordCountMain BOOTSTRAP STATE_DIR GUARANTEE}. Runs until killed.
 */
public final class WordCountMain {
    private WordCountMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID, "wc-kill");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS, args[0]);
        p.put(StreamsConfig.STATE_DIR, Path.of(args[1]).toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE, args[2]);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS, "100");
        p.put("consumer.session.timeout.ms", "2000");
        p.put("consumer.heartbeat.interval.ms", "500");
        p.put("consumer.max.poll.records", "20"); // small batches: the kills land mid-stream
        RiffleStreams streams = new RiffleStreams(WordCountHarness.topology(), p);
        CountDownLatch failed = new CountDownLatch(1);
        streams.setUncaughtExceptionHandler(e -> failed.countDown());
        streams.start();
        System.out.println("STARTED");
        failed.await();
        System.out.println("FAILED");
        System.exit(1);
    }
}
