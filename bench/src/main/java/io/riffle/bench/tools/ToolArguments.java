package io.riffle.bench.tools;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name value} arguments of a bench tool, checked against the names the tool
 * accepts, so a misspelt option fails at start-up with its name instead of being ignored.
 * Immutable after construction.
 */
final class ToolArguments {

    private final String tool;
    private final Map<String, String> values = new HashMap<>();

    ToolArguments(String tool, String[] args, Set<String> accepted) {
        this.tool = tool;
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (!accepted.contains(name)) {
                throw new IllegalArgumentException(tool + ": unknown option " + name + "; accepted: " + accepted);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(tool + ": " + name + " needs a value");
            }
            values.put(name, args[i + 1]);
        }
    }

    String required(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException(tool + ": " + name + " is required");
        }
        return value;
    }

    String text(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /** A whole number ≥ {@code minimum}, or the default when the option is absent. */
    long number(String name, long defaultValue, long minimum) {
        String text = values.get(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(text);
            if (value < minimum) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                tool + ": " + name + " takes a whole number ≥ " + minimum + ", not '" + text + "'");
        }
    }
}
