package io.riffle.processor.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.riffle.processor.api.ProcessorSupplier;
import io.riffle.processor.state.StoreBuilder;
import org.apache.kafka.common.serialization.Serde;

/**
 * The mutable graph the DSL and the processor API add nodes to; {@link #build()} freezes it
 * into an {@link InternalTopology}. Topic names of internal topics are kept without the
 * application id, which is applied when the topology runs. Not thread-safe.
 */
public final class TopologyBuilder {
    /** A node of the graph. Parents are always added before children. */
    public sealed interface NodeDef permits SourceDef, ProcessorDef, SinkDef {
        String name();

        List<String> parents();
    }

    /** Reads topics; {@code internal} topics are named {@code <application.id>-<topic>}. Null serdes = defaults. */
    public record SourceDef(String name, List<String> topics, boolean internal, Serde<?> keySerde, Serde<?> valueSerde)
        implements NodeDef {
        @Override
        public List<String> parents() {
            return List.of();
        }
    }

    public record ProcessorDef(String name, List<String> parents, ProcessorSupplier<?, ?, ?, ?> supplier, Set<String> stores)
        implements NodeDef {
    }

    /** Writes to a topic, partitioned by the producer's default partitioner on the key bytes. */
    public record SinkDef(String name, List<String> parents, String topic, boolean internal, Serde<?> keySerde, Serde<?> valueSerde)
        implements NodeDef {
    }

    private final Map<String, NodeDef> nodes = new LinkedHashMap<>();
    private final Map<String, StoreBuilder<?>> stores = new LinkedHashMap<>();
    private final Map<String, Integer> repartitionTopicPartitions = new LinkedHashMap<>();
    private int index;

    /** A unique node name such as {@code KSTREAM-FILTER-0000000003}. */
    public String newName(String prefix) {
        return String.format("%s-%010d", prefix, index++);
    }

    public void addSource(String name, List<String> topics, boolean internal, Serde<?> keySerde, Serde<?> valueSerde) {
        add(new SourceDef(name, List.copyOf(topics), internal, keySerde, valueSerde));
    }

    public <KIn, VIn, KOut, VOut> void addProcessor(String name, ProcessorSupplier<KIn, VIn, KOut, VOut> supplier, List<String> parents, String... storeNames) {
        add(new ProcessorDef(name, List.copyOf(parents), supplier, new LinkedHashSet<>(List.of(storeNames))));
    }

    public void addSink(String name, String topic, boolean internal, Serde<?> keySerde, Serde<?> valueSerde, List<String> parents) {
        add(new SinkDef(name, List.copyOf(parents), topic, internal, keySerde, valueSerde));
    }

    /** Fixes the partition count of an internal repartition topic (named without the application id). */
    public void setRepartitionTopicPartitions(String topic, int partitions) {
        repartitionTopicPartitions.put(topic, partitions);
    }

    public void addStateStore(StoreBuilder<?> store, String... processorNames) {
        if (stores.putIfAbsent(store.name(), store) != null) {
            throw new IllegalArgumentException("a store named '" + store.name() + "' was already added");
        }
        for (String p : processorNames) {
            connect(p, store.name());
        }
    }

    public void connect(String processorName, String storeName) {
        if (!(nodes.get(processorName) instanceof ProcessorDef p)) {
            throw new IllegalArgumentException("no processor named '" + processorName + "'");
        }
        if (!stores.containsKey(storeName)) {
            throw new IllegalArgumentException("no store named '" + storeName + "'; add it with addStateStore first");
        }
        p.stores().add(storeName);
    }

    private void add(NodeDef node) {
        for (String parent : node.parents()) {
            NodeDef p = nodes.get(parent);
            if (p == null) {
                throw new IllegalArgumentException("node " + node.name() + ": no parent named '" + parent + "'");
            }
            if (p instanceof SinkDef) {
                throw new IllegalArgumentException("node " + node.name() + ": a sink (" + parent + ") cannot have children");
            }
        }
        if (nodes.putIfAbsent(node.name(), node) != null) {
            throw new IllegalArgumentException("a node named '" + node.name() + "' already exists");
        }
    }

    public InternalTopology build() {
        for (NodeDef n : nodes.values()) {
            if (n instanceof ProcessorDef p) {
                for (String s : p.stores()) {
                    if (!stores.containsKey(s)) {
                        throw new IllegalStateException("processor " + p.name() + " uses unknown store " + s);
                    }
                }
            }
        }
        return InternalTopology.of(new ArrayList<>(nodes.values()), Map.copyOf(stores))
            .withRepartitionTopicPartitions(repartitionTopicPartitions);
    }
}
