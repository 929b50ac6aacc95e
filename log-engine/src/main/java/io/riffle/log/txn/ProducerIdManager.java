package io.riffle.log.txn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Hands out producer ids. Ids are reserved in blocks whose end is written durably before any id
 * of the block is given out, so a restart never reissues an id.
 *
 * <p>Thread-safety: synchronized.
 */
public final class ProducerIdManager {
    static final long BLOCK_SIZE = 1000;
    private final Path file;
    private long next;
    private long blockEnd;

    public ProducerIdManager(Path metaDir) throws IOException {
        Files.createDirectories(metaDir);
        this.file = metaDir.resolve("producer-ids");
        long reserved = 0;
        if (Files.exists(file)) {
            reserved = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
        }
        this.next = reserved;
        this.blockEnd = reserved;
    }

    public synchronized long nextProducerId() throws IOException {
        if (next >= blockEnd) {
            long end = blockEnd + BLOCK_SIZE;
            Path tmp = file.resolveSibling("producer-ids.tmp");
            Files.writeString(tmp, Long.toString(end), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            blockEnd = end;
        }
        return next++;
    }
}
