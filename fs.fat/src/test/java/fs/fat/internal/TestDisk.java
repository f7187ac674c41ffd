package fs.fat.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import kernel.block.BlockHandle;

/** A read-only test disk: a BlockHandle over an image file or a byte array, 512-byte sectors. */
final class TestDisk implements BlockHandle {
    private final String name;
    private final FileChannel file;
    private final byte[] bytes;
    private boolean closed;

    private TestDisk(String name, FileChannel file, byte[] bytes) {
        this.name = name;
        this.file = file;
        this.bytes = bytes;
    }

    static TestDisk of(Path image) {
        try {
            return new TestDisk(image.getFileName().toString(), FileChannel.open(image, StandardOpenOption.READ), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TestDisk of(byte[] image) {
        return new TestDisk("mem", null, image);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int sectorSize() {
        return 512;
    }

    @Override
    public long size() {
        try {
            return file != null ? file.size() : bytes.length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public void read(long offset, byte[] dst, int off, int len) throws IOException {
        if (closed) throw new IOException(name + ": closed");
        if (offset < 0 || len < 0 || offset + len > size())
            throw new IOException(name + ": read of " + len + " bytes at " + offset + " passes the end");
        if (file == null) {
            System.arraycopy(bytes, (int) offset, dst, off, len);
            return;
        }
        ByteBuffer buf = ByteBuffer.wrap(dst, off, len);
        while (buf.hasRemaining())
            if (file.read(buf, offset + buf.position() - off) < 0) throw new IOException("short read");
    }

    @Override
    public void write(long offset, byte[] src, int off, int len) throws IOException {
        throw new IOException(name + ": read-only");
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        closed = true;
        try {
            if (file != null) file.close();
        } catch (IOException ignored) {
            // closing a read-only file loses nothing
        }
    }
}
