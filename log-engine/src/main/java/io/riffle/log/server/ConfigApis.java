package io.riffle.log.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import io.riffle.log.cluster.TopicController;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.config.BrokerConfig;
import io.riffle.log.config.LogConfig;
import io.riffle.log.network.Request;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and the broker, with
 * Kafka 4.3's error codes and messages: each resource succeeds or fails on its own.
 *
 * <p>Topic changes are decided by the {@link TopicController}; a read-modify-write of a
 * topic's overrides (incremental alter) holds the controller's lock so concurrent changes
 * cannot interleave. The broker's own configs are static: describing them works, altering
 * them fails with INVALID_REQUEST as Kafka does for keys that cannot be updated dynamically.
 *
 * <p>Thread-safe: stateless apart from the immutable {@link ConfigDescriptions}.
 */
final class ConfigApis {
    private final ApiContext context;
    private final ConfigDescriptions descriptions;

    ConfigApis(ApiContext context) {
        this.context = context;
        this.descriptions = new ConfigDescriptions(context.config());
    }

    /** Where a topic key's effective value comes from, as DescribeConfigs and CreateTopics v5+ report it. */
    static DescribeConfigsResponse.ConfigSource source(ApiContext context, Map<String, String> overrides, String key) {
        return new ConfigDescriptions(context.config()).topicSource(key, overrides);
    }

    // ---------------------------------------------------------------- DescribeConfigs

