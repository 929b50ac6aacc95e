package io.riffle.log.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import io.riffle.log.cluster.Partition;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.network.Request;
import io.riffle.log.network.Response;
import io.riffle.log.storage.FetchData;
import io.riffle.log.storage.LogOffsetMetadata;
import io.riffle.log.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;

/**
 * Fetch for consumers: reads each requested partition up to its high watermark, within the
 * request's and each partition's byte limits, and answers with segment slices that the network
 * layer sends with sendfile. When fewer than {@code min.bytes} are available the fetch parks in
 * {@link DelayedFetches} until data arrives or {@code max.wait.ms} passes. Sessionless: every
 * response has session id 0, so clients send full fetch requests.
 */
final class FetchApi {
    private final ApiContext context;
    private final DelayedFetches delayed;

    FetchApi(ApiContext context, DelayedFetches delayed) {
        this.context = context;
        this.delayed = delayed;
    }

    /** One requested partition, resolved. */
    private record Target(FetchResponseData.FetchableTopicResponse topicResponse, String topicName, Uuid topicId,
                          FetchRequestData.FetchPartition request, Partition partition, Errors error) {
    }

    void handle(Request request, Consumer<Response> respond) {
        FetchRequest body = request.body();
        FetchRequestData data = body.data();
        short version = request.version();
        List<Target> targets = resolve(data, version);
        Map<TopicPartition, LogOffsetMetadata> startPositions = new HashMap<>();
        FetchResponseData first = read(data, targets, startPositions);
        int bytes = totalBytes(first);
        boolean hasError = first.responses().stream().flatMap(t -> t.partitions().stream())
                .anyMatch(p -> p.errorCode() != Errors.NONE.code());
        if (data.maxWaitMs() <= 0 || bytes >= data.minBytes() || hasError || targets.isEmpty()) {
            respond.accept(Response.of(first));
            return;
        }
        Set<TopicPartition> watched = new HashSet<>();
        for (Target t : targets) {
            if (t.partition() != null) {
                watched.add(t.partition().topicPartition());
            }
        }
        boolean readCommitted = data.isolationLevel() == 1;
        delayed.park(watched, data.maxWaitMs(),
                () -> availableBytes(targets, startPositions, readCommitted) >= data.minBytes(),
                () -> respond.accept(Response.of(read(data, resolve(data, version), new HashMap<>()))));
    }

    private List<Target> resolve(FetchRequestData data, short version) {
        List<Target> targets = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : data.topics()) {
            boolean byId = version >= 13;
            Optional<TopicInfo> info = byId ? context.metadata().topic(topic.topicId())
                    : context.metadata().topic(topic.topic());
            FetchResponseData.FetchableTopicResponse tr = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(byId ? "" : topic.topic()).setTopicId(byId ? topic.topicId() : Uuid.ZERO_UUID);
            for (FetchRequestData.FetchPartition fp : topic.partitions()) {
                if (info.isEmpty()) {
                    targets.add(new Target(tr, topic.topic(), topic.topicId(), fp, null,
                            byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION));
                    continue;
                }
                TopicPartition tp = new TopicPartition(info.get().name(), fp.partition());
                Optional<Partition> partition = context.replicaManager().partition(tp);
                Errors error = Errors.NONE;
                if (partition.isEmpty()) {
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (!partition.get().isLeader()) {
                    error = Errors.NOT_LEADER_OR_FOLLOWER;
                } else if (fp.currentLeaderEpoch() >= 0) {
                    int epoch = partition.get().leaderEpoch();
                    if (fp.currentLeaderEpoch() < epoch) {
                        error = Errors.FENCED_LEADER_EPOCH;
                    } else if (fp.currentLeaderEpoch() > epoch) {
                        error = Errors.UNKNOWN_LEADER_EPOCH;
                    }
                }
                targets.add(new Target(tr, info.get().name(), info.get().id(), fp, partition.orElse(null), error));
            }
        }
        return targets;
    }

