package io.riffle.log.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.riffle.log.config.BrokerConfig;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data directory records its format; one Riffle cannot read is refused with a clear message. */
class DataDirectoryFormatTest {

    private static BrokerConfig config(Path dir, int nodeId) {
        return BrokerConfig.from(Map.of("log.dirs", dir.toString(), "node.id", Integer.toString(nodeId)));
    }

    @Test
    void aNewDirectoryIsStampedAndReopens(@TempDir Path dir) throws Exception {
        new LogManager(config(dir, 1), Time.SYSTEM, StorageFaults.NONE).close();
        assertTrue(Files.readString(dir.resolve("meta.properties")).contains("riffle.data.format.version=1"));
        new LogManager(config(dir, 1), Time.SYSTEM, StorageFaults.NONE).close();
    }

    @Test
    void aNewerFormatIsRefused(@TempDir Path dir) throws Exception {
        new LogManager(config(dir, 1), Time.SYSTEM, StorageFaults.NONE).close();
        Path meta = dir.resolve("meta.properties");
        Files.writeString(meta, Files.readString(meta).replace("riffle.data.format.version=1", "riffle.data.format.version=9"));
        KafkaStorageException e = assertThrows(KafkaStorageException.class,
                () -> new LogManager(config(dir, 1), Time.SYSTEM, StorageFaults.NONE));
        assertTrue(e.getMessage().contains("format version 9"), e.getMessage());
    }

    @Test
    void anotherNodesDirectoryIsRefused(@TempDir Path dir) throws Exception {
        new LogManager(config(dir, 1), Time.SYSTEM, StorageFaults.NONE).close();
        KafkaStorageException e = assertThrows(KafkaStorageException.class,
                () -> new LogManager(config(dir, 2), Time.SYSTEM, StorageFaults.NONE));
        assertTrue(e.getMessage().contains("node 1"), e.getMessage());
    }
}
