package io.riffle.log.txn;

/**
 * Named points where a test can make the broker die as if killed (-9): set the system property
 * {@code riffle.crash.point} to a point's name and the process halts there, without shutdown
 * hooks or flushes. Used by the transaction crash tests; unset in production.
 */
public final class CrashPoints {
    public static final String PROPERTY = "riffle.crash.point";
    /** After PrepareCommit/PrepareAbort is durable, before any marker. */
    public static final String TXN_AFTER_PREPARE = "txn.after-prepare";
    /** After the first marker of a transaction is written, before the others. */
    public static final String TXN_AFTER_FIRST_MARKER = "txn.after-first-marker";
    /** After all markers, before CompleteCommit/CompleteAbort is written. */
    public static final String TXN_BEFORE_COMPLETE = "txn.before-complete";

    private static final String ARMED = System.getProperty(PROPERTY);

    private CrashPoints() {
    }

    public static void reached(String point) {
        if (point.equals(ARMED)) {
            System.err.println("riffle: crash point " + point + " reached; halting");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
