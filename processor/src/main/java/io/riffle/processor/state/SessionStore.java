package io.riffle.processor.state;

import io.riffle.processor.Windowed;

/**
 * A store of sessions: one value per (key, session start, session end), kept while the
 * session's end is within the retention period. Iterators must be closed.
 */
public interface SessionStore<K, V> extends StateStore {
    /**
     * The sessions of {@code key} that end at or after {@code earliestSessionEndTime} and start at
     * or before {@code latestSessionStartTime} — the sessions a record could merge with.
     */
    KeyValueIterator<Windowed<K>, V> findSessions(K key, long earliestSessionEndTime, long latestSessionStartTime);

    /** The value of exactly this session, or null. */
    V fetchSession(K key, long sessionStart, long sessionEnd);

    /** Every live session of {@code key}. */
    KeyValueIterator<Windowed<K>, V> fetch(K key);

    /** Every live session, ordered by key, then end. */
    KeyValueIterator<Windowed<K>, V> all();

    void put(Windowed<K> session, V aggregate);

    void remove(Windowed<K> session);

    long retentionPeriodMs();
}
