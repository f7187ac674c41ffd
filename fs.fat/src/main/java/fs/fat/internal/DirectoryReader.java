package fs.fat.internal;

import static fs.fat.internal.LittleEndian.u16;
import static fs.fat.internal.LittleEndian.u32;
import static fs.fat.internal.LittleEndian.u8;

import fs.vfs.FsException;
import java.io.IOException;

/**
 * Reads one directory's 32-byte entries in on-disk order, from the fixed root region of
 * FAT12/16 or from a cluster chain, and hands each live entry, long name resolved, to a
 * visitor. Byte 0 of an entry is 0x00 past the last entry and 0xE5 in a deleted one; "." and
 * ".." are skipped. Directory data passes through the filesystem's one cluster buffer.
 */
final class DirectoryReader {
    /** Receives the entries of a scan. */
    interface Visitor {
        /** @return true to stop the scan */
        boolean visit(FatDirent entry) throws IOException;
    }

    static final int ENTRY_SIZE = 32;
    /** The FAT specification caps a directory at 65536 entries. */
    static final long MAX_BYTES = 65536L * ENTRY_SIZE;

    private static final int END_MARK = 0x00;
    private static final int DELETED_MARK = 0xE5;

    private final FatFileSystem fs;
    private final FatDirectory dir;
    private final Visitor visitor;
    private final LongName longName = new LongName();

    private DirectoryReader(FatFileSystem fs, FatDirectory dir, Visitor visitor) {
        this.fs = fs;
        this.dir = dir;
        this.visitor = visitor;
    }

    /**
     * Visits the entries of {@code dir} until the end of the directory or until the visitor
     * stops. The caller holds the filesystem's lock; the visitor must not start another scan.
     *
     * @throws FsException "corrupt FAT filesystem" if the directory's chain is broken or the
     *     directory is longer than 65536 entries
     */
    static void scan(FatFileSystem fs, FatDirectory dir, Visitor visitor) throws IOException {
        new DirectoryReader(fs, dir, visitor).run();
    }

    private void run() throws IOException {
        byte[] buf = fs.clusterBuffer;
        BootSector boot = fs.boot;
        if (dir.fixedRoot) {
            long bytes = (long) boot.rootDirEntries * ENTRY_SIZE;
            for (long off = 0; off < bytes; off += buf.length) {
                int n = (int) Math.min(buf.length, bytes - off);
                fs.readVolume(boot.rootDirOffset + off, buf, 0, n);
                if (entries(buf, n)) return;
            }
            return;
        }
        ChainWalker chain = new ChainWalker(fs.fat, dir.firstCluster, dir.path);
        do {
            if ((chain.index() + 1) * boot.clusterSize > MAX_BYTES)
                throw Errors.corrupt("directory '%s' is longer than 65536 entries", dir.path);
            fs.readCluster(chain.cluster(), buf);
            if (entries(buf, boot.clusterSize)) return;
        } while (chain.advance());
    }

    /** Parses the entries in {@code b[0..n)}; returns true when the scan is over. */
    private boolean entries(byte[] b, int n) throws IOException {
        for (int off = 0; off < n; off += ENTRY_SIZE) {
            int first = u8(b, off);
            if (first == END_MARK) return true;
            if (first == DELETED_MARK) {
                longName.reset();
                continue;
            }
            int attributes = u8(b, off + 11);
            if ((attributes & 0x3F) == FatDirent.ATTR_LONG_NAME) {
                longName.add(b, off);
                continue;
            }
            String name = longName.finish(ShortName.checksum(b, off));
            if (ShortName.isDotEntry(b, off)) continue;
            FatDirent entry = parse(b, off, attributes, name);
            if (entry != null && visitor.visit(entry)) return true;
        }
        return false;
    }

    /** The 8.3 entry at {@code b[off..]}, named {@code longName} if not null; null if unusable. */
    private FatDirent parse(byte[] b, int off, int attributes, String longName) {
        String shortName;
        if ((attributes & FatDirent.ATTR_VOLUME_ID) != 0) {
            shortName = ShortName.label(b, off);
            longName = null;
        } else {
            shortName = ShortName.decode(b, off);
            if (longName != null && !usable(longName)) longName = null; // fall back to the 8.3 name
            if (!usable(longName != null ? longName : shortName)) {
                Errors.damaged("directory '%s' has an entry with an unusable name, skipped", dir.path);
                return null;
            }
        }
        long cluster = u16(b, off + 26);
        if (fs.boot.type == FatType.FAT32) cluster |= (long) u16(b, off + 20) << 16;
        long size = u32(b, off + 28);
        long modified = FatTime.toMillis(u16(b, off + 24), u16(b, off + 22));
        return new FatDirent(longName != null ? longName : shortName, shortName, attributes, cluster, size, modified);
    }

    /** Whether {@code name} can stand in a path: not empty, "." or "..", free of '/' and control characters. */
    private static boolean usable(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == '/') return false;
        }
        return true;
    }
}
