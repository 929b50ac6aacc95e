package io.riffle.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child JVM started by the bench: a broker (long-lived, its output watched for a start-up
 * line) or a tool (short-lived, bounded by a timeout). Every child is registered with
 * {@link Cleanup} as soon as it exists, so a Ctrl-C or a crash of the bench cannot leave it
 * running.
 *
 * <p>Thread-safety: {@link #close()} and {@link #awaitLine} may be called from any thread; the
 * output-pump thread is the only writer of the log file.
 */
final class ChildJvm implements AutoCloseable {

    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    private final String name;
    private final Process process;
    private final Path log;
    private final CompletableFuture<Matcher> startLine = new CompletableFuture<>();
    private final Pattern startPattern;
    private final Thread pump;
    /** The last line the process printed, for error messages; written by the pump thread only. */
    private volatile String lastLine = "";

    private ChildJvm(String name, Process process, Path log, Pattern startPattern) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.startPattern = startPattern;
        this.pump = new Thread(this::pumpOutput, "output-" + name);
        this.pump.setDaemon(true);
        this.pump.start();
    }

    /**
     * Starts a long-lived JVM whose merged stdout/stderr is copied to {@code log}; the first
     * output line matching {@code startPattern} completes {@link #awaitLine}.
     */
    static ChildJvm startWatched(String name, String classpath, List<String> jvmOptions,
                                 String mainClass, List<String> args, Path workDir, Path log,
                                 Pattern startPattern) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(classpath, jvmOptions, mainClass, args))
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        Files.createDirectories(log.getParent());
        Process process = builder.start();
        Cleanup.register(process);
        return new ChildJvm(name, process, log, startPattern);
    }

    /** The outcome of a short-lived tool run: exit code (-1 on timeout) and its output. */
    record ToolResult(int exitCode, boolean timedOut, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** A one-line reason for a failed run, for the result table. */
        String failureSummary() {
            if (timedOut) {
                return "timed out";
            }
            String detail = lastMatchingLine(stderr, "Exception|ERROR|Error")
                .or(() -> lastMatchingLine(stdout, "Exception|ERROR|Error"))
                .orElse("");
            return "exit " + exitCode + (detail.isEmpty() ? "" : ": " + detail);
        }

        private static Optional<String> lastMatchingLine(String text, String regex) {
            Pattern pattern = Pattern.compile(regex);
            String found = null;
            for (String line : text.split("\n")) {
                if (pattern.matcher(line).find() && !line.startsWith("\tat ")) {
                    found = line.strip();
                }
            }
            return Optional.ofNullable(found);
        }
    }

    /**
     * Runs a tool to completion with stdout and stderr in files under {@code logDir} (files, not
     * pipes, so a chatty tool can never block on a full pipe), killing it after {@code timeout}.
     */
    static ToolResult runTool(String name, String classpath, List<String> jvmOptions,
                              String mainClass, List<String> args, Path workDir, Path logDir,
                              long timeoutSeconds) throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        Process process = new ProcessBuilder(command(classpath, jvmOptions, mainClass, args))
            .directory(workDir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
            .start();
        Cleanup.register(process);
        try {
            boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!exited) {
                Cleanup.kill(process);
            }
            return new ToolResult(exited ? process.exitValue() : -1, !exited,
                Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Cleanup.kill(process);
            Cleanup.unregister(process);
        }
    }

    /** Waits (bounded) for the start-up line; fails early if the process dies first. */
    Matcher awaitLine(long timeoutSeconds) throws IOException, InterruptedException {
        try {
            return startLine.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException(name + " printed no line matching /" + startPattern
                + "/ within " + timeoutSeconds + " s; see " + log);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage() + "; see " + log);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the JVM politely (SIGTERM), then forcibly if it has not exited after 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                System.err.println(name + " ignored SIGTERM for 30 s; killing it");
            }
        }
        Cleanup.kill(process);
        Cleanup.unregister(process);
        pump.join(TimeUnit.SECONDS.toMillis(5));
    }

    private void pumpOutput() {
        try (BufferedReader reader = new BufferedReader(
                 new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer writer = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                writer.write(line);
                writer.write('\n');
                if (!line.isBlank()) {
                    lastLine = line.strip();
                }
                if (!startLine.isDone()) {
                    Matcher matcher = startPattern.matcher(line);
                    if (matcher.find()) {
                        writer.flush();
                        startLine.complete(matcher);
                    }
                }
            }
        } catch (IOException e) {
            startLine.completeExceptionally(new UncheckedIOException(e));
        } finally {
            // The output ended: the process is exiting. Tell a waiter now instead of at its timeout.
            startLine.completeExceptionally(new IOException(
                "process exited before printing its start-up line (last output: '" + lastLine + "')"));
        }
    }

    private static List<String> command(String classpath, List<String> jvmOptions, String mainClass,
                                        List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(JAVA.toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }
}
