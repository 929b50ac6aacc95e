package io.riffle.shell.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of Apache Kafka's command-line tools (a main class in kafka-tools 4.3.1, e.g.
 * {@code org.apache.kafka.tools.TopicCommand}) in a child JVM on the anchor's own classpath,
 * feeding it optional stdin text and killing it after a timeout. Kafka's tools are the peers
 * users will point at Riffle, so the ITs drive the broker through them unchanged.
 *
 * <p>Stateless and thread-safe: every run gets its own process and files.
 */
public final class KafkaTool {

    public static final String TOPIC_COMMAND = "org.apache.kafka.tools.TopicCommand";
    public static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    public static final String PRODUCER_PERFORMANCE = "org.apache.kafka.tools.ProducerPerformance";
    public static final String GET_OFFSET_SHELL = "org.apache.kafka.tools.GetOffsetShell";

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    /** What a tool run produced; {@code exitCode} is -1 if it was killed at its timeout. */
    public record Result(int exitCode, boolean timedOut, String stdout, String stderr) {
        /** For assertion messages: everything needed to see why a tool failed. */
        public String describe() {
            return "exit " + exitCode + (timedOut ? " (timed out)" : "")
                + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    private KafkaTool() {
    }

    public static Result run(String mainClass, String... args) throws IOException, InterruptedException {
        return run(DEFAULT_TIMEOUT, mainClass, null, args);
    }

    /**
     * Runs {@code mainClass} with {@code args}; {@code stdin} (may be null) is given as the tool's
     * standard input, which then ends, so tools reading lines (the console producer) finish.
     */
    public static Result run(Duration timeout, String mainClass, String stdin, String... args)
        throws IOException, InterruptedException {
        Path logs = Files.createDirectories(ItEnvironment.logDirectory());
        String name = mainClass.substring(mainClass.lastIndexOf('.') + 1);
        // Files, not pipes: a chatty tool can never block on a pipe nobody is reading.
        Path out = Files.createTempFile(logs, name + "-", ".out");
        Path err = Path.of(out.toString().replaceFirst("\\.out$", ".err"));
        Path in = Files.createTempFile(logs, name + "-", ".in");
        Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);

        List<String> command = new ArrayList<>(List.of(ItEnvironment.JAVA.toString(), "-Xmx256m",
            // Tools log at INFO to stderr through slf4j-simple; WARN keeps the result readable.
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp", ItEnvironment.kafkaClasspath(), mainClass));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
            .redirectInput(in.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor();
            }
            return new Result(exited ? process.exitValue() : -1, !exited,
                Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            // Also on interruption (a JUnit timeout): never leave the tool running.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Files.deleteIfExists(in);
        }
    }
}
