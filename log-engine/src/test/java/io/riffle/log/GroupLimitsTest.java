package io.riffle.log;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits of the group coordinator answer with Kafka's errors: group.max.size, oversized
 * assignments and commit metadata, bad session timeouts; and offsets of an empty group expire
 * after offsets.retention.minutes.
 */
class GroupLimitsTest {
    private BrokerFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new BrokerFixture(Map.of("group.initial.rebalance.delay.ms", "0", "group.max.size", "2",
                "offsets.topic.num.partitions", "3", "offsets.retention.minutes", "1",
                "offsets.retention.check.interval.ms", "100", "group.min.session.timeout.ms", "1000",
                "socket.request.max.bytes", "8000000"));
        fixture.admin().createTopics(List.of(new NewTopic("limits", 1, (short) 1))).all().get();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private static JoinGroupRequestData join(String group, String memberId, int sessionTimeoutMs) {
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setSessionTimeoutMs(sessionTimeoutMs).setRebalanceTimeoutMs(5000).setProtocolType("consumer");
        data.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return data;
    }

    @Test
    void aGroupPastItsMaximumSizeRefusesANewMember() throws Exception {
        try (KafkaWire a = KafkaWire.connect(fixture.bootstrap()); KafkaWire b = KafkaWire.connect(fixture.bootstrap());
             KafkaWire c = KafkaWire.connect(fixture.bootstrap())) {
            JoinGroupResponse ja = a.send(new JoinGroupRequest.Builder(join("full", "", 10_000)), (short) 3);
            assertEquals(Errors.NONE, ja.error()); // v3 joins without the member-id round trip
            // b's join waits for a to rejoin; a's rejoin completes the rebalance for both
            Thread rejoin = new Thread(() -> {
                try {
                    a.send(new JoinGroupRequest.Builder(join("full", ja.data().memberId(), 10_000)), (short) 3);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            JoinGroupResponse[] jb = new JoinGroupResponse[1];
            Thread joinB = new Thread(() -> {
                try {
                    jb[0] = b.send(new JoinGroupRequest.Builder(join("full", "", 10_000)), (short) 3);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            joinB.start();
            rejoin.start();
            joinB.join(20_000);
            rejoin.join(20_000);
            assertEquals(Errors.NONE, jb[0].error());
            JoinGroupResponse jc = c.send(new JoinGroupRequest.Builder(join("full", "", 10_000)), (short) 3);
            assertEquals(Errors.GROUP_MAX_SIZE_REACHED, jc.error());
        }
    }

    @Test
    void aSessionTimeoutOutsideTheBrokersBoundsIsRefused() throws Exception {
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            JoinGroupResponse r = wire.send(new JoinGroupRequest.Builder(join("bounds", "", 10)), (short) 9);
            assertEquals(Errors.INVALID_SESSION_TIMEOUT, r.error());
        }
    }

    @Test
    void anOversizedAssignmentIsAnErrorNotAnOutage() throws Exception {
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            JoinGroupResponse j = wire.send(new JoinGroupRequest.Builder(join("huge", "", 10_000)), (short) 3);
            assertEquals(Errors.NONE, j.error());
            SyncGroupRequestData sync = new SyncGroupRequestData().setGroupId("huge").setMemberId(j.data().memberId())
                    .setGenerationId(j.data().generationId());
            sync.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment()
                    .setMemberId(j.data().memberId()).setAssignment(new byte[3_000_000]));
            SyncGroupResponse r = wire.send(new SyncGroupRequest.Builder(sync), (short) 3);
            assertEquals(Errors.UNKNOWN_SERVER_ERROR, r.error(), "as Kafka answers a group record too large to store");
            OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("meta").setGenerationIdOrMemberEpoch(-1);
            commit.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("limits")
                    .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                            .setCommittedOffset(1).setCommittedMetadata("m".repeat(5000)))));
            OffsetCommitResponse cr = wire.send(OffsetCommitRequest.Builder.forTopicNames(commit), (short) 8);
            assertEquals(Errors.OFFSET_METADATA_TOO_LARGE.code(),
                    cr.data().topics().get(0).partitions().get(0).errorCode());
        }
        assertTrue(fixture.admin().listTopics().names().get().contains("limits"), "the broker is fine");
    }

    @Test
    void offsetsOfAnEmptyGroupExpireAfterTheRetentionPeriod() throws Exception {
        // retention is 1 minute; commit with an explicit retention (OffsetCommit v2-v4) of 200 ms to see it expire
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("expiring")
                    .setGenerationIdOrMemberEpoch(-1).setRetentionTimeMs(200);
            commit.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("limits")
                    .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                            .setCommittedOffset(1))));
            OffsetCommitResponse cr = wire.send(OffsetCommitRequest.Builder.forTopicNames(commit), (short) 4);
            assertEquals(Errors.NONE.code(), cr.data().topics().get(0).partitions().get(0).errorCode());
        }
        await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                fixture.admin().listConsumerGroupOffsets("expiring").partitionsToOffsetAndMetadata().get().isEmpty());
    }
}
