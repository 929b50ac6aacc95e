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
 * Runs one {@code riffle} command ({@code riffle topic list ...}) from the packaged distribution
 * in a child JVM, exactly as a user's shell would, with optional stdin text, and kills it after a
 * timeout. Output goes through files, so a chatty command never blocks on a pipe.
 *
 * <p>Stateless and thread-safe: every run gets its own process and files.
 */
public final class RiffleCli {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);

    private RiffleCli() {
    }

    public static KafkaTool.Result run(String... args) throws IOException, InterruptedException {
        return run(DEFAULT_TIMEOUT, null, args);
    }

    /** Runs {@code riffle args...} with {@code stdin} (may be null: empty input). */
    public static KafkaTool.Result run(Duration timeout, String stdin, String... args)
        throws IOException, InterruptedException {
        Path logs = Files.createDirectories(ItEnvironment.logDirectory());
        String name = "riffle-" + (args.length > 0 ? args[0] : "") + (args.length > 1 ? "-" + args[1] : "");
        Path out = Files.createTempFile(logs, name + "-", ".out");
        Path err = Path.of(out.toString().replaceFirst("\\.out$", ".err"));
        Path in = Files.createTempFile(logs, name + "-", ".in");
        Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);

        List<String> command = new ArrayList<>(List.of(ItEnvironment.JAVA.toString(), "-Xmx256m",
            "-cp", ItEnvironment.riffleClasspath(), "io.riffle.shell.Riffle"));
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
            return new KafkaTool.Result(exited ? process.exitValue() : -1, !exited,
                Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Files.deleteIfExists(in);
        }
    }
}
