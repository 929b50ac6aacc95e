package io.riffle.log.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.riffle.log.cluster.Partition;
import io.riffle.log.network.Request;
import io.riffle.log.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteRecords, DescribeLogDirs and OffsetForLeaderEpoch: requests about a partition's log as
 * a whole rather than its records, answered per partition with Kafka 4.3's error codes.
 *
 * <p>Thread-safe: stateless; each log guards its own state.
 */
final class LogApis {
    private static final Logger log = LoggerFactory.getLogger(LogApis.class);

    private final ApiContext context;

    LogApis(ApiContext context) {
        this.context = context;
    }

    // ---------------------------------------------------------------- DeleteRecords

    DeleteRecordsResponseData deleteRecords(Request request) {
        DeleteRecordsRequest body = request.body();
        DeleteRecordsResponseData response = new DeleteRecordsResponseData().setThrottleTimeMs(0);
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : body.data().topics()) {
            DeleteRecordsResponseData.DeleteRecordsTopicResult tr = response.topics().find(topic.name());
            if (tr == null) {
                tr = new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.name());
                response.topics().add(tr);
            }
            for (DeleteRecordsRequestData.DeleteRecordsPartition p : topic.partitions()) {
                DeleteRecordsResponseData.DeleteRecordsPartitionResult pr =
                        new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                                .setPartitionIndex(p.partitionIndex())
                                .setLowWatermark(DeleteRecordsResponse.INVALID_LOW_WATERMARK);
                deleteOne(new TopicPartition(topic.name(), p.partitionIndex()), p.offset(), pr);
                DeleteRecordsResponseData.DeleteRecordsPartitionResult previous = tr.partitions().find(p.partitionIndex());
                if (previous != null) {
                    tr.partitions().remove(previous); // a partition named twice: the last request wins, as in Kafka's map
                }
                tr.partitions().add(pr);
            }
        }
        return response;
    }

    private void deleteOne(TopicPartition tp, long offset, DeleteRecordsResponseData.DeleteRecordsPartitionResult pr) {
        Optional<Partition> partition = context.replicaManager().partition(tp);
        if (partition.isEmpty()) {
            pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            return;
        }
        if (Topic.isInternal(tp.topic())) {
            pr.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
            return;
        }
        Partition part = partition.get();
        if (!part.isLeader()) {
            pr.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
            return;
        }
        PartitionLog partitionLog = part.log();
        if (!partitionLog.config().delete()) {
            // a compacted log keeps the latest record of every key; deleting a prefix would break that promise
            pr.setErrorCode(Errors.POLICY_VIOLATION.code());
            return;
        }
        long target = offset == DeleteRecordsRequest.HIGH_WATERMARK ? partitionLog.highWatermark() : offset;
        if (target < 0) {
            pr.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
            return;
        }
        try {
            long lowWatermark = partitionLog.deleteRecordsBefore(target);
            pr.setLowWatermark(lowWatermark).setErrorCode(Errors.NONE.code());
        } catch (OffsetOutOfRangeException e) {
            pr.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
        } catch (IOException e) {
            log.error("DeleteRecords on {} before {} failed", tp, target, e);
            pr.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }

    // ---------------------------------------------------------------- DescribeLogDirs

    DescribeLogDirsResponseData describeLogDirs(Request request) {
        DescribeLogDirsRequest body = request.body();
        Set<TopicPartition> wanted = null;
        if (!body.isAllTopicPartitions()) {
            wanted = new HashSet<>();
            for (DescribeLogDirsRequestData.DescribableLogDirTopic t : body.data().topics()) {
                for (int p : t.partitions()) {
                    wanted.add(new TopicPartition(t.topic(), p));
                }
            }
        }
        Map<String, List<DescribeLogDirsResponseData.DescribeLogDirsPartition>> byTopic = new LinkedHashMap<>();
        List<PartitionLog> logs = new ArrayList<>(context.logManager().allLogs());
        logs.sort((a, b) -> a.topicPartition().toString().compareTo(b.topicPartition().toString()));
        for (PartitionLog partitionLog : logs) {
            TopicPartition tp = partitionLog.topicPartition();
            if (wanted != null && !wanted.contains(tp)) {
                continue;
            }
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(
                    new DescribeLogDirsResponseData.DescribeLogDirsPartition()
                            .setPartitionIndex(tp.partition())
                            .setPartitionSize(partitionLog.size())
                            .setOffsetLag(0) // the only replica is the current one
                            .setIsFutureKey(false));
        }
        List<DescribeLogDirsResponseData.DescribeLogDirsTopic> topics = new ArrayList<>();
        byTopic.forEach((name, partitions) -> topics.add(
                new DescribeLogDirsResponseData.DescribeLogDirsTopic().setName(name).setPartitions(partitions)));
        Path dir = context.logManager().dataDir().toAbsolutePath();
        DescribeLogDirsResponseData.DescribeLogDirsResult result = new DescribeLogDirsResponseData.DescribeLogDirsResult()
                .setLogDir(dir.toString())
                .setErrorCode(Errors.NONE.code())
                .setTopics(topics);
        if (request.version() >= 4) {
            result.setTotalBytes(spaceOrMax(dir.toFile().getTotalSpace()))
                    .setUsableBytes(spaceOrMax(dir.toFile().getUsableSpace()));
        }
        List<DescribeLogDirsResponseData.DescribeLogDirsResult> results = new ArrayList<>();
        results.add(result);
        return new DescribeLogDirsResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code()).setResults(results);
    }

    /** File systems larger than Long.MAX_VALUE bytes report a negative size (Kafka's adjustForLargeFileSystems). */
    private static long spaceOrMax(long bytes) {
        return bytes < 0 ? Long.MAX_VALUE : bytes;
    }

    // ---------------------------------------------------------------- OffsetForLeaderEpoch

    OffsetForLeaderEpochResponseData offsetForLeaderEpoch(Request request) {
        OffsetsForLeaderEpochRequest body = request.body();
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData().setThrottleTimeMs(0);
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : body.data().topics()) {
            OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult tr = response.topics().find(topic.topic());
            if (tr == null) {
                tr = new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(topic.topic());
                response.topics().add(tr);
            }
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : topic.partitions()) {
                tr.partitions().add(endOffset(new TopicPartition(topic.topic(), p.partition()),
                        p.currentLeaderEpoch(), p.leaderEpoch()));
            }
        }
        return response;
    }

    private OffsetForLeaderEpochResponseData.EpochEndOffset endOffset(TopicPartition tp, int currentLeaderEpoch,
                                                                      int leaderEpoch) {
        OffsetForLeaderEpochResponseData.EpochEndOffset result = new OffsetForLeaderEpochResponseData.EpochEndOffset()
                .setPartition(tp.partition()).setLeaderEpoch(-1).setEndOffset(-1L);
        Optional<Partition> partition = context.replicaManager().partition(tp);
        if (partition.isEmpty()) {
            return result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        Partition part = partition.get();
        int epoch = part.leaderEpoch();
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch != epoch) {
            return result.setErrorCode(currentLeaderEpoch < epoch
                    ? Errors.FENCED_LEADER_EPOCH.code() : Errors.UNKNOWN_LEADER_EPOCH.code());
        }
        if (!part.isLeader()) {
            return result.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        }
        PartitionLog partitionLog = part.log();
        long[] found = partitionLog.epochCache().endOffsetFor(leaderEpoch, partitionLog.logEndOffset());
        result.setErrorCode(Errors.NONE.code());
        if (found[1] >= 0) {
            result.setLeaderEpoch((int) found[0]).setEndOffset(found[1]);
        }
        return result;
    }
}
