package platform.devices;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * Snapshot mode (QEMU's {@code snapshot=on}): the disk starts as the base image, opened
 * read-only, and every write goes to a private overlay that is thrown away on close, so the
 * image file never changes.
 *
 * <p>The overlay is an unlinked temporary file of the disk's size (sparse: only written
 * blocks use host space) plus a bitmap of the {@value #BLOCK}-byte blocks written so far. A
 * read takes each block from the overlay if it was written, else from the base; a write of
 * part of a block first copies the block from the base. {@link #flush()} does nothing: there
 * is nothing to keep. Not thread-safe, like every backend (one device worker uses it).
 */
public final class SnapshotBackend implements BlockBackend {
    static final int BLOCK = 4096;

    private final BlockBackend base;
    private final FileChannel overlay;
    private final BitSet written = new BitSet();
    private final byte[] block = new byte[BLOCK];
    private final ByteBuffer blockBuf = ByteBuffer.wrap(block);
    private boolean closed;

    private SnapshotBackend(BlockBackend base, FileChannel overlay) {
        this.base = base;
        this.overlay = overlay;
    }

    /** Opens {@code image} read-only as the base of a snapshot disk. */
    public static SnapshotBackend open(Path image) throws IOException {
        RawFileBackend base = RawFileBackend.open(image, true);
        try {
            Path tmp = Files.createTempFile("kestrel-snapshot-", ".overlay");
            FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Files.delete(tmp); // the open channel keeps it; nothing is left behind on exit
            return new SnapshotBackend(base, ch);
        } catch (IOException | RuntimeException e) {
            base.close();
            throw e;
        }
    }

    @Override
    public long size() {
        return base.size();
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    private void check(long offset, int len) throws IOException {
        if (closed) {
            throw new IOException("snapshot closed");
        }
        if (offset < 0 || len < 0 || offset + len > size()) {
            throw new IOException("access beyond end of image: " + offset + "+" + len);
        }
    }

    @Override
    public void read(long offset, byte[] buf, int off, int len) throws IOException {
        check(offset, len);
        while (len > 0) {
            long b = offset / BLOCK;
            int in = (int) (offset % BLOCK);
            int n = Math.min(len, BLOCK - in);
            if (written.get((int) b)) {
                readOverlay(offset, buf, off, n);
            } else {
                base.read(offset, buf, off, n);
            }
            offset += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public void write(long offset, byte[] buf, int off, int len) throws IOException {
        check(offset, len);
        while (len > 0) {
            long b = offset / BLOCK;
            int in = (int) (offset % BLOCK);
            int n = Math.min(len, BLOCK - in);
            if (!written.get((int) b) && n < BLOCK) { // copy the rest of the block from the base first
                long start = b * BLOCK;
                int whole = (int) Math.min(BLOCK, size() - start);
                base.read(start, block, 0, whole);
                writeOverlay(start, block, 0, whole);
            }
            writeOverlay(offset, buf, off, n);
            written.set((int) b);
            offset += n;
            off += n;
            len -= n;
        }
    }

    private void readOverlay(long pos, byte[] buf, int off, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
        while (bb.hasRemaining()) {
            if (overlay.read(bb, pos + bb.position() - off) < 0) {
                throw new IOException("overlay shorter than written data");
            }
        }
    }

    private void writeOverlay(long pos, byte[] buf, int off, int len) throws IOException {
        ByteBuffer bb = buf == block ? blockBuf.limit(off + len).position(off) : ByteBuffer.wrap(buf, off, len);
        while (bb.hasRemaining()) {
            overlay.write(bb, pos + bb.position() - off);
        }
    }

    /** Nothing to make durable: the overlay is discarded. */
    @Override
    public void flush() {
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            try {
                overlay.close();
            } finally {
                base.close();
            }
        }
    }

    @Override
    public String toString() {
        return "snapshot:" + base;
    }
}
