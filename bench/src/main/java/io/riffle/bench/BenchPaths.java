package io.riffle.bench;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where the bench finds what it runs: the Riffle distribution ({@code shell/target/riffle.jar}
 * and {@code shell/target/lib}) and the Apache Kafka anchor ({@code kafka-anchor/target/kafka-lib}),
 * both produced by {@code mvn package} in the repository at {@code root}, and the bench's own
 * jar, which also holds the group-free tools run on Kafka's classpath. Immutable.
 */
record BenchPaths(Path root) {

    Path riffleJar() {
        return root.resolve("shell/target/riffle.jar");
    }

    Path kafkaLib() {
        return root.resolve("kafka-anchor/target/kafka-lib");
    }

    String riffleClasspath() {
        return riffleJar() + File.pathSeparator + root.resolve("shell/target/lib") + File.separator + "*";
    }

    /** A wildcard classpath: the JVM expands it, so the command line stays short. */
    String kafkaClasspath() {
        return kafkaLib() + File.separator + "*";
    }

    /**
     * The bench's group-free tools ({@code io.riffle.bench.tools}): the jar (or classes directory)
     * this class was loaded from, plus kafka-lib for kafka-clients and slf4j.
     */
    String benchToolsClasspath() {
        return benchCode() + File.pathSeparator + kafkaClasspath();
    }

    /** The processor bench's Riffle word count: the bench's jar plus the Riffle distribution. */
    String riffleProcessorClasspath() {
        return benchCode() + File.pathSeparator + riffleClasspath();
    }

    private static Path benchCode() {
        try {
            return Path.of(BenchPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the bench's own jar", e);
        }
    }

    Path benchTarget() {
        return root.resolve("bench/target");
    }
}
