package io.riffle.shell.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code riffle server} as users run it: a Kafka server.properties is accepted (flags override
 * it), an invalid value stops start-up with a message naming the key, and SIGTERM stops the
 * node cleanly so the next start needs no recovery.
 */
class ServerCommandIT {

    private static Result run(List<String> args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(ItEnvironment.JAVA.toString(), "-Xmx256m", "-cp",
                ItEnvironment.riffleClasspath(), "io.riffle.shell.Riffle"));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("riffle " + args + " did not exit");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    record Result(int exit, String output) {
    }

    @Test
    void anInvalidValueInTheConfigFileStopsStartUpNamingTheKey(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("server.properties");
        Files.writeString(config, "num.partitions=lots\n");
        Result r = run(List.of("server", "--config", config.toString(), "--data-dir", dir.resolve("data").toString(),
                "--kafka-port", "0"));
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("num.partitions"), r.output());
    }

    @Test
    void aKafkaServerPropertiesFileIsAcceptedAndUnknownKeysAreWarnedAbout(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "listeners=PLAINTEXT://127.0.0.1:9092",
                "log.dirs=" + dir.resolve("ignored"),
                "num.partitions=2",
                "made.up.setting=1", ""));
        try (RiffleProcess riffle = RiffleProcess.start(dir.resolve("data"), "--config", config.toString())) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> Files.readString(riffle.output()).contains("made.up.setting"));
            assertTrue(Files.exists(dir.resolve("data").resolve("meta.properties")), "--data-dir overrides log.dirs");
            riffle.stop();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> Files.readString(riffle.output()).contains("Riffle node 1 stopped"));
            assertTrue(Files.exists(dir.resolve("data").resolve(".clean-shutdown")), "SIGTERM stops cleanly");
        }
    }

    @Test
    void helpListsTheServerFlags() throws Exception {
        Result r = run(List.of("server", "--help"));
        assertEquals(0, r.exit(), r.output());
        for (String flag : List.of("--data-dir", "--kafka-port", "--config", "--node-id")) {
            assertTrue(r.output().contains(flag), flag + " in " + r.output());
        }
    }
}
