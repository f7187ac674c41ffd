package fs.fat.internal;

import fs.vfs.FsException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's logger and its two kinds of user-facing error: a device that holds no FAT
 * filesystem at all, and a FAT filesystem whose structures are damaged. Damage is logged at
 * WARN and counted.
 */
final class Errors {
    static final Logger LOG = LoggerFactory.getLogger("fs.fat");

    private static final AtomicLong corruptions = new AtomicLong();

    private Errors() {}

    /** "not a FAT filesystem: ..." for a device whose boot sector is not a FAT boot sector. */
    static FsException notFat(String format, Object... args) {
        String message = "not a FAT filesystem: " + String.format(format, args);
        LOG.debug("{}", message);
        return new FsException(message);
    }

    /** "corrupt FAT filesystem: ...", logged at WARN and counted. */
    static FsException corrupt(String format, Object... args) {
        String message = "corrupt FAT filesystem: " + String.format(format, args);
        corruptions.incrementAndGet();
        LOG.warn("{}", message);
        return new FsException(message);
    }

    /** Logs and counts damage that the driver works around (the caller goes on). */
    static void damaged(String format, Object... args) {
        corruptions.incrementAndGet();
        LOG.warn("corrupt FAT filesystem: {}", String.format(format, args));
    }

    /** How many corruptions the driver has met since it was loaded. */
    static long corruptionCount() {
        return corruptions.get();
    }
}
