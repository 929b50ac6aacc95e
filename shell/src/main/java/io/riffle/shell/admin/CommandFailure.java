package io.riffle.shell.admin;

/**
 * A failure already explained in words for the user: the command prints the message to stderr
 * and exits with {@link #exitCode()} (1 for failures at run time, 2 for unusable arguments).
 */
final class CommandFailure extends RuntimeException {

    private final int exitCode;

    CommandFailure(String message) {
        this(message, 1);
    }

    CommandFailure(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static CommandFailure usage(String message) {
        return new CommandFailure(message, 2);
    }

    int exitCode() {
        return exitCode;
    }
}
