package platform.devices.ahci;

import java.io.IOException;
import platform.devices.BlockBackend;

/**
 * An ATA disk on a SATA link, backed by a {@link BlockBackend} of 512-byte sectors: the device
 * side of a port. It executes one command from its task file and moves data through the
 * command's {@link Prdt} (ATA8-ACS sections 7.16, 7.22, 7.25, 7.10/7.11, 7.58/7.62).
 *
 * <p>Commands: IDENTIFY DEVICE (ECh, PIO data-in of 512 bytes), READ DMA EXT (25h) and WRITE
 * DMA EXT (35h) with a 48-bit LBA and a 16-bit count (0 means 65536), READ DMA (C8h) and WRITE
 * DMA (CAh) with a 28-bit LBA (device bits 3:0 are LBA 27:24) and an 8-bit count (0 means 256),
 * FLUSH CACHE (E7h) and FLUSH CACHE EXT (EAh). Any other command completes with ABRT in the
 * error register and ERR in status (ATA8-ACS 6.3.2, Abort).
 *
 * <p>Errors: a range beyond the capacity gives IDNF; a write to a read-only backend gives ABRT
 * (nothing is written); a host I/O error gives UNC on read, ABRT on write or flush. Status is
 * DRDY|DSC (50h) on success, plus ERR (51h) on error. Bus errors and PRDT overflows are not
 * ATA errors: they propagate to the port (AHCI reports them itself).
 *
 * <p>Used only by the controller's worker thread, under the controller lock.
 */
public final class SataDisk {
    public static final int SECTOR = 512;

    static final int ATA_IDENTIFY = 0xEC;
    static final int ATA_READ_DMA = 0xC8;
    static final int ATA_WRITE_DMA = 0xCA;
    static final int ATA_READ_DMA_EXT = 0x25;
    static final int ATA_WRITE_DMA_EXT = 0x35;
    static final int ATA_FLUSH_CACHE = 0xE7;
    static final int ATA_FLUSH_CACHE_EXT = 0xEA;

    public static final int STATUS_ERR = 0x01, STATUS_DRQ = 0x08, STATUS_DSC = 0x10, STATUS_DRDY = 0x40,
            STATUS_BSY = 0x80;
    public static final int ERROR_ABRT = 0x04, ERROR_IDNF = 0x10, ERROR_UNC = 0x40;

    static final int STATUS_OK = STATUS_DRDY | STATUS_DSC;
    private static final int CHUNK = 128 * 1024;

    /** How a command ended: ATA status/error, and whether it was a PIO data-in command. */
    record Outcome(int status, int error, boolean pioIn) {
        boolean failed() {
            return (status & STATUS_ERR) != 0;
        }
    }

    private final BlockBackend backend;
    private final String serial;
    private final long sectors;

    /**
     * @param backend the disk's storage (size a non-zero multiple of 512); owned by the disk
     * @param serial  the serial number IDENTIFY reports (at most 20 ASCII characters)
     */
    public SataDisk(BlockBackend backend, String serial) {
        if (backend.size() < SECTOR || backend.size() % SECTOR != 0 || serial.length() > 20) {
            throw new IllegalArgumentException("ahci: backend size must be a non-zero multiple of 512, serial <= 20");
        }
        this.backend = backend;
        this.serial = serial;
        this.sectors = backend.size() / SECTOR;
    }

    /** Capacity in 512-byte sectors. */
    public long sectors() {
        return sectors;
    }

    public boolean readOnly() {
        return backend.readOnly();
    }

    /** Executes the command in {@code c}'s task file. */
    Outcome execute(AhciCommand c) throws Prdt.Overflow {
        return switch (c.command) {
            case ATA_IDENTIFY -> identify(c);
            case ATA_READ_DMA_EXT -> read(c, c.lba, c.count == 0 ? 65536 : c.count);
            case ATA_WRITE_DMA_EXT -> write(c, c.lba, c.count == 0 ? 65536 : c.count);
            case ATA_READ_DMA -> read(c, lba28(c), count28(c));
            case ATA_WRITE_DMA -> write(c, lba28(c), count28(c));
            case ATA_FLUSH_CACHE, ATA_FLUSH_CACHE_EXT -> flush();
            default -> error(ERROR_ABRT);
        };
    }

    private static long lba28(AhciCommand c) {
        return (c.lba & 0xFF_FFFFL) | (long) (c.device & 0xF) << 24;
    }

    private static int count28(AhciCommand c) {
        int n = c.count & 0xFF;
        return n == 0 ? 256 : n;
    }

    private Outcome identify(AhciCommand c) throws Prdt.Overflow {
        byte[] data = AtaIdentify.build(sectors, serial, "0.1", "Kestrel SATA disk");
        c.prdt.toHost(data, data.length);
        return new Outcome(STATUS_OK, 0, true);
    }

    private Outcome read(AhciCommand c, long lba, int count) throws Prdt.Overflow {
        if (lba + count > sectors) {
            return error(ERROR_IDNF);
        }
        long offset = lba * SECTOR;
        long left = (long) count * SECTOR;
        byte[] buf = new byte[(int) Math.min(left, CHUNK)];
        while (left > 0) {
            int n = (int) Math.min(left, CHUNK);
            try {
                backend.read(offset, buf, 0, n);
            } catch (IOException e) {
                return error(ERROR_UNC);
            }
            c.prdt.toHost(buf, n);
            offset += n;
            left -= n;
        }
        return new Outcome(STATUS_OK, 0, false);
    }

    private Outcome write(AhciCommand c, long lba, int count) throws Prdt.Overflow {
        if (backend.readOnly()) {
            return error(ERROR_ABRT);
        }
        if (lba + count > sectors) {
            return error(ERROR_IDNF);
        }
        long offset = lba * SECTOR;
        long left = (long) count * SECTOR;
        byte[] buf = new byte[(int) Math.min(left, CHUNK)];
        while (left > 0) {
            int n = (int) Math.min(left, CHUNK);
            c.prdt.fromHost(buf, n);
            try {
                backend.write(offset, buf, 0, n);
            } catch (IOException e) {
                return error(ERROR_ABRT);
            }
            offset += n;
            left -= n;
        }
        return new Outcome(STATUS_OK, 0, false);
    }

    private Outcome flush() {
        try {
            backend.flush();
        } catch (IOException e) {
            return error(ERROR_ABRT);
        }
        return new Outcome(STATUS_OK, 0, false);
    }

    private static Outcome error(int error) {
        return new Outcome(STATUS_OK | STATUS_ERR, error, false);
    }

    /** Closes the backend. */
    void close() {
        try {
            backend.close();
        } catch (IOException ignored) {
            // power-off: nothing more can be done
        }
    }
}
