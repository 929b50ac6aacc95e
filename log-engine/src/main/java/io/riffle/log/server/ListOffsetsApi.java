package io.riffle.log.server;

import java.io.IOException;
import java.util.Optional;

import io.riffle.log.cluster.Partition;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.network.Request;
import io.riffle.log.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/**
 * ListOffsets: the earliest offset, the latest (the high watermark), the offset of the
 * greatest timestamp, or the first offset at or after a timestamp, per partition.
 */
final class ListOffsetsApi {
    private final ApiContext context;

    ListOffsetsApi(ApiContext context) {
        this.context = context;
    }

    ListOffsetsResponseData handle(Request request) {
        ListOffsetsRequest body = request.body();
        ListOffsetsResponseData response = new ListOffsetsResponseData().setThrottleTimeMs(0);
        for (ListOffsetsRequestData.ListOffsetsTopic topic : body.data().topics()) {
            ListOffsetsResponseData.ListOffsetsTopicResponse tr = new ListOffsetsResponseData.ListOffsetsTopicResponse()
                    .setName(topic.name());
            Optional<TopicInfo> info = context.metadata().topic(topic.name());
            for (ListOffsetsRequestData.ListOffsetsPartition p : topic.partitions()) {
                ListOffsetsResponseData.ListOffsetsPartitionResponse pr =
                        new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                                .setPartitionIndex(p.partitionIndex())
                                .setTimestamp(-1L).setOffset(-1L).setLeaderEpoch(-1);
                tr.partitions().add(pr);
                Optional<Partition> partition = info.isEmpty() ? Optional.empty()
                        : context.replicaManager().partition(new TopicPartition(topic.name(), p.partitionIndex()));
                if (partition.isEmpty()) {
                    pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                Partition part = partition.get();
                if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != part.leaderEpoch()) {
                    pr.setErrorCode(p.currentLeaderEpoch() < part.leaderEpoch()
                            ? Errors.FENCED_LEADER_EPOCH.code() : Errors.UNKNOWN_LEADER_EPOCH.code());
                    continue;
                }
                try {
                    lookup(part, p.timestamp(), pr, body.data().isolationLevel() == 1);
                    pr.setErrorCode(Errors.NONE.code());
                } catch (IOException e) {
                    pr.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                }
            }
            response.topics().add(tr);
        }
        return response;
    }

    private static void lookup(Partition partition, long timestamp, ListOffsetsResponseData.ListOffsetsPartitionResponse pr,
                               boolean readCommitted) throws IOException {
        PartitionLog log = partition.log();
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            long hw = readCommitted ? log.lastStableOffset() : log.highWatermark();
            pr.setOffset(hw).setLeaderEpoch(log.epochCache().latest().map(e -> e.epoch()).orElse(partition.leaderEpoch()));
        } else if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP
                || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            long start = log.logStartOffset();
            pr.setOffset(start).setLeaderEpoch(epochAt(log, start, partition));
        } else if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
            Optional<FileRecords.TimestampAndOffset> max = log.offsetOfMaxTimestamp();
            max.ifPresent(m -> pr.setOffset(m.offset).setTimestamp(m.timestamp)
                    .setLeaderEpoch(m.leaderEpoch.orElse(epochAt(log, m.offset, partition))));
        } else if (timestamp == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP) {
            pr.setOffset(-1L);
        } else if (timestamp < 0) {
            pr.setOffset(-1L); // other special timestamps (pending upload) have no meaning without tiered storage
        } else {
            Optional<FileRecords.TimestampAndOffset> found = log.offsetForTimestamp(timestamp);
            found.ifPresent(f -> pr.setOffset(f.offset).setTimestamp(f.timestamp)
                    .setLeaderEpoch(f.leaderEpoch.orElse(epochAt(log, f.offset, partition))));
        }
    }

    private static int epochAt(PartitionLog log, long offset, Partition partition) {
        int epoch = log.epochCache().epochForOffset(offset);
        return epoch >= 0 ? epoch : partition.leaderEpoch();
    }
}
