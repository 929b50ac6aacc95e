package io.riffle.log.server;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.config.LogConfig;
import io.riffle.log.network.Request;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;

/** CreateTopics, DeleteTopics and CreatePartitions, decided by the {@code TopicController}. */
final class TopicApis {
    private final ApiContext context;

    TopicApis(ApiContext context) {
        this.context = context;
    }

    CreateTopicsResponseData createTopics(Request request) {
        CreateTopicsRequest body = request.body();
        CreateTopicsRequestData data = body.data();
        CreateTopicsResponseData response = new CreateTopicsResponseData().setThrottleTimeMs(0);
        Map<String, Integer> seen = new HashMap<>();
        for (CreateTopicsRequestData.CreatableTopic t : data.topics()) {
            seen.merge(t.name(), 1, Integer::sum);
        }
        for (CreateTopicsRequestData.CreatableTopic t : data.topics()) {
            CreateTopicsResponseData.CreatableTopicResult result = new CreateTopicsResponseData.CreatableTopicResult()
                    .setName(t.name()).setTopicId(Uuid.ZERO_UUID)
                    .setNumPartitions(-1).setReplicationFactor((short) -1);
            response.topics().add(result);
            if (seen.get(t.name()) > 1) {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Create topics request from client contains a duplicate topic " + t.name());
                continue;
            }
            try {
                int partitions = t.numPartitions();
                short rf = t.replicationFactor();
                if (!t.assignments().isEmpty()) {
                    if (partitions != -1 || rf != -1) {
                        throw new org.apache.kafka.common.errors.InvalidRequestException(
                                "Both numPartitions or replicationFactor and replicasAssignments were set.");
                    }
                    partitions = t.assignments().size();
                    rf = (short) t.assignments().iterator().next().brokerIds().size();
                    for (CreateTopicsRequestData.CreatableReplicaAssignment a : t.assignments()) {
                        if (!a.brokerIds().equals(java.util.List.of(context.config().nodeId()))) {
                            throw new org.apache.kafka.common.errors.InvalidReplicaAssignmentException(
                                    "Replica assignment " + a.brokerIds() + " names brokers that do not exist");
                        }
                    }
                }
                Map<String, String> configs = new LinkedHashMap<>();
                for (CreateTopicsRequestData.CreatableTopicConfig c : t.configs()) {
                    if (c.value() == null) {
                        throw new org.apache.kafka.common.errors.InvalidConfigurationException(
                                "Null value not supported for topic configs: " + c.name());
                    }
                    configs.put(c.name(), c.value());
                }
                TopicInfo created = context.controller().createTopic(t.name(), partitions, rf, configs, data.validateOnly());
                result.setErrorCode(Errors.NONE.code())
                        .setTopicId(data.validateOnly() ? Uuid.ZERO_UUID : created.id())
                        .setNumPartitions(created.partitionCount())
                        .setReplicationFactor((short) created.partitions().get(0).replicas().size());
                if (request.version() >= 5) {
                    LogConfig effective = context.controller().validateConfigs(configs);
                    for (String key : LogConfig.keys().keySet()) {
                        result.configs().add(new CreateTopicsResponseData.CreatableTopicConfigs()
                                .setName(key).setValue(effective.valueString(key)).setReadOnly(false)
                                .setConfigSource(ConfigApis.source(context, configs, key).id())
                                .setIsSensitive(false));
                    }
                }
            } catch (ApiException e) {
                ApiError error = ApiError.fromThrowable(e);
                result.setErrorCode(error.error().code()).setErrorMessage(error.message());
            }
        }
        return response;
    }

    DeleteTopicsResponseData deleteTopics(Request request) {
        DeleteTopicsRequest body = request.body();
        DeleteTopicsRequestData data = body.data();
        DeleteTopicsResponseData response = new DeleteTopicsResponseData().setThrottleTimeMs(0);
        Set<String> names = new HashSet<>();
        if (request.version() >= 6) {
            for (DeleteTopicsRequestData.DeleteTopicState state : data.topics()) {
                if (state.name() != null) {
                    deleteOne(response, state.name(), null);
                } else {
                    Optional<TopicInfo> topic = context.metadata().topic(state.topicId());
                    if (topic.isEmpty()) {
                        response.responses().add(new DeleteTopicsResponseData.DeletableTopicResult()
                                .setName(null).setTopicId(state.topicId())
                                .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
                                .setErrorMessage("Topic id " + state.topicId() + " does not exist"));
                    } else {
                        deleteOne(response, topic.get().name(), state.topicId());
                    }
                }
            }
        } else {
            for (String name : data.topicNames()) {
                if (names.add(name)) {
                    deleteOne(response, name, null);
                }
            }
        }
        return response;
    }

    private void deleteOne(DeleteTopicsResponseData response, String name, Uuid id) {
        DeleteTopicsResponseData.DeletableTopicResult result = new DeleteTopicsResponseData.DeletableTopicResult()
                .setName(name);
        Optional<TopicInfo> topic = context.metadata().topic(name);
        result.setTopicId(id != null ? id : topic.map(TopicInfo::id).orElse(Uuid.ZERO_UUID));
        try {
            context.controller().deleteTopic(name);
            result.setErrorCode(Errors.NONE.code());
        } catch (ApiException e) {
            result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
        }
        response.responses().add(result);
    }

    CreatePartitionsResponseData createPartitions(Request request) {
        CreatePartitionsRequest body = request.body();
        CreatePartitionsRequestData data = body.data();
        CreatePartitionsResponseData response = new CreatePartitionsResponseData().setThrottleTimeMs(0);
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : data.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name());
            try {
                if (t.assignments() != null) {
                    for (CreatePartitionsRequestData.CreatePartitionsAssignment a : t.assignments()) {
                        if (!a.brokerIds().equals(java.util.List.of(context.config().nodeId()))) {
                            throw new org.apache.kafka.common.errors.InvalidReplicaAssignmentException(
                                    "Replica assignment " + a.brokerIds() + " names brokers that do not exist");
                        }
                    }
                }
                context.controller().createPartitions(t.name(), t.count(), data.validateOnly());
                result.setErrorCode(Errors.NONE.code());
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.results().add(result);
        }
        return response;
    }
}
