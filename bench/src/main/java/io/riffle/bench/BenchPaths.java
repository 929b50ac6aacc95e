package io.riffle.bench;

import java.io.File;
import java.nio.file.Path;

/**
 * Where the bench finds what it runs: the Riffle distribution ({@code shell/target/riffle.jar}
 * and {@code shell/target/lib}) and the Apache Kafka anchor ({@code kafka-anchor/target/kafka-lib}),
 * both produced by {@code mvn package} in the repository at {@code root}. Immutable.
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

    Path benchTarget() {
        return root.resolve("bench/target");
    }
}