    private FetchResponseData read(FetchRequestData data, List<Target> targets,
                                   Map<TopicPartition, LogOffsetMetadata> startPositions) {
        FetchResponseData response = new FetchResponseData().setThrottleTimeMs(0)
                .setErrorCode(Errors.NONE.code()).setSessionId(0);
        int remaining = data.maxBytes() > 0 ? data.maxBytes() : Integer.MAX_VALUE;
        FetchResponseData.FetchableTopicResponse current = null;
        boolean minOneBatch = true;
        boolean readCommitted = data.isolationLevel() == 1;
        for (Target t : targets) {
            if (t.topicResponse() != current) {
                current = new FetchResponseData.FetchableTopicResponse()
                        .setTopic(t.topicResponse().topic()).setTopicId(t.topicResponse().topicId());
                response.responses().add(current);
            }
            FetchResponseData.PartitionData pd = new FetchResponseData.PartitionData()
                    .setPartitionIndex(t.request().partition())
                    .setHighWatermark(-1L).setLastStableOffset(-1L).setLogStartOffset(-1L)
                    .setPreferredReadReplica(-1)
                    .setRecords(MemoryRecords.EMPTY);
            current.partitions().add(pd);
            if (t.error() != Errors.NONE) {
                pd.setErrorCode(t.error().code());
                continue;
            }
            PartitionLog log = t.partition().log();
            LogOffsetMetadata hw = log.highWatermarkMetadata();
            LogOffsetMetadata lso = log.lastStableOffsetMetadata();
            LogOffsetMetadata bound = readCommitted ? lso : hw;
            pd.setHighWatermark(hw.offset()).setLastStableOffset(lso.offset()).setLogStartOffset(log.logStartOffset());
            try {
                int limit = Math.max(0, Math.min(remaining, t.request().partitionMaxBytes()));
                FetchData fetched = log.read(t.request().fetchOffset(), limit, bound, minOneBatch);
                if (fetched.sizeInBytes() > 0) {
                    minOneBatch = false; // only the first partition with data may exceed the limits
                }
                pd.setRecords(fetched.records());
                remaining = Math.max(0, remaining - fetched.sizeInBytes());
                startPositions.put(t.partition().topicPartition(), fetched.start().position() >= 0
                        ? fetched.start() : bound);
                if (readCommitted) {
                    List<FetchResponseData.AbortedTransaction> aborted = new ArrayList<>();
                    if (fetched.sizeInBytes() > 0) {
                        // Entries beyond the returned batches are harmless: the client matches them to batches.
                        for (var e : log.abortedTransactions(t.request().fetchOffset(), bound.offset())) {
                            aborted.add(new FetchResponseData.AbortedTransaction().setProducerId(e.producerId())
                                    .setFirstOffset(e.firstOffset()));
                        }
                    }
                    pd.setAbortedTransactions(aborted);
                }
                pd.setErrorCode(Errors.NONE.code());
            } catch (OffsetOutOfRangeException e) {
                pd.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
            }
        }
        return response;
    }

    private static int totalBytes(FetchResponseData response) {
        int total = 0;
        for (FetchResponseData.FetchableTopicResponse t : response.responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                total += p.records() == null ? 0 : p.records().sizeInBytes();
            }
        }
        return total;
    }

    /** Bytes now readable past where the parked fetch stood, estimated from positions. */
    private static long availableBytes(List<Target> targets, Map<TopicPartition, LogOffsetMetadata> startPositions,
                                       boolean readCommitted) {
        long total = 0;
        for (Target t : targets) {
            if (t.partition() == null) {
                continue;
            }
            LogOffsetMetadata hw = readCommitted ? t.partition().log().lastStableOffsetMetadata()
                    : t.partition().log().highWatermarkMetadata();
            LogOffsetMetadata start = startPositions.get(t.partition().topicPartition());
            if (start == null || hw.offset() <= t.request().fetchOffset()) {
                continue;
            }
            if (hw.segmentBaseOffset() == start.segmentBaseOffset() && start.position() >= 0) {
                total += Math.max(0, hw.position() - start.position());
            } else {
                total += Integer.MAX_VALUE; // a new segment: at least a batch is there
            }
        }
        return total;
    }
}
