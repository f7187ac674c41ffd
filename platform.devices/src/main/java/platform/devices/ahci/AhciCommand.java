package platform.devices.ahci;

import platform.pc.BusError;
import platform.pc.PhysicalBus;

/**
 * One command as software built it in memory: the command header in the command list and the
 * command table it points to (AHCI 1.3 sections 4.2.2 and 4.2.3).
 *
 * <p>Command header (32 bytes at PxCLB + 32 * slot): DW0 holds CFL (bits 4:0, command FIS length
 * in dwords, 2..16), A (5, ATAPI), W (6, write: host to device), P (7), R (8), B (9), C (10),
 * PMP (15:12) and PRDTL (31:16, PRDT entries); DW1 is PRDBC, written back by the HBA with the
 * bytes transferred; DW2/DW3 are CTBA/CTBAU (128-byte aligned command table address).
 *
 * <p>Command table: the command FIS at 00h (64 bytes), the ATAPI command at 40h, the PRDT at
 * 80h. The command FIS is decoded as a Register H2D FIS (SATA 3.x section 10.5.5): byte 1 bit 7
 * C (command register update, else device control), byte 2 command, bytes 3/11 features,
 * bytes 4-6 and 8-10 the 48-bit LBA, byte 7 device, bytes 12-13 count, byte 15 control.
 */
final class AhciCommand {
    static final int HEADER_SIZE = 32;
    static final int TABLE_PRDT = 0x80;

    final long headerAddress;
    final int cfl;
    final boolean write;
    final int prdtl;
    final long ctba;
    final int fisType;
    final boolean isCommand;
    final int command;
    final int features;
    final long lba;
    final int device;
    final int count;
    final int control;
    final Prdt prdt;

    private AhciCommand(long headerAddress, byte[] header, byte[] table, PhysicalBus bus) {
        this.headerAddress = headerAddress;
        long dw0 = dword(header, 0);
        cfl = (int) (dw0 & 0x1F);
        write = (dw0 & 0x40) != 0;
        prdtl = (int) (dw0 >>> 16);
        ctba = (dword(header, 8) & 0xFFFF_FF80L) | dword(header, 12) << 32;
        fisType = table[0] & 0xFF;
        isCommand = (table[1] & 0x80) != 0;
        command = table[2] & 0xFF;
        features = (table[3] & 0xFF) | (table[11] & 0xFF) << 8;
        lba = (table[4] & 0xFFL) | (table[5] & 0xFFL) << 8 | (table[6] & 0xFFL) << 16
                | (table[8] & 0xFFL) << 24 | (table[9] & 0xFFL) << 32 | (table[10] & 0xFFL) << 40;
        device = table[7] & 0xFF;
        count = (table[12] & 0xFF) | (table[13] & 0xFF) << 8;
        control = table[15] & 0xFF;
        byte[] prd = new byte[prdtl * Prdt.ENTRY_SIZE];
        System.arraycopy(table, TABLE_PRDT, prd, 0, prd.length);
        prdt = new Prdt(bus, prd, prdtl);
    }

    /**
     * Reads the command header of {@code slot} from the command list at {@code clb} and its
     * command table.
     *
     * @throws BusError if the header or the table is not in RAM
     */
    static AhciCommand fetch(PhysicalBus bus, long clb, int slot) {
        long at = clb + (long) HEADER_SIZE * slot;
        byte[] header = new byte[HEADER_SIZE];
        bus.read(at, header, 0, HEADER_SIZE);
        int prdtl = (int) (dword(header, 0) >>> 16);
        long ctba = (dword(header, 8) & 0xFFFF_FF80L) | dword(header, 12) << 32;
        byte[] table = new byte[TABLE_PRDT + prdtl * Prdt.ENTRY_SIZE];
        bus.read(ctba, table, 0, table.length);
        return new AhciCommand(at, header, table, bus);
    }

    /** Writes PRDBC (the bytes transferred) back into the command header. */
    void writeByteCount(PhysicalBus bus, long bytes) {
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (bytes >>> (8 * i));
        }
        bus.write(headerAddress + 4, b, 0, 4);
    }

    static long dword(byte[] a, int off) {
        return (a[off] & 0xFFL) | (a[off + 1] & 0xFFL) << 8 | (a[off + 2] & 0xFFL) << 16 | (a[off + 3] & 0xFFL) << 24;
    }
}
