package io.riffle.processor.state;

/** Makes a new store instance per task. Obtain one from {@link Stores}. */
public interface StoreBuilder<S extends StateStore> {
    String name();

    /** Whether the store is backed by a changelog topic {@code <application.id>-<name>-changelog}. */
    boolean loggingEnabled();

    /** Configs of the changelog topic when it is created: {@code compact} for key-value stores. */
    default java.util.Map<String, String> changelogConfig() {
        return java.util.Map.of(org.apache.kafka.common.config.TopicConfig.CLEANUP_POLICY_CONFIG,
            org.apache.kafka.common.config.TopicConfig.CLEANUP_POLICY_COMPACT);
    }

    S build();
}
