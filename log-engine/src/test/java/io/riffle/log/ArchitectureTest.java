package io.riffle.log;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Keeps the log engine's layers pointing one way: storage knows nothing of the network or the
 * request handlers; the network layer knows nothing of storage internals beyond segment slices;
 * and nothing depends on the other Riffle modules or on Kafka's server-side code.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.riffle.log");

    @Test
    void storageDoesNotDependOnUpperLayers() {
        noClasses().that().resideInAPackage("io.riffle.log.storage..")
                .should().dependOnClassesThat().resideInAnyPackage("io.riffle.log.network..", "io.riffle.log.server..",
                        "io.riffle.log.cluster..")
                .check(CLASSES);
    }

    @Test
    void networkDoesNotDependOnHandlersOrCluster() {
        noClasses().that().resideInAPackage("io.riffle.log.network..")
                .should().dependOnClassesThat().resideInAnyPackage("io.riffle.log.server..", "io.riffle.log.cluster..")
                .check(CLASSES);
    }

    @Test
    void clusterDoesNotDependOnNetworkOrHandlers() {
        noClasses().that().resideInAPackage("io.riffle.log.cluster..")
                .should().dependOnClassesThat().resideInAnyPackage("io.riffle.log.network..", "io.riffle.log.server..")
                .check(CLASSES);
    }

    @Test
    void noKafkaServerSideCodeAndNoOtherRiffleModules() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("kafka..", "org.apache.kafka.server..",
                        "org.apache.kafka.storage..", "org.apache.kafka.streams..", "org.apache.kafka.connect..",
                        "io.riffle.processor..", "io.riffle.sql..", "io.riffle.connect..", "io.riffle.shell..")
                .check(CLASSES);
    }
}
