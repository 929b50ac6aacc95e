package io.riffle.log.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.riffle.log.config.BrokerConfig;
import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Builds DescribeConfigs entries — value, source, synonyms, type, documentation — for topics
 * and for this broker, the way Kafka's {@code ConfigHelper} does.
 *
 * <p>How Kafka derives a source: it lists the "synonyms" of a key in precedence order — the
 * topic override, then for each broker synonym the value from the broker's config file
 * (STATIC_BROKER_CONFIG), then each broker synonym's hard default (DEFAULT_CONFIG) — and the
 * first entry is the source. The list is cut to start at the key's own broker name, so a
 * topic's {@code retention.ms} whose broker only sets {@code log.retention.hours} reports no
 * broker synonym at all (a Kafka quirk that tools print, reproduced here). Riffle has no
 * dynamic broker configs, so the DYNAMIC_* sources never appear.
 *
 * <p>Immutable and thread-safe: built once from the immutable {@link BrokerConfig}.
 */
final class ConfigDescriptions {
    private final BrokerConfig config;
    /** Broker keys as the config file set them. */
    private final Map<String, String> staticValues;
    /** Broker keys' hard defaults, where not null. */
    private final Map<String, String> defaultValues = new HashMap<>();
    /** Broker keys' effective values (null where unset and without default). */
    private final Map<String, String> brokerValues = new HashMap<>();

    ConfigDescriptions(BrokerConfig config) {
        this.config = config;
        this.staticValues = config.originals();
        ConfigDef def = BrokerConfig.definition();
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            if (key.hasDefault() && key.defaultValue != null) {
                defaultValues.put(key.name, ConfigDef.convertToString(key.defaultValue, key.type));
            }
        }
        Map<String, String> known = new HashMap<>(staticValues);
        known.keySet().retainAll(def.names());
        Map<String, Object> parsed = def.parse(known);
        for (Map.Entry<String, Object> e : parsed.entrySet()) {
            brokerValues.put(e.getKey(), ConfigDef.convertToString(e.getValue(), def.configKeys().get(e.getKey()).type));
        }
    }

    /** Kafka's broker key synonyms ({@code DynamicBrokerConfig.brokerConfigSynonyms}), most specific first. */
    static List<String> brokerSynonyms(String name) {
        return switch (name) {
            case "log.roll.ms", "log.roll.hours" -> List.of("log.roll.ms", "log.roll.hours");
            case "log.roll.jitter.ms", "log.roll.jitter.hours" -> List.of("log.roll.jitter.ms", "log.roll.jitter.hours");
            case "log.retention.ms", "log.retention.minutes", "log.retention.hours" ->
                    List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours");
            default -> List.of(name);
        };
    }

    /** Static values, then hard defaults, of the synonyms, starting at {@code name} itself. */
    private List<DescribeConfigsSynonym> brokerSynonymEntries(String name) {
        List<String> names = brokerSynonyms(name);
        List<DescribeConfigsSynonym> all = new ArrayList<>();
        for (String n : names) {
            if (staticValues.containsKey(n)) {
                all.add(synonym(n, staticValues.get(n), ConfigSource.STATIC_BROKER_CONFIG));
            }
        }
        for (String n : names) {
            if (defaultValues.containsKey(n)) {
                all.add(synonym(n, defaultValues.get(n), ConfigSource.DEFAULT_CONFIG));
            }
        }
        int first = 0;
        while (first < all.size() && !all.get(first).name().equals(name)) {
            first++;
        }
        return new ArrayList<>(all.subList(first, all.size()));
    }

    private static DescribeConfigsSynonym synonym(String name, String value, ConfigSource source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source.id());
    }

    /** The synonyms of a topic-level key: the topic's override, then the broker's. */
    List<DescribeConfigsSynonym> topicSynonyms(String key, Map<String, String> overrides) {
        LogConfig.Key k = LogConfig.keys().get(key);
        List<DescribeConfigsSynonym> list = k == null ? new ArrayList<>() : brokerSynonymEntries(k.brokerSynonym());
        if (overrides.containsKey(key)) {
            list.add(0, synonym(key, overrides.get(key), ConfigSource.TOPIC_CONFIG));
        }
        return list;
    }

    /** Where a topic key's effective value comes from. */
    ConfigSource topicSource(String key, Map<String, String> overrides) {
        List<DescribeConfigsSynonym> synonyms = topicSynonyms(key, overrides);
        return synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : ConfigSource.forId(synonyms.get(0).source());
    }

    /** One topic key's entry. */
    DescribeConfigsResourceResult topicEntry(String key, LogConfig effective, Map<String, String> overrides,
                                             boolean includeSynonyms, boolean includeDocumentation) {
        LogConfig.Key k = LogConfig.keys().get(key);
        List<DescribeConfigsSynonym> synonyms = topicSynonyms(key, overrides);
        ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : ConfigSource.forId(synonyms.get(0).source());
        return new DescribeConfigsResourceResult()
                .setName(key)
                .setValue(ConfigDef.convertToString(effective.value(key), k.type()))
                .setConfigSource(source.id())
                .setIsSensitive(false)
                .setReadOnly(false)
                .setSynonyms(includeSynonyms ? synonyms : new ArrayList<>())
                .setConfigType(configType(k.type()).id())
                .setDocumentation(includeDocumentation ? k.doc() : null);
    }

    /** Every broker key (defined ones and any others the config file set), sorted by name. */
    List<DescribeConfigsResourceResult> brokerEntries(boolean includeSynonyms, boolean includeDocumentation) {
        ConfigDef def = BrokerConfig.definition();
        TreeSet<String> names = new TreeSet<>(def.names());
        staticValues.forEach((k, v) -> {
            if (v != null) {
                names.add(k);
            }
        });
        List<DescribeConfigsResourceResult> entries = new ArrayList<>();
        for (String name : names) {
            ConfigDef.ConfigKey key = def.configKeys().get(name);
            List<DescribeConfigsSynonym> synonyms = brokerSynonymEntries(name);
            ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : ConfigSource.forId(synonyms.get(0).source());
            entries.add(new DescribeConfigsResourceResult()
                    .setName(name)
                    .setValue(key != null ? brokerValues.get(name) : staticValues.get(name))
                    .setConfigSource(source.id())
                    .setIsSensitive(false)
                    .setReadOnly(true) // Riffle has no dynamic broker configs
                    .setSynonyms(includeSynonyms ? synonyms : new ArrayList<>())
                    .setConfigType((key != null ? configType(key.type) : ConfigType.UNKNOWN).id())
                    .setDocumentation(includeDocumentation && key != null ? key.documentation : null));
        }
        return entries;
    }

    int nodeId() {
        return config.nodeId();
    }

    static ConfigType configType(ConfigDef.Type type) {
        if (type == null) {
            return ConfigType.UNKNOWN;
        }
        return switch (type) {
            case BOOLEAN -> ConfigType.BOOLEAN;
            case STRING -> ConfigType.STRING;
            case INT -> ConfigType.INT;
            case SHORT -> ConfigType.SHORT;
            case LONG -> ConfigType.LONG;
            case DOUBLE -> ConfigType.DOUBLE;
            case LIST -> ConfigType.LIST;
            case CLASS -> ConfigType.CLASS;
            case PASSWORD -> ConfigType.PASSWORD;
        };
    }
}