    DescribeConfigsResponseData describeConfigs(Request request) {
        DescribeConfigsRequest body = request.body();
        DescribeConfigsRequestData data = body.data();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData().setThrottleTimeMs(0);
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResponseData.DescribeConfigsResult result;
            try {
                List<DescribeConfigsResourceResult> entries = describe(resource, data.includeSynonyms(),
                        data.includeDocumentation());
                if (entries == null) {
                    result = new DescribeConfigsResponseData.DescribeConfigsResult()
                            .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    List<String> wanted = resource.configurationKeys();
                    List<DescribeConfigsResourceResult> filtered = new ArrayList<>();
                    for (DescribeConfigsResourceResult entry : entries) {
                        if (wanted == null || wanted.isEmpty() || wanted.contains(entry.name())) {
                            if (request.version() < 3) {
                                entry.setConfigType((byte) 0).setDocumentation(null);
                            }
                            filtered.add(entry);
                        }
                    }
                    result = new DescribeConfigsResponseData.DescribeConfigsResult()
                            .setErrorCode(Errors.NONE.code()).setConfigs(filtered);
                }
            } catch (ApiException e) {
                ApiError error = ApiError.fromThrowable(e);
                result = new DescribeConfigsResponseData.DescribeConfigsResult()
                        .setErrorCode(error.error().code()).setErrorMessage(error.message());
            }
            response.results().add(result.setResourceType(resource.resourceType()).setResourceName(resource.resourceName()));
        }
        return response;
    }

    /** The entries of one resource; null for an unknown topic (Kafka answers it without a message). */
    private List<DescribeConfigsResourceResult> describe(DescribeConfigsRequestData.DescribeConfigsResource resource,
                                                         boolean includeSynonyms, boolean includeDocumentation) {
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        String name = resource.resourceName();
        switch (type) {
            case TOPIC -> {
                Topic.validate(name);
                TopicInfo topic = context.metadata().topic(name).orElse(null);
                if (topic == null) {
                    return null;
                }
                LogConfig effective = LogConfig.effective(context.config().logDefaults(), topic.configs());
                List<DescribeConfigsResourceResult> entries = new ArrayList<>();
                for (String key : new TreeSet<>(LogConfig.keys().keySet())) {
                    entries.add(descriptions.topicEntry(key, effective, topic.configs(), includeSynonyms,
                            includeDocumentation));
                }
                return entries;
            }
            case BROKER -> {
                if (name == null || name.isEmpty()) {
                    // Kafka answers the cluster-wide dynamic defaults here; Riffle has none.
                    return new ArrayList<>();
                }
                if (brokerId(name, "Broker id must be an integer, but it is: ") != context.config().nodeId()) {
                    throw new InvalidRequestException("Unexpected broker id, expected " + context.config().nodeId()
                            + " or empty string, but received " + name);
                }
                return descriptions.brokerEntries(includeSynonyms, includeDocumentation);
            }
            default -> throw new InvalidRequestException("Unsupported resource type: " + type);
        }
    }

    private static int brokerId(String name, String message) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(message + name);
        }
    }

    // ---------------------------------------------------------------- AlterConfigs (legacy: replace all overrides)

    AlterConfigsResponseData alterConfigs(Request request) {
        AlterConfigsRequest body = request.body();
        AlterConfigsRequestData data = body.data();
        AlterConfigsResponseData response = new AlterConfigsResponseData().setThrottleTimeMs(0);
        Set<AlterConfigsRequestData.AlterConfigsResource> duplicated = duplicates(data.resources(),
                r -> r.resourceType() + "/" + r.resourceName());
        for (AlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            ApiError error;
            try {
                if (duplicated.contains(resource)) {
                    throw new InvalidRequestException("Each resource must appear at most once.");
                }
                Map<String, String> configs = new LinkedHashMap<>();
                List<String> nullValues = new ArrayList<>();
                for (AlterConfigsRequestData.AlterableConfig c : resource.configs()) {
                    if (configs.containsKey(c.name())) {
                        throw new InvalidRequestException("Error due to duplicate config keys");
                    }
                    configs.put(c.name(), c.value());
                    if (c.value() == null) {
                        nullValues.add(c.name());
                    }
                }
                if (!nullValues.isEmpty()) {
                    throw new InvalidRequestException("Null value not supported for : " + String.join(", ", nullValues));
                }
                ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
                switch (type) {
                    case TOPIC -> replaceTopicConfigs(resource.resourceName(), configs, data.validateOnly());
                    case BROKER -> alterBroker(resource.resourceName(), configs.keySet());
                    case GROUP, CLIENT_METRICS -> throw new InvalidRequestException("Unsupported resource type: " + type);
                    default -> throw new InvalidRequestException("Unknown resource type " + resource.resourceType());
                }
                error = ApiError.NONE;
            } catch (ApiException e) {
                error = ApiError.fromThrowable(e);
            }
            response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(error.error().code()).setErrorMessage(error.message()));
        }
        return response;
    }

    private void replaceTopicConfigs(String name, Map<String, String> configs, boolean validateOnly) {
        TopicController controller = context.controller();
        synchronized (controller) {
            validateTopicChange(name, configs);
            controller.setTopicConfigs(name, configs, validateOnly);
        }
    }

    /** Kafka's controller order: the name, then the values, then whether the topic exists. */
    private void validateTopicChange(String name, Map<String, String> newOverrides) {
        if (name == null || name.isEmpty()) {
            throw new InvalidRequestException("Default topic resources are not allowed.");
        }
        Topic.validate(name);
        context.controller().validateConfigs(newOverrides);
        if (context.metadata().topic(name).isEmpty()) {
            throw new UnknownTopicOrPartitionException("The topic '" + name + "' does not exist.");
        }
    }

    /** No broker config can change at runtime; deleting (keys that are not set dynamically) is a no-op. */
    private void alterBroker(String name, Set<String> keysToSet) {
        validateBrokerName(name);
        rejectDynamicChange(keysToSet);
    }

    /** Blank (the cluster-wide default) or this node's id. */
    private void validateBrokerName(String name) {
        if (name != null && !name.isEmpty()
                && brokerId(name, "Node id must be an integer, but it is: ") != context.config().nodeId()) {
            throw new InvalidRequestException("Unexpected broker id, expected " + context.config().nodeId()
                    + ", but received " + name);
        }
    }

    private static void rejectDynamicChange(Set<String> keysToSet) {
        if (!keysToSet.isEmpty()) {
            throw new InvalidRequestException("Cannot update these configs dynamically: Set("
                    + String.join(", ", new TreeSet<>(keysToSet)) + ")");
        }
    }

    // ---------------------------------------------------------------- IncrementalAlterConfigs

    IncrementalAlterConfigsResponseData incrementalAlterConfigs(Request request) {
        IncrementalAlterConfigsRequest body = request.body();
        IncrementalAlterConfigsRequestData data = body.data();
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData().setThrottleTimeMs(0);
        Set<IncrementalAlterConfigsRequestData.AlterConfigsResource> duplicated = duplicates(data.resources(),
                r -> r.resourceType() + "/" + r.resourceName());
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            ApiError error;
            try {
                if (duplicated.contains(resource)) {
                    throw new InvalidRequestException("Each resource must appear at most once.");
                }
                List<Operation> ops = operations(resource);
                ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
                switch (type) {
                    case TOPIC -> alterTopicIncrementally(resource.resourceName(), ops, data.validateOnly());
                    case BROKER -> alterBrokerIncrementally(resource.resourceName(), ops);
                    case BROKER_LOGGER, GROUP, CLIENT_METRICS ->
                            throw new InvalidRequestException("Unsupported resource type: " + type);
                    default -> throw new InvalidRequestException("Unknown resource type " + resource.resourceType());
                }
                error = ApiError.NONE;
            } catch (ApiException e) {
                error = ApiError.fromThrowable(e);
            }
            response.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(error.error().code()).setErrorMessage(error.message()));
        }
        return response;
    }

    private record Operation(String name, OpType type, String value) {
    }

    /** The resource's operations, rejecting duplicate keys, unknown operations and missing values. */
    private static List<Operation> operations(IncrementalAlterConfigsRequestData.AlterConfigsResource resource) {
        List<Operation> ops = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<String> nullValues = new ArrayList<>();
        for (IncrementalAlterConfigsRequestData.AlterableConfig c : resource.configs()) {
            if (!names.add(c.name())) {
                throw new InvalidRequestException("Error due to duplicate config keys");
            }
            OpType type = OpType.forId(c.configOperation());
            if (type == null) {
                throw new InvalidRequestException("Unknown operations type " + c.configOperation());
            }
            if (type != OpType.DELETE && c.value() == null) {
                nullValues.add(c.name());
            }
            ops.add(new Operation(c.name(), type, c.value()));
        }
        if (!nullValues.isEmpty()) {
            throw new InvalidRequestException("Null value not supported for : " + String.join(", ", nullValues));
        }
        return ops;
    }

    private void alterTopicIncrementally(String name, List<Operation> ops, boolean validateOnly) {
        TopicController controller = context.controller();
        synchronized (controller) {
            Map<String, String> overrides = new LinkedHashMap<>(context.metadata().topic(name == null ? "" : name)
                    .map(TopicInfo::configs).orElse(Map.of()));
            for (Operation op : ops) {
                switch (op.type()) {
                    case SET -> overrides.put(op.name(), op.value());
                    case DELETE -> overrides.remove(op.name());
                    case APPEND, SUBTRACT -> overrides.put(op.name(), applyListOperation(op, overrides.get(op.name())));
                }
            }
            validateTopicChange(name, overrides);
            controller.setTopicConfigs(name, overrides, validateOnly);
        }
    }

    /** APPEND adds the values not yet present; SUBTRACT removes them. Only LIST keys allow either. */
    private static String applyListOperation(Operation op, String current) {
        LogConfig.Key key = LogConfig.keys().get(op.name());
        if (key == null || key.type() != ConfigDef.Type.LIST) {
            throw new InvalidConfigurationException("Can't " + op.type() + " to key " + op.name()
                    + " because its type is not LIST.");
        }
        Object hardDefault = key.defaultValue();
        String base = current != null ? current
                : hardDefault instanceof List<?> list ? ConfigDef.convertToString(list, ConfigDef.Type.LIST)
                : hardDefault == null ? null : hardDefault.toString();
        List<String> values = new ArrayList<>();
        if (base != null) {
            for (String v : base.split(",")) {
                if (!v.isEmpty()) {
                    values.add(v);
                }
            }
        }
        for (String v : op.value().split(",")) {
            if (op.type() == OpType.APPEND) {
                if (!values.contains(v)) {
                    values.add(v);
                }
            } else {
                values.remove(v);
            }
        }
        return String.join(",", values);
    }

    private void alterBrokerIncrementally(String name, List<Operation> ops) {
        validateBrokerName(name);
        Set<String> keysToSet = new HashSet<>();
        for (Operation op : ops) {
            if (op.type() == OpType.APPEND || op.type() == OpType.SUBTRACT) {
                ConfigDef.ConfigKey key = BrokerConfig.definition().configKeys().get(op.name());
                if (key != null && key.type != ConfigDef.Type.LIST) {
                    throw new InvalidConfigurationException("Config value " + op.type().name().toLowerCase(Locale.ROOT)
                            + " is not allowed for config key: " + op.name());
                }
            }
            if (op.type() != OpType.DELETE) {
                keysToSet.add(op.name());
            }
        }
        rejectDynamicChange(keysToSet);
    }

    /** The resources that share their key with another in the same request (all of them, as Kafka fails both). */
    private static <T> Set<T> duplicates(Collection<T> resources, Function<T, String> key) {
        Map<String, Integer> counts = new HashMap<>();
        for (T r : resources) {
            counts.merge(key.apply(r), 1, Integer::sum);
        }
        Set<T> result = Collections.newSetFromMap(new IdentityHashMap<>());
        for (T r : resources) {
            if (counts.get(key.apply(r)) > 1) {
                result.add(r);
            }
        }
        return result;
    }
}
