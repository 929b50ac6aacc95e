package io.riffle.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import io.riffle.processor.api.Record;
import io.riffle.processor.internal.ProcessingException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/**
 * Deserialization and processing exception handlers, the dead-letter topic and timestamp
 * extractors, through the TopologyTestDriver. The input is Long values; "bad" records are
 * strings of 3 bytes (LongDeserializer wants 8) or values the processor rejects (negative).
 */
class ErrorHandlingTest {
    private static final Serde<String> S = Serdes.String();
    private static final Serde<Long> L = Serdes.Long();

    /** Doubles each value; throws on a negative one. */
    private static Topology topology() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, L))
            .mapValues(v -> {
                if (v < 0) {
                    throw new IllegalStateException("negative value " + v);
                }
                return v * 2;
            })
            .to("out", Produced.with(S, L));
        return b.build();
    }

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    /** Pipes good 1, a value that cannot be deserialized, good 2, a value that fails processing, good 3. */
    private static List<KeyValue<String, Long>> runMixedInput(TopologyTestDriver d) {
        var good = d.createInputTopic("in", S.serializer(), L.serializer());
        var garbage = d.createInputTopic("in", S.serializer(), S.serializer());
        good.pipeInput("a", 1L, 10);
        garbage.pipeInput("b", "xyz", 11);
        good.pipeInput("c", 2L, 12);
        good.pipeInput("d", -5L, 13);
        good.pipeInput("e", 3L, 14);
        return d.createOutputTopic("out", S.deserializer(), L.deserializer()).readKeyValuesToList();
    }

    @Test
    void byDefaultABadRecordFailsTheTask() {
        try (TopologyTestDriver d = new TopologyTestDriver(topology())) {
            d.createInputTopic("in", S.serializer(), L.serializer()).pipeInput("a", 1L);
            ProcessingException e = assertThrows(ProcessingException.class,
                () -> d.createInputTopic("in", S.serializer(), S.serializer()).pipeInput("b", "xyz"));
            assertInstanceOf(SerializationException.class, e.getCause());
        }
        try (TopologyTestDriver d = new TopologyTestDriver(topology())) {
            ProcessingException e = assertThrows(ProcessingException.class,
                () -> d.createInputTopic("in", S.serializer(), L.serializer()).pipeInput("d", -5L));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getMessage().contains("KSTREAM-MAPVALUES"), e.getMessage());
        }
    }

    @Test
    void logAndContinueSkipsBadRecordsAndCommitsTheirOffsets() {
        Properties p = props(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER, LogAndContinueExceptionHandler.class.getName(),
            StreamsConfig.PROCESSING_EXCEPTION_HANDLER, LogAndContinueProcessingExceptionHandler.class.getName());
        try (TopologyTestDriver d = new TopologyTestDriver(topology(), p)) {
            assertEquals(List.of(KeyValue.pair("a", 2L), KeyValue.pair("c", 4L), KeyValue.pair("e", 6L)), runMixedInput(d));
            // the committed position is past every record, skipped ones included
            assertEquals(5L, d.committedOffset("in"));
        }
    }

    @Test
    void onlyTheConfiguredKindContinues() {
        Properties p = props(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER, LogAndContinueExceptionHandler.class.getName());
        try (TopologyTestDriver d = new TopologyTestDriver(topology(), p)) {
            assertThrows(ProcessingException.class, () -> runMixedInput(d)); // the processing failure (d=-5) is still fatal
        }
    }

    /** Records what it is given; continues. */
    public static final class RecordingHandler implements ProcessingExceptionHandler {
        static final List<String> SEEN = new CopyOnWriteArrayList<>();

        @Override
        public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            SEEN.add(context.processorNodeId().replaceAll("-\\d+$", "") + " " + context.topic() + "@" + context.offset() + " "
                + record.key() + "=" + record.value() + " " + exception.getMessage());
            return ProcessingHandlerResponse.CONTINUE;
        }
    }

    @Test
    void aCustomProcessingHandlerSeesTheFailingNodeAndRecord() {
        RecordingHandler.SEEN.clear();
        Properties p = props(StreamsConfig.PROCESSING_EXCEPTION_HANDLER, RecordingHandler.class.getName());
        try (TopologyTestDriver d = new TopologyTestDriver(topology(), p)) {
            d.createInputTopic("in", S.serializer(), L.serializer()).pipeInput("d", -5L, 7);
        }
        assertEquals(List.of("KSTREAM-MAPVALUES in@0 d=-5 negative value -5"), RecordingHandler.SEEN);
    }

    @Test
    void theDeadLetterTopicReceivesRawBadRecordsWithTheirOriginAndProcessingContinues() {
        // LogAndFail handlers (the defaults) with a dead-letter topic: the records go there and processing goes on
        Properties p = props(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME, "in-dlq");
        try (TopologyTestDriver d = new TopologyTestDriver(topology(), p)) {
            assertEquals(List.of(KeyValue.pair("a", 2L), KeyValue.pair("c", 4L), KeyValue.pair("e", 6L)), runMixedInput(d));
            var dlq = d.createOutputTopic("in-dlq", S.deserializer(), Serdes.ByteArray().deserializer());
            Record<String, byte[]> first = dlq.readRecord();
            assertEquals("b", first.key());
            assertEquals("xyz", new String(first.value(), StandardCharsets.UTF_8)); // raw bytes, as read
            assertEquals(11, first.timestamp());
            assertEquals(SerializationException.class.getName(), header(first, "__streams.errors.exception"));
            assertEquals("in", header(first, "__streams.errors.topic"));
            assertEquals("0", header(first, "__streams.errors.partition"));
            assertEquals("1", header(first, "__streams.errors.offset"));
            Record<String, byte[]> second = dlq.readRecord();
            assertEquals("d", second.key());
            assertEquals(-5L, L.deserializer().deserialize("in", second.value()));
            assertEquals(IllegalStateException.class.getName(), header(second, "__streams.errors.exception"));
            assertEquals("negative value -5", header(second, "__streams.errors.message"));
            assertEquals("3", header(second, "__streams.errors.offset"));
            assertTrue(header(second, "__streams.errors.stacktrace").contains("IllegalStateException"));
            assertTrue(dlq.isEmpty());
            assertEquals(5L, d.committedOffset("in"));
        }
    }

    private static String header(Record<?, ?> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void sinkFailuresAreNotProcessingFailures() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).to("out", Produced.with(S, (Serde) L)); // wrong value serde: a String to a LongSerializer
        Properties p = props(StreamsConfig.PROCESSING_EXCEPTION_HANDLER, LogAndContinueProcessingExceptionHandler.class.getName());
        try (TopologyTestDriver d = new TopologyTestDriver(b.build(), p)) {
            ProcessingException e = assertThrows(ProcessingException.class,
                () -> d.createInputTopic("in", S.serializer(), S.serializer()).pipeInput("k", "v"));
            assertTrue(e.getMessage().contains("cannot serialize"), e.getMessage());
        }
    }

    @Test
    void timestampExtractors() {
        // default: the record's timestamp; a negative one is fatal
        try (TopologyTestDriver d = new TopologyTestDriver(topology())) {
            var in = d.createInputTopic("in", S.serializer(), L.serializer());
            in.pipeInput("a", 1L, 42);
            assertEquals(42, d.createOutputTopic("out", S.deserializer(), L.deserializer()).readRecord().timestamp());
            ProcessingException e = assertThrows(ProcessingException.class, () -> in.pipeInput("b", 1L, -1));
            assertTrue(e.getMessage().contains("negative"), e.getMessage());
        }
        // LogAndSkipOnInvalidTimestamp: dropped with a warning, offset committed
        try (TopologyTestDriver d = new TopologyTestDriver(topology(),
            props(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR, LogAndSkipOnInvalidTimestamp.class.getName()))) {
            var in = d.createInputTopic("in", S.serializer(), L.serializer());
            in.pipeInput("a", 1L, -1);
            in.pipeInput("b", 2L, 5);
            assertEquals(List.of(KeyValue.pair("b", 4L)), d.createOutputTopic("out", S.deserializer(), L.deserializer()).readKeyValuesToList());
            assertEquals(2L, d.committedOffset("in"));
        }
        // WallclockTimestampExtractor: processing time, whatever the record says
        try (TopologyTestDriver d = new TopologyTestDriver(topology(),
            props(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR, WallclockTimestampExtractor.class.getName()))) {
            long before = System.currentTimeMillis();
            d.createInputTopic("in", S.serializer(), L.serializer()).pipeInput("a", 1L, -1);
            long ts = d.createOutputTopic("out", S.deserializer(), L.deserializer()).readRecord().timestamp();
            assertTrue(ts >= before && ts <= System.currentTimeMillis(), "timestamp " + ts);
        }
    }

    /** Uses the value (a Long) as the timestamp, and checks it is given the partition time. */
    public static final class ValueAsTimestamp implements TimestampExtractor {
        static final List<Long> PARTITION_TIMES = new ArrayList<>();

        @Override
        public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
            PARTITION_TIMES.add(partitionTime);
            return (Long) record.value();
        }
    }

    @Test
    void aCustomExtractorSeesTheDeserializedRecordAndThePartitionTime() {
        ValueAsTimestamp.PARTITION_TIMES.clear();
        try (TopologyTestDriver d = new TopologyTestDriver(topology(),
            props(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR, ValueAsTimestamp.class.getName()))) {
            var in = d.createInputTopic("in", S.serializer(), L.serializer());
            in.pipeInput("a", 100L, 1);
            in.pipeInput("b", 50L, 2);
            in.pipeInput("c", 70L, 3);
            var out = d.createOutputTopic("out", S.deserializer(), L.deserializer());
            assertEquals(List.of(100L, 50L, 70L), List.of(out.readRecord().timestamp(), out.readRecord().timestamp(), out.readRecord().timestamp()));
        }
        assertEquals(List.of(-1L, 100L, 100L), ValueAsTimestamp.PARTITION_TIMES);
    }

    @Test
    void handlerConfigIsValidated() {
        ConfigException e = assertThrows(ConfigException.class, () -> new TopologyTestDriver(topology(),
            props(StreamsConfig.PROCESSING_EXCEPTION_HANDLER, LogAndContinueExceptionHandler.class.getName())));
        assertTrue(e.getMessage().contains(StreamsConfig.PROCESSING_EXCEPTION_HANDLER), e.getMessage());
        assertThrows(ConfigException.class, () -> new TopologyTestDriver(topology(),
            props(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR, "no.such.Extractor")));
        assertThrows(ConfigException.class, () -> new TopologyTestDriver(topology(),
            props(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME, "bad topic")));
    }
}
