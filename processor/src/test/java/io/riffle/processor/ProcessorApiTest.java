package io.riffle.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.PunctuationType;
import io.riffle.processor.api.Record;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.KeyValueStore;
import io.riffle.processor.state.Stores;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/** Custom processors: stores, punctuation on stream time and wall-clock time, named children. */
class ProcessorApiTest {
    private static final Serde<String> S = Serdes.String();
    private static final Serde<Long> L = Serdes.Long();

    /** Sums values per key in a store; every 10 ms of stream time emits all sums; on wall clock emits "tick". */
    static final class SumAndReport implements Processor<String, Long, String, Long> {
        private ProcessorContext<String, Long> context;
        private KeyValueStore<String, Long> sums;

        @Override
        public void init(ProcessorContext<String, Long> ctx) {
            context = ctx;
            sums = ctx.getStateStore("sums");
            ctx.schedule(Duration.ofMillis(10), PunctuationType.STREAM_TIME, t -> {
                try (KeyValueIterator<String, Long> it = sums.all()) {
                    it.forEachRemaining(kv -> context.forward(new Record<>(kv.key(), kv.value(), t)));
                }
            });
            ctx.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, t -> context.forward(new Record<>("tick", -1L, 0)));
        }

        @Override
        public void process(Record<String, Long> record) {
            Long old = sums.get(record.key());
            sums.put(record.key(), (old == null ? 0 : old) + record.value());
        }
    }

    @Test
    void customProcessorWithStoreAndPunctuations() {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(Stores.persistentKeyValueStore("sums", S, L));
        b.stream("in", Consumed.with(S, L)).process(SumAndReport::new, "sums").to("out", Produced.with(S, L));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), L.serializer());
            var out = d.createOutputTopic("out", S.deserializer(), L.deserializer());
            in.pipeInput("a", 1L, 0);   // first stream time seen: next punctuation at 10
            in.pipeInput("b", 2L, 5);
            assertTrue(out.isEmpty());
            in.pipeInput("a", 3L, 10);  // stream time 10: punctuate
            assertEquals(List.of(KeyValue.pair("a", 4L), KeyValue.pair("b", 2L)), out.readKeyValuesToList());
            in.pipeInput("b", 1L, 12);  // no punctuation until 20
            assertTrue(out.isEmpty());
            d.advanceWallClockTime(Duration.ofSeconds(1));
            assertEquals(List.of(KeyValue.pair("tick", -1L)), out.readKeyValuesToList());
            assertEquals(3L, d.<String, Long>getKeyValueStore("sums").get("b"));
        }
    }

    @Test
    void forwardToANamedChildAndHeadersAndTimestamps() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).process(() -> new Processor<String, String, String, String>() {
            private ProcessorContext<String, String> ctx;

            @Override
            public void init(ProcessorContext<String, String> context) {
                ctx = context;
            }

            @Override
            public void process(Record<String, String> r) {
                r.headers().add("seen-by", "p".getBytes());
                ctx.forward(r.withTimestamp(r.timestamp() + 100).withValue(ctx.topic() + "@" + ctx.offset()));
            }
        }).to("out", Produced.with(S, S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            d.createInputTopic("in", S.serializer(), S.serializer()).pipeInput("k", "v", 7);
            Record<String, String> r = d.createOutputTopic("out", S.deserializer(), S.deserializer()).readRecord();
            assertEquals("in@0", r.value());
            assertEquals(107, r.timestamp());
            assertEquals("p", new String(r.headers().lastHeader("seen-by").value()));
        }
    }

    @Test
    void unconnectedStoreIsAClearError() {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(Stores.persistentKeyValueStore("sums", S, L));
        b.stream("in", Consumed.with(S, L)).process(SumAndReport::new).to("out");
        var e = assertThrows(IllegalArgumentException.class, () -> new TopologyTestDriver(b.build()).close());
        assertTrue(e.getMessage().contains("not connected to a store named 'sums'"), e.getMessage());
    }

    @Test
    void configIsValidatedWithTheKeyNamed() {
        Properties p = new Properties();
        p.put("application.id", "app");
        p.put("bootstrap.servers", "localhost:9092");
        p.put("processing.guarantee", "exactly_once");
        var e = assertThrows(ConfigException.class, () -> new StreamsConfig(p));
        assertTrue(e.getMessage().contains("processing.guarantee"), e.getMessage());
        p.put("processing.guarantee", "exactly_once_v2");
        assertEquals(100, new StreamsConfig(p).commitIntervalMs());
        p.put("num.stream.thread", "2");
        e = assertThrows(ConfigException.class, () -> new StreamsConfig(p));
        assertTrue(e.getMessage().contains("num.stream.thread"), e.getMessage());
        p.remove("num.stream.thread");
        p.put("application.id", "bad id");
        assertThrows(ConfigException.class, () -> new StreamsConfig(p));
    }
}
