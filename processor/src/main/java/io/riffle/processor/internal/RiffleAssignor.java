package io.riffle.processor.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.TopicPartition;

/**
 * The stream threads' partition assignor: Kafka's range assignment (partitions with the same
 * number of co-partitioned topics go to the same member), plus, as Kafka Streams does, each
 * member's {@code application.server} published in its subscription userData. The group leader
 * sends every member the whole map "partition → application.server" in its assignment
 * userData; each member stores it in the instance's {@link PartitionHosts}, which
 * {@code RiffleStreams.queryMetadataForKey} reads.
 *
 * <p>Created and configured by each thread's consumer (it receives the {@link #HOST_CONFIG} and
 * {@link #HOSTS_CONFIG} entries of the consumer's configuration) and called on that thread.
 */
public final class RiffleAssignor implements ConsumerPartitionAssignor, Configurable {
    /** Consumer config entry: this instance's {@code application.server} ("" when unset). */
    public static final String HOST_CONFIG = "riffle.application.server";
    /** Consumer config entry: the instance's {@link PartitionHosts} object. */
    public static final String HOSTS_CONFIG = "riffle.partition.hosts";

    private final RangeAssignor range = new RangeAssignor();
    private String host = "";
    private PartitionHosts hosts;

    @Override
    public void configure(Map<String, ?> configs) {
        Object h = configs.get(HOST_CONFIG);
        host = h == null ? "" : h.toString();
        hosts = (PartitionHosts) configs.get(HOSTS_CONFIG);
    }

    @Override
    public ByteBuffer subscriptionUserData(java.util.Set<String> topics) {
        return ByteBuffer.wrap(host.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription groupSubscription) {
        GroupAssignment assigned = range.assign(metadata, groupSubscription);
        StringBuilder map = new StringBuilder();
        for (Map.Entry<String, Assignment> e : assigned.groupAssignment().entrySet()) {
            ByteBuffer data = groupSubscription.groupSubscription().get(e.getKey()).userData();
            String memberHost = data == null ? "" : StandardCharsets.UTF_8.decode(data.duplicate()).toString();
            for (TopicPartition tp : e.getValue().partitions()) {
                map.append(tp.topic()).append('\t').append(tp.partition()).append('\t').append(memberHost).append('\n');
            }
        }
        byte[] encoded = map.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, Assignment> result = new HashMap<>();
        for (Map.Entry<String, Assignment> e : assigned.groupAssignment().entrySet()) {
            result.put(e.getKey(), new Assignment(e.getValue().partitions(), ByteBuffer.wrap(encoded)));
        }
        return new GroupAssignment(result);
    }

    @Override
    public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
        if (hosts == null || assignment.userData() == null) {
            return;
        }
        Map<TopicPartition, String> decoded = new HashMap<>();
        for (String line : StandardCharsets.UTF_8.decode(assignment.userData().duplicate()).toString().split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 3) {
                decoded.put(new TopicPartition(f[0], Integer.parseInt(f[1])), f[2]);
            }
        }
        hosts.update(metadata.generationId(), decoded);
    }

    @Override
    public List<RebalanceProtocol> supportedProtocols() {
        return new ArrayList<>(List.of(RebalanceProtocol.EAGER));
    }

    @Override
    public String name() {
        return "riffle-range";
    }

    /**
     * The latest "partition → application.server" map any thread of the instance received.
     * Written by stream threads, read by query threads: thread-safe (one volatile snapshot).
     */
    public static final class PartitionHosts {
        private record Snapshot(int generation, Map<TopicPartition, String> hosts) {
        }

        private volatile Snapshot snapshot = new Snapshot(-1, Map.of());

        synchronized void update(int generation, Map<TopicPartition, String> hosts) {
            if (generation >= snapshot.generation()) {
                snapshot = new Snapshot(generation, Map.copyOf(hosts));
            }
        }

        /** The application.server of the partition's owner ("" if it set none), or null if unknown. */
        public String host(TopicPartition tp) {
            return snapshot.hosts().get(tp);
        }

        /** Partitions of {@code topic} in the assignment (0 if unknown). */
        public int partitionCount(String topic) {
            int count = 0;
            for (TopicPartition tp : snapshot.hosts().keySet()) {
                if (tp.topic().equals(topic)) {
                    count = Math.max(count, tp.partition() + 1);
                }
            }
            return count;
        }
    }
}
