package io.riffle.log;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unmodified Kafka 4.3 consumers with {@code group.protocol=consumer} (KIP-848) form groups on
 * Riffle with server-side assignment: partitions are shared out and move when members leave or
 * die, committed offsets survive restarts, static members get their partitions back, the
 * AdminClient sees and manages the groups, and raw heartbeats get Kafka's error codes.
 */
class ConsumerProtocolGroupTest {
    private BrokerFixture fixture;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        fixture = new BrokerFixture(Map.of("offsets.topic.num.partitions", "5",
                "group.consumer.session.timeout.ms", "2000", "group.consumer.heartbeat.interval.ms", "300"));
        admin = fixture.admin();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private void createTopic(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }

    private void produceNumbers(String topic, int from, int to) {
        GroupWorker.produceNumbers(fixture, topic, from, to);
    }

    private KafkaConsumer<byte[], byte[]> member(String group, Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer"));
        settings.putAll(extra);
        return fixture.consumer(settings);
    }

    private final GroupWorker.Ledger ledger = new GroupWorker.Ledger();

    @ParameterizedTest(name = "serverAssignor={0}")
    @ValueSource(strings = {"uniform", "range"})
    void threeMembersShareSixPartitionsAndTheRestTakeOverWhenOneLeaves(String assignor) throws Exception {
        createTopic("numbers", 6);
        Map<String, Object> settings = Map.of(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, assignor);
        GroupWorker.threeMembersShareSixPartitionsThenOneLeaves(fixture, ledger, () -> member("g1", settings), () -> {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1");
            assertEquals(GroupType.CONSUMER, d.type());
            assertEquals(assignor, d.partitionAssignor());
        });
    }

    @Test
    void aNewMemberResumesFromCommittedOffsetsAlsoAfterABrokerRestart() throws Exception {
        createTopic("resume", 2);
        produceNumbers("resume", 0, 100);
        try (GroupWorker first = new GroupWorker(ledger, member("g2", Map.of()), "resume", true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.processed.size() == 100);
        }
        produceNumbers("resume", 100, 120);
        try (GroupWorker second = new GroupWorker(ledger, member("g2", Map.of()), "resume", true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> second.processed.size() >= 20);
            assertTrue(second.processed.stream().allMatch(n -> n >= 100), "resumed after the committed offsets");
        }
        fixture.restart();
        admin = fixture.admin();
        assertEquals(GroupState.EMPTY, admin.describeConsumerGroups(List.of("g2")).all().get().get("g2").groupState(),
                "the group survived the restart");
        produceNumbers("resume", 120, 170);
        try (GroupWorker third = new GroupWorker(ledger, member("g2", Map.of()), "resume", true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> third.processed.size() >= 50);
            assertEquals(50, third.processed.size());
            assertTrue(third.processed.stream().allMatch(n -> n >= 120), "resumed after the committed offsets");
        }
    }

