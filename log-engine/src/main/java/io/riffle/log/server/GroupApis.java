package io.riffle.log.server;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.group.GroupCoordinator;
import io.riffle.log.group.GroupRecords.CommittedOffset;
import io.riffle.log.network.Request;
import io.riffle.log.network.Response;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.SyncGroupRequest;

/**
 * The group APIs: those of the consumer protocol (KIP-848) — ConsumerGroupHeartbeat,
 * ConsumerGroupDescribe — and those of the classic protocol — FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, DeleteGroups, OffsetDelete —
 * translated to and from {@link GroupCoordinator} calls. JoinGroup and SyncGroup answer when the
 * rebalance allows, from the coordinator's threads.
 */
final class GroupApis {
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;
    private final ApiContext context;
    private final GroupCoordinator coordinator;
    private final MetadataApi metadata;
    private final io.riffle.log.txn.TransactionCoordinator txnCoordinator;

    GroupApis(ApiContext context, GroupCoordinator coordinator, MetadataApi metadata,
              io.riffle.log.txn.TransactionCoordinator txnCoordinator) {
        this.context = context;
        this.coordinator = coordinator;
        this.metadata = metadata;
        this.txnCoordinator = txnCoordinator;
    }

    FindCoordinatorResponseData findCoordinator(Request request) {
        FindCoordinatorRequest body = request.body();
        FindCoordinatorRequestData data = body.data();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData().setThrottleTimeMs(0);
        List<String> keys = request.version() >= 4 ? data.coordinatorKeys() : List.of(data.key());
        for (String key : keys) {
            FindCoordinatorResponseData.Coordinator c = new FindCoordinatorResponseData.Coordinator().setKey(key)
                    .setNodeId(-1).setHost("").setPort(-1);
            boolean transaction = data.keyType() == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id();
            if (!transaction && data.keyType() != FindCoordinatorRequest.CoordinatorType.GROUP.id()) {
                c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Unknown coordinator type " + data.keyType());
            } else if (key == null || key.isEmpty()) {
                c.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage((transaction ? "Transactional" : "Group") + " id must not be empty");
            } else {
                try {
                    if (transaction) {
                        txnCoordinator.ensureStateTopic();
                    } else {
                        coordinator.ensureOffsetsTopic();
                    }
                    c.setErrorCode(Errors.NONE.code()).setNodeId(context.config().nodeId())
                            .setHost(metadata.advertisedHost(request)).setPort(context.advertisedPort().getAsInt());
                } catch (ApiException e) {
                    c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setErrorMessage(e.getMessage());
                }
            }
            response.coordinators().add(c);
        }
        if (request.version() < 4) {
            FindCoordinatorResponseData.Coordinator c = response.coordinators().get(0);
            response.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage()).setNodeId(c.nodeId())
                    .setHost(c.host()).setPort(c.port());
            response.coordinators().clear();
        }
        return response;
    }

    void joinGroup(Request request, Consumer<Response> respond) {
        JoinGroupRequest body = request.body();
        JoinGroupRequestData data = body.data();
        LinkedHashMap<String, byte[]> protocols = new LinkedHashMap<>();
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : data.protocols()) {
            protocols.putIfAbsent(p.name(), p.metadata());
        }
        int rebalanceTimeout = request.version() == 0 ? data.sessionTimeoutMs() : data.rebalanceTimeoutMs();
        GroupCoordinator.JoinRequest join = new GroupCoordinator.JoinRequest(data.groupId(), data.memberId(),
                data.groupInstanceId(), data.protocolType(), protocols, data.sessionTimeoutMs(), rebalanceTimeout,
                request.clientId(), "/" + request.clientAddress().getAddress().getHostAddress(),
                request.version() >= 4);
        short version = request.version();
        coordinator.joinGroup(join).whenComplete((r, e) -> respond.accept(Response.of(e == null ? fitVersion(r, version)
                : body.getErrorResponse(0, e).data())));
    }

    /** Older JoinGroup versions have no null protocol name and no skip-assignment flag. */
    private static JoinGroupResponseData fitVersion(JoinGroupResponseData r, short version) {
        if (version < 7 && r.protocolName() == null) {
            r.setProtocolName("");
        }
        if (version < 9) {
            r.setSkipAssignment(false);
        }
        return r;
    }

    void syncGroup(Request request, Consumer<Response> respond) {
        SyncGroupRequest body = request.body();
        SyncGroupRequestData data = body.data();
        Map<String, byte[]> assignments = new LinkedHashMap<>();
        for (SyncGroupRequestData.SyncGroupRequestAssignment a : data.assignments()) {
            assignments.put(a.memberId(), a.assignment());
        }
        coordinator.syncGroup(data.groupId(), data.generationId(), data.memberId(), data.groupInstanceId(),
                        data.protocolType(), data.protocolName(), assignments)
                .whenComplete((r, e) -> respond.accept(Response.of(e == null ? r : body.getErrorResponse(0, e).data())));
    }

    HeartbeatResponseData heartbeat(Request request) {
        HeartbeatRequest body = request.body();
        var d = body.data();
        return new HeartbeatResponseData().setThrottleTimeMs(0)
                .setErrorCode(coordinator.heartbeat(d.groupId(), d.memberId(), d.groupInstanceId(), d.generationId()).code());
    }

    LeaveGroupResponseData leaveGroup(Request request) {
        LeaveGroupRequest body = request.body();
        LeaveGroupRequestData data = body.data();
        LeaveGroupResponseData response = new LeaveGroupResponseData().setThrottleTimeMs(0);
        if (request.version() < 3) {
            return response.setErrorCode(coordinator.leaveGroup(data.groupId(), data.memberId(), null).code());
        }
        for (LeaveGroupRequestData.MemberIdentity m : data.members()) {
            Errors e = coordinator.leaveGroup(data.groupId(), m.memberId(), m.groupInstanceId());
            response.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(m.memberId())
                    .setGroupInstanceId(m.groupInstanceId()).setErrorCode(e.code()));
        }
        return response.setErrorCode(Errors.NONE.code());
    }

    OffsetCommitResponseData offsetCommit(Request request) {
        OffsetCommitRequest body = request.body();
        OffsetCommitRequestData data = body.data();
        boolean byId = request.version() >= 10;
        List<GroupCoordinator.OffsetCommit> commits = new ArrayList<>();
        Map<TopicPartition, Errors> unknown = new LinkedHashMap<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : data.topics()) {
            String name = byId ? context.metadata().topic(t.topicId()).map(TopicInfo::name).orElse(null) : t.name();
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                if (name == null) {
                    unknown.put(new TopicPartition(t.topicId().toString(), p.partitionIndex()), Errors.UNKNOWN_TOPIC_ID);
                    continue;
                }
                commits.add(new GroupCoordinator.OffsetCommit(new TopicPartition(name, p.partitionIndex()),
                        p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata()));
            }
        }
        long retention = request.version() >= 2 && request.version() <= 4 ? data.retentionTimeMs() : -1L;
        Map<TopicPartition, Errors> results = coordinator.commitOffsets(data.groupId(), data.generationIdOrMemberEpoch(),
                data.memberId(), data.groupInstanceId(), retention, commits, request.version());
        OffsetCommitResponseData response = new OffsetCommitResponseData().setThrottleTimeMs(0);
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : data.topics()) {
            String name = byId ? context.metadata().topic(t.topicId()).map(TopicInfo::name).orElse(null) : t.name();
            OffsetCommitResponseData.OffsetCommitResponseTopic rt = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                    .setName(byId ? "" : t.name()).setTopicId(byId ? t.topicId() : Uuid.ZERO_UUID);
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                Errors e = name == null ? Errors.UNKNOWN_TOPIC_ID
                        : results.getOrDefault(new TopicPartition(name, p.partitionIndex()), Errors.UNKNOWN_SERVER_ERROR);
                rt.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(e.code()));
            }
            response.topics().add(rt);
        }
        return response;
    }

    OffsetFetchResponseData offsetFetch(Request request) {
        OffsetFetchRequest body = request.body();
        OffsetFetchRequestData data = body.data();
        OffsetFetchResponseData response = new OffsetFetchResponseData().setThrottleTimeMs(0);
        boolean byId = request.version() >= 10;
        if (request.version() >= 8) {
            for (OffsetFetchRequestData.OffsetFetchRequestGroup g : data.groups()) {
                OffsetFetchResponseData.OffsetFetchResponseGroup rg = new OffsetFetchResponseData.OffsetFetchResponseGroup()
                        .setGroupId(g.groupId()).setErrorCode(Errors.NONE.code());
                if (request.version() >= 9) {
                    Errors member = coordinator.consumerGroups().validateFetch(g.groupId(), g.memberId(), g.memberEpoch());
                    if (member != Errors.NONE) {
                        response.groups().add(rg.setErrorCode(member.code()));
                        continue;
                    }
                }
                List<TopicRef> topics = g.topics() == null ? null : g.topics().stream()
                        .map(t -> new TopicRef(t.name(), t.topicId(), t.partitionIndexes())).toList();
                for (OffsetFetchResponseData.OffsetFetchResponseTopics t : fetchTopics(g.groupId(), topics, byId,
                        data.requireStable())) {
                    rg.topics().add(t);
                }
                response.groups().add(rg);
            }
            return response;
        }
        List<TopicRef> topics = data.topics() == null ? null : data.topics().stream()
                .map(t -> new TopicRef(t.name(), Uuid.ZERO_UUID, t.partitionIndexes())).toList();
        for (OffsetFetchResponseData.OffsetFetchResponseTopics t : fetchTopics(data.groupId(), topics, false,
                request.version() >= 7 && data.requireStable())) {
            OffsetFetchResponseData.OffsetFetchResponseTopic old = new OffsetFetchResponseData.OffsetFetchResponseTopic()
                    .setName(t.name());
            for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : t.partitions()) {
                old.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                        .setCommittedLeaderEpoch(p.committedLeaderEpoch()).setMetadata(p.metadata())
                        .setErrorCode(p.errorCode()));
            }
            response.topics().add(old);
        }
        return response.setErrorCode(Errors.NONE.code());
    }

    private record TopicRef(String name, Uuid id, List<Integer> partitions) {
    }

    /**
     * @param requireStable answer UNSTABLE_OFFSET_COMMIT for partitions an open transaction has
     *                      committed offsets for (the client retries until the transaction ends)
     */
    private List<OffsetFetchResponseData.OffsetFetchResponseTopics> fetchTopics(String groupId, List<TopicRef> topics,
                                                                               boolean byId, boolean requireStable) {
        Map<String, OffsetFetchResponseData.OffsetFetchResponseTopics> out = new LinkedHashMap<>();
        if (topics == null) {
            for (Map.Entry<TopicPartition, CommittedOffset> e : coordinator.fetchOffsets(groupId, null).entrySet()) {
                Optional<TopicInfo> info = context.metadata().topic(e.getKey().topic());
                if (byId && info.isEmpty()) {
                    continue;
                }
                OffsetFetchResponseData.OffsetFetchResponseTopics t = out.computeIfAbsent(e.getKey().topic(), n ->
                        new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(byId ? "" : n)
                                .setTopicId(byId ? info.get().id() : Uuid.ZERO_UUID));
                t.partitions().add(partition(e.getKey().partition(), e.getValue()));
            }
            return new ArrayList<>(out.values());
        }
        List<OffsetFetchResponseData.OffsetFetchResponseTopics> result = new ArrayList<>();
        for (TopicRef ref : topics) {
            String name = byId ? context.metadata().topic(ref.id()).map(TopicInfo::name).orElse(null) : ref.name();
            OffsetFetchResponseData.OffsetFetchResponseTopics t = new OffsetFetchResponseData.OffsetFetchResponseTopics()
                    .setName(byId ? "" : ref.name()).setTopicId(byId ? ref.id() : Uuid.ZERO_UUID);
            List<TopicPartition> tps = new ArrayList<>();
            for (int p : ref.partitions()) {
                tps.add(new TopicPartition(name == null ? "" : name, p));
            }
            Map<TopicPartition, CommittedOffset> committed = name == null ? Map.of() : coordinator.fetchOffsets(groupId, tps);
            for (TopicPartition tp : tps) {
                OffsetFetchResponseData.OffsetFetchResponsePartitions p = partition(tp.partition(), committed.get(tp));
                if (name == null) {
                    p.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                } else if (requireStable && coordinator.hasPendingTransactionalOffset(groupId, tp)) {
                    p.setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
                }
                t.partitions().add(p);
            }
            result.add(t);
        }
        return result;
    }

    private static OffsetFetchResponseData.OffsetFetchResponsePartitions partition(int index, CommittedOffset o) {
        OffsetFetchResponseData.OffsetFetchResponsePartitions p = new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                .setPartitionIndex(index).setErrorCode(Errors.NONE.code());
        if (o == null) {
            return p.setCommittedOffset(-1L).setCommittedLeaderEpoch(-1).setMetadata("");
        }
        return p.setCommittedOffset(o.offset()).setCommittedLeaderEpoch(o.leaderEpoch()).setMetadata(o.metadata());
    }

    ListGroupsResponseData listGroups(Request request) {
        ListGroupsRequest body = request.body();
        var data = body.data();
        Set<String> states = data.statesFilter() == null ? Set.of() : Set.copyOf(data.statesFilter());
        Set<String> types = data.typesFilter() == null ? Set.of() : Set.copyOf(data.typesFilter());
        ListGroupsResponseData response = new ListGroupsResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code());
        for (GroupCoordinator.GroupListing g : coordinator.listGroups()) {
            if (!states.isEmpty() && states.stream().noneMatch(s -> s.equalsIgnoreCase(g.state()))) {
                continue;
            }
            if (!types.isEmpty() && types.stream().noneMatch(t -> t.equalsIgnoreCase(g.groupType()))) {
                continue;
            }
            response.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(g.groupId())
                    .setProtocolType(g.protocolType()).setGroupState(g.state()).setGroupType(g.groupType()));
        }
        return response;
    }

    DescribeGroupsResponseData describeGroups(Request request) {
        DescribeGroupsRequest body = request.body();
        DescribeGroupsResponseData response = new DescribeGroupsResponseData().setThrottleTimeMs(0);
        for (String groupId : body.data().groups()) {
            DescribeGroupsResponseData.DescribedGroup dg = new DescribeGroupsResponseData.DescribedGroup()
                    .setGroupId(groupId).setAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
            Optional<GroupCoordinator.GroupSummary> g = coordinator.describe(groupId);
            if (coordinator.isConsumerProtocolGroup(groupId)) {
                // as Kafka 4.3: a consumer-protocol group is described by ConsumerGroupDescribe only
                dg.setGroupState("Dead").setProtocolType("").setProtocolData("")
                        .setErrorCode(request.version() >= 6 ? Errors.GROUP_ID_NOT_FOUND.code() : Errors.NONE.code())
                        .setErrorMessage(request.version() >= 6 ? "Group " + groupId + " is not a classic group." : null);
            } else if (g.isEmpty()) {
                dg.setGroupState("Dead").setProtocolType("").setProtocolData("")
                        .setErrorCode(request.version() >= 6 ? Errors.GROUP_ID_NOT_FOUND.code() : Errors.NONE.code())
                        .setErrorMessage(request.version() >= 6 ? "Group " + groupId + " not found." : null);
            } else {
                dg.setErrorCode(Errors.NONE.code()).setGroupState(g.get().state()).setProtocolType(g.get().protocolType())
                        .setProtocolData(g.get().protocol());
                for (GroupCoordinator.MemberSummary m : g.get().members()) {
                    dg.members().add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId())
                            .setGroupInstanceId(m.groupInstanceId()).setClientId(m.clientId()).setClientHost(m.clientHost())
                            .setMemberMetadata(m.metadata()).setMemberAssignment(m.assignment()));
                }
            }
            response.groups().add(dg);
        }
        return response;
    }

    ConsumerGroupHeartbeatResponseData consumerGroupHeartbeat(Request request) {
        ConsumerGroupHeartbeatRequest body = request.body();
        return coordinator.consumerGroups().heartbeat(body.data(), request.version(), request.clientId(),
                "/" + request.clientAddress().getAddress().getHostAddress()).setThrottleTimeMs(0);
    }

    ConsumerGroupDescribeResponseData consumerGroupDescribe(Request request) {
        ConsumerGroupDescribeRequest body = request.body();
        ConsumerGroupDescribeResponseData response = new ConsumerGroupDescribeResponseData().setThrottleTimeMs(0);
        for (String groupId : body.data().groupIds()) {
            response.groups().add(coordinator.consumerGroups().describe(groupId)
                    .setAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED));
        }
        return response;
    }

    DeleteGroupsResponseData deleteGroups(Request request) {
        DeleteGroupsRequest body = request.body();
        DeleteGroupsResponseData response = new DeleteGroupsResponseData().setThrottleTimeMs(0);
        for (String groupId : body.data().groupsNames()) {
            if (response.results().find(groupId) != null) {
                continue;
            }
            response.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(groupId)
                    .setErrorCode(coordinator.deleteGroup(groupId).code()));
        }
        return response;
    }

    OffsetDeleteResponseData offsetDelete(Request request) {
        OffsetDeleteRequest body = request.body();
        OffsetDeleteRequestData data = body.data();
        OffsetDeleteResponseData response = new OffsetDeleteResponseData().setThrottleTimeMs(0);
        if (!coordinator.groupExists(data.groupId())) {
            return response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : data.topics()) {
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : t.partitions()) {
                tps.add(new TopicPartition(t.name(), p.partitionIndex()));
            }
        }
        Map<TopicPartition, Errors> results = coordinator.deleteOffsets(data.groupId(), tps, GroupApis::subscribedTopics);
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : data.topics()) {
            OffsetDeleteResponseData.OffsetDeleteResponseTopic rt = new OffsetDeleteResponseData.OffsetDeleteResponseTopic()
                    .setName(t.name());
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : t.partitions()) {
                rt.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setErrorCode(results.get(new TopicPartition(t.name(), p.partitionIndex())).code()));
            }
            response.topics().add(rt);
        }
        return response.setErrorCode(Errors.NONE.code());
    }

    private static List<String> subscribedTopics(byte[] metadata) {
        if (metadata == null || metadata.length == 0) {
            return List.of();
        }
        try {
            return ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata)).topics();
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
