package io.riffle.shell.admin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code riffle group list|describe|reset-offsets|delete}: consumer group administration through
 * the official Admin client, with the output of {@code kafka-consumer-groups --describe}
 * (committed offset, log end offset and lag per partition, with the member that owns it).
 */
@Command(name = "group", mixinStandardHelpOptions = true,
        description = "List, describe, reset and delete consumer groups.",
        subcommands = {GroupCommand.ListGroups.class, GroupCommand.Describe.class, GroupCommand.ResetOffsets.class,
            GroupCommand.Delete.class})
public final class GroupCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "Missing subcommand: list, describe, reset-offsets or delete");
    }

    static CommandFailure missing(String group) {
        return new CommandFailure("group '" + group + "' does not exist");
    }

    /** The group's description, or null if the broker does not know the group. */
    static ConsumerGroupDescription describeGroup(Admin admin, BrokerConnection connection, String group) {
        ConsumerGroupDescription description;
        try {
            description = connection.await(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
        } catch (GroupIdNotFoundException e) {
            return null;
        }
        // Classic DescribeGroups answers an unknown group with state Dead and no members.
        return description.groupState() == GroupState.DEAD && description.members().isEmpty() ? null : description;
    }

    /** Committed offsets of the group (partitions whose offset is unknown are left out). */
    static Map<TopicPartition, Long> committedOffsets(Admin admin, BrokerConnection connection, String group) {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = connection.await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        } catch (GroupIdNotFoundException e) {
            return Map.of();
        }
        Map<TopicPartition, Long> offsets = new HashMap<>();
        committed.forEach((tp, om) -> {
            if (om != null) {
                offsets.put(tp, om.offset());
            }
        });
        return offsets;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List groups with their state and protocol type.")
    static final class ListGroups implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                try (Admin admin = connection.admin()) {
                    List<GroupListing> groups = new ArrayList<>(connection.await(admin.listGroups().all()));
                    groups.sort(Comparator.comparing(GroupListing::groupId));
                    Rows rows = new Rows("GROUP", "STATE", "PROTOCOL-TYPE", "TYPE");
                    for (GroupListing g : groups) {
                        rows.add(g.groupId(), g.groupState().map(GroupState::toString).orElse(null),
                            g.protocol().isEmpty() ? null : g.protocol(), g.type().map(Object::toString).orElse(null));
                    }
                    rows.print(System.out, output);
                }
                return 0;
            });
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show a group's state, members, and per partition the committed offset, log end offset and lag.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;
        @Parameters(paramLabel = "GROUP")
        String group;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                try (Admin admin = connection.admin()) {
                    ConsumerGroupDescription description = describeGroup(admin, connection, group);
                    Map<TopicPartition, Long> committed = committedOffsets(admin, connection, group);
                    if (description == null && committed.isEmpty()) {
                        throw missing(group);
                    }
                    Map<TopicPartition, MemberDescription> owners = new HashMap<>();
                    if (description != null) {
                        for (MemberDescription member : description.members()) {
                            member.assignment().topicPartitions().forEach(tp -> owners.put(tp, member));
                        }
                    }
                    Set<TopicPartition> partitions = new TreeSet<>(
                        Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
                    partitions.addAll(committed.keySet());
                    partitions.addAll(owners.keySet());
                    Map<TopicPartition, Long> logEnd = logEndOffsets(admin, partitions);

                    Rows offsets = new Rows("TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                        "CONSUMER-ID", "HOST", "CLIENT-ID");
                    long totalLag = 0;
                    for (TopicPartition tp : partitions) {
                        Long current = committed.get(tp);
                        Long end = logEnd.get(tp);
                        Long lag = current != null && end != null ? Math.max(0, end - current) : null;
                        totalLag += lag == null ? 0 : lag;
                        MemberDescription owner = owners.get(tp);
                        offsets.add(tp.topic(), tp.partition(), current, end, lag,
                            owner == null ? null : owner.consumerId(), owner == null ? null : owner.host(),
                            owner == null ? null : owner.clientId());
                    }
                    Rows members = new Rows("CONSUMER-ID", "HOST", "CLIENT-ID", "PARTITIONS", "ASSIGNMENT");
                    if (description != null) {
                        for (MemberDescription m : description.members()) {
                            members.add(m.consumerId(), m.host(), m.clientId(), m.assignment().topicPartitions().size(),
                                assignment(m.assignment().topicPartitions()));
                        }
                    }
                    print(description, offsets, members, totalLag);
                }
                return 0;
            });
        }

        /** Log end offsets; a partition whose topic has gone since the commit has none. */
        private Map<TopicPartition, Long> logEndOffsets(Admin admin, Set<TopicPartition> partitions) {
            Map<TopicPartition, Long> ends = new HashMap<>();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
            if (request.isEmpty()) {
                return ends;
            }
            var result = admin.listOffsets(request);
            for (TopicPartition tp : partitions) {
                try {
                    ends.put(tp, connection.await(result.partitionResult(tp)).offset());
                } catch (org.apache.kafka.common.errors.UnknownTopicOrPartitionException e) {
                    // Left out: shown as "-".
                }
            }
            return ends;
        }

        private void print(ConsumerGroupDescription description, Rows offsets, Rows members, long totalLag) {
            String state = description == null ? GroupState.EMPTY.toString() : description.groupState().toString();
            String assignor = description == null || description.partitionAssignor().isEmpty()
                ? null : description.partitionAssignor();
            String coordinator = description == null || description.coordinator() == null ? null
                : description.coordinator().id() + " (" + description.coordinator().host() + ":"
                    + description.coordinator().port() + ")";
            int memberCount = description == null ? 0 : description.members().size();
            switch (output) {
                case table -> {
                    System.out.println("Group: " + group + "  State: " + state
                        + (description == null ? "" : "  Type: " + description.type())
                        + "  Assignor: " + (assignor == null ? "-" : assignor)
                        + "  Coordinator: " + (coordinator == null ? "-" : coordinator)
                        + "  Members: " + memberCount + "  TotalLag: " + totalLag);
                    System.out.println();
                    offsets.print(System.out, output);
                    System.out.println();
                    if (members.isEmpty()) {
                        System.out.println("No active members.");
                    } else {
                        members.print(System.out, output);
                    }
                }
                case json -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("group", group);
                    json.put("state", state);
                    json.put("type", description == null ? null : description.type().toString());
                    json.put("assignor", assignor);
                    json.put("coordinator", coordinator);
                    json.put("total_lag", totalLag);
                    json.put("offsets", offsets.asMaps());
                    json.put("members", members.asMaps());
                    System.out.println(Json.write(json));
                }
                case csv -> offsets.print(System.out, output);
                default -> throw new IllegalStateException("unknown format " + output);
            }
        }
    }

    /** Exactly one target of a reset. */
    static final class ResetTarget {
        @Option(names = "--to-earliest", required = true, description = "Reset to the log start offset.")
        boolean earliest;
        @Option(names = "--to-latest", required = true, description = "Reset to the log end offset (skip everything).")
        boolean latest;
        @Option(names = "--to-offset", paramLabel = "N", required = true,
                description = "Reset to offset N (kept within the log's start and end).")
        Long offset;
    }

    @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
            description = "Plan (default) or, with --execute, apply new committed offsets of a group on a topic. "
                + "The group must have no active members.")
    static final class ResetOffsets implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or csv. Default ${DEFAULT-VALUE}.")
        OutputFormat output;
        @Parameters(paramLabel = "GROUP")
        String group;
        @Option(names = "--topic", paramLabel = "TOPIC", required = true, description = "The topic whose offsets to reset (all partitions).")
        String topic;
        @ArgGroup(exclusive = true, multiplicity = "1")
        ResetTarget target;
        @Option(names = "--execute", description = "Apply the plan (without it, only print it).")
        boolean execute;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                if (target.offset != null && target.offset < 0) {
                    throw CommandFailure.usage("--to-offset must be 0 or more, not " + target.offset);
                }
                try (Admin admin = connection.admin()) {
                    ConsumerGroupDescription description = describeGroup(admin, connection, group);
                    if (description != null && !description.members().isEmpty()) {
                        throw new CommandFailure("cannot reset the offsets of group '" + group + "' while it has "
                            + description.members().size() + " active member(s) (state "
                            + description.groupState() + "); stop its consumers first");
                    }
                    TopicDescription topicDescription = TopicCommand.describeTopic(admin, connection, topic);
                    List<TopicPartition> partitions = topicDescription.partitions().stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                    Map<TopicPartition, Long> committed = committedOffsets(admin, connection, group);
                    Map<TopicPartition, Long> start = TopicCommand.offsets(admin, connection, partitions, OffsetSpec.earliest());
                    Map<TopicPartition, Long> end = TopicCommand.offsets(admin, connection, partitions, OffsetSpec.latest());

                    Map<TopicPartition, OffsetAndMetadata> plan = new LinkedHashMap<>();
                    Rows rows = new Rows("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET");
                    for (TopicPartition tp : partitions) {
                        long next = newOffset(tp, start.get(tp), end.get(tp));
                        plan.put(tp, new OffsetAndMetadata(next));
                        rows.add(group, tp.topic(), tp.partition(), committed.get(tp), next);
                    }
                    if (execute) {
                        connection.await(admin.alterConsumerGroupOffsets(group, plan).all());
                    }
                    rows.print(System.out, output);
                    System.err.println(execute
                        ? "Reset the offsets of group " + group + " on " + partitions.size() + " partition(s) of " + topic + "."
                        : "Dry run: nothing changed. Add --execute to apply this plan.");
                }
                return 0;
            });
        }

        private long newOffset(TopicPartition tp, long logStart, long logEnd) {
            if (target.earliest) {
                return logStart;
            }
            if (target.latest) {
                return logEnd;
            }
            long wanted = target.offset;
            long next = Math.max(logStart, Math.min(logEnd, wanted));
            if (next != wanted) {
                System.err.println("Partition " + tp + ": offset " + wanted + " is outside the log ["
                    + logStart + ", " + logEnd + "]; using " + next + ".");
            }
            return next;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a group and its committed offsets. The group must have no active members.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        BrokerConnection connection;
        @Parameters(paramLabel = "GROUP")
        String group;

        @Override
        public Integer call() {
            return Failures.run(spec, connection, () -> {
                try (Admin admin = connection.admin()) {
                    connection.await(admin.deleteConsumerGroups(List.of(group)).all());
                } catch (GroupIdNotFoundException e) {
                    throw missing(group);
                } catch (GroupNotEmptyException e) {
                    throw new CommandFailure("group '" + group + "' still has active members; stop its consumers first");
                }
                System.out.println("Deleted group " + group + ".");
                return 0;
            });
        }
    }

    private static String assignment(Set<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new java.util.TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        return byTopic.entrySet().stream()
            .map(e -> e.getKey() + ":" + e.getValue().stream().sorted().map(String::valueOf).collect(Collectors.joining(",")))
            .collect(Collectors.joining(" "));
    }
}
