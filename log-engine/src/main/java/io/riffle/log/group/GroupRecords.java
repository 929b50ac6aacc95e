package io.riffle.log.group;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.TopicPartition;

/**
 * The records Riffle keeps in {@code __consumer_offsets}: committed offsets and group metadata,
 * as compacted key/value pairs. The key says what the record is about (so compaction keeps the
 * latest per group or per group+partition); a null value deletes it.
 *
 * <p>Layout (big-endian; strings are int16 length + UTF-8, -1 for null; bytes int32 length):
 * <pre>
 *   key   = int16 type (0 = offset, 2 = group) , string group [, string topic, int32 partition]
 *   offset value = int16 version 0, int64 offset, int32 leader epoch, string metadata,
 *                  int64 commit time, int64 expire time (-1: none)
 *   group value  = int16 version 0, string protocol type, int32 generation, string protocol,
 *                  string leader, int64 state time, int32 member count, members…
 *   member       = string member id, string instance id, string client id, string client host,
 *                  int32 rebalance timeout, int32 session timeout, bytes subscription, bytes assignment
 * </pre>
 * Stateless.
 */
public final class GroupRecords {
    static final short OFFSET_KEY = 0;
    static final short GROUP_KEY = 2;

    private GroupRecords() {
    }

    /** A committed offset. */
    public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp,
                                  long expireTimestamp) {
    }

    /** A member as stored with its group. */
    public record StoredMember(String memberId, String groupInstanceId, String clientId, String clientHost,
                               int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }

    /** A group as stored after each rebalance and when it becomes empty. */
    public record StoredGroup(String protocolType, int generation, String protocol, String leader, long stateTimestamp,
                              List<StoredMember> members) {
    }

    /** A decoded key: an offset key has a partition, a group key does not. */
    public record Key(short type, String group, TopicPartition partition) {
    }

    public static byte[] offsetKey(String group, TopicPartition tp) {
        ByteBuffer b = ByteBuffer.allocate(2 + size(group) + size(tp.topic()) + 4);
        b.putShort(OFFSET_KEY);
        putString(b, group);
        putString(b, tp.topic());
        b.putInt(tp.partition());
        return b.array();
    }

    public static byte[] groupKey(String group) {
        ByteBuffer b = ByteBuffer.allocate(2 + size(group));
        b.putShort(GROUP_KEY);
        putString(b, group);
        return b.array();
    }

    public static Key readKey(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        short type = b.getShort();
        String group = getString(b);
        if (type == OFFSET_KEY) {
            String topic = getString(b);
            return new Key(type, group, new TopicPartition(topic, b.getInt()));
        }
        return new Key(type, group, null);
    }

    public static byte[] offsetValue(CommittedOffset o) {
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 4 + size(o.metadata()) + 8 + 8);
        b.putShort((short) 0).putLong(o.offset()).putInt(o.leaderEpoch());
        putString(b, o.metadata());
        b.putLong(o.commitTimestamp()).putLong(o.expireTimestamp());
        return b.array();
    }

    public static CommittedOffset readOffsetValue(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        b.getShort();
        long offset = b.getLong();
        int epoch = b.getInt();
        String metadata = getString(b);
        return new CommittedOffset(offset, epoch, metadata, b.getLong(), b.getLong());
    }

    public static byte[] groupValue(StoredGroup g) {
        int size = 2 + size(g.protocolType()) + 4 + size(g.protocol()) + size(g.leader()) + 8 + 4;
        for (StoredMember m : g.members()) {
            size += size(m.memberId()) + size(m.groupInstanceId()) + size(m.clientId()) + size(m.clientHost()) + 8
                    + 4 + len(m.subscription()) + 4 + len(m.assignment());
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort((short) 0);
        putString(b, g.protocolType());
        b.putInt(g.generation());
        putString(b, g.protocol());
        putString(b, g.leader());
        b.putLong(g.stateTimestamp());
        b.putInt(g.members().size());
        for (StoredMember m : g.members()) {
            putString(b, m.memberId());
            putString(b, m.groupInstanceId());
            putString(b, m.clientId());
            putString(b, m.clientHost());
            b.putInt(m.rebalanceTimeoutMs()).putInt(m.sessionTimeoutMs());
            putBytes(b, m.subscription());
            putBytes(b, m.assignment());
        }
        return b.array();
    }

    public static StoredGroup readGroupValue(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        b.getShort();
        String protocolType = getString(b);
        int generation = b.getInt();
        String protocol = getString(b);
        String leader = getString(b);
        long stateTimestamp = b.getLong();
        int n = b.getInt();
        List<StoredMember> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            members.add(new StoredMember(getString(b), getString(b), getString(b), getString(b), b.getInt(), b.getInt(),
                    getBytes(b), getBytes(b)));
        }
        return new StoredGroup(protocolType, generation, protocol, leader, stateTimestamp, members);
    }

    private static int size(String s) {
        return 2 + (s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length);
    }

    private static int len(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void putString(ByteBuffer b, String s) {
        if (s == null) {
            b.putShort((short) -1);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String getString(ByteBuffer b) {
        short n = b.getShort();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        if (bytes == null) {
            b.putInt(-1);
            return;
        }
        b.putInt(bytes.length).put(bytes);
    }

    private static byte[] getBytes(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return bytes;
    }
}
