package io.riffle.log.server;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;

import io.riffle.log.network.ApiDispatcher;
import io.riffle.log.network.Request;
import io.riffle.log.network.Response;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each Kafka request to the handler of its API. Handlers turn expected failures into
 * Kafka error codes in their responses; anything unexpected becomes the API's error response
 * built by kafka-clients ({@code getErrorResponse}), never a dropped connection.
 *
 * <p>Thread-safe: handlers are stateless or guard their own state.
 */
public final class KafkaApis implements ApiDispatcher {
    private static final Logger log = LoggerFactory.getLogger(KafkaApis.class);

    /** The APIs of this release; ApiVersions advertises exactly these. */
    public static final Set<ApiKeys> SERVED = EnumSet.of(
            ApiKeys.API_VERSIONS, ApiKeys.METADATA, ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS,
            ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS, ApiKeys.CREATE_PARTITIONS, ApiKeys.DESCRIBE_CONFIGS,
            ApiKeys.ALTER_CONFIGS, ApiKeys.INCREMENTAL_ALTER_CONFIGS, ApiKeys.DELETE_RECORDS,
            ApiKeys.DESCRIBE_CLUSTER, ApiKeys.DESCRIBE_LOG_DIRS, ApiKeys.OFFSET_FOR_LEADER_EPOCH,
            ApiKeys.DESCRIBE_TOPIC_PARTITIONS, ApiKeys.INIT_PRODUCER_ID,
            ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP,
            ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.LIST_GROUPS, ApiKeys.DESCRIBE_GROUPS,
            ApiKeys.DELETE_GROUPS, ApiKeys.OFFSET_DELETE, ApiKeys.CONSUMER_GROUP_HEARTBEAT,
            ApiKeys.CONSUMER_GROUP_DESCRIBE,
            ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.END_TXN, ApiKeys.TXN_OFFSET_COMMIT,
            ApiKeys.DESCRIBE_TRANSACTIONS, ApiKeys.LIST_TRANSACTIONS, ApiKeys.DESCRIBE_PRODUCERS,
            ApiKeys.WRITE_TXN_MARKERS);

    private final ApiContext context;
    private final MetadataApi metadata;
    private final ProduceApi produce;
    private final FetchApi fetch;
    private final ListOffsetsApi listOffsets;
    private final TopicApis topics;
    private final ConfigApis configs;
    private final LogApis logs;
    private final GroupApis groups;
    private final TxnApis txns;

    public KafkaApis(ApiContext context, DelayedFetches delayedFetches, io.riffle.log.group.GroupCoordinator coordinator,
                     io.riffle.log.txn.TransactionCoordinator txnCoordinator) {
        this.context = context;
        this.metadata = new MetadataApi(context);
        this.produce = new ProduceApi(context);
        this.fetch = new FetchApi(context, delayedFetches);
        this.listOffsets = new ListOffsetsApi(context);
        this.topics = new TopicApis(context);
        this.configs = new ConfigApis(context);
        this.logs = new LogApis(context);
        this.groups = new GroupApis(context, coordinator, metadata, txnCoordinator);
        this.txns = new TxnApis(context, txnCoordinator, coordinator);
    }

