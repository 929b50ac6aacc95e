package io.riffle.log;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unmodified Kafka consumers form groups on Riffle: partitions are shared out, reassigned when
 * members leave or die, committed offsets survive restarts, static members rejoin without a
 * rebalance, and the AdminClient sees and manages groups.
 */
class ConsumerGroupTest {
    private BrokerFixture fixture;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        fixture = new BrokerFixture(Map.of("group.initial.rebalance.delay.ms", "0",
                "group.min.session.timeout.ms", "500", "offsets.topic.num.partitions", "5"));
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
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500));
        settings.putAll(extra);
        return fixture.consumer(settings);
    }

    private final GroupWorker.Ledger ledger = new GroupWorker.Ledger();

    @ParameterizedTest(name = "assignor={0}")
    @ValueSource(strings = {"range", "cooperative-sticky"})
    void threeMembersShareSixPartitionsAndTheRestTakeOverWhenOneLeaves(String assignor) throws Exception {
        createTopic("numbers", 6);
        Map<String, Object> settings = assignor.equals("range") ? Map.of()
                : Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        GroupWorker.threeMembersShareSixPartitionsThenOneLeaves(fixture, ledger, () -> member("g1", settings), () -> { });
    }

    @Test
    void aNewMemberResumesFromCommittedOffsetsAlsoAfterABrokerRestart() throws Exception {
        createTopic("resume", 2);
        produceNumbers("resume", 0, 100);
        try (GroupWorker first = new GroupWorker(ledger, member("g2", Map.of()), "resume", true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.processed.size() == 100);
        }
        fixture.restart();
        admin = fixture.admin();
        produceNumbers("resume", 100, 150);
        try (GroupWorker second = new GroupWorker(ledger, member("g2", Map.of()), "resume", true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> second.processed.size() >= 50);
            assertEquals(50, second.processed.size());
            assertTrue(second.processed.stream().allMatch(n -> n >= 100), "resumed after the committed offsets");
        }
    }

    @Test
    void aStaticMemberRejoinsWithoutARebalance() throws Exception {
        createTopic("static", 4);
        GroupWorker a = new GroupWorker(ledger, member("g3", Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "a")), "static", true);
        GroupWorker b = new GroupWorker(ledger, member("g3", Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "b")), "static", true);
        await().atMost(Duration.ofSeconds(30)).until(() -> a.assignment.size() == 2 && b.assignment.size() == 2);
        int aRebalances = a.rebalances.get();
        Set<TopicPartition> bHad = Set.copyOf(b.assignment);
        // b stops without leaving the group (a static member's close does not send LeaveGroup), then restarts
        b.close();
        GroupWorker b2 = new GroupWorker(ledger, member("g3", Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "b")), "static", true);
        await().atMost(Duration.ofSeconds(30)).until(() -> b2.assignment.equals(bHad));
        assertEquals(aRebalances, a.rebalances.get(), "the other member saw no rebalance");
        a.close();
        b2.close();
    }

    @Test
    void aMemberThatStopsHeartbeatingLosesItsPartitionsWithinTheSessionTimeout() throws Exception {
        createTopic("dead", 2);
        try (GroupWorker alive = new GroupWorker(ledger, member("g4", Map.of()), "dead", false);
             KafkaWire crashed = KafkaWire.connect(fixture.bootstrap())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> alive.assignment.size() == 2);
            // A second member joins on a raw connection, then "crashes": it never heartbeats again.
            JoinGroupRequestData join = new JoinGroupRequestData().setGroupId("g4").setMemberId("")
                    .setSessionTimeoutMs(1000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer");
            join.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                    .setMetadata(org.apache.kafka.common.utils.Utils.toArray(ConsumerProtocol.serializeSubscription(
                            new ConsumerPartitionAssignor.Subscription(List.of("dead"))))));
            JoinGroupResponse first = crashed.send(new JoinGroupRequest.Builder(join), (short) 9);
            assertEquals(Errors.MEMBER_ID_REQUIRED, first.error());
            JoinGroupResponse joined = crashed.send(new JoinGroupRequest.Builder(join.setMemberId(first.data().memberId())),
                    (short) 9);
            assertEquals(Errors.NONE, joined.error());
            SyncGroupResponse synced = crashed.send(new SyncGroupRequest.Builder(new SyncGroupRequestData()
                    .setGroupId("g4").setMemberId(joined.data().memberId()).setGenerationId(joined.data().generationId())
                    .setProtocolType("consumer").setProtocolName("range")), (short) 5);
            assertEquals(Errors.NONE, synced.error());
            await().atMost(Duration.ofSeconds(20)).until(() -> alive.assignment.size() == 1);
            // ...and after its 1 s session timeout the survivor owns everything again.
            await().atMost(Duration.ofSeconds(20)).until(() -> alive.assignment.size() == 2);
            HeartbeatResponse late = crashed.send(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId("g4")
                    .setMemberId(joined.data().memberId()).setGenerationId(joined.data().generationId())), (short) 4);
            assertEquals(Errors.UNKNOWN_MEMBER_ID, late.error(), "the dead member is gone");
        }
    }

    @Test
    void commitsFromStaleOrUnknownMembersAreRejectedAndChangeNothing() throws Exception {
        createTopic("fenced", 1);
        produceNumbers("fenced", 0, 10);
        try (GroupWorker w = new GroupWorker(ledger, member("g6", Map.of()), "fenced", true);
             KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> w.processed.size() == 10);
            TopicPartition tp = new TopicPartition("fenced", 0);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    admin.listConsumerGroupOffsets("g6").partitionsToOffsetAndMetadata().get().get(tp) != null);
            long before = admin.listConsumerGroupOffsets("g6").partitionsToOffsetAndMetadata().get().get(tp).offset();
            assertEquals(Errors.UNKNOWN_MEMBER_ID, commit(wire, "g6", 1, "intruder"));
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("g6")).all().get().get("g6");
            String memberId = d.members().iterator().next().consumerId();
            assertEquals(Errors.ILLEGAL_GENERATION, commit(wire, "g6", 999, memberId));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, commit(wire, "g6", -1, ""), "a simple commit into a live group");
            assertEquals(before, admin.listConsumerGroupOffsets("g6").partitionsToOffsetAndMetadata().get().get(tp).offset());
        }
        // simple consumers commit without any membership to a group nobody is in
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            assertEquals(Errors.NONE, commit(wire, "simple", -1, ""));
            assertEquals(3, admin.listConsumerGroupOffsets("simple").partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition("fenced", 0)).offset());
        }
    }

    private static Errors commit(KafkaWire wire, String group, int generation, String memberId) throws Exception {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group)
                .setGenerationIdOrMemberEpoch(generation).setMemberId(memberId);
        data.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("fenced")
                .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                        .setCommittedOffset(3))));
        OffsetCommitResponse response = wire.send(OffsetCommitRequest.Builder.forTopicNames(data), (short) 9);
        return Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode());
    }

    @Test
    void adminListsDescribesAltersAndDeletesGroups() throws Exception {
        createTopic("admin-g", 3);
        produceNumbers("admin-g", 0, 30);
        GroupWorker w = new GroupWorker(ledger, member("g5", Map.of()), "admin-g", true);
        await().atMost(Duration.ofSeconds(30)).until(() -> w.processed.size() == 30);
        Collection<GroupListing> groups = admin.listGroups().all().get();
        assertTrue(groups.stream().anyMatch(g -> g.groupId().equals("g5")));
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("g5")).all().get().get("g5");
        assertEquals(GroupState.STABLE, d.groupState());
        assertEquals(1, d.members().size());
        assertEquals(3, d.members().iterator().next().assignment().topicPartitions().size());
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g5")
                .partitionsToOffsetAndMetadata().get();
        assertEquals(30, committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum());

        assertInstanceOf(GroupNotEmptyException.class, assertThrows(java.util.concurrent.ExecutionException.class,
                () -> admin.deleteConsumerGroups(List.of("g5")).all().get()).getCause());
        w.close();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                admin.describeConsumerGroups(List.of("g5")).all().get().get("g5").groupState() == GroupState.EMPTY);
        TopicPartition p0 = new TopicPartition("admin-g", 0);
        admin.alterConsumerGroupOffsets("g5", Map.of(p0, new OffsetAndMetadata(0))).all().get();
        assertEquals(0, admin.listConsumerGroupOffsets("g5").partitionsToOffsetAndMetadata().get().get(p0).offset());
        admin.deleteConsumerGroups(List.of("g5")).all().get();
        assertFalse(admin.listGroups().all().get().stream().anyMatch(g -> g.groupId().equals("g5")));
    }
}
