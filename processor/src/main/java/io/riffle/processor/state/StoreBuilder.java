package io.riffle.processor.state;

/** Makes a new store instance per task. Obtain one from {@link Stores}. */
public interface StoreBuilder<S extends StateStore> {
    String name();

    /** Whether the store is backed by a changelog topic {@code <application.id>-<name>-changelog}. */
    boolean loggingEnabled();

    S build();
}
