package io.riffle.processor;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The processor talks to brokers only through kafka-clients, and users never need its internals. */
class ArchitectureTest {
    private final JavaClasses main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.riffle.processor");

    @Test
    void neverDependsOnTheLogEngineOrKafkaStreams() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.riffle.log..", "org.apache.kafka.streams..")
            .check(main);
    }

    @Test
    void theProcessorApiAndStateInterfacesDoNotReachIntoTheRuntime() {
        noClasses().that().resideInAnyPackage("io.riffle.processor.api..", "io.riffle.processor.state..")
            .should().dependOnClassesThat().resideInAPackage("io.riffle.processor.internal..")
            .check(main);
    }
}
