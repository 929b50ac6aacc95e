package io.riffle.log.server;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.apache.kafka.common.TopicPartition;

/**
 * Fetches waiting for data (Kafka's fetch purgatory): a fetch that found fewer than
 * {@code min.bytes} parks here, watching its partitions. An append to a watched partition
 * re-checks it; it completes when satisfied or when {@code max.wait.ms} passes, whichever is
 * first, exactly once. No thread blocks per waiting fetch.
 *
 * <p>Thread-safe.
 */
public final class DelayedFetches implements AutoCloseable {
    private final Map<TopicPartition, Set<Waiter>> watchers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Executor completionExecutor;

    /** A parked fetch: its readiness check and what completes it. */
    final class Waiter {
        private final Set<TopicPartition> partitions;
        private final BooleanSupplier satisfied;
        private final Runnable complete;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;

        private Waiter(Set<TopicPartition> partitions, BooleanSupplier satisfied, Runnable complete) {
            this.partitions = partitions;
            this.satisfied = satisfied;
            this.complete = complete;
        }

        void tryComplete(boolean force) {
            if (done.get() || !(force || satisfied.getAsBoolean())) {
                return;
            }
            if (done.compareAndSet(false, true)) {
                ScheduledFuture<?> t = timeout;
                if (t != null) {
                    t.cancel(false);
                }
                for (TopicPartition tp : partitions) {
                    Set<Waiter> set = watchers.get(tp);
                    if (set != null) {
                        set.remove(this);
                    }
                }
                completionExecutor.execute(complete);
            }
        }
    }

    public DelayedFetches(Executor completionExecutor) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "riffle-fetch-timer");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
        this.completionExecutor = completionExecutor;
    }

    /**
     * Parks a fetch.
     *
     * @param satisfied whether enough data has arrived; checked after each append to a watched partition
     * @param complete builds and sends the response; runs once, on the completion executor
     */
    void park(Set<TopicPartition> partitions, long maxWaitMs, BooleanSupplier satisfied, Runnable complete) {
        Waiter waiter = new Waiter(partitions, satisfied, complete);
        for (TopicPartition tp : partitions) {
            watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(waiter);
        }
        waiter.timeout = timer.schedule(() -> waiter.tryComplete(true), maxWaitMs, TimeUnit.MILLISECONDS);
        waiter.tryComplete(false); // data may have arrived between the read and parking
    }

    /** Called after an append to tp. */
    public void onAppend(TopicPartition tp) {
        Set<Waiter> set = watchers.get(tp);
        if (set == null || set.isEmpty()) {
            return;
        }
        for (Waiter waiter : set) {
            waiter.tryComplete(false);
        }
    }

    /** Completes every parked fetch (on shutdown) and stops the timer. */
    @Override
    public void close() {
        for (Set<Waiter> set : watchers.values()) {
            for (Waiter waiter : set) {
                waiter.tryComplete(true);
            }
        }
        timer.shutdownNow();
    }
}