    @Override
    public void dispatch(Request request, Consumer<Response> respond) {
        try {
            switch (request.apiKey()) {
                case API_VERSIONS -> respond.accept(Response.of(apiVersions(request)));
                case METADATA -> respond.accept(Response.of(metadata.handle(request)));
                case PRODUCE -> respond.accept(produce.handle(request));
                case FETCH -> fetch.handle(request, respond);
                case LIST_OFFSETS -> respond.accept(Response.of(listOffsets.handle(request)));
                case CREATE_TOPICS -> respond.accept(Response.of(topics.createTopics(request)));
                case DELETE_TOPICS -> respond.accept(Response.of(topics.deleteTopics(request)));
                case CREATE_PARTITIONS -> respond.accept(Response.of(topics.createPartitions(request)));
                case DESCRIBE_CONFIGS -> respond.accept(Response.of(configs.describeConfigs(request)));
                case ALTER_CONFIGS -> respond.accept(Response.of(configs.alterConfigs(request)));
                case INCREMENTAL_ALTER_CONFIGS -> respond.accept(Response.of(configs.incrementalAlterConfigs(request)));
                case DELETE_RECORDS -> respond.accept(Response.of(logs.deleteRecords(request)));
                case DESCRIBE_LOG_DIRS -> respond.accept(Response.of(logs.describeLogDirs(request)));
                case OFFSET_FOR_LEADER_EPOCH -> respond.accept(Response.of(logs.offsetForLeaderEpoch(request)));
                case DESCRIBE_CLUSTER -> respond.accept(Response.of(metadata.describeCluster(request)));
                case DESCRIBE_TOPIC_PARTITIONS -> respond.accept(Response.of(metadata.describeTopicPartitions(request)));
                case INIT_PRODUCER_ID -> respond.accept(Response.of(
                        request.<org.apache.kafka.common.requests.InitProducerIdRequest>body().data().transactionalId() != null
                                ? txns.initTransactionalProducerId(request) : produce.initProducerId(request)));
                case ADD_PARTITIONS_TO_TXN -> respond.accept(Response.of(txns.addPartitionsToTxn(request)));
                case ADD_OFFSETS_TO_TXN -> respond.accept(Response.of(txns.addOffsetsToTxn(request)));
                case END_TXN -> respond.accept(Response.of(txns.endTxn(request)));
                case TXN_OFFSET_COMMIT -> respond.accept(Response.of(txns.txnOffsetCommit(request)));
                case DESCRIBE_TRANSACTIONS -> respond.accept(Response.of(txns.describeTransactions(request)));
                case LIST_TRANSACTIONS -> respond.accept(Response.of(txns.listTransactions(request)));
                case DESCRIBE_PRODUCERS -> respond.accept(Response.of(txns.describeProducers(request)));
                case WRITE_TXN_MARKERS -> respond.accept(Response.of(txns.writeTxnMarkers(request)));
                case FIND_COORDINATOR -> respond.accept(Response.of(groups.findCoordinator(request)));
                case JOIN_GROUP -> groups.joinGroup(request, respond);
                case SYNC_GROUP -> groups.syncGroup(request, respond);
                case HEARTBEAT -> respond.accept(Response.of(groups.heartbeat(request)));
                case LEAVE_GROUP -> respond.accept(Response.of(groups.leaveGroup(request)));
                case OFFSET_COMMIT -> respond.accept(Response.of(groups.offsetCommit(request)));
                case OFFSET_FETCH -> respond.accept(Response.of(groups.offsetFetch(request)));
                case LIST_GROUPS -> respond.accept(Response.of(groups.listGroups(request)));
                case DESCRIBE_GROUPS -> respond.accept(Response.of(groups.describeGroups(request)));
                case DELETE_GROUPS -> respond.accept(Response.of(groups.deleteGroups(request)));
                case OFFSET_DELETE -> respond.accept(Response.of(groups.offsetDelete(request)));
                case CONSUMER_GROUP_HEARTBEAT -> respond.accept(Response.of(groups.consumerGroupHeartbeat(request)));
                case CONSUMER_GROUP_DESCRIBE -> respond.accept(Response.of(groups.consumerGroupDescribe(request)));
                default -> respond.accept(Response.of(request.<AbstractRequest>body().getErrorResponse(0,
                        Errors.UNSUPPORTED_VERSION.exception()).data()));
            }
        } catch (RuntimeException e) {
            log.error("Error handling {}", request, e);
            respond.accept(Response.of(request.<AbstractRequest>body().getErrorResponse(0, e).data()));
        }
    }

    private ApiVersionsResponseData apiVersions(Request request) {
        ApiVersionsResponseData data = new ApiVersionsResponseData()
                .setApiKeys(context.versions().advertised())
                .setThrottleTimeMs(0);
        if (!context.versions().supports(ApiKeys.API_VERSIONS, request.version())) {
            data.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        } else {
            data.setErrorCode(Errors.NONE.code());
            if (request.version() >= 3) {
                addFeatures(data);
            }
        }
        return data;
    }

    /**
     * The feature levels this broker implements, finalized: transactions of version 1 (the
     * client adds partitions with AddPartitionsToTxn) and group.version 1 (the consumer
     * protocol of KIP-848 is available).
     */
    static void addFeatures(ApiVersionsResponseData data) {
        for (var feature : FEATURES.entrySet()) {
            data.supportedFeatures().add(new ApiVersionsResponseData.SupportedFeatureKey().setName(feature.getKey())
                    .setMinVersion((short) 0).setMaxVersion(feature.getValue()));
            data.finalizedFeatures().add(new ApiVersionsResponseData.FinalizedFeatureKey().setName(feature.getKey())
                    .setMinVersionLevel(feature.getValue()).setMaxVersionLevel(feature.getValue()));
        }
        data.setFinalizedFeaturesEpoch(0L);
    }

    private static final java.util.Map<String, Short> FEATURES = new java.util.LinkedHashMap<>();

    static {
        FEATURES.put("transaction.version", (short) 1);
        FEATURES.put("group.version", (short) 1);
    }
}
