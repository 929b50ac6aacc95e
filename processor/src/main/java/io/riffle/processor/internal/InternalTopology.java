package io.riffle.processor.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.riffle.processor.internal.TopologyBuilder.NodeDef;
import io.riffle.processor.internal.TopologyBuilder.ProcessorDef;
import io.riffle.processor.internal.TopologyBuilder.SinkDef;
import io.riffle.processor.internal.TopologyBuilder.SourceDef;
import io.riffle.processor.state.StoreBuilder;

/**
 * An immutable topology cut into subtopologies: the connected parts of the graph (nodes joined
 * by parent edges or by a shared store). Repartition topics separate subtopologies: a sink
 * writing one ends a subtopology, a source reading it starts another. One task per
 * subtopology per partition. Thread-safe (immutable).
 */
public final class InternalTopology {
    /** Nodes in topological order; {@code stores} in the order processors use them. */
    public record Subtopology(int id, List<NodeDef> nodes, List<String> stores) {
        public List<SourceDef> sources() {
            return nodes.stream().filter(SourceDef.class::isInstance).map(SourceDef.class::cast).toList();
        }

        public List<SinkDef> sinks() {
            return nodes.stream().filter(SinkDef.class::isInstance).map(SinkDef.class::cast).toList();
        }
    }

    private final List<Subtopology> subtopologies;
    private final Map<String, StoreBuilder<?>> stores;
    private final Map<String, Integer> repartitionTopicPartitions;

    private InternalTopology(List<Subtopology> subtopologies, Map<String, StoreBuilder<?>> stores,
                             Map<String, Integer> repartitionTopicPartitions) {
        this.subtopologies = List.copyOf(subtopologies);
        this.stores = stores;
        this.repartitionTopicPartitions = Map.copyOf(repartitionTopicPartitions);
    }

    /** Partition counts fixed by the user ({@code Repartitioned.numberOfPartitions}), by topic name without the application id. */
    public Map<String, Integer> repartitionTopicPartitions() {
        return repartitionTopicPartitions;
    }

    /** This topology with partition counts fixed for some repartition topics. */
    InternalTopology withRepartitionTopicPartitions(Map<String, Integer> partitions) {
        return new InternalTopology(subtopologies, stores, partitions);
    }

    static InternalTopology of(List<NodeDef> nodes, Map<String, StoreBuilder<?>> stores) {
        Map<String, String> parent = new HashMap<>();
        for (NodeDef n : nodes) {
            parent.put(n.name(), n.name());
        }
        Map<String, String> storeOwner = new HashMap<>();
        for (NodeDef n : nodes) {
            for (String p : n.parents()) {
                union(parent, n.name(), p);
            }
            if (n instanceof ProcessorDef p) {
                for (String s : p.stores()) {
                    String owner = storeOwner.putIfAbsent(s, n.name());
                    if (owner != null) {
                        union(parent, n.name(), owner);
                    }
                }
            }
        }
        Map<String, List<NodeDef>> groups = new LinkedHashMap<>();
        for (NodeDef n : nodes) {
            groups.computeIfAbsent(find(parent, n.name()), k -> new ArrayList<>()).add(n);
        }
        List<Subtopology> result = new ArrayList<>();
        for (List<NodeDef> group : groups.values()) {
            List<String> groupStores = new ArrayList<>();
            for (NodeDef n : group) {
                if (n instanceof ProcessorDef p) {
                    for (String s : p.stores()) {
                        if (!groupStores.contains(s)) {
                            groupStores.add(s);
                        }
                    }
                }
            }
            if (group.stream().noneMatch(SourceDef.class::isInstance)) {
                throw new IllegalStateException("nodes " + group.stream().map(NodeDef::name).toList() + " are not reachable from any source");
            }
            result.add(new Subtopology(result.size(), List.copyOf(group), List.copyOf(groupStores)));
        }
        return new InternalTopology(result, stores, Map.of());
    }

    private static String find(Map<String, String> parent, String x) {
        while (!parent.get(x).equals(x)) {
            x = parent.get(x);
        }
        return x;
    }

    private static void union(Map<String, String> parent, String a, String b) {
        parent.put(find(parent, a), find(parent, b));
    }

    public List<Subtopology> subtopologies() {
        return subtopologies;
    }

    public StoreBuilder<?> store(String name) {
        return stores.get(name);
    }

    public Map<String, StoreBuilder<?>> stores() {
        return stores;
    }

    /** The topic's real name: internal topics get the application id prefix. */
    public static String topicName(String applicationId, String topic, boolean internal) {
        return internal ? applicationId + "-" + topic : topic;
    }

    /** Changelog topic of a store: {@code <application.id>-<store>-changelog}. */
    public static String changelogTopic(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    /** A human-readable description, like Kafka Streams' {@code TopologyDescription}. */
    public String describe() {
        StringBuilder out = new StringBuilder("Topologies:\n");
        for (Subtopology s : subtopologies) {
            out.append("   Sub-topology: ").append(s.id()).append('\n');
            for (NodeDef n : s.nodes()) {
                out.append("    ");
                if (n instanceof SourceDef src) {
                    out.append("Source: ").append(n.name()).append(" (topics: ")
                        .append(src.internal() ? src.topics().stream().map(t -> "<app>-" + t).toList() : src.topics()).append(')');
                } else if (n instanceof ProcessorDef p) {
                    out.append("Processor: ").append(n.name()).append(" (stores: ").append(p.stores()).append(')');
                } else if (n instanceof SinkDef sink) {
                    out.append("Sink: ").append(n.name()).append(" (topic: ")
                        .append(sink.internal() ? "<app>-" + sink.topic() : sink.topic()).append(')');
                }
                if (!n.parents().isEmpty()) {
                    out.append("\n      <-- ").append(String.join(", ", n.parents()));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }
}
