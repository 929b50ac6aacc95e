package io.riffle.log.cluster;

import java.util.List;

import io.riffle.log.storage.AppendResult;
import io.riffle.log.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * The broker's view of one partition: its log and its replication state — leader, leader
 * epoch, replicas and in-sync replicas — in one place. Produce goes through
 * {@link #appendRecordsToLeader}, which enforces min.insync.replicas for acks=all and advances
 * the high watermark once every in-sync replica holds the records. On a single node the ISR is
 * this node alone, so the high watermark follows the log end; followers (replication) extend
 * this class, not its callers.
 *
 * <p>Thread-safety: replication state is replaced atomically (volatile); appends are
 * serialized by the log.
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final int localNodeId;
    private final PartitionLog log;
    private volatile State state;

    /** Replication state of the partition, replaced as a whole. */
    public record State(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr) {
    }

    public Partition(TopicPartition topicPartition, Uuid topicId, int localNodeId, PartitionLog log, State state) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.localNodeId = localNodeId;
        this.log = log;
        this.state = state;
        maybeIncrementHighWatermark();
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    public State state() {
        return state;
    }

    public void updateState(State newState) {
        this.state = newState;
        maybeIncrementHighWatermark();
    }

    public boolean isLeader() {
        return state.leader() == localNodeId;
    }

    public int leaderEpoch() {
        return state.leaderEpoch();
    }

    /**
     * Appends a producer's records as leader.
     *
     * @param requiredAcks -1 (all), 0 or 1
     */
    public AppendResult appendRecordsToLeader(MemoryRecords records, short requiredAcks) {
        return appendRecordsToLeader(records, requiredAcks, false);
    }

    /** @param fromCoordinator written by a coordinator on this node: producer sequences are not checked */
    public AppendResult appendRecordsToLeader(MemoryRecords records, short requiredAcks, boolean fromCoordinator) {
        State s = state;
        if (s.leader() != localNodeId) {
            return AppendResult.error(Errors.NOT_LEADER_OR_FOLLOWER, "Node " + localNodeId + " is not the leader of "
                    + topicPartition);
        }
        int minIsr = log.config().minInSyncReplicas();
        if (requiredAcks == -1 && s.isr().size() < minIsr) {
            return AppendResult.error(Errors.NOT_ENOUGH_REPLICAS, "The in-sync replicas of " + topicPartition + " ("
                    + s.isr().size() + ") are fewer than min.insync.replicas " + minIsr);
        }
        AppendResult result = log.appendAsLeader(records, s.leaderEpoch(), fromCoordinator);
        if (result.error() == Errors.NONE) {
            maybeIncrementHighWatermark();
        }
        return result;
    }

    /** Writes a transaction marker as leader (the transaction coordinator's WriteTxnMarkers). */
    public AppendResult appendEndTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit) {
        State s = state;
        if (s.leader() != localNodeId) {
            return AppendResult.error(Errors.NOT_LEADER_OR_FOLLOWER, "Node " + localNodeId + " is not the leader of "
                    + topicPartition);
        }
        AppendResult result = log.appendEndTxnMarker(producerId, producerEpoch, coordinatorEpoch, commit, s.leaderEpoch());
        if (result.error() == Errors.NONE) {
            maybeIncrementHighWatermark();
        }
        return result;
    }

    /** With this node as the only in-sync replica, everything appended is committed. */
    private void maybeIncrementHighWatermark() {
        State s = state;
        if (s.leader() == localNodeId && s.isr().size() == 1 && s.isr().get(0) == localNodeId) {
            log.highWatermarkToLogEnd();
        }
    }

    @Override
    public String toString() {
        return "Partition(" + topicPartition + ", " + state + ")";
    }
}
