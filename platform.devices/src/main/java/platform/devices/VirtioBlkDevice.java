package platform.devices;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import platform.devices.virtio.DescriptorChain;
import platform.devices.virtio.VirtioException;
import platform.devices.virtio.VirtioPciFunction;
import platform.pc.BusError;

/**
 * virtio-blk (virtio device ID 2, PCI 1AF4:1042, class 010000) over a {@link BlockBackend},
 * per virtio 1.2 section 5.2.
 *
 * <p>One request queue of up to 256 entries. Features offered: SEG_MAX (254), BLK_SIZE (512),
 * FLUSH, and RO when the backend is read-only. Device configuration: capacity (in 512-byte
 * sectors, the backend size rounded down), size_max 0, seg_max, geometry 0, blk_size,
 * topology 0, writeback 0, num_queues 1.
 *
 * <p>A request is a 16-byte device-readable header (type u32, reserved u32, sector u64),
 * then data buffers, then a device-writable status byte. Types: IN (read), OUT (write),
 * FLUSH, GET_ID (20-byte serial, NUL-padded); anything else answers UNSUPP. IN/OUT with a
 * data length that is not a multiple of 512 or a range past capacity, a write to a read-only
 * disk, a host I/O error or a DMA fault answer IOERR. A chain too short to hold the header
 * and the status byte is a protocol error (DEVICE_NEEDS_RESET). Data moves through one
 * reused 64 KiB buffer: no allocation per request.
 */
public final class VirtioBlkDevice extends VirtioPciFunction {
    public static final int VIRTIO_ID_BLOCK = 2;
    public static final int QUEUE_SIZE = 256;
    public static final int SECTOR = 512;
    public static final int SERIAL_BYTES = 20;

    public static final int F_SIZE_MAX = 1;
    public static final int F_SEG_MAX = 2;
    public static final int F_RO = 5;
    public static final int F_BLK_SIZE = 6;
    public static final int F_FLUSH = 9;

    public static final int T_IN = 0;
    public static final int T_OUT = 1;
    public static final int T_FLUSH = 4;
    public static final int T_GET_ID = 8;

    public static final int S_OK = 0;
    public static final int S_IOERR = 1;
    public static final int S_UNSUPP = 2;

    private static final int CONFIG_SIZE = 0x24;

    private final BlockBackend backend;
    private final long capacity;
    private final byte[] serial = new byte[SERIAL_BYTES];
    private final byte[] header = new byte[16];
    private final byte[] buffer = new byte[64 * 1024];

    /** A virtio-blk device over {@code backend} reporting {@code serial} (truncated to 20 bytes) for GET_ID. */
    public VirtioBlkDevice(BlockBackend backend, String serial) {
        super(VIRTIO_ID_BLOCK, 0x010000, "blk", 1, QUEUE_SIZE, features(backend), CONFIG_SIZE);
        this.backend = backend;
        this.capacity = backend.size() / SECTOR;
        byte[] s = serial.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, this.serial, 0, Math.min(s.length, SERIAL_BYTES));
    }

    private static long features(BlockBackend b) {
        long f = (1L << F_SEG_MAX) | (1L << F_BLK_SIZE) | (1L << F_FLUSH);
        return b.readOnly() ? f | (1L << F_RO) : f;
    }

    /** Capacity in 512-byte sectors. */
    public long capacity() {
        return capacity;
    }

    public BlockBackend backend() {
        return backend;
    }

    @Override
    protected long readDeviceConfig(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (configByte(offset + i) & 0xFFL) << (8 * i);
        }
        return v;
    }

    private int configByte(int o) {
        if (o >= 0 && o < 8) {
            return (int) (capacity >>> (8 * o));
        }
        if (o >= 0x0C && o < 0x10) {
            return ((QUEUE_SIZE - 2) >>> (8 * (o - 0x0C))) & 0xFF; // seg_max
        }
        if (o >= 0x14 && o < 0x18) {
            return (SECTOR >>> (8 * (o - 0x14))) & 0xFF; // blk_size
        }
        if (o == 0x22) {
            return 1; // num_queues
        }
        return 0;
    }

    @Override
    protected int processRequest(int queue, DescriptorChain chain) throws VirtioException {
        if (chain.readableLength() < 16 || chain.writableLength() < 1) {
            throw new VirtioException("virtio-blk: request without header or status byte");
        }
        long statusPos = chain.writableLength() - 1;
        int written = 0;
        int status;
        try {
            chain.read(0, header, 0, 16);
            int type = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16 | (header[3] & 0xFF) << 24;
            long sector = 0;
            for (int i = 0; i < 8; i++) {
                sector |= (header[8 + i] & 0xFFL) << (8 * i);
            }
            switch (type) {
                case T_IN -> {
                    long len = statusPos;
                    status = checkRange(sector, len);
                    if (status == S_OK) {
                        status = transfer(sector, len, chain, true);
                        written = status == S_OK ? (int) len : 0;
                    }
                }
                case T_OUT -> {
                    long len = chain.readableLength() - 16;
                    status = backend.readOnly() ? S_IOERR : checkRange(sector, len);
                    if (status == S_OK) {
                        status = transfer(sector, len, chain, false);
                    }
                }
                case T_FLUSH -> status = flush();
                case T_GET_ID -> {
                    int n = (int) Math.min(SERIAL_BYTES, statusPos);
                    chain.write(0, serial, 0, n);
                    written = n;
                    status = S_OK;
                }
                default -> status = S_UNSUPP;
            }
        } catch (BusError e) {
            status = S_IOERR;
            written = 0;
        }
        chain.writeByte(statusPos, status); // a BusError here is a protocol error (transport)
        return written + 1;
    }

    private int checkRange(long sector, long len) {
        if (len % SECTOR != 0 || sector < 0 || sector > capacity || len / SECTOR > capacity - sector) {
            return S_IOERR;
        }
        return S_OK;
    }

    private int transfer(long sector, long len, DescriptorChain chain, boolean toGuest) {
        long base = sector * SECTOR;
        try {
            for (long pos = 0; pos < len; ) {
                int n = (int) Math.min(buffer.length, len - pos);
                if (toGuest) {
                    backend.read(base + pos, buffer, 0, n);
                    chain.write(pos, buffer, 0, n);
                } else {
                    chain.read(16 + pos, buffer, 0, n);
                    backend.write(base + pos, buffer, 0, n);
                }
                pos += n;
            }
            return S_OK;
        } catch (IOException e) {
            return S_IOERR;
        }
    }

    private int flush() {
        try {
            backend.flush();
            return S_OK;
        } catch (IOException e) {
            return S_IOERR;
        }
    }

    @Override
    protected void closeDevice() {
        try {
            backend.close();
        } catch (IOException e) {
            // power-off continues
        }
    }
}
