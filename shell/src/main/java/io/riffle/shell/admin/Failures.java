package io.riffle.shell.admin;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Turns what goes wrong in an admin command into one line on stderr, prefixed with the command's
 * name ({@code riffle topic describe: topic 'x' does not exist}), and an exit code: 0 ok,
 * 1 failed, 2 unusable arguments. Commands translate the conditions they know (a missing topic
 * or group) into {@link CommandFailure}s themselves; this class explains the rest (timeouts,
 * broker errors). Stateless, thread-safe.
 */
final class Failures {

    private Failures() {
    }

    /** Runs a command body, printing any failure and returning the exit code. */
    static int run(CommandSpec spec, BrokerConnection connection, Callable<Integer> body) {
        try {
            return body.call();
        } catch (CommandFailure e) {
            report(spec, e.getMessage());
            return e.exitCode();
        } catch (Exception e) {
            report(spec, explain(e, connection));
            return 1;
        }
    }

    static void report(CommandSpec spec, String message) {
        System.out.flush();
        System.err.println(spec.qualifiedName() + ": " + message);
        System.err.flush();
    }

    /** A failure cause as an unchecked exception, unchanged if it already is one. */
    static RuntimeException rethrow(Throwable cause) {
        return cause instanceof RuntimeException runtime ? runtime : new KafkaException(cause);
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String explain(Throwable thrown, BrokerConnection connection) {
        Throwable e = unwrap(thrown);
        String at = connection == null ? "the broker" : "the broker at " + connection.bootstrap();
        if (e instanceof TimeoutException) {
            String within = connection == null ? "" : " within " + connection.timeoutMs + " ms";
            return "no answer from " + at + within + " (" + e.getMessage()
                + "); is it running and reachable at that address?";
        }
        if (e instanceof UnsupportedVersionException) {
            return at + " does not support this request: " + e.getMessage();
        }
        if (e instanceof ApiException) {
            // Broker errors carry the broker's own explanation.
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        return e.getClass().getSimpleName() + ": " + BrokerConnection.rootMessage(e);
    }
}
