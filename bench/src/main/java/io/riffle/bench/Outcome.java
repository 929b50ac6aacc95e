package io.riffle.bench;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The result of one case on one broker in one repetition: its figures, or why there are none.
 * Immutable.
 */
record Outcome(Map<Metric, Double> values, String error) {

    static Outcome of(Map<Metric, Double> values) {
        // EnumMap keeps the metrics in declaration order, so progress lines read alike.
        return new Outcome(values.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(values)), null);
    }

    static Outcome failed(String error) {
        return new Outcome(Map.of(), error);
    }

    boolean ok() {
        return error == null;
    }
}
