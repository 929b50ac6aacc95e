package io.riffle.log.group;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.riffle.log.group.PartitionAssignor.SubscribedTopic;
import org.apache.kafka.common.Uuid;

/**
 * The value of a consumer-protocol group's record in {@code __consumer_offsets} (key type 3 in
 * {@link GroupRecords}): a whole snapshot of the group, written whenever it changes.
 *
 * <pre>
 *   value  = int16 version 0, int32 group epoch, int32 target epoch,
 *            int32 n, topics (string name, uuid id, int32 partitions)…, int32 n, members…
 *   member = string id, string instance id, string rack id, string client id, string client host,
 *            int32 rebalance timeout, int32 epoch, int32 previous epoch, int8 state,
 *            string server assignor, string regex, int32 n, topic names…,
 *            assigned (int32 n, (uuid, int32 partition, int32 assignment epoch)…),
 *            pending revocation (int32 n, (uuid, int32)…), target (int32 n, (uuid, int32)…)
 * </pre>
 * Strings are int16 length + UTF-8 (-1 for null); uuids two int64. Stateless.
 */
final class ConsumerGroupCodec {
    private ConsumerGroupCodec() {
    }

    static byte[] encode(ConsumerGroup g) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeShort(0);
            out.writeInt(g.groupEpoch);
            out.writeInt(g.targetEpoch);
            out.writeInt(g.subscribedTopics.size());
            for (SubscribedTopic t : g.subscribedTopics.values()) {
                writeString(out, t.name());
                writeUuid(out, t.id());
                out.writeInt(t.partitions());
            }
            out.writeInt(g.members.size());
            for (ConsumerGroupMember m : g.members.values()) {
                writeString(out, m.memberId);
                writeString(out, m.instanceId);
                writeString(out, m.rackId);
                writeString(out, m.clientId);
                writeString(out, m.clientHost);
                out.writeInt(m.rebalanceTimeoutMs);
                out.writeInt(m.memberEpoch);
                out.writeInt(m.previousMemberEpoch);
                out.writeByte(m.state.code);
                writeString(out, m.serverAssignor);
                writeString(out, m.subscribedTopicRegex);
                out.writeInt(m.subscribedTopicNames.size());
                for (String name : m.subscribedTopicNames) {
                    writeString(out, name);
                }
                Set<PartitionRef> assigned = new TreeSet<>(m.assigned.keySet());
                out.writeInt(assigned.size());
                for (PartitionRef p : assigned) {
                    writePartition(out, p);
                    out.writeInt(m.assigned.get(p));
                }
                writePartitions(out, m.pendingRevocation);
                writePartitions(out, new TreeSet<>(g.target(m.memberId)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static ConsumerGroup decode(String groupId, ByteBuffer buffer, long now) {
        ByteBuffer b = buffer.duplicate();
        b.getShort();
        ConsumerGroup g = new ConsumerGroup(groupId, now);
        g.groupEpoch = b.getInt();
        g.targetEpoch = b.getInt();
        int topics = b.getInt();
        Map<String, SubscribedTopic> subscribed = new LinkedHashMap<>();
        for (int i = 0; i < topics; i++) {
            SubscribedTopic t = new SubscribedTopic(readString(b), readUuid(b), b.getInt());
            subscribed.put(t.name(), t);
        }
        g.subscribedTopics = subscribed;
        int members = b.getInt();
        for (int i = 0; i < members; i++) {
            ConsumerGroupMember m = new ConsumerGroupMember(readString(b));
            m.instanceId = readString(b);
            m.rackId = readString(b);
            m.clientId = readString(b);
            m.clientHost = readString(b);
            m.rebalanceTimeoutMs = b.getInt();
            m.memberEpoch = b.getInt();
            m.previousMemberEpoch = b.getInt();
            m.state = ConsumerGroupMember.State.of(b.get());
            m.serverAssignor = readString(b);
            m.subscribedTopicRegex = readString(b);
            int names = b.getInt();
            List<String> topicNames = new ArrayList<>(names);
            for (int k = 0; k < names; k++) {
                topicNames.add(readString(b));
            }
            m.subscribedTopicNames = List.copyOf(topicNames);
            int assigned = b.getInt();
            for (int k = 0; k < assigned; k++) {
                m.assigned.put(readPartition(b), b.getInt());
            }
            m.pendingRevocation.addAll(readPartitions(b));
            g.targetAssignment.put(m.memberId, readPartitions(b));
            g.add(m);
        }
        g.lastStored = encode(g);
        return g;
    }

    private static void writePartitions(DataOutputStream out, Set<PartitionRef> partitions) throws IOException {
        out.writeInt(partitions.size());
        for (PartitionRef p : partitions) {
            writePartition(out, p);
        }
    }

    private static Set<PartitionRef> readPartitions(ByteBuffer b) {
        int n = b.getInt();
        Set<PartitionRef> out = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            out.add(readPartition(b));
        }
        return out;
    }

    private static void writePartition(DataOutputStream out, PartitionRef p) throws IOException {
        writeUuid(out, p.topicId());
        out.writeInt(p.partition());
    }

    private static PartitionRef readPartition(ByteBuffer b) {
        return new PartitionRef(readUuid(b), b.getInt());
    }

    private static void writeUuid(DataOutputStream out, Uuid id) throws IOException {
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    private static Uuid readUuid(ByteBuffer b) {
        return new Uuid(b.getLong(), b.getLong());
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeShort(-1);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeShort(bytes.length);
        out.write(bytes);
    }

    private static String readString(ByteBuffer b) {
        short n = b.getShort();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
