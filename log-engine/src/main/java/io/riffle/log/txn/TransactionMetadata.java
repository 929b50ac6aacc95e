package io.riffle.log.txn;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;

/**
 * The coordinator's state of one transactional id: its producer id and epoch, the partitions of
 * its open transaction and where that transaction stands:
 *
 * <pre>
 *   EMPTY ──AddPartitions──▶ ONGOING ──EndTxn──▶ PREPARE_COMMIT ──markers written──▶ COMPLETE_COMMIT
 *     ▲                        │  └───EndTxn(abort) / timeout / fence──▶ PREPARE_ABORT ──▶ COMPLETE_ABORT
 *     └───────── next AddPartitions starts a new transaction from either COMPLETE state ◀──────┘
 * </pre>
 *
 * <p>Not thread-safe: guarded by its own monitor, which the coordinator holds.
 */
final class TransactionMetadata {
    enum State {
        EMPTY("Empty"), ONGOING("Ongoing"), PREPARE_COMMIT("PrepareCommit"), PREPARE_ABORT("PrepareAbort"),
        COMPLETE_COMMIT("CompleteCommit"), COMPLETE_ABORT("CompleteAbort"), DEAD("Dead");

        final String wireName;

        State(String wireName) {
            this.wireName = wireName;
        }

        boolean prepared() {
            return this == PREPARE_COMMIT || this == PREPARE_ABORT;
        }

        boolean complete() {
            return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
        }
    }

    final String transactionalId;
    long producerId;
    short producerEpoch;
    int timeoutMs;
    State state = State.EMPTY;
    final Set<TopicPartition> partitions = new LinkedHashSet<>();
    long txnStartTimestamp = -1L;
    long lastUpdateTimestamp;

    TransactionMetadata(String transactionalId, long producerId, short producerEpoch, int timeoutMs, long now) {
        this.transactionalId = transactionalId;
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.timeoutMs = timeoutMs;
        this.lastUpdateTimestamp = now;
    }

    /** A copy to persist before applying a change (the change applies only if the write succeeds). */
    TransactionMetadata copy() {
        TransactionMetadata c = new TransactionMetadata(transactionalId, producerId, producerEpoch, timeoutMs,
                lastUpdateTimestamp);
        c.state = state;
        c.partitions.addAll(partitions);
        c.txnStartTimestamp = txnStartTimestamp;
        return c;
    }

    void copyFrom(TransactionMetadata other) {
        producerId = other.producerId;
        producerEpoch = other.producerEpoch;
        timeoutMs = other.timeoutMs;
        state = other.state;
        partitions.clear();
        partitions.addAll(other.partitions);
        txnStartTimestamp = other.txnStartTimestamp;
        lastUpdateTimestamp = other.lastUpdateTimestamp;
    }

    static byte[] key(String transactionalId) {
        byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + 2 + id.length).putShort((short) 0).putShort((short) id.length).put(id).array();
    }

    static String readKey(ByteBuffer key) {
        ByteBuffer b = key.duplicate();
        b.getShort();
        byte[] id = new byte[b.getShort()];
        b.get(id);
        return new String(id, StandardCharsets.UTF_8);
    }

    byte[] value() {
        int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
        for (TopicPartition tp : partitions) {
            size += 2 + tp.topic().getBytes(StandardCharsets.UTF_8).length + 4;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort((short) 0).putLong(producerId).putShort(producerEpoch).putInt(timeoutMs).put((byte) state.ordinal());
        b.putInt(partitions.size());
        for (TopicPartition tp : partitions) {
            byte[] topic = tp.topic().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) topic.length).put(topic).putInt(tp.partition());
        }
        b.putLong(txnStartTimestamp).putLong(lastUpdateTimestamp);
        return b.array();
    }

    static TransactionMetadata read(String transactionalId, ByteBuffer value) {
        ByteBuffer b = value.duplicate();
        b.getShort();
        long pid = b.getLong();
        short epoch = b.getShort();
        int timeout = b.getInt();
        State state = State.values()[b.get()];
        int n = b.getInt();
        TransactionMetadata m = new TransactionMetadata(transactionalId, pid, epoch, timeout, 0L);
        for (int i = 0; i < n; i++) {
            byte[] topic = new byte[b.getShort()];
            b.get(topic);
            m.partitions.add(new TopicPartition(new String(topic, StandardCharsets.UTF_8), b.getInt()));
        }
        m.state = state;
        m.txnStartTimestamp = b.getLong();
        m.lastUpdateTimestamp = b.getLong();
        return m;
    }
}
