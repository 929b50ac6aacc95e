package io.riffle.processor.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.riffle.processor.internal.InternalTopology.Subtopology;
import io.riffle.processor.internal.TopologyBuilder.SinkDef;
import io.riffle.processor.internal.TopologyBuilder.SourceDef;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Before the first poll: checks the source topics exist and are co-partitioned within each
 * subtopology, derives the partition count of each subtopology (its number of tasks), and
 * creates the internal topics with it: repartition topics ({@code cleanup.policy=delete}) and
 * store changelogs ({@code cleanup.policy=compact}; {@code compact,delete} with a retention for
 * window and session stores). An existing internal topic with another
 * partition count is an error (its data would no longer line up with the tasks).
 * Called once per instance from {@code start()}; not thread-safe.
 */
public final class InternalTopicManager {
    private final Admin admin;
    private final String applicationId;
    private final Duration timeout;

    public InternalTopicManager(Admin admin, String applicationId, Duration timeout) {
        this.admin = admin;
        this.applicationId = applicationId;
        this.timeout = timeout;
    }

    /** Returns the partition count of every subtopology, by id. */
    public Map<Integer, Integer> setUp(InternalTopology topology) {
        List<String> userTopics = new ArrayList<>();
        for (Subtopology s : topology.subtopologies()) {
            for (SourceDef src : s.sources()) {
                if (!src.internal()) {
                    userTopics.addAll(src.topics());
                }
            }
        }
        Map<String, Integer> partitions = new HashMap<>(describe(userTopics, true));
        // Counts fixed by Repartitioned.numberOfPartitions win over derived ones; the sub-topology
        // reading such a topic then runs that many tasks.
        topology.repartitionTopicPartitions().forEach((t, n) -> partitions.put(InternalTopology.topicName(applicationId, t, true), n));
        // A repartition topic read next to user topics (a re-keyed stream joined with a table)
        // must have their partition count, whatever the count of the sub-topology writing it.
        for (Subtopology s : topology.subtopologies()) {
            Integer userCount = null;
            for (SourceDef src : s.sources()) {
                if (!src.internal()) {
                    userCount = partitions.get(src.topics().get(0));
                }
            }
            for (SourceDef src : s.sources()) {
                if (src.internal() && userCount != null) {
                    for (String t : src.topics()) {
                        partitions.putIfAbsent(InternalTopology.topicName(applicationId, t, true), userCount);
                    }
                }
            }
        }
        Map<Integer, Integer> taskCounts = new LinkedHashMap<>();
        boolean progress = true;
        while (progress && taskCounts.size() < topology.subtopologies().size()) {
            progress = false;
            for (Subtopology s : topology.subtopologies()) {
                if (taskCounts.containsKey(s.id())) {
                    continue;
                }
                Integer count = count(s, partitions);
                if (count == null) {
                    continue;
                }
                taskCounts.put(s.id(), count);
                progress = true;
                for (SinkDef sink : s.sinks()) {
                    if (sink.internal()) {
                        partitions.putIfAbsent(InternalTopology.topicName(applicationId, sink.topic(), true), count);
                    }
                }
            }
        }
        if (taskCounts.size() < topology.subtopologies().size()) {
            throw new IllegalStateException("cannot derive the partition count of every sub-topology (a cycle of repartition topics?)");
        }
        Map<String, NewTopic> wanted = new LinkedHashMap<>();
        for (Subtopology s : topology.subtopologies()) {
            int count = taskCounts.get(s.id());
            for (SourceDef src : s.sources()) {
                if (src.internal()) {
                    for (String t : src.topics()) {
                        String name = InternalTopology.topicName(applicationId, t, true);
                        wanted.put(name, new NewTopic(name, Optional.of(count), Optional.empty())
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)));
                    }
                }
            }
            for (String store : s.stores()) {
                if (topology.store(store).loggingEnabled()) {
                    String name = InternalTopology.changelogTopic(applicationId, store);
                    wanted.put(name, new NewTopic(name, Optional.of(count), Optional.empty())
                        .configs(topology.store(store).changelogConfig()));
                }
            }
        }
        create(wanted);
        return taskCounts;
    }

    private Integer count(Subtopology s, Map<String, Integer> partitions) {
        Map<String, Integer> user = new LinkedHashMap<>();
        int max = 0;
        for (SourceDef src : s.sources()) {
            for (String t : src.topics()) {
                String name = InternalTopology.topicName(applicationId, t, src.internal());
                Integer n = partitions.get(name);
                if (n == null) {
                    return null;
                }
                if (!src.internal()) {
                    user.put(name, n);
                }
                max = Math.max(max, n);
            }
        }
        if (user.values().stream().distinct().count() > 1) {
            throw new IllegalStateException("topics " + user + " (topic=partitions) are read by sub-topology " + s.id()
                + " and must be co-partitioned (have the same number of partitions): they are joined, merged or share a store;"
                + " repartition one of them (e.g. selectKey/toTable through a repartition topic) or recreate it with matching partitions");
        }
        return max;
    }

    private Map<String, Integer> describe(List<String> topics, boolean mustExist) {
        Map<String, Integer> result = new HashMap<>();
        if (topics.isEmpty()) {
            return result;
        }
        for (var e : admin.describeTopics(topics).topicNameValues().entrySet()) {
            try {
                TopicDescription d = e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                result.put(e.getKey(), d.partitions().size());
            } catch (ExecutionException ex) {
                if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
                    if (mustExist) {
                        throw new IllegalStateException("source topic '" + e.getKey() + "' does not exist; create it before starting the application");
                    }
                } else {
                    throw new IllegalStateException("cannot describe topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                }
            } catch (InterruptedException | TimeoutException ex) {
                throw new IllegalStateException("cannot describe topic " + e.getKey() + " within " + timeout, ex);
            }
        }
        return result;
    }

    private void create(Map<String, NewTopic> wanted) {
        if (wanted.isEmpty()) {
            return;
        }
        Map<String, Integer> existing = describe(new ArrayList<>(wanted.keySet()), false);
        List<NewTopic> missing = new ArrayList<>();
        for (NewTopic t : wanted.values()) {
            Integer n = existing.get(t.name());
            if (n == null) {
                missing.add(t);
            } else if (n != t.numPartitions()) {
                throw new IllegalStateException("internal topic " + t.name() + " has " + n + " partitions but the topology needs "
                    + t.numPartitions() + "; reset the application (delete its internal topics and state) to change partition counts");
            }
        }
        for (var e : admin.createTopics(missing).values().entrySet()) {
            try {
                e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) { // another instance created it first
                    throw new IllegalStateException("cannot create internal topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                }
            } catch (InterruptedException | TimeoutException ex) {
                throw new IllegalStateException("cannot create internal topic " + e.getKey() + " within " + timeout, ex);
            }
        }
    }
}
