package io.riffle.shell;

import io.riffle.shell.admin.ConsumeCommand;
import io.riffle.shell.admin.GroupCommand;
import io.riffle.shell.admin.ProduceCommand;
import io.riffle.shell.admin.TopicCommand;
import io.riffle.shell.admin.TransactionCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code riffle} program. Subcommands: {@code server} runs a node; the SQL shell and the
 * admin commands join as their features land.
 */
@Command(name = "riffle", mixinStandardHelpOptions = true, versionProvider = Riffle.Version.class,
        description = "Riffle: a Kafka-compatible log, stream processor, streaming SQL and connectors.",
        subcommands = {ServerCommand.class, TopicCommand.class, ProduceCommand.class, ConsumeCommand.class,
            GroupCommand.class, TransactionCommand.class})
public final class Riffle implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new Riffle()).execute(args);
        if (code != 0 || !ServerCommand.isRunning()) {
            System.exit(code);
        }
    }

    /** The version from the jar's manifest, when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Riffle.class.getPackage().getImplementationVersion();
            return new String[] {"riffle " + (v == null ? "(development build)" : v)};
        }
    }
}
