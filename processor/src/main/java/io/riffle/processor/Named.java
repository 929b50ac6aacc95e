package io.riffle.processor;

/** A name for an operator; {@link KStream#split(Named)} uses it as the prefix of its branch names. */
public record Named(String name) {
    public Named {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a name must not be null or empty");
        }
    }

    public static Named as(String name) {
        return new Named(name);
    }
}
