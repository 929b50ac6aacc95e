package io.riffle.log.server;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.network.Request;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;

/**
 * Metadata, DescribeCluster and DescribeTopicPartitions: which brokers exist, where they listen,
 * and each topic's id and partitions with leaders, epochs, replicas and in-sync replicas.
 * Metadata auto-creates a topic a client asks for when {@code auto.create.topics.enable} is on.
 */
final class MetadataApi {
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;
    private final ApiContext context;

    MetadataApi(ApiContext context) {
        this.context = context;
    }

    /** Where clients should connect: the advertised host, or the address this client reached us on. */
    String advertisedHost(Request request) {
        if (context.advertisedHost() != null && !context.advertisedHost().isEmpty()) {
            return context.advertisedHost();
        }
        InetSocketAddress local = request.localAddress();
        return local == null ? "localhost" : local.getAddress().getHostAddress();
    }

    MetadataResponseData handle(Request request) {
        MetadataRequest body = request.body();
        MetadataRequestData data = body.data();
        short version = request.version();
        boolean allowAutoCreate = version < 4 || data.allowAutoTopicCreation();
        MetadataResponseData response = new MetadataResponseData()
                .setThrottleTimeMs(0)
                .setClusterId(context.clusterId())
                .setControllerId(context.config().nodeId())
                .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                .setNodeId(context.config().nodeId())
                .setHost(advertisedHost(request))
                .setPort(context.advertisedPort().getAsInt())
                .setRack(null));

        boolean allTopics = data.topics() == null || (version == 0 && data.topics().isEmpty());
        if (allTopics) {
            List<TopicInfo> topics = new ArrayList<>(context.metadata().topics());
            topics.sort(Comparator.comparing(TopicInfo::name));
            for (TopicInfo topic : topics) {
                response.topics().add(describe(topic, version));
            }
            return response;
        }
        for (MetadataRequestData.MetadataRequestTopic requested : data.topics()) {
            String name = requested.name();
            Uuid id = requested.topicId();
            if (name == null && id != null && !Uuid.ZERO_UUID.equals(id)) {
                Optional<TopicInfo> byId = context.metadata().topic(id);
                response.topics().add(byId.map(t -> describe(t, version)).orElseGet(() ->
                        new MetadataResponseData.MetadataResponseTopic().setName(null).setTopicId(id)
                                .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
                                .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED)));
                continue;
            }
            response.topics().add(describeByName(name, allowAutoCreate, version));
        }
        return response;
    }

    private MetadataResponseData.MetadataResponseTopic describeByName(String name, boolean allowAutoCreate, short version) {
        MetadataResponseData.MetadataResponseTopic missing = new MetadataResponseData.MetadataResponseTopic()
                .setName(name).setTopicId(Uuid.ZERO_UUID).setIsInternal(false)
                .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            return missing.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
        Optional<TopicInfo> topic = context.metadata().topic(name);
        if (topic.isEmpty() && allowAutoCreate) {
            try {
                topic = context.controller().maybeAutoCreate(name);
            } catch (ApiException e) {
                return missing.setErrorCode(Errors.forException(e).code());
            }
        }
        return topic.map(t -> describe(t, version))
                .orElseGet(() -> missing.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
    }

    private MetadataResponseData.MetadataResponseTopic describe(TopicInfo topic, short version) {
        MetadataResponseData.MetadataResponseTopic t = new MetadataResponseData.MetadataResponseTopic()
                .setErrorCode(Errors.NONE.code())
                .setName(topic.name())
                .setTopicId(topic.id())
                .setIsInternal(Topic.isInternal(topic.name()))
                .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        for (TopicInfo.PartitionAssignment a : topic.partitions()) {
            t.partitions().add(new MetadataResponseData.MetadataResponsePartition()
                    .setErrorCode(Errors.NONE.code())
                    .setPartitionIndex(a.partition())
                    .setLeaderId(a.leader())
                    .setLeaderEpoch(a.leaderEpoch())
                    .setReplicaNodes(new ArrayList<>(a.replicas()))
                    .setIsrNodes(new ArrayList<>(a.isr()))
                    .setOfflineReplicas(new ArrayList<>()));
        }
        return t;
    }

    DescribeClusterResponseData describeCluster(Request request) {
        DescribeClusterRequest body = request.body();
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setThrottleTimeMs(0)
                .setErrorCode(Errors.NONE.code())
                .setClusterId(context.clusterId())
                .setControllerId(context.config().nodeId())
                .setEndpointType(body.data().endpointType())
                .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        response.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                .setBrokerId(context.config().nodeId())
                .setHost(advertisedHost(request))
                .setPort(context.advertisedPort().getAsInt())
                .setRack(null)
                .setIsFenced(false));
        return response;
    }

    DescribeTopicPartitionsResponseData describeTopicPartitions(Request request) {
        DescribeTopicPartitionsRequest body = request.body();
        DescribeTopicPartitionsRequestData data = body.data();
        DescribeTopicPartitionsResponseData response = new DescribeTopicPartitionsResponseData().setThrottleTimeMs(0);
        List<TopicInfo> topics = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        if (data.topics().isEmpty()) {
            topics.addAll(context.metadata().topics());
        } else {
            for (DescribeTopicPartitionsRequestData.TopicRequest t : data.topics()) {
                context.metadata().topic(t.name()).ifPresentOrElse(topics::add, () -> missing.add(t.name()));
            }
        }
        topics.sort(Comparator.comparing(TopicInfo::name));
        DescribeTopicPartitionsRequestData.Cursor cursor = data.cursor();
        int limit = data.responsePartitionLimit() > 0 ? data.responsePartitionLimit() : 2000;
        int emitted = 0;
        for (TopicInfo topic : topics) {
            if (cursor != null && topic.name().compareTo(cursor.topicName()) < 0) {
                continue;
            }
            int firstPartition = cursor != null && topic.name().equals(cursor.topicName()) ? cursor.partitionIndex() : 0;
            DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic rt =
                    new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic()
                            .setErrorCode(Errors.NONE.code()).setName(topic.name()).setTopicId(topic.id())
                            .setIsInternal(Topic.isInternal(topic.name()))
                            .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
            for (TopicInfo.PartitionAssignment a : topic.partitions()) {
                if (a.partition() < firstPartition) {
                    continue;
                }
                if (emitted == limit) {
                    response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor()
                            .setTopicName(topic.name()).setPartitionIndex(a.partition()));
                    if (!rt.partitions().isEmpty()) {
                        response.topics().add(rt);
                    }
                    return response;
                }
                rt.partitions().add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition()
                        .setErrorCode(Errors.NONE.code()).setPartitionIndex(a.partition()).setLeaderId(a.leader())
                        .setLeaderEpoch(a.leaderEpoch()).setReplicaNodes(new ArrayList<>(a.replicas()))
                        .setIsrNodes(new ArrayList<>(a.isr())).setEligibleLeaderReplicas(new ArrayList<>())
                        .setLastKnownElr(new ArrayList<>()).setOfflineReplicas(new ArrayList<>()));
                emitted++;
            }
            response.topics().add(rt);
        }
        for (String name : missing) {
            response.topics().add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic()
                    .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setName(name).setTopicId(Uuid.ZERO_UUID)
                    .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED));
        }
        return response;
    }
}
