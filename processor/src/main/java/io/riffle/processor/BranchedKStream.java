package io.riffle.processor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.Record;
import io.riffle.processor.internal.TopologyBuilder;

/**
 * The branches of {@link KStream#split}: each record goes to the first branch whose predicate
 * holds (Kafka Streams' semantics), to the default branch if none does, or is dropped without a
 * default branch. Finished by {@link #defaultBranch} or {@link #noDefaultBranch}, which return
 * the branches by name ({@code <split name><branch name>}). Not thread-safe (build-time object).
 */
public final class BranchedKStream<K, V> {
    private record Branch(Predicate<Object, Object> predicate, String child) {
    }

    private final KStream<K, V> source;
    private final TopologyBuilder graph;
    private final String splitNode;
    private final String prefix;
    /** Filled while the topology is built, read by the processors created when it runs. */
    private final List<Branch> branches = new ArrayList<>();
    private final Map<String, KStream<K, V>> result = new LinkedHashMap<>();
    private boolean finished;

    BranchedKStream(KStream<K, V> source, TopologyBuilder graph, String splitNode, String prefix) {
        this.source = source;
        this.graph = graph;
        this.splitNode = splitNode;
        this.prefix = prefix;
    }

    /** The processor of the split node: the first matching branch wins. */
    Processor<K, V, K, V> newProcessor() {
        List<Branch> frozen = List.copyOf(branches);
        return new Processor<>() {
            private ProcessorContext<K, V> context;

            @Override
            public void init(ProcessorContext<K, V> ctx) {
                this.context = ctx;
            }

            @Override
            public void process(Record<K, V> record) {
                for (Branch b : frozen) {
                    if (b.predicate == null || b.predicate.test(record.key(), record.value())) {
                        context.forward(record, b.child);
                        return;
                    }
                }
            }
        };
    }

    public BranchedKStream<K, V> branch(Predicate<? super K, ? super V> predicate) {
        return branch(predicate, Branched.as(String.valueOf(branches.size() + 1)));
    }

    /** Records for which {@code predicate} holds and no earlier branch's did. */
    @SuppressWarnings("unchecked")
    public BranchedKStream<K, V> branch(Predicate<? super K, ? super V> predicate, Branched<K, V> branched) {
        if (predicate == null) {
            throw new IllegalArgumentException("branch: the predicate must not be null");
        }
        add((Predicate<Object, Object>) predicate, branched, String.valueOf(branches.size() + 1));
        return this;
    }

    /** Records no branch took; ends the split. */
    public Map<String, KStream<K, V>> defaultBranch() {
        return defaultBranch(Branched.as("0"));
    }

    public Map<String, KStream<K, V>> defaultBranch(Branched<K, V> branched) {
        add(null, branched, "0");
        finished = true;
        return Map.copyOf(result);
    }

    /** Ends the split; records no branch took are dropped. */
    public Map<String, KStream<K, V>> noDefaultBranch() {
        checkOpen();
        finished = true;
        return Map.copyOf(result);
    }

    private void add(Predicate<Object, Object> predicate, Branched<K, V> branched, String defaultName) {
        checkOpen();
        String name = prefix + (branched.name() != null ? branched.name() : defaultName);
        if (branches.stream().anyMatch(b -> b.child.equals(name))) {
            throw new IllegalArgumentException("split: a branch named '" + name + "' already exists");
        }
        KStream<K, V> branch = source.passThrough(name, splitNode); // the branch's node is named as the branch
        branches.add(new Branch(predicate, name));
        KStream<K, V> out = branched.apply(branch);
        if (out != null) {
            result.put(name, out);
        }
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("split: defaultBranch() or noDefaultBranch() was already called");
        }
    }
}
