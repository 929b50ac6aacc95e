package io.riffle.shell.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Riffle node in a child JVM, started from the packaged distribution exactly as users start it
 * ({@code io.riffle.shell.Riffle server --data-dir DIR --kafka-port 0}), so a test can kill it
 * with SIGKILL and restart it on the same data directory. The node chooses its port; this class
 * reads it from the line the server prints once it is listening. Each start's output goes to a
 * file under {@code target/it-logs} for diagnosis.
 *
 * <p>Thread-safety: start/stop/kill/restart are meant for the test thread; {@link #bootstrap()}
 * may be read from any thread (it changes only on restart).
 */
public final class RiffleProcess implements AutoCloseable {

    /** The server's start-up contract: printed once the Kafka listener is bound. */
    static final Pattern LISTENING = Pattern.compile("listening for Kafka clients on ([^:\\s]+):(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger STARTS = new AtomicInteger();

    private final Path dataDir;
    private final List<String> extraArgs;
    private List<String> jvmOptions;
    private Process process;
    private Path output;
    private volatile String bootstrap;

    private RiffleProcess(Path dataDir, List<String> jvmOptions, List<String> extraArgs) {
        this.dataDir = dataDir;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Starts a node on {@code dataDir} and waits until it is listening. */
    public static RiffleProcess start(Path dataDir, String... extraArgs) throws IOException, InterruptedException {
        return start(dataDir, List.of(), extraArgs);
    }

    /**
     * Starts a node whose JVM gets {@code jvmOptions} (e.g. {@code -Driffle.crash.point=...})
     * before the main class; they apply to this start and to {@link #restart()}, until
     * {@link #restart(List)} replaces them.
     */
    public static RiffleProcess start(Path dataDir, List<String> jvmOptions, String... extraArgs)
            throws IOException, InterruptedException {
        RiffleProcess riffle = new RiffleProcess(dataDir, jvmOptions, List.of(extraArgs));
        riffle.launch();
        return riffle;
    }

    /** "host:port" of the Kafka listener of the current run. */
    public String bootstrap() {
        return bootstrap;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The output file of the current (or last) run. */
    public Path output() {
        return output;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL (on Linux {@code destroyForcibly} is kill -9): no shutdown hook, no flush. */
    public void kill9() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("Riffle survived SIGKILL for " + STOP_TIMEOUT + "; see " + output);
            }
        }
    }

    /**
     * SIGTERM, then waits for a clean exit. Kills it and fails if it does not exit in time:
     * a node that cannot stop on SIGTERM is a bug the test should report.
     */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        // ProcessHandle.destroy sends SIGTERM without closing our end of the output pipe
        // (Process.destroy closes it, and the node's last words would be lost).
        process.toHandle().destroy();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("Riffle did not exit within " + STOP_TIMEOUT + " of SIGTERM; see " + output);
        }
    }

    /** Starts the node again on the same data directory (after {@link #stop} or {@link #kill9}). */
    public void restart() throws IOException, InterruptedException {
        restart(jvmOptions);
    }

    /**
     * Starts the node again with other JVM options (e.g. none, to restart without the crash
     * point that stopped it); later restarts keep them.
     */
    public void restart(List<String> newJvmOptions) throws IOException, InterruptedException {
        if (isAlive()) {
            throw new IllegalStateException("Riffle is still running; stop() or kill9() it first");
        }
        jvmOptions = List.copyOf(newJvmOptions);
        launch();
    }

    /**
     * Waits for the node to exit on its own (e.g. at a crash point).
     *
     * @return its exit code
     * @throws IllegalStateException if it is still running after {@code timeout}
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Riffle still running after " + timeout + "; see " + output);
        }
        return process.exitValue();
    }

    /** Stops the node (SIGTERM, SIGKILL if it hangs); safe to call more than once. */
    @Override
    public void close() throws InterruptedException {
        if (process == null) {
            return;
        }
        try {
            stop();
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private void launch() throws IOException, InterruptedException {
        Path logs = Files.createDirectories(ItEnvironment.logDirectory());
        output = logs.resolve("riffle-" + STARTS.incrementAndGet() + "-" + dataDir.getFileName() + ".log");
        List<String> command = new ArrayList<>(List.of(ItEnvironment.JAVA.toString(), "-Xmx512m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", ItEnvironment.riffleClasspath(), "io.riffle.shell.Riffle",
            "server", "--data-dir", dataDir.toString(), "--kafka-port", "0"));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();

        CompletableFuture<String> listening = new CompletableFuture<>();
        Thread pump = new Thread(() -> copyOutput(process, output, listening), "riffle-output-" + STARTS.get());
        pump.setDaemon(true);
        pump.start();
        try {
            bootstrap = listening.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly().waitFor();
            String why = e instanceof TimeoutException
                ? "did not print /" + LISTENING + "/ within " + START_TIMEOUT
                : e.getCause().getMessage();
            throw new IOException("Riffle " + why + "; output in " + output, e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Runs on the pump thread: copies the process output to the log file, watching for the listening line. */
    private static void copyOutput(Process process, Path file, CompletableFuture<String> listening) {
        try (BufferedReader reader = new BufferedReader(
                 new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            String line;
            String last = "";
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    last = line.strip();
                }
                writer.write(line);
                writer.write('\n');
                // Flush each line: after kill -9 of the test JVM the file is all the evidence left.
                writer.flush();
                Matcher matcher = LISTENING.matcher(line);
                if (!listening.isDone() && matcher.find()) {
                    listening.complete(matcher.group(1) + ":" + matcher.group(2));
                }
            }
            // The output ended, so the process is exiting: tell the waiter now, not at its timeout.
            listening.completeExceptionally(new IOException("exited before it was listening (last output: '"
                + last + "')"));
        } catch (IOException e) {
            listening.completeExceptionally(e);
        }
    }
}
