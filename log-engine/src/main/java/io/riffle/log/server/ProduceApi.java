package io.riffle.log.server;

import java.io.IOException;
import java.util.Optional;

import io.riffle.log.cluster.Partition;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.network.Request;
import io.riffle.log.network.Response;
import io.riffle.log.storage.AppendResult;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce and InitProducerId. A produce request's record sets are appended as the producer
 * framed them (views of the request frame, no copy); acks=all is answered once the in-sync
 * replicas hold the records — on one node, at once. With acks=0 nothing is answered, and a
 * failed append closes the connection so the producer refreshes its metadata, as Kafka does.
 */
final class ProduceApi {
    private static final Logger log = LoggerFactory.getLogger(ProduceApi.class);
    private final ApiContext context;

    ProduceApi(ApiContext context) {
        this.context = context;
    }

    Response handle(Request request) {
        ProduceRequest body = request.body();
        ProduceRequestData data = body.data();
        short acks = data.acks();
        short version = request.version();
        ProduceResponseData response = new ProduceResponseData().setThrottleTimeMs(0);
        boolean anyError = false;
        boolean validAcks = acks == -1 || acks == 0 || acks == 1;
        for (ProduceRequestData.TopicProduceData topicData : data.topicData()) {
            Optional<TopicInfo> topic = topicData.name() != null && !topicData.name().isEmpty()
                    ? context.metadata().topic(topicData.name())
                    : context.metadata().topic(topicData.topicId());
            ProduceResponseData.TopicProduceResponse topicResponse = new ProduceResponseData.TopicProduceResponse()
                    .setName(topicData.name()).setTopicId(topicData.topicId());
            for (ProduceRequestData.PartitionProduceData partitionData : topicData.partitionData()) {
                ProduceResponseData.PartitionProduceResponse pr = new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(partitionData.index())
                        .setBaseOffset(-1L).setLogAppendTimeMs(-1L).setLogStartOffset(-1L);
                Errors error;
                String message = null;
                if (!validAcks) {
                    error = Errors.INVALID_REQUIRED_ACKS;
                } else if (topic.isEmpty()) {
                    error = version >= 13 && (topicData.name() == null || topicData.name().isEmpty())
                            ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else {
                    TopicPartition tp = new TopicPartition(topic.get().name(), partitionData.index());
                    AppendResult result = appendPartition(tp, (MemoryRecords) partitionData.records(), acks);
                    error = result.error();
                    message = result.errorMessage();
                    if (error == Errors.NONE) {
                        pr.setBaseOffset(result.firstOffset())
                                .setLogAppendTimeMs(result.logAppendTime())
                                .setLogStartOffset(result.logStartOffset());
                    }
                }
                if (error != Errors.NONE) {
                    anyError = true;
                    if (error == Errors.NOT_LEADER_OR_FOLLOWER && version >= 10 && topic.isPresent()) {
                        Optional<Partition> p = context.replicaManager().partition(
                                new TopicPartition(topic.get().name(), partitionData.index()));
                        p.ifPresent(part -> pr.setCurrentLeader(new ProduceResponseData.LeaderIdAndEpoch()
                                .setLeaderId(part.state().leader()).setLeaderEpoch(part.leaderEpoch())));
                    }
                }
                topicResponse.partitionResponses().add(pr.setErrorCode(error.code()).setErrorMessage(message));
            }
            response.responses().add(topicResponse);
        }
        if (acks == 0) {
            return anyError ? Response.close() : Response.none();
        }
        if (version >= 10) {
            for (var topicResponse : response.responses()) {
                boolean needsLeader = topicResponse.partitionResponses().stream()
                        .anyMatch(p -> p.errorCode() == Errors.NOT_LEADER_OR_FOLLOWER.code());
                if (needsLeader) {
                    response.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint()
                            .setNodeId(context.config().nodeId()).setHost(context.advertisedHost() == null
                                    ? "localhost" : context.advertisedHost())
                            .setPort(context.advertisedPort().getAsInt()));
                    break;
                }
            }
        }
        return Response.of(response);
    }

    private AppendResult appendPartition(TopicPartition tp, MemoryRecords records, short acks) {
        if (records == null) {
            return AppendResult.error(Errors.CORRUPT_MESSAGE, "No records");
        }
        try {
            return context.replicaManager().append(tp, records, acks);
        } catch (RuntimeException e) {
            log.error("Append to {} failed", tp, e);
            return AppendResult.error(Errors.forException(e) == Errors.UNKNOWN_SERVER_ERROR
                    ? Errors.UNKNOWN_SERVER_ERROR : Errors.forException(e), e.getMessage());
        }
    }

    InitProducerIdResponseData initProducerId(Request request) {
        InitProducerIdRequest body = request.body();
        InitProducerIdRequestData data = body.data();
        InitProducerIdResponseData response = new InitProducerIdResponseData().setThrottleTimeMs(0)
                .setProducerId(-1L).setProducerEpoch((short) -1);
        try {
            return response.setErrorCode(Errors.NONE.code())
                    .setProducerId(context.producerIds().nextProducerId())
                    .setProducerEpoch((short) 0);
        } catch (IOException e) {
            log.error("Could not reserve producer ids", e);
            return response.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }

}
