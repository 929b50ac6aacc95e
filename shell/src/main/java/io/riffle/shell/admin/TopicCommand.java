package io.riffle.shell.admin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code riffle topic list|describe|create|delete|alter}: topic administration through the
 * official Admin client, so it works against Riffle and Apache Kafka alike. Each subcommand is
 * one short-lived admin client; none keeps state between runs.
 */
@Command(name = "topic", mixinStandardHelpOptions = true,
        description = "List, describe, create, alter and delete topics.",
        subcommands = {TopicCommand.ListTopics.class, TopicCommand.Describe.class, TopicCommand.Create.class,
            TopicCommand.Delete.class, TopicCommand.Alter.class})
public final class TopicCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: list, describe, create, delete or alter");
    }

    /** Explains the topic errors a user can cause by naming a topic. */
    static RuntimeException explain(RuntimeException e, String topic) {
        if (e instanceof UnknownTopicOrPartitionException) {
            return new CommandFailure("topic '" + topic + "' does not exist");
        }
        if (e instanceof TopicExistsException) {
            return new CommandFailure("topic '" + topic + "' already exists");
        }
        return e;
    }

    /** Describes one topic, failing with "does not exist" if it is unknown. */
    static TopicDescription describeTopic(Admin admin, BrokerConnection connection, String topic) {
        try {
            return connection.await(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
        } catch (RuntimeException e) {
            throw explain(e, topic);
        }
    }

    /** Log start or end offsets of {@code partitions}. */
    static Map<TopicPartition, Long> offsets(Admin admin, BrokerConnection connection,
                                             Collection<TopicPartition> partitions, OffsetSpec spec) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResultInfo> result = connection.await(admin.listOffsets(request).all());
        Map<TopicPartition, Long> offsets = new HashMap<>();
        result.forEach((tp, info) -> offsets.put(tp, info.offset()));
        return offsets;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List topics with their partition counts.")
    static final class ListTopics implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;
        @Option(names = "--include-internal", description = "Also list internal topics (such as __consumer_offsets).")
        boolean includeInternal;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                try (Admin admin = connection.admin()) {
                    List<String> names = connection.await(admin.listTopics(
                        new ListTopicsOptions().listInternal(includeInternal)).names()).stream().sorted().toList();
                    Map<String, TopicDescription> descriptions = names.isEmpty() ? Map.of()
                        : connection.await(admin.describeTopics(names).allTopicNames());
                    Rows rows = new Rows("TOPIC", "PARTITIONS", "REPLICATION-FACTOR");
                    for (String name : names) {
                        TopicDescription description = descriptions.get(name);
                        if (description != null) {
                            rows.add(name, description.partitions().size(), replicationFactor(description));
                        }
                    }
                    rows.print(System.out, output);
                }
                return 0;
            });
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show a topic's partitions (leader, replicas, in-sync replicas, offsets) and its non-default configs.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;
        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                try (Admin admin = connection.admin()) {
                    TopicDescription description = describeTopic(admin, connection, topic);
                    List<TopicPartition> partitions = description.partitions().stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                    Map<TopicPartition, Long> start = offsets(admin, connection, partitions, OffsetSpec.earliest());
                    Map<TopicPartition, Long> end = offsets(admin, connection, partitions, OffsetSpec.latest());
                    Map<String, String> configs = topicConfigs(admin);

                    Rows rows = new Rows("PARTITION", "LEADER", "REPLICAS", "ISR", "LOG-START-OFFSET", "LOG-END-OFFSET");
                    for (TopicPartitionInfo p : description.partitions()) {
                        TopicPartition tp = new TopicPartition(topic, p.partition());
                        rows.add(p.partition(), p.leader() == null || p.leader().isEmpty() ? null : p.leader().id(),
                            nodeIds(p.replicas()), nodeIds(p.isr()), start.get(tp), end.get(tp));
                    }
                    print(description, configs, rows);
                }
                return 0;
            });
        }

        /** Configs set on the topic itself, as kafka-topics --describe shows them. */
        private Map<String, String> topicConfigs(Admin admin) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = connection.await(admin.describeConfigs(List.of(resource)).all()).get(resource);
            Map<String, String> configs = new TreeMap<>();
            if (config != null) {
                for (ConfigEntry entry : config.entries()) {
                    if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                        configs.put(entry.name(), entry.isSensitive() ? "(sensitive)" : entry.value());
                    }
                }
            }
            return configs;
        }

        private void print(TopicDescription description, Map<String, String> configs, Rows rows) {
            switch (output) {
                case table -> {
                    System.out.println("Topic: " + topic + "  TopicId: " + description.topicId()
                        + "  Partitions: " + description.partitions().size()
                        + "  ReplicationFactor: " + replicationFactor(description)
                        + "  Configs: " + configs.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(",")));
                    rows.print(System.out, output);
                }
                case json -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("topic", topic);
                    json.put("topic_id", String.valueOf(description.topicId()));
                    json.put("internal", description.isInternal());
                    json.put("replication_factor", replicationFactor(description));
                    json.put("configs", new LinkedHashMap<String, Object>(configs));
                    json.put("partitions", rows.asMaps());
                    System.out.println(Json.write(json));
                }
                case csv -> rows.print(System.out, output);
                default -> throw new IllegalStateException("unknown format " + output);
            }
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Parameters(paramLabel = "TOPIC")
        String topic;
        @Option(names = "--partitions", paramLabel = "N", description = "Number of partitions. Default: the broker's num.partitions.")
        Integer partitions;
        @Option(names = "--replication-factor", paramLabel = "N",
                description = "Replicas per partition. Default: the broker's default.replication.factor.")
        Short replicationFactor;
        @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A topic config, e.g. --config retention.ms=86400000. Repeatable.")
        Map<String, String> configs = new LinkedHashMap<>();

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                if (partitions != null && partitions <= 0) {
                    throw CommandFailure.usage("--partitions must be at least 1, not " + partitions);
                }
                if (replicationFactor != null && replicationFactor <= 0) {
                    throw CommandFailure.usage("--replication-factor must be at least 1, not " + replicationFactor);
                }
                NewTopic newTopic = new NewTopic(topic, Optional.ofNullable(partitions), Optional.ofNullable(replicationFactor))
                    .configs(configs);
                try (Admin admin = connection.admin()) {
                    CreateTopicsResult result = admin.createTopics(List.of(newTopic));
                    try {
                        connection.await(result.all());
                    } catch (RuntimeException e) {
                        throw explain(e, topic);
                    }
                    System.out.println("Created topic " + topic + " with " + createdPartitions(result) + " partition(s).");
                }
                return 0;
            });
        }

        private String createdPartitions(CreateTopicsResult result) {
            if (partitions != null) {
                return String.valueOf(partitions);
            }
            try {
                return String.valueOf(connection.await(result.numPartitions(topic)));
            } catch (RuntimeException e) {
                // Old brokers do not return the topic's settings; the topic exists all the same.
                return "the broker's default number of";
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a topic and its data.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                try (Admin admin = connection.admin()) {
                    try {
                        connection.await(admin.deleteTopics(List.of(topic)).all());
                    } catch (RuntimeException e) {
                        throw explain(e, topic);
                    }
                }
                System.out.println("Deleted topic " + topic + ".");
                return 0;
            });
        }
    }

    @Command(name = "alter", mixinStandardHelpOptions = true,
            description = "Set or remove topic configs, or add partitions.")
    static final class Alter implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Parameters(paramLabel = "TOPIC")
        String topic;
        @Option(names = "--config", paramLabel = "KEY=VALUE", description = "Set a topic config. Repeatable.")
        Map<String, String> set = new LinkedHashMap<>();
        @Option(names = "--delete-config", paramLabel = "KEY", description = "Remove a topic config (back to the default). Repeatable.")
        List<String> delete = new ArrayList<>();
        @Option(names = "--partitions", paramLabel = "N", description = "Increase the number of partitions to N.")
        Integer partitions;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                if (set.isEmpty() && delete.isEmpty() && partitions == null) {
                    throw CommandFailure.usage("nothing to change: give --config KEY=VALUE, --delete-config KEY or --partitions N");
                }
                try (Admin admin = connection.admin()) {
                    try {
                        describeTopic(admin, connection, topic);
                        if (!set.isEmpty() || !delete.isEmpty()) {
                            List<AlterConfigOp> ops = new ArrayList<>();
                            set.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
                            delete.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, null), AlterConfigOp.OpType.DELETE)));
                            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                            connection.await(admin.incrementalAlterConfigs(Map.of(resource, ops)).all());
                        }
                        if (partitions != null) {
                            connection.await(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions))).all());
                        }
                    } catch (RuntimeException e) {
                        throw explain(e, topic);
                    }
                }
                System.out.println("Altered topic " + topic + ".");
                return 0;
            });
        }
    }

    static int replicationFactor(TopicDescription description) {
        return description.partitions().isEmpty() ? 0 : description.partitions().get(0).replicas().size();
    }

    private static String nodeIds(List<Node> nodes) {
        return nodes.stream().map(n -> String.valueOf(n.id())).collect(Collectors.joining(","));
    }
}
