package io.riffle.log.server;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import io.riffle.log.cluster.Partition;
import io.riffle.log.group.GroupCoordinator;
import io.riffle.log.network.Request;
import io.riffle.log.storage.AppendResult;
import io.riffle.log.storage.ProducerStateTable;
import io.riffle.log.txn.TransactionCoordinator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;

/**
 * The transaction APIs — InitProducerId with a transactional id, AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn, DescribeTransactions, ListTransactions, DescribeProducers —
 * translated to {@link TransactionCoordinator} calls; and WriteTxnMarkers, which writes markers
 * straight to the partition leaders' logs (what {@code Admin.abortTransaction} and
 * {@code kafka-transactions.sh abort} send to end a hanging transaction).
 *
 * <p>Thread-safe: stateless; the coordinators and logs guard their own state.
 */
final class TxnApis {
    private final ApiContext context;
    private final TransactionCoordinator coordinator;
    private final GroupCoordinator groups;

    TxnApis(ApiContext context, TransactionCoordinator coordinator, GroupCoordinator groups) {
        this.context = context;
        this.coordinator = coordinator;
        this.groups = groups;
    }

    InitProducerIdResponseData initTransactionalProducerId(Request request) {
        InitProducerIdRequest body = request.body();
        InitProducerIdRequestData data = body.data();
        TransactionCoordinator.ProducerIdAndEpoch result = coordinator.initProducerId(data.transactionalId(),
                data.transactionTimeoutMs(), data.producerId(), data.producerEpoch());
        Errors error = result.error();
        if (error == Errors.PRODUCER_FENCED && request.version() < 4) {
            error = Errors.INVALID_PRODUCER_EPOCH; // older clients do not know PRODUCER_FENCED
        }
        return new InitProducerIdResponseData().setThrottleTimeMs(0).setErrorCode(error.code())
                .setProducerId(result.producerId()).setProducerEpoch(result.producerEpoch());
    }

    AddPartitionsToTxnResponseData addPartitionsToTxn(Request request) {
        AddPartitionsToTxnRequest body = request.body();
        var data = body.data();
        AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData().setThrottleTimeMs(0);
        if (request.version() <= 3) {
            Map<TopicPartition, Errors> errors = coordinator.addPartitions(data.v3AndBelowTransactionalId(),
                    data.v3AndBelowProducerId(), data.v3AndBelowProducerEpoch(),
                    AddPartitionsToTxnRequest.getPartitions(data.v3AndBelowTopics()), false);
            fenceForOldVersions(errors, request.version());
            return response.setResultsByTopicV3AndBelow(AddPartitionsToTxnResponse
                    .resultForTransaction(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID, errors).topicResults());
        }
        for (var txn : data.transactions()) {
            Map<TopicPartition, Errors> errors = coordinator.addPartitions(txn.transactionalId(), txn.producerId(),
                    txn.producerEpoch(), AddPartitionsToTxnRequest.getPartitions(txn.topics()), txn.verifyOnly());
            response.resultsByTransaction().add(AddPartitionsToTxnResponse.resultForTransaction(txn.transactionalId(), errors));
        }
        return response.setErrorCode(Errors.NONE.code());
    }

    private static void fenceForOldVersions(Map<TopicPartition, Errors> errors, short version) {
        if (version < 2) {
            errors.replaceAll((tp, e) -> e == Errors.PRODUCER_FENCED ? Errors.INVALID_PRODUCER_EPOCH : e);
        }
    }

