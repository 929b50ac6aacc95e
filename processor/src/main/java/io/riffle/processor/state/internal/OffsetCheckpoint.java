package io.riffle.processor.state.internal;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;

/**
 * A task's {@code .checkpoint} file: for each changelog partition, the offset from which
 * restoration must resume. Kafka Streams' format: a version line ({@code 0}), a count line, then
 * {@code topic partition offset} lines. Written to a temporary file, fsynced and renamed, so a
 * crash leaves the old or the new file, never a torn one.
 */
public final class OffsetCheckpoint {
    private static final int VERSION = 0;
    private final Path file;

    public OffsetCheckpoint(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public boolean exists() {
        return Files.exists(file);
    }

    /** The offsets, or an empty map if there is no file. */
    public Map<TopicPartition, Long> read() {
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
                throw new StateStoreException("checkpoint " + file + ": unknown version or truncated");
            }
            int count = Integer.parseInt(lines.get(1).trim());
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(2 + i).trim().split(" ");
                offsets.put(new TopicPartition(parts[0], Integer.parseInt(parts[1])), Long.parseLong(parts[2]));
            }
            return offsets;
        } catch (IOException | RuntimeException e) {
            throw new StateStoreException("checkpoint " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    public void write(Map<TopicPartition, Long> offsets) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING);
                 BufferedWriter out = new BufferedWriter(new java.io.OutputStreamWriter(
                     java.nio.channels.Channels.newOutputStream(channel), StandardCharsets.UTF_8))) {
                out.write(VERSION + "\n" + offsets.size() + "\n");
                for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
                    out.write(e.getKey().topic() + " " + e.getKey().partition() + " " + e.getValue() + "\n");
                }
                out.flush();
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StateStoreException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    public void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StateStoreException("cannot delete checkpoint " + file + ": " + e.getMessage(), e);
        }
    }
}
