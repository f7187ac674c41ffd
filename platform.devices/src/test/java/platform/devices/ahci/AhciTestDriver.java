package platform.devices.ahci;

import static org.junit.jupiter.api.Assertions.*;

import platform.pc.Machine;
import platform.pc.PhysicalBus;

/**
 * A minimal AHCI host driver written from the AHCI 1.3 specification: it reaches the HBA only
 * through ECAM, ABAR MMIO and structures in guest RAM (command lists, received-FIS areas,
 * command tables), as a kernel driver would. Completion is found by polling PxCI and PxIS.
 */
final class AhciTestDriver {
    static final long CLB = 0x10_0000; // port p: CLB + 0x1000 * p (32 headers of 32 bytes)
    static final long FB = 0x18_0000; // port p: FB + 0x100 * p
    static final long CTBA = 0x20_0000; // slot s of port p: CTBA + 0x10000 * p + 0x1000 * s
    static final int P_ERRORS = AhciPort.IS_TFES | AhciPort.IS_HBFS | AhciPort.IS_OFS;

    final Machine m;
    final PhysicalBus bus;
    final long cfg;
    long abar;
    int msiCap;

    AhciTestDriver(Machine m, int slot) {
        this.m = m;
        this.bus = m.bus();
        this.cfg = Machine.ecam(0, slot, 0);
    }

    long cfgRead(int reg, int size) {
        return bus.read(cfg + reg, size);
    }

    void cfgWrite(int reg, int size, long v) {
        bus.write(cfg + reg, size, v);
    }

    void probe() {
        int ptr = (int) cfgRead(0x34, 1);
        for (int guard = 0; ptr != 0 && guard < 48; guard++) {
            if (cfgRead(ptr, 1) == 0x05) {
                msiCap = ptr;
            }
            ptr = (int) cfgRead(ptr + 1, 1);
        }
        abar = cfgRead(0x24, 4) & ~0xFL;
        assertNotEquals(0, abar);
        cfgWrite(0x04, 2, 0x6); // memory space, bus master
    }

    int hba(int off) {
        return (int) bus.read(abar + off, 4);
    }

    void setHba(int off, int v) {
        bus.write(abar + off, 4, v & 0xFFFF_FFFFL);
    }

    int port(int p, int off) {
        return hba(0x100 + 0x80 * p + off);
    }

    void setPort(int p, int off, int v) {
        setHba(0x100 + 0x80 * p + off, v);
    }

    long clb(int p) {
        return CLB + 0x1000L * p;
    }

    long fb(int p) {
        return FB + 0x100L * p;
    }

    long ctba(int p, int slot) {
        return CTBA + 0x10000L * p + 0x1000L * slot;
    }

    /** Programs the port's command list and FIS area, clears errors, starts FIS receive and the engine. */
    void startPort(int p) {
        setPort(p, AhciPort.CLB, (int) clb(p));
        setPort(p, AhciPort.CLBU, 0);
        setPort(p, AhciPort.FB, (int) fb(p));
        setPort(p, AhciPort.FBU, 0);
        bus.write(fb(p), new byte[256], 0, 256);
        setPort(p, AhciPort.SERR, -1);
        setPort(p, AhciPort.IS, -1);
        setPort(p, AhciPort.CMD, port(p, AhciPort.CMD) | AhciPort.CMD_FRE);
        assertNotEquals(0, port(p, AhciPort.CMD) & AhciPort.CMD_FR, "FR follows FRE");
        setPort(p, AhciPort.CMD, port(p, AhciPort.CMD) | AhciPort.CMD_ST);
        assertNotEquals(0, port(p, AhciPort.CMD) & AhciPort.CMD_CR, "CR follows ST");
    }

    void stopPort(int p) {
        setPort(p, AhciPort.CMD, port(p, AhciPort.CMD) & ~AhciPort.CMD_ST);
        assertEquals(0, port(p, AhciPort.CMD) & AhciPort.CMD_CR);
    }

    /** A Register H2D FIS with C set. */
    static byte[] h2d(int command, long lba, int count) {
        byte[] f = new byte[20];
        f[0] = 0x27;
        f[1] = (byte) 0x80;
        f[2] = (byte) command;
        f[4] = (byte) lba;
        f[5] = (byte) (lba >>> 8);
        f[6] = (byte) (lba >>> 16);
        f[7] = 0x40; // LBA mode
        f[8] = (byte) (lba >>> 24);
        f[9] = (byte) (lba >>> 32);
        f[10] = (byte) (lba >>> 40);
        f[12] = (byte) count;
        f[13] = (byte) (count >>> 8);
        return f;
    }

    /** One PRD: address, byte count (even), interrupt bit. */
    record Prd(long address, int bytes, boolean interrupt) {
    }

    /** Builds command header and table for {@code slot} and sets its PxCI bit. */
    void issue(int p, int slot, byte[] cfis, boolean write, Prd... prds) {
        long ct = ctba(p, slot);
        issueAt(p, slot, ct, cfis, write, prds);
    }

    void issueAt(int p, int slot, long ct, byte[] cfis, boolean write, Prd... prds) {
        byte[] table = new byte[0x80 + 16 * prds.length];
        System.arraycopy(cfis, 0, table, 0, cfis.length);
        for (int i = 0; i < prds.length; i++) {
            int o = 0x80 + 16 * i;
            put(table, o, prds[i].address());
            put(table, o + 4, prds[i].address() >>> 32);
            put(table, o + 12, (prds[i].bytes() - 1) | (prds[i].interrupt() ? 0x8000_0000L : 0));
        }
        if (bus.isRam(ct, table.length)) {
            bus.write(ct, table, 0, table.length);
        }
        byte[] h = new byte[32];
        put(h, 0, 5 | (write ? 0x40 : 0) | (long) prds.length << 16);
        put(h, 4, 0xDEAD); // PRDBC: the HBA overwrites it
        put(h, 8, ct);
        put(h, 12, ct >>> 32);
        bus.write(clb(p) + 32L * slot, h, 0, 32);
        setPort(p, AhciPort.CI, 1 << slot);
    }

    /** Waits until slot's PxCI bit clears or an error status appears; returns PxIS. */
    int await(int p, int slot) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((port(p, AhciPort.CI) & (1 << slot)) != 0 && (port(p, AhciPort.IS) & P_ERRORS) == 0) {
            assertTrue(System.nanoTime() < deadline, "slot " + slot + " never completed");
            Thread.onSpinWait();
        }
        return port(p, AhciPort.IS);
    }

    /** PRDBC of the slot's command header. */
    long prdbc(int p, int slot) {
        return bus.read(clb(p) + 32L * slot + 4, 4);
    }

    static void put(byte[] a, int off, long v) {
        for (int i = 0; i < 4; i++) {
            a[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
