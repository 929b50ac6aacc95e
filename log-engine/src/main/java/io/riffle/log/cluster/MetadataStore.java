package io.riffle.log.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.Uuid;

/**
 * The cluster metadata of a single node: topics with their ids, partition assignments and
 * config overrides, persisted as one properties file per topic under {@code meta/topics}
 * (written to a temporary file and renamed, so a crash leaves the old or the new version).
 * Replication (a Raft quorum) replaces the storage behind this interface, not its callers.
 *
 * <p>Thread-safety: mutations are synchronized; lookups read a concurrent map.
 */
public final class MetadataStore {
    private final Path topicsDir;
    private final Map<String, TopicInfo> byName = new ConcurrentHashMap<>();
    private final Map<Uuid, TopicInfo> byId = new ConcurrentHashMap<>();

    public MetadataStore(Path dataDir) throws IOException {
        this.topicsDir = dataDir.resolve("meta").resolve("topics");
        Files.createDirectories(topicsDir);
        try (var files = Files.list(topicsDir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                } else if (n.endsWith(".properties")) {
                    TopicInfo topic = read(p);
                    byName.put(topic.name(), topic);
                    byId.put(topic.id(), topic);
                }
            }
        }
    }

    public Optional<TopicInfo> topic(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<TopicInfo> topic(Uuid id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Collection<TopicInfo> topics() {
        return new ArrayList<>(byName.values());
    }

    /** Stores a new or changed topic durably, then makes it visible. */
    public synchronized void put(TopicInfo topic) throws IOException {
        write(topic);
        TopicInfo old = byName.put(topic.name(), topic);
        if (old != null && !old.id().equals(topic.id())) {
            byId.remove(old.id());
        }
        byId.put(topic.id(), topic);
    }

    public synchronized void remove(TopicInfo topic) throws IOException {
        Files.deleteIfExists(topicsDir.resolve(topic.id() + ".properties"));
        byName.remove(topic.name(), topic);
        byId.remove(topic.id());
    }

    private void write(TopicInfo topic) throws IOException {
        Properties p = new Properties();
        p.setProperty("name", topic.name());
        p.setProperty("id", topic.id().toString());
        p.setProperty("partitions", Integer.toString(topic.partitionCount()));
        for (TopicInfo.PartitionAssignment a : topic.partitions()) {
            String prefix = "partition." + a.partition() + ".";
            p.setProperty(prefix + "replicas", join(a.replicas()));
            p.setProperty(prefix + "isr", join(a.isr()));
            p.setProperty(prefix + "leader", Integer.toString(a.leader()));
            p.setProperty(prefix + "leader.epoch", Integer.toString(a.leaderEpoch()));
        }
        for (Map.Entry<String, String> c : topic.configs().entrySet()) {
            p.setProperty("config." + c.getKey(), c.getValue());
        }
        Path tmp = topicsDir.resolve(topic.id() + ".properties.tmp");
        try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "topic " + topic.name());
        }
        try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(tmp, topicsDir.resolve(topic.id() + ".properties"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static TopicInfo read(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        int count = Integer.parseInt(p.getProperty("partitions"));
        List<TopicInfo.PartitionAssignment> parts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String prefix = "partition." + i + ".";
            parts.add(new TopicInfo.PartitionAssignment(i, split(p.getProperty(prefix + "replicas")),
                    Integer.parseInt(p.getProperty(prefix + "leader")), split(p.getProperty(prefix + "isr")),
                    Integer.parseInt(p.getProperty(prefix + "leader.epoch"))));
        }
        Map<String, String> configs = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("config.")) {
                configs.put(k.substring("config.".length()), p.getProperty(k));
            }
        }
        return new TopicInfo(p.getProperty("name"), Uuid.fromString(p.getProperty("id")), List.copyOf(parts),
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(configs)));
    }

    private static String join(List<Integer> ids) {
        return String.join(",", ids.stream().map(String::valueOf).toList());
    }

    private static List<Integer> split(String s) {
        if (s == null || s.isBlank()) {
            return List.of();
        }
        List<Integer> ids = new ArrayList<>();
        for (String part : s.split(",")) {
            ids.add(Integer.parseInt(part.trim()));
        }
        return List.copyOf(ids);
    }
}