    AddOffsetsToTxnResponseData addOffsetsToTxn(Request request) {
        AddOffsetsToTxnRequest body = request.body();
        var data = body.data();
        groups.ensureOffsetsTopic();
        TopicPartition offsetsPartition = new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, groups.partitionFor(data.groupId()));
        Map<TopicPartition, Errors> errors = coordinator.addPartitions(data.transactionalId(), data.producerId(),
                data.producerEpoch(), List.of(offsetsPartition), false);
        fenceForOldVersions(errors, request.version());
        return new AddOffsetsToTxnResponseData().setThrottleTimeMs(0).setErrorCode(errors.get(offsetsPartition).code());
    }

    EndTxnResponseData endTxn(Request request) {
        EndTxnRequest body = request.body();
        var data = body.data();
        Errors e = coordinator.endTransaction(data.transactionalId(), data.producerId(), data.producerEpoch(), data.committed());
        if (e == Errors.PRODUCER_FENCED && request.version() < 2) {
            e = Errors.INVALID_PRODUCER_EPOCH;
        }
        return new EndTxnResponseData().setThrottleTimeMs(0).setErrorCode(e.code())
                .setProducerId(-1L).setProducerEpoch((short) -1);
    }

    TxnOffsetCommitResponseData txnOffsetCommit(Request request) {
        TxnOffsetCommitRequest body = request.body();
        TxnOffsetCommitRequestData data = body.data();
        List<GroupCoordinator.OffsetCommit> commits = new ArrayList<>();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : data.topics()) {
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : t.partitions()) {
                commits.add(new GroupCoordinator.OffsetCommit(new TopicPartition(t.name(), p.partitionIndex()),
                        p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata()));
            }
        }
        Map<TopicPartition, Errors> results = groups.commitTransactionalOffsets(data.groupId(), data.producerId(),
                data.producerEpoch(), data.generationId(), data.memberId(), data.groupInstanceId(), commits);
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData().setThrottleTimeMs(0);
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : data.topics()) {
            TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic()
                    .setName(t.name());
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : t.partitions()) {
                rt.partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setErrorCode(results.get(new TopicPartition(t.name(), p.partitionIndex())).code()));
            }
            response.topics().add(rt);
        }
        return response;
    }

    DescribeTransactionsResponseData describeTransactions(Request request) {
        DescribeTransactionsRequest body = request.body();
        DescribeTransactionsResponseData response = new DescribeTransactionsResponseData().setThrottleTimeMs(0);
        for (String id : body.data().transactionalIds()) {
            DescribeTransactionsResponseData.TransactionState state = new DescribeTransactionsResponseData.TransactionState()
                    .setTransactionalId(id);
            Optional<TransactionCoordinator.TransactionView> view = coordinator.describe(id);
            if (view.isEmpty()) {
                state.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code()).setTransactionState("")
                        .setProducerId(-1L).setProducerEpoch((short) -1).setTransactionStartTimeMs(-1L);
            } else {
                TransactionCoordinator.TransactionView v = view.get();
                state.setErrorCode(Errors.NONE.code()).setTransactionState(v.state()).setProducerId(v.producerId())
                        .setProducerEpoch(v.producerEpoch()).setTransactionTimeoutMs(v.timeoutMs())
                        .setTransactionStartTimeMs(v.startTimestamp());
                Map<String, List<Integer>> byTopic = new java.util.LinkedHashMap<>();
                for (TopicPartition tp : v.partitions()) {
                    byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
                }
                byTopic.forEach((topic, parts) -> state.topics().add(new DescribeTransactionsResponseData.TopicData()
                        .setTopic(topic).setPartitions(parts)));
            }
            response.transactionStates().add(state);
        }
        return response;
    }

    ListTransactionsResponseData listTransactions(Request request) {
        ListTransactionsRequest body = request.body();
        ListTransactionsRequestData data = body.data();
        Set<String> states = new HashSet<>(data.stateFilters());
        Set<Long> producers = new HashSet<>(data.producerIdFilters());
        long now = System.currentTimeMillis();
        ListTransactionsResponseData response = new ListTransactionsResponseData().setThrottleTimeMs(0)
                .setErrorCode(Errors.NONE.code());
        Pattern pattern = null;
        if (data.transactionalIdPattern() != null && !data.transactionalIdPattern().isEmpty()) {
            try {
                pattern = Pattern.compile(data.transactionalIdPattern());
            } catch (java.util.regex.PatternSyntaxException e) {
                return response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code());
            }
        }
        for (TransactionCoordinator.TransactionView v : coordinator.list()) {
            if (!states.isEmpty() && !states.contains(v.state())) {
                continue;
            }
            if (!producers.isEmpty() && !producers.contains(v.producerId())) {
                continue;
            }
            if (data.durationFilter() >= 0 && (v.startTimestamp() < 0 || now - v.startTimestamp() < data.durationFilter())) {
                continue;
            }
            if (pattern != null && !pattern.matcher(v.transactionalId()).matches()) {
                continue;
            }
            response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(v.transactionalId()).setProducerId(v.producerId()).setTransactionState(v.state()));
        }
        return response;
    }

    DescribeProducersResponseData describeProducers(Request request) {
        DescribeProducersRequest body = request.body();
        DescribeProducersResponseData response = new DescribeProducersResponseData().setThrottleTimeMs(0);
        for (DescribeProducersRequestData.TopicRequest t : body.data().topics()) {
            DescribeProducersResponseData.TopicResponse tr = new DescribeProducersResponseData.TopicResponse().setName(t.name());
            for (int p : t.partitionIndexes()) {
                DescribeProducersResponseData.PartitionResponse pr = new DescribeProducersResponseData.PartitionResponse()
                        .setPartitionIndex(p);
                Optional<Partition> partition = context.replicaManager().partition(new TopicPartition(t.name(), p));
                if (partition.isEmpty()) {
                    pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else if (!partition.get().isLeader()) {
                    pr.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                } else {
                    pr.setErrorCode(Errors.NONE.code());
                    var log = partition.get().log();
                    synchronized (log.lock()) {
                        for (Map.Entry<Long, ProducerStateTable.ProducerEntry> e : log.producerState().producers().entrySet()) {
                            ProducerStateTable.ProducerEntry entry = e.getValue();
                            pr.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                                    .setProducerId(e.getKey()).setProducerEpoch(entry.epoch())
                                    .setLastSequence(entry.lastSequence()).setLastTimestamp(entry.lastTimestamp())
                                    .setCoordinatorEpoch(entry.coordinatorEpoch())
                                    .setCurrentTxnStartOffset(entry.currentTxnFirstOffset()));
                        }
                    }
                }
                tr.partitions().add(pr);
            }
            response.topics().add(tr);
        }
        return response;
    }

    /**
     * Writes the requested commit or abort markers, one per partition, as Kafka's leader does for
     * its transaction coordinator. Riffle's own coordinator writes markers in-process; this request
     * comes from an administrator aborting a hanging transaction, which the coordinator may not
     * know about. Each partition answers with its own error (UNKNOWN_TOPIC_OR_PARTITION,
     * NOT_LEADER_OR_FOLLOWER, INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED, ...).
     * A marker on {@code __consumer_offsets} also settles the group's pending transactional offsets.
     */
    WriteTxnMarkersResponseData writeTxnMarkers(Request request) {
        WriteTxnMarkersRequest body = request.body();
        WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
        for (WriteTxnMarkersRequestData.WritableTxnMarker marker : body.data().markers()) {
            WriteTxnMarkersResponseData.WritableTxnMarkerResult result = new WriteTxnMarkersResponseData.WritableTxnMarkerResult()
                    .setProducerId(marker.producerId());
            boolean commit = marker.transactionResult();
            for (WriteTxnMarkersRequestData.WritableTxnMarkerTopic t : marker.topics()) {
                WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult topicResult =
                        new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult().setName(t.name());
                for (int p : t.partitionIndexes()) {
                    TopicPartition tp = new TopicPartition(t.name(), p);
                    AppendResult written = context.replicaManager().appendEndTxnMarker(tp, marker.producerId(),
                            marker.producerEpoch(), marker.coordinatorEpoch(), commit);
                    if (written.error() == Errors.NONE && tp.topic().equals(GroupCoordinator.OFFSETS_TOPIC)) {
                        groups.settleTransactionalOffsets(p, marker.producerId(), commit);
                    }
                    topicResult.partitions().add(new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult()
                            .setPartitionIndex(p).setErrorCode(written.error().code()));
                }
                result.topics().add(topicResult);
            }
            response.markers().add(result);
        }
        return response;
    }
}
