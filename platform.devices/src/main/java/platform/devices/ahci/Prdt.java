package platform.devices.ahci;

import platform.pc.BusError;
import platform.pc.PhysicalBus;

/**
 * A command's Physical Region Descriptor Table and a cursor over it (AHCI 1.3 section 4.2.3.3).
 *
 * <p>Each 16-byte entry holds DBA/DBAU (data base address; bit 0 reserved, so word aligned),
 * a reserved dword, and DW3 with DBC (bits 21:0, byte count minus one, bit 0 always 1 so every
 * region has an even length, at most 4 MiB) and I (bit 31, interrupt on completion). Data
 * moves through the regions in order; {@link #toHost} and {@link #fromHost} continue where the
 * previous call stopped, so a command can transfer in chunks.
 *
 * <p>Errors: a region outside RAM throws {@link BusError} (the port reports a host bus fatal
 * error); a transfer larger than the regions throws {@link Overflow} (the port reports
 * PxIS.OFS). {@link #interruptDue()} is true once a region with I set has been completely
 * transferred (the port reports PxIS.DPS).
 */
final class Prdt {
    static final int ENTRY_SIZE = 16;

    /** The regions are too small for the data the device moves (AHCI 1.3, PxIS.OFS). */
    static final class Overflow extends Exception {
        Overflow() {
            super("PRDT too small", null, false, false);
        }
    }

    private final PhysicalBus bus;
    private final long[] base;
    private final int[] length;
    private final boolean[] interrupt;
    private int entry;
    private int offset;
    private long moved;
    private boolean interruptDue;

    /** Parses {@code count} entries from {@code table} (the raw PRDT bytes). */
    Prdt(PhysicalBus bus, byte[] table, int count) {
        this.bus = bus;
        base = new long[count];
        length = new int[count];
        interrupt = new boolean[count];
        for (int i = 0; i < count; i++) {
            int o = i * ENTRY_SIZE;
            base[i] = (AhciCommand.dword(table, o) & 0xFFFF_FFFEL) | AhciCommand.dword(table, o + 4) << 32;
            long dw3 = AhciCommand.dword(table, o + 12);
            length[i] = (int) ((dw3 & 0x3F_FFFF) | 1) + 1;
            interrupt[i] = (dw3 & 0x8000_0000L) != 0;
        }
    }

    /** Bytes moved so far (the value for the command header's PRDBC). */
    long moved() {
        return moved;
    }

    /** True if a region with the I bit has been completely transferred. */
    boolean interruptDue() {
        return interruptDue;
    }

    /** Copies {@code buf[0..len)} into the next host regions. */
    void toHost(byte[] buf, int len) throws Overflow {
        transfer(buf, len, true);
    }

    /** Copies the next {@code len} bytes of the host regions into {@code buf[0..len)}. */
    void fromHost(byte[] buf, int len) throws Overflow {
        transfer(buf, len, false);
    }

    private void transfer(byte[] buf, int len, boolean toHost) throws Overflow {
        int done = 0;
        while (done < len) {
            if (entry >= base.length) {
                throw new Overflow();
            }
            int n = Math.min(len - done, length[entry] - offset);
            long addr = base[entry] + offset;
            if (toHost) {
                bus.write(addr, buf, done, n);
            } else {
                bus.read(addr, buf, done, n);
            }
            done += n;
            offset += n;
            moved += n;
            if (offset == length[entry]) {
                interruptDue |= interrupt[entry];
                entry++;
                offset = 0;
            }
        }
    }
}
