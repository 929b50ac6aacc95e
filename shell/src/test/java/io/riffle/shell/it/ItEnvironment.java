package io.riffle.shell.it;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the process-level ITs find the packaged Riffle distribution and Kafka's tools. Failsafe
 * sets both system properties (see shell/pom.xml); the defaults let an IDE run the tests from
 * the shell module directory after {@code mvn package}. Stateless, thread-safe.
 */
final class ItEnvironment {

    static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    private ItEnvironment() {
    }

    /** The shell module's target directory: riffle.jar and lib/. */
    static Path distribution() {
        return Path.of(System.getProperty("riffle.distribution", "target")).toAbsolutePath();
    }

    static Path kafkaLib() {
        return Path.of(System.getProperty("riffle.kafkaLib", "../kafka-anchor/target/kafka-lib")).toAbsolutePath();
    }

    static String riffleClasspath() {
        Path jar = distribution().resolve("riffle.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no Riffle distribution at " + jar + "; run `mvn package` first");
        }
        return jar + File.pathSeparator + distribution().resolve("lib") + File.separator + "*";
    }

    static String kafkaClasspath() {
        if (!Files.isDirectory(kafkaLib())) {
            throw new IllegalStateException("no Kafka tools at " + kafkaLib() + "; run `mvn package` first");
        }
        return kafkaLib() + File.separator + "*";
    }

    /** Output of child processes, kept for diagnosis after a failure. */
    static Path logDirectory() {
        return distribution().resolve("it-logs");
    }
}
