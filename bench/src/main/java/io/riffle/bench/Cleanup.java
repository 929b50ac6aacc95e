package io.riffle.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything the bench must undo on exit, however it exits: live child processes and temporary
 * directories. A JVM shutdown hook (run on normal exit, on an uncaught exception and on
 * Ctrl-C/SIGTERM) kills what is still registered and deletes the directories.
 *
 * <p>Thread-safe: the registries are concurrent sets, touched by the main thread and the hook.
 */
final class Cleanup {

    private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
    private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();
    /**
     * Set by the hook before it sweeps. The main thread keeps running while the hook runs, so a
     * child it starts after the sweep must be killed by {@link #register} itself: register adds
     * then reads this flag, the hook sets it then iterates, so one of the two always sees the other.
     */
    private static volatile boolean shuttingDown;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::runAll, "bench-cleanup"));
    }

    private Cleanup() {
    }

    static void register(Process process) {
        PROCESSES.add(process);
        if (shuttingDown) {
            kill(process);
            throw new IllegalStateException("the bench is shutting down");
        }
    }

    static void unregister(Process process) {
        PROCESSES.remove(process);
    }

    /** Creates a temporary directory that is deleted on exit (or earlier by {@link #delete}). */
    static Path temporaryDirectory(String prefix) throws IOException {
        Path directory = Files.createTempDirectory(prefix);
        DIRECTORIES.add(directory);
        if (shuttingDown) {
            deleteRecursively(directory);
            throw new IllegalStateException("the bench is shutting down");
        }
        return directory;
    }

    /** Kills a process and any processes it started, and waits briefly for it to go. */
    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void delete(Path directory) {
        DIRECTORIES.remove(directory);
        deleteRecursively(directory);
    }

    private static void runAll() {
        shuttingDown = true;
        for (Process process : PROCESSES) {
            // SIGKILL, not SIGTERM: on Ctrl-C the user wants the machine back now.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (Process process : PROCESSES) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        DIRECTORIES.forEach(Cleanup::deleteRecursively);
    }

    /**
     * Deletes a tree, tolerating files that vanish meanwhile: on Ctrl-C the main thread may be
     * closing a broker and deleting its directory while the hook deletes it too.
     */
    private static void deleteRecursively(Path root) {
        for (int attempt = 1; attempt <= 3 && Files.exists(root); attempt++) {
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        if (e instanceof NoSuchFileException) {
                            return FileVisitResult.CONTINUE;
                        }
                        throw e;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                        Files.deleteIfExists(directory);
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                if (attempt == 3) {
                    System.err.println("could not delete " + root + ": " + e);
                }
            }
        }
    }
}
