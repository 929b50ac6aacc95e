package io.riffle.shell.admin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code riffle transaction list|describe|producers|find-hanging|abort}: transaction administration
 * through the official Admin client, the counterpart of {@code kafka-transactions.sh}.
 *
 * <p>A <em>hanging</em> transaction is one a partition still holds open (its producer state has a
 * current transaction start offset, so read_committed consumers stop there) although its
 * transaction coordinator will never end it: the coordinator does not know the producer, or no
 * longer counts the partition in the producer's transaction. {@code find-hanging} applies the same
 * test as Kafka's tool; {@code abort} writes an abort marker straight to the partition leader
 * (WriteTxnMarkers), which unblocks the partition. Aborting a transaction that is not hanging is
 * allowed, as in Kafka, but its producer will then fail with an epoch error when it goes on.
 *
 * <p>Each subcommand is one short-lived admin client; none keeps state between runs.
 */
@Command(name = "transaction", mixinStandardHelpOptions = true,
        description = "List and describe transactions and the producers of a partition; find and abort hanging transactions.",
        subcommands = {TransactionCommand.ListTransactions.class, TransactionCommand.Describe.class,
            TransactionCommand.Producers.class, TransactionCommand.FindHanging.class, TransactionCommand.Abort.class})
public final class TransactionCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "Missing subcommand: list, describe, producers, find-hanging or abort");
    }

    /** The producers of one partition (as its leader reports them); fails if the partition does not exist. */
    static List<ProducerState> producers(Admin admin, BrokerConnection connection, TopicPartition tp) {
        requirePartition(admin, connection, tp);
        PartitionProducerState state = connection.await(admin.describeProducers(List.of(tp)).partitionResult(tp));
        return state.activeProducers();
    }

    /**
     * Fails with "does not exist" unless the partition does. Checked first because the admin client
     * retries partition-leader lookups for unknown topics until its timeout.
     */
    static void requirePartition(Admin admin, BrokerConnection connection, TopicPartition tp) {
        int partitions = TopicCommand.describeTopic(admin, connection, tp.topic()).partitions().size();
        if (tp.partition() >= partitions) {
            throw new CommandFailure("topic '" + tp.topic() + "' has no partition " + tp.partition()
                + " (it has " + partitions + ")");
        }
    }

    static void checkPartition(int partition) {
        if (partition < 0) {
            throw CommandFailure.usage("--partition must be 0 or more, not " + partition);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the transactional ids the coordinators know, with their producer id and state.")
    static final class ListTransactions implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;
        @Option(names = "--state", paramLabel = "STATE", split = ",",
                description = "Only transactions in these states (Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, "
                    + "CompleteAbort, Empty, PrepareEpochFence), comma-separated or repeated.")
        List<String> states = new ArrayList<>();
        @Option(names = "--min-duration-ms", paramLabel = "MS",
                description = "Only transactions that have been running for longer than MS milliseconds.")
        Long minDurationMs;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                ListTransactionsOptions options = new ListTransactionsOptions().filterStates(parseStates(states));
                if (minDurationMs != null) {
                    if (minDurationMs < 0) {
                        throw CommandFailure.usage("--min-duration-ms must be 0 or more, not " + minDurationMs);
                    }
                    options.filterOnDuration(minDurationMs);
                }
                try (Admin admin = connection.admin()) {
                    Map<Integer, Collection<TransactionListing>> byCoordinator =
                        connection.await(admin.listTransactions(options).allByBrokerId());
                    List<Object[]> listed = new ArrayList<>();
                    byCoordinator.forEach((coordinator, listings) -> listings.forEach(l ->
                        listed.add(new Object[] {l.transactionalId(), coordinator, l.producerId(), l.state().toString()})));
                    listed.sort(Comparator.comparing(row -> (String) row[0]));
                    Rows rows = new Rows("TRANSACTIONAL-ID", "COORDINATOR", "PRODUCER-ID", "STATE");
                    listed.forEach(rows::add);
                    rows.print(System.out, output);
                }
                return 0;
            });
        }

        private static Set<TransactionState> parseStates(List<String> names) {
            Set<TransactionState> parsed = new HashSet<>();
            for (String name : names) {
                TransactionState state = java.util.Arrays.stream(TransactionState.values())
                    .filter(s -> s != TransactionState.UNKNOWN && s.toString().equalsIgnoreCase(name.trim()))
                    .findFirst()
                    .orElseThrow(() -> CommandFailure.usage("unknown --state '" + name + "'; expected one of "
                        + java.util.Arrays.stream(TransactionState.values()).filter(s -> s != TransactionState.UNKNOWN)
                            .map(TransactionState::toString).collect(Collectors.joining(", "))));
                parsed.add(state);
            }
            return parsed;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show a transactional id's producer, state, timeout, current transaction's age and partitions.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;
        @Parameters(paramLabel = "TRANSACTIONAL-ID")
        String transactionalId;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                try (Admin admin = connection.admin()) {
                    TransactionDescription d;
                    try {
                        d = connection.await(admin.describeTransactions(List.of(transactionalId)).description(transactionalId));
                    } catch (TransactionalIdNotFoundException e) {
                        throw new CommandFailure("transactional id '" + transactionalId + "' does not exist");
                    }
                    Long startTime = d.transactionStartTimeMs().isPresent() ? d.transactionStartTimeMs().getAsLong() : null;
                    Long duration = startTime == null ? null : Math.max(0, System.currentTimeMillis() - startTime);
                    String partitions = d.topicPartitions().stream()
                        .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                        .map(TopicPartition::toString).collect(Collectors.joining(","));
                    Rows rows = new Rows("TRANSACTIONAL-ID", "COORDINATOR", "PRODUCER-ID", "PRODUCER-EPOCH", "STATE",
                        "TIMEOUT-MS", "START-TIME-MS", "DURATION-MS", "PARTITIONS");
                    rows.add(transactionalId, d.coordinatorId(), d.producerId(), d.producerEpoch(), d.state().toString(),
                        d.transactionTimeoutMs(), startTime, duration, partitions.isEmpty() ? null : partitions);
                    rows.print(System.out, output);
                }
                return 0;
            });
        }
    }

    @Command(name = "producers", mixinStandardHelpOptions = true,
            description = "Show the producers a partition's leader knows, with the start offset of each one's open transaction.")
    static final class Producers implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;
        @Option(names = "--topic", paramLabel = "TOPIC", required = true, description = "The partition's topic.")
        String topic;
        @Option(names = "--partition", paramLabel = "N", required = true, description = "The partition.")
        int partition;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                checkPartition(partition);
                try (Admin admin = connection.admin()) {
                    List<ProducerState> producers = new ArrayList<>(producers(admin, connection, new TopicPartition(topic, partition)));
                    producers.sort(Comparator.comparingLong(ProducerState::producerId));
                    Rows rows = new Rows("PRODUCER-ID", "PRODUCER-EPOCH", "COORDINATOR-EPOCH", "LAST-SEQUENCE",
                        "LAST-TIMESTAMP", "TXN-START-OFFSET");
                    for (ProducerState p : producers) {
                        rows.add(p.producerId(), p.producerEpoch(), p.coordinatorEpoch().isPresent() ? p.coordinatorEpoch().getAsInt() : null,
                            p.lastSequence(), p.lastTimestamp(),
                            p.currentTransactionStartOffset().isPresent() ? p.currentTransactionStartOffset().getAsLong() : null);
                    }
                    rows.print(System.out, output);
                }
                return 0;
            });
        }
    }

    /** An open transaction on one partition, as its leader reports it. */
    private record OpenTransaction(TopicPartition partition, ProducerState producer) {
    }

    @Command(name = "find-hanging", mixinStandardHelpOptions = true,
            description = "Find transactions that partitions hold open but their coordinator will never end: open for "
                + "longer than --max-age-ms, and unknown to the coordinator or no longer counting the partition.")
    static final class FindHanging implements Callable<Integer> {
        static final long DEFAULT_MAX_AGE_MS = 15 * 60 * 1000L;

        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;
        @Option(names = "--topic", paramLabel = "TOPIC", description = "Search this topic only (default: all topics).")
        String topic;
        @Option(names = "--partition", paramLabel = "N", description = "Search this partition of --topic only.")
        Integer partition;
        @Option(names = "--max-age-ms", paramLabel = "MS", defaultValue = "" + DEFAULT_MAX_AGE_MS,
                description = "Only transactions whose producer last wrote more than MS milliseconds ago (the largest "
                    + "transaction timeout in use; younger ones may still be ended by their coordinator). Default ${DEFAULT-VALUE}.")
        long maxAgeMs;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                if (partition != null && topic == null) {
                    throw CommandFailure.usage("--partition needs --topic");
                }
                if (partition != null) {
                    checkPartition(partition);
                }
                if (maxAgeMs < 0) {
                    throw CommandFailure.usage("--max-age-ms must be 0 or more, not " + maxAgeMs);
                }
                try (Admin admin = connection.admin()) {
                    List<OpenTransaction> hanging = findHanging(admin, candidates(admin, partitionsToSearch(admin)));
                    Rows rows = new Rows("TOPIC", "PARTITION", "PRODUCER-ID", "PRODUCER-EPOCH", "COORDINATOR-EPOCH",
                        "START-OFFSET", "LAST-TIMESTAMP", "AGE-MS");
                    long now = System.currentTimeMillis();
                    for (OpenTransaction t : hanging) {
                        ProducerState p = t.producer();
                        rows.add(t.partition().topic(), t.partition().partition(), p.producerId(), p.producerEpoch(),
                            p.coordinatorEpoch().isPresent() ? p.coordinatorEpoch().getAsInt() : null,
                            p.currentTransactionStartOffset().getAsLong(), p.lastTimestamp(), Math.max(0, now - p.lastTimestamp()));
                    }
                    rows.print(System.out, output);
                    if (hanging.isEmpty()) {
                        System.err.println("No hanging transactions.");
                    } else {
                        System.err.println(hanging.size() + " hanging transaction(s); end each with "
                            + "`riffle transaction abort --topic TOPIC --partition PARTITION --start-offset START-OFFSET`.");
                    }
                }
                return 0;
            });
        }

        private List<TopicPartition> partitionsToSearch(Admin admin) {
            if (partition != null) {
                TopicPartition tp = new TopicPartition(topic, partition);
                requirePartition(admin, connection, tp);
                return List.of(tp);
            }
            Collection<String> topics = topic != null ? List.of(topic)
                : connection.await(admin.listTopics().names()).stream().sorted().toList();
            List<TopicPartition> partitions = new ArrayList<>();
            for (String name : topics) {
                TopicCommand.describeTopic(admin, connection, name).partitions()
                    .forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
            }
            return partitions;
        }

        /** Open transactions older than --max-age-ms, ordered by partition. */
        private List<OpenTransaction> candidates(Admin admin, List<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return List.of();
            }
            Map<TopicPartition, PartitionProducerState> states = connection.await(admin.describeProducers(partitions).all());
            long now = System.currentTimeMillis();
            List<OpenTransaction> open = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                for (ProducerState p : states.get(tp).activeProducers()) {
                    if (p.currentTransactionStartOffset().isPresent() && now - p.lastTimestamp() > maxAgeMs) {
                        open.add(new OpenTransaction(tp, p));
                    }
                }
            }
            return open;
        }

        /** Kafka's test: hanging unless the coordinator has the producer's transaction on that partition. */
        private List<OpenTransaction> findHanging(Admin admin, List<OpenTransaction> candidates) {
            if (candidates.isEmpty()) {
                return List.of();
            }
            Set<Long> producerIds = candidates.stream().map(c -> c.producer().producerId()).collect(Collectors.toSet());
            Map<Long, String> transactionalIds = new HashMap<>();
            connection.await(admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds)).all())
                .forEach(l -> transactionalIds.put(l.producerId(), l.transactionalId()));
            Map<String, Optional<TransactionDescription>> descriptions = new LinkedHashMap<>();
            if (!transactionalIds.isEmpty()) {
                var described = admin.describeTransactions(new HashSet<>(transactionalIds.values()));
                for (String id : transactionalIds.values()) {
                    try {
                        descriptions.put(id, Optional.of(connection.await(described.description(id))));
                    } catch (TransactionalIdNotFoundException e) {
                        descriptions.put(id, Optional.empty());
                    }
                }
            }
            List<OpenTransaction> hanging = new ArrayList<>();
            for (OpenTransaction c : candidates) {
                String id = transactionalIds.get(c.producer().producerId());
                Optional<TransactionDescription> description = id == null ? Optional.empty() : descriptions.get(id);
                if (description.isEmpty() || !description.get().topicPartitions().contains(c.partition())) {
                    hanging.add(c);
                }
            }
            return hanging;
        }
    }

    /** How the transaction to abort is named: by where it starts, or by its producer. */
    static final class AbortTarget {
        @Option(names = "--start-offset", paramLabel = "OFFSET", required = true,
                description = "The offset the open transaction starts at (TXN-START-OFFSET of `transaction producers`, "
                    + "START-OFFSET of `transaction find-hanging`).")
        Long startOffset;
        @ArgGroup(exclusive = false, multiplicity = "1")
        ProducerTarget producer;
    }

    /** The producer of the transaction to abort, all three given together. */
    static final class ProducerTarget {
        @Option(names = "--producer-id", paramLabel = "ID", required = true, description = "The producer id.")
        long producerId;
        @Option(names = "--producer-epoch", paramLabel = "EPOCH", required = true, description = "The producer epoch.")
        short producerEpoch;
        @Option(names = "--coordinator-epoch", paramLabel = "EPOCH", required = true,
                description = "The coordinator epoch (-1, as `producers` shows for a producer never ended by a "
                    + "coordinator, is sent as 0).")
        int coordinatorEpoch;
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Abort a hanging transaction on one partition by writing an abort marker to its leader. "
                + "Name it by --start-offset, or by --producer-id, --producer-epoch and --coordinator-epoch.")
    static final class Abort implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = "--topic", paramLabel = "TOPIC", required = true, description = "The partition's topic.")
        String topic;
        @Option(names = "--partition", paramLabel = "N", required = true, description = "The partition.")
        int partition;
        @ArgGroup(exclusive = true, multiplicity = "1")
        AbortTarget target;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                checkPartition(partition);
                TopicPartition tp = new TopicPartition(topic, partition);
                try (Admin admin = connection.admin()) {
                    requirePartition(admin, connection, tp);
                    AbortTransactionSpec abort = target.startOffset != null
                        ? specAt(admin, tp, target.startOffset)
                        : new AbortTransactionSpec(tp, target.producer.producerId, target.producer.producerEpoch,
                            Math.max(0, target.producer.coordinatorEpoch));
                    try {
                        connection.await(admin.abortTransaction(abort).all());
                    } catch (org.apache.kafka.common.errors.InvalidProducerEpochException
                             | org.apache.kafka.common.errors.ProducerFencedException e) {
                        throw new CommandFailure("producer " + abort.producerId() + " on " + tp + " has a newer epoch than "
                            + abort.producerEpoch() + ": that transaction has already ended");
                    } catch (org.apache.kafka.common.errors.TransactionCoordinatorFencedException e) {
                        throw new CommandFailure("coordinator epoch " + abort.coordinatorEpoch() + " is older than the one "
                            + tp + " last saw for producer " + abort.producerId() + "; see `riffle transaction producers`");
                    }
                    System.out.println("Aborted the transaction of producer " + abort.producerId() + " (epoch "
                        + abort.producerEpoch() + ") on " + tp + ".");
                }
                return 0;
            });
        }

        /** The producer whose open transaction starts at {@code startOffset} (the partition exists), as kafka-transactions.sh finds it. */
        private AbortTransactionSpec specAt(Admin admin, TopicPartition tp, long startOffset) {
            List<ProducerState> producers = connection.await(admin.describeProducers(List.of(tp)).partitionResult(tp))
                .activeProducers();
            Optional<ProducerState> match = producers.stream()
                .filter(p -> p.currentTransactionStartOffset().isPresent()
                    && p.currentTransactionStartOffset().getAsLong() == startOffset)
                .findFirst();
            if (match.isEmpty()) {
                List<Long> open = producers.stream().filter(p -> p.currentTransactionStartOffset().isPresent())
                    .map(p -> p.currentTransactionStartOffset().getAsLong()).sorted().toList();
                throw new CommandFailure("no open transaction starts at offset " + startOffset + " on " + tp
                    + (open.isEmpty() ? " (it has no open transactions)" : " (open transactions start at " + open + ")"));
            }
            ProducerState p = match.get();
            return new AbortTransactionSpec(tp, p.producerId(), (short) p.producerEpoch(),
                p.coordinatorEpoch().isPresent() ? Math.max(0, p.coordinatorEpoch().getAsInt()) : 0);
        }
    }
}
