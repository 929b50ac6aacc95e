package io.riffle.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import io.riffle.processor.TopologyTestDriver;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

class WordCountTest {
    @Test
    void countsWordsCaseInsensitively() {
        try (TopologyTestDriver driver = new TopologyTestDriver(WordCount.topology("lines", "word-counts"))) {
            var lines = driver.createInputTopic("lines", Serdes.String().serializer(), Serdes.String().serializer());
            lines.pipeInput("Hello, world!");
            lines.pipeInput("hello riffle");
            var counts = driver.createOutputTopic("word-counts", Serdes.String().deserializer(), Serdes.Long().deserializer());
            assertEquals(Map.of("hello", 2L, "world", 1L, "riffle", 1L), counts.readKeyValuesToMap());
        }
    }
}
