package platform.devices;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A raw disk image file: byte {@code n} of the disk is byte {@code n} of the file. Uses
 * positional {@link FileChannel} I/O; the size is the file's size when opened (the image
 * never grows). A read-only backend opens the file for reading only.
 */
public final class RawFileBackend implements BlockBackend {
    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long size;
    private byte[] wrappedArray;
    private ByteBuffer wrapped;
    private boolean closed;

    private RawFileBackend(Path path, FileChannel channel, boolean readOnly, long size) {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        this.size = size;
    }

    /** Opens {@code path} (which must exist) read-write, or read-only. */
    public static RawFileBackend open(Path path, boolean readOnly) throws IOException {
        FileChannel ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return new RawFileBackend(path, ch, readOnly, ch.size());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    /** A buffer over {@code buf[off..off+len)}, reusing the wrapper when the array is the same. */
    private ByteBuffer view(byte[] buf, int off, int len) {
        if (buf != wrappedArray) {
            wrappedArray = buf;
            wrapped = ByteBuffer.wrap(buf);
        }
        wrapped.limit(off + len).position(off);
        return wrapped;
    }

    private void check(long offset, int len) throws IOException {
        if (closed) {
            throw new IOException("backend closed: " + path);
        }
        if (offset < 0 || len < 0 || offset + len > size) {
            throw new IOException("access beyond end of image: " + offset + "+" + len);
        }
    }

    @Override
    public synchronized void read(long offset, byte[] buf, int off, int len) throws IOException {
        check(offset, len);
        ByteBuffer b = view(buf, off, len);
        long pos = offset;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) { // file shrank behind our back: the rest reads as zeros
                java.util.Arrays.fill(buf, b.position(), off + len, (byte) 0);
                break;
            }
            pos += n;
        }
    }

    @Override
    public synchronized void write(long offset, byte[] buf, int off, int len) throws IOException {
        if (readOnly) {
            throw new IOException("read-only image: " + path);
        }
        check(offset, len);
        ByteBuffer b = view(buf, off, len);
        long pos = offset;
        while (b.hasRemaining()) {
            pos += channel.write(b, pos);
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (!readOnly && !closed) {
            channel.force(false);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "raw:" + path + (readOnly ? " (ro)" : "");
    }
}