    @Test
    void aMemberTheBrokerForgotIsFencedAndRejoinsAfterARestart() throws Exception {
        createTopic("forgotten", 1);
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            ConsumerGroupHeartbeatResponseData joined = heartbeat(wire, join("g9", "m1", "forgotten"));
            assertEquals(Errors.NONE.code(), joined.errorCode());
            assertEquals(1, joined.memberEpoch());
        }
        fixture.restart();
        admin = fixture.admin();
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            // the member survived the restart: its next heartbeat at its epoch goes on
            assertEquals(Errors.NONE.code(), heartbeat(wire, beat("g9", "m1", 1)).errorCode());
            // an epoch the broker never gave it is fenced
            assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), heartbeat(wire, beat("g9", "m1", 7)).errorCode());
            // a member it does not know must rejoin
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(wire, beat("g9", "ghost", 3)).errorCode());
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(wire, beat("no-such-group", "m1", 3)).errorCode());
        }
    }

    @Test
    void staticMembersRejoinAndGetTheirPartitionsBack() throws Exception {
        createTopic("static", 4);
        GroupWorker a = new GroupWorker(ledger, member("g3", Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "a")), "static", true);
        GroupWorker b = new GroupWorker(ledger, member("g3", Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "b")), "static", true);
        await().atMost(Duration.ofSeconds(30)).until(() -> a.assignment.size() == 2 && b.assignment.size() == 2);
        int epochBefore = admin.describeConsumerGroups(List.of("g3")).all().get().get("g3").groupEpoch().orElseThrow();
        Set<TopicPartition> bHad = Set.copyOf(b.assignment);
        // b's close is a temporary leave (epoch -2): it keeps its partitions until it is back
        b.close();
        Set<TopicPartition> aHad = Set.copyOf(a.assignment);
        GroupWorker b2 = new GroupWorker(ledger, member("g3", Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "b")), "static", true);
        await().atMost(Duration.ofSeconds(30)).until(() -> b2.assignment.equals(bHad));
        assertEquals(aHad, Set.copyOf(a.assignment), "the other member kept its partitions");
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("g3")).all().get().get("g3");
        assertEquals(epochBefore, d.groupEpoch().orElseThrow(), "no new group epoch");
        assertEquals(2, d.members().size());
        a.close();
        b2.close();
    }

    @Test
    void aMemberThatStopsHeartbeatingLosesItsPartitionsWithinTheSessionTimeout() throws Exception {
        createTopic("dead", 2);
        try (GroupWorker alive = new GroupWorker(ledger, member("g4", Map.of()), "dead", false);
             KafkaWire crashed = KafkaWire.connect(fixture.bootstrap())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> alive.assignment.size() == 2);
            // A second member joins on a raw connection, keeps heartbeating until it owns a partition...
            String memberId = Uuid.randomUuid().toString();
            ConsumerGroupHeartbeatResponseData r = heartbeat(crashed, join("g4", memberId, "dead"));
            assertEquals(Errors.NONE.code(), r.errorCode());
            ConsumerGroupHeartbeatResponseData[] last = {r};
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                ConsumerGroupHeartbeatResponseData next = heartbeat(crashed, beat("g4", memberId, last[0].memberEpoch())
                        .setTopicPartitions(List.of()));
                assertEquals(Errors.NONE.code(), next.errorCode());
                last[0] = next;
                return next.assignment() != null && !next.assignment().topicPartitions().isEmpty();
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> alive.assignment.size() == 1);
            // ...then "crashes": it never heartbeats again, and after the 2 s session timeout the survivor owns all
            await().atMost(Duration.ofSeconds(20)).until(() -> alive.assignment.size() == 2);
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(crashed, beat("g4", memberId, last[0].memberEpoch()))
                    .errorCode(), "the dead member is gone");
        }
    }

    @Test
    void heartbeatsGetKafkasErrorCodes() throws Exception {
        createTopic("errors", 2);
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            assertEquals(Errors.UNSUPPORTED_ASSIGNOR.code(),
                    heartbeat(wire, join("g7", "m1", "errors").setServerAssignor("sticky")).errorCode());
            assertEquals(Errors.INVALID_REQUEST.code(), heartbeat(wire, join("g7", "", "errors")).errorCode(),
                    "v1 members generate their id");
            assertEquals(Errors.INVALID_REQUEST.code(), heartbeat(wire, join("g7", "m1", "errors")
                    .setRebalanceTimeoutMs(-1)).errorCode(), "the first heartbeat carries everything");
            assertEquals(Errors.INVALID_REQUEST.code(), heartbeat(wire, beat("g7", "m1", -3)).errorCode());

            ConsumerGroupHeartbeatResponseData joined = heartbeat(wire, join("g7", "m1", "errors"));
            assertEquals(Errors.NONE.code(), joined.errorCode());
            assertEquals(1, joined.memberEpoch());
            assertEquals(300, joined.heartbeatIntervalMs());
            assertEquals(2, joined.assignment().topicPartitions().get(0).partitions().size());
            assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), heartbeat(wire, beat("g7", "m1", 5)).errorCode());
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(wire, beat("g7", "nobody", 1)).errorCode());

            // v0: the coordinator makes the member id
            ConsumerGroupHeartbeatResponse v0 = wire.send(new ConsumerGroupHeartbeatRequest.Builder(
                    join("g7", "", "errors"), true), (short) 0);
            assertEquals(Errors.NONE.code(), v0.data().errorCode());
            assertFalse(v0.data().memberId().isEmpty());

            // offsets: the member's epoch is checked
            assertEquals(Errors.STALE_MEMBER_EPOCH, commit(wire, "g7", 9, "m1"));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, commit(wire, "g7", 1, "intruder"));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, commit(wire, "g7", -1, ""), "an admin commit into a live group");

            // a static member's instance id cannot be taken while it is in use
            assertEquals(Errors.NONE.code(), heartbeat(wire, join("g8", "s1", "errors").setInstanceId("i1")).errorCode());
            assertEquals(Errors.UNRELEASED_INSTANCE_ID.code(),
                    heartbeat(wire, join("g8", "s2", "errors").setInstanceId("i1")).errorCode());

            // the protocols do not take over each other's live groups
            JoinGroupRequestData classic = new JoinGroupRequestData().setGroupId("g7").setMemberId("")
                    .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer");
            classic.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                    .setMetadata(new byte[0]));
            JoinGroupResponse refused = wire.send(new JoinGroupRequest.Builder(classic), (short) 9);
            assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL, refused.error());
        }
    }

    @Test
    void aClassicGroupWithMembersIsNotTakenOverButAnEmptyOneIs() throws Exception {
        createTopic("upgrade", 2);
        produceNumbers("upgrade", 0, 10);
        Map<String, Object> classic = Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        try (GroupWorker old = new GroupWorker(ledger, member("g10", classic), "upgrade", true);
             KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> old.processed.size() == 10);
            assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), heartbeat(wire, join("g10", "m1", "upgrade")).errorCode());
        }
        // the classic group is empty now: a consumer-protocol member takes it over, with its committed offsets
        produceNumbers("upgrade", 10, 20);
        try (GroupWorker upgraded = new GroupWorker(ledger, member("g10", Map.of()), "upgrade", true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> upgraded.processed.size() >= 10);
            assertTrue(upgraded.processed.stream().allMatch(n -> n >= 10), "resumed from the classic group's offsets");
        }
        assertEquals(GroupType.CONSUMER, admin.describeConsumerGroups(List.of("g10")).all().get().get("g10").type());
    }

    @Test
    void adminListsDescribesAltersAndDeletesGroups() throws Exception {
        createTopic("admin-g", 3);
        produceNumbers("admin-g", 0, 30);
        GroupWorker w = new GroupWorker(ledger, member("g5", Map.of()), "admin-g", true);
        await().atMost(Duration.ofSeconds(30)).until(() -> w.processed.size() == 30);
        Collection<GroupListing> groups = admin.listGroups().all().get();
        GroupListing listed = groups.stream().filter(g -> g.groupId().equals("g5")).findFirst().orElseThrow();
        assertEquals(GroupType.CONSUMER, listed.type().orElseThrow());
        assertEquals("consumer", listed.protocol());
        assertTrue(admin.listGroups(new ListGroupsOptions().withTypes(Set.of(GroupType.CLASSIC))).all().get().stream()
                .noneMatch(g -> g.groupId().equals("g5")), "the types filter applies");
        assertTrue(admin.listGroups(ListGroupsOptions.forConsumerGroups().inGroupStates(Set.of(GroupState.STABLE)))
                .all().get().stream().anyMatch(g -> g.groupId().equals("g5")), "the states filter applies");
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("g5")).all().get().get("g5");
        assertEquals(GroupState.STABLE, d.groupState());
        assertEquals(GroupType.CONSUMER, d.type());
        assertEquals(1, d.members().size());
        MemberDescription m = d.members().iterator().next();
        assertEquals(3, m.assignment().topicPartitions().size());
        assertEquals(3, m.targetAssignment().orElseThrow().topicPartitions().size());
        assertTrue(m.memberEpoch().orElseThrow() > 0);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g5")
                .partitionsToOffsetAndMetadata().get();
        assertEquals(30, committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum());

        assertInstanceOf(GroupNotEmptyException.class, assertThrows(ExecutionException.class,
                () -> admin.deleteConsumerGroups(List.of("g5")).all().get()).getCause());
        w.close();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                admin.describeConsumerGroups(List.of("g5")).all().get().get("g5").groupState() == GroupState.EMPTY);
        TopicPartition p0 = new TopicPartition("admin-g", 0);
        admin.alterConsumerGroupOffsets("g5", Map.of(p0, new OffsetAndMetadata(0))).all().get();
        assertEquals(0, admin.listConsumerGroupOffsets("g5").partitionsToOffsetAndMetadata().get().get(p0).offset());
        admin.deleteConsumerGroups(List.of("g5")).all().get();
        assertFalse(admin.listGroups().all().get().stream().anyMatch(g -> g.groupId().equals("g5")));
        assertNull(admin.listConsumerGroupOffsets("g5").partitionsToOffsetAndMetadata().get().get(p0));
    }

    private static ConsumerGroupHeartbeatRequestData join(String group, String memberId, String topic) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(memberId).setMemberEpoch(0)
                .setRebalanceTimeoutMs(10_000).setSubscribedTopicNames(List.of(topic)).setTopicPartitions(List.of());
    }

    private static ConsumerGroupHeartbeatRequestData beat(String group, String memberId, int epoch) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(memberId).setMemberEpoch(epoch);
    }

    private static ConsumerGroupHeartbeatResponseData heartbeat(KafkaWire wire, ConsumerGroupHeartbeatRequestData data)
            throws Exception {
        ConsumerGroupHeartbeatResponse response = wire.send(new ConsumerGroupHeartbeatRequest.Builder(data), (short) 1);
        return response.data();
    }

    private static Errors commit(KafkaWire wire, String group, int epoch, String memberId) throws Exception {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group)
                .setGenerationIdOrMemberEpoch(epoch).setMemberId(memberId);
        data.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("errors")
                .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                        .setCommittedOffset(3))));
        OffsetCommitResponse response = wire.send(OffsetCommitRequest.Builder.forTopicNames(data), (short) 9);
        return Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode());
    }
}
