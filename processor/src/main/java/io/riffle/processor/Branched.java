package io.riffle.processor;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A branch of {@link KStream#split}: its name (appended to the split's prefix; default: the
 * branch's 1-based position, {@code "0"} for the default branch) and what to do with the branch
 * stream. As in Kafka Streams: {@link #withFunction} puts the function's result in the result map
 * (nothing if it returns null), {@link #withConsumer} puts nothing; otherwise the branch stream
 * itself goes in the map.
 */
public final class Branched<K, V> {
    private final String name;
    private final Function<? super KStream<K, V>, ? extends KStream<K, V>> function;

    private Branched(String name, Function<? super KStream<K, V>, ? extends KStream<K, V>> function) {
        this.name = name;
        this.function = function;
    }

    public static <K, V> Branched<K, V> as(String name) {
        return new Branched<>(requireName(name), null);
    }

    public static <K, V> Branched<K, V> withFunction(Function<? super KStream<K, V>, ? extends KStream<K, V>> chain) {
        return new Branched<>(null, chain);
    }

    public static <K, V> Branched<K, V> withFunction(Function<? super KStream<K, V>, ? extends KStream<K, V>> chain, String name) {
        return new Branched<>(requireName(name), chain);
    }

    public static <K, V> Branched<K, V> withConsumer(Consumer<? super KStream<K, V>> chain) {
        return new Branched<>(null, consumerAsFunction(chain));
    }

    public static <K, V> Branched<K, V> withConsumer(Consumer<? super KStream<K, V>> chain, String name) {
        return new Branched<>(requireName(name), consumerAsFunction(chain));
    }

    private static <K, V> Function<KStream<K, V>, KStream<K, V>> consumerAsFunction(Consumer<? super KStream<K, V>> chain) {
        return s -> {
            chain.accept(s);
            return null;
        };
    }

    private static String requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a branch name must not be null or empty");
        }
        return name;
    }

    String name() {
        return name;
    }

    /** The stream to put in the result map (null: none). */
    KStream<K, V> apply(KStream<K, V> branch) {
        return function == null ? branch : function.apply(branch);
    }
}
