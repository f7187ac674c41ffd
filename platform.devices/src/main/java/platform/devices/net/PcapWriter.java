package platform.devices.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongSupplier;

/**
 * Writes frames to a classic libpcap file (not pcapng), link type LINKTYPE_ETHERNET (1), as
 * read by tshark, tcpdump and Wireshark.
 *
 * <p>Layout (little-endian, which readers detect from the magic): a 24-byte global header —
 * magic {@code a1b2c3d4} (microsecond timestamps) or {@code a1b23c4d} (nanosecond), version
 * 2.4, zone 0, sigfigs 0, snaplen, link type — then per frame a 16-byte record header (seconds,
 * micro- or nanoseconds, captured length, original length) and the captured bytes. Frames
 * longer than the snaplen are truncated to it, the original length kept.
 *
 * <p>Each record is written with one positional write straight to the file, so a reader sees
 * every frame as soon as {@link #write} returns (no buffering; no fsync either). Timestamps
 * come from an injectable wall clock in nanoseconds since the epoch. Thread-safe. A host I/O
 * error is counted and never thrown to the caller (a NIC must not fail because its capture
 * file did); {@link #errors()} reports them.
 */
public final class PcapWriter implements AutoCloseable {
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int DEFAULT_SNAPLEN = 65535;

    private final Path path;
    private final FileChannel file;
    private final boolean nanos;
    private final int snaplen;
    private final LongSupplier wallNanos;
    private final ByteBuffer record;
    private long position;
    private long frames;
    private long errors;
    private boolean closed;

    private PcapWriter(Path path, FileChannel file, boolean nanos, int snaplen, LongSupplier wallNanos) {
        this.path = path;
        this.file = file;
        this.nanos = nanos;
        this.snaplen = snaplen;
        this.wallNanos = wallNanos;
        this.record = ByteBuffer.allocateDirect(16 + snaplen).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Creates (or truncates) {@code path}: microsecond timestamps, host wall clock. */
    public static PcapWriter create(Path path) throws IOException {
        return create(path, false, DEFAULT_SNAPLEN, PcapWriter::hostWallNanos);
    }

    /**
     * Creates (or truncates) {@code path} and writes the global header.
     *
     * @param nanos     nanosecond timestamps (magic {@code a1b23c4d}) instead of microseconds
     * @param snaplen   longest frame stored whole, 14..262144
     * @param wallNanos the capture clock: nanoseconds since 1970-01-01 UTC
     */
    public static PcapWriter create(Path path, boolean nanos, int snaplen, LongSupplier wallNanos) throws IOException {
        if (snaplen < Frames.MIN_LEN || snaplen > 262144) {
            throw new IllegalArgumentException("pcap snaplen " + snaplen + " not in [14, 262144]");
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            PcapWriter w = new PcapWriter(path, ch, nanos, snaplen, wallNanos);
            w.writeHeader();
            return w;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The host's wall clock in nanoseconds since the epoch. */
    public static long hostWallNanos() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private void writeHeader() throws IOException {
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(nanos ? MAGIC_NANOS : MAGIC_MICROS).putShort((short) 2).putShort((short) 4)
                .putInt(0).putInt(0).putInt(snaplen).putInt(LINKTYPE_ETHERNET).flip();
        writeFully(h);
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            position += file.write(b, position);
        }
    }

    /** Appends one frame {@code buf[off..off+len)} stamped with the clock's current time. */
    public synchronized void write(byte[] buf, int off, int len) {
        if (closed || buf == null || off < 0 || len < 0 || off > buf.length - len) {
            errors++;
            return;
        }
        long t = wallNanos.getAsLong();
        long sec = Math.floorDiv(t, 1_000_000_000L);
        long frac = Math.floorMod(t, 1_000_000_000L);
        int caplen = Math.min(len, snaplen);
        record.clear();
        record.putInt((int) sec).putInt((int) (nanos ? frac : frac / 1000)).putInt(caplen).putInt(len)
                .put(buf, off, caplen).flip();
        long start = position;
        try {
            writeFully(record);
            frames++;
        } catch (IOException e) {
            errors++;
            position = start; // a partial record is overwritten by the next one
        }
    }

    /** Frames written so far. */
    public synchronized long frames() {
        return frames;
    }

    /** Frames lost to host I/O errors or bad bounds. */
    public synchronized long errors() {
        return errors;
    }

    public Path path() {
        return path;
    }

    /** Closes the file. Idempotent; later writes are counted as errors. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                file.close();
            } catch (IOException e) {
                errors++;
            }
        }
    }

    @Override
    public String toString() {
        return "pcap:" + path;
    }
}
