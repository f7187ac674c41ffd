package platform.devices.nvme;

import static org.junit.jupiter.api.Assertions.*;

import platform.pc.Machine;
import platform.pc.PhysicalBus;

/**
 * A minimal NVMe host driver written from the NVMe 1.4 specification: it reaches the
 * controller only through ECAM, BAR0 MMIO and rings in guest RAM, as a kernel driver would.
 * Completions are found by polling the phase tag; interrupt tests use the LAPIC directly.
 */
final class NvmeTestDriver {
    static final long ASQ = 0x10_0000, ACQ = 0x10_1000, IOSQ = 0x10_2000, IOCQ = 0x10_4000;
    static final int ADMIN_ENTRIES = 16;
    static final int MSI_VECTOR_BASE = 0x40;

    final Machine m;
    final PhysicalBus bus;
    final long cfg;
    long bar0;
    int msixCap;
    int pcieCap;
    int cid = 1;
    final long[] sqBase = new long[16];
    final int[] sqSize = new int[16];
    final int[] sqTail = new int[16];
    final long[] cqBase = new long[16];
    final int[] cqSize = new int[16];
    final int[] cqHead = new int[16];
    final boolean[] cqPhase = new boolean[16];

    NvmeTestDriver(Machine m, int slot) {
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
            int id = (int) cfgRead(ptr, 1);
            if (id == 0x11) {
                msixCap = ptr;
            } else if (id == 0x10) {
                pcieCap = ptr;
            }
            ptr = (int) cfgRead(ptr + 1, 1);
        }
        bar0 = (cfgRead(0x10, 4) & ~0xFL) | cfgRead(0x14, 4) << 32;
        assertNotEquals(0, bar0);
        cfgWrite(0x04, 2, 0x6);
    }

    long reg(int off, int size) {
        return bus.read(bar0 + off, size);
    }

    void setReg(int off, int size, long v) {
        bus.write(bar0 + off, size, v);
    }

    /** Programs MSI-X entry v to send vector MSI_VECTOR_BASE + v to APIC 0, unmasked; enables MSI-X. */
    void setupMsix() {
        for (int v = 0; v < 16; v++) {
            long e = bar0 + NvmeController.MSIX_TABLE + 16L * v;
            bus.write(e, 4, 0xFEE0_0000L);
            bus.write(e + 4, 4, 0);
            bus.write(e + 8, 4, MSI_VECTOR_BASE + v);
            bus.write(e + 12, 4, 0);
        }
        cfgWrite(msixCap + 2, 2, 0x8000);
    }

    /** Sets up the admin queues and enables the controller; returns CSTS. */
    int enable(int ccExtra) {
        setReg(NvmeController.REG_AQA, 4, (ADMIN_ENTRIES - 1) << 16 | (ADMIN_ENTRIES - 1));
        setReg(NvmeController.REG_ASQ, 8, ASQ);
        setReg(NvmeController.REG_ACQ, 8, ACQ);
        sqBase[0] = ASQ;
        sqSize[0] = ADMIN_ENTRIES;
        sqTail[0] = 0;
        cqBase[0] = ACQ;
        cqSize[0] = ADMIN_ENTRIES;
        cqHead[0] = 0;
        cqPhase[0] = true;
        bus.write(ACQ, new byte[4096], 0, 4096);
        setReg(NvmeController.REG_CC, 4, 1 | 6 << 16 | 4 << 20 | ccExtra);
        return (int) reg(NvmeController.REG_CSTS, 4);
    }

    void disable() {
        setReg(NvmeController.REG_CC, 4, 0);
        assertEquals(0, reg(NvmeController.REG_CSTS, 4) & 1);
    }

    int[] cmd(int opcode, int nsid) {
        int[] c = new int[16];
        c[0] = opcode | (cid++ & 0xFFFF) << 16;
        c[1] = nsid;
        return c;
    }

    static void prp(int[] c, long prp1, long prp2) {
        c[6] = (int) prp1;
        c[7] = (int) (prp1 >>> 32);
        c[8] = (int) prp2;
        c[9] = (int) (prp2 >>> 32);
    }

    /** Writes {@code c} at the tail of SQ {@code q} and rings its doorbell. */
    void submit(int q, int[] c) {
        long e = sqBase[q] + 64L * sqTail[q];
        for (int i = 0; i < 16; i++) {
            bus.write(e + 4L * i, 4, c[i] & 0xFFFF_FFFFL);
        }
        sqTail[q] = (sqTail[q] + 1) % sqSize[q];
        setReg(NvmeController.DOORBELLS + 8 * q, 4, sqTail[q]);
    }

    /** True if CQ {@code q} has a new entry (phase tag matches). */
    boolean hasCompletion(int q) {
        long e = cqBase[q] + 16L * cqHead[q];
        return ((bus.read(e + 12, 4) >>> 16) & 1) == (cqPhase[q] ? 1 : 0);
    }

    /** Waits for the next entry of CQ {@code q}, consumes it (head doorbell), returns its 4 dwords. */
    int[] await(int q) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!hasCompletion(q)) {
            assertTrue(System.nanoTime() < deadline, "no completion on CQ " + q + "; CSTS="
                    + reg(NvmeController.REG_CSTS, 4));
            Thread.onSpinWait();
        }
        long e = cqBase[q] + 16L * cqHead[q];
        int[] d = new int[4];
        for (int i = 0; i < 4; i++) {
            d[i] = (int) bus.read(e + 4L * i, 4);
        }
        cqHead[q] = (cqHead[q] + 1) % cqSize[q];
        if (cqHead[q] == 0) {
            cqPhase[q] = !cqPhase[q];
        }
        setReg(NvmeController.DOORBELLS + 8 * q + 4, 4, cqHead[q]);
        return d;
    }

    /** Submits on SQ {@code sq}, waits on CQ {@code cq}, checks the CID; returns the entry. */
    int[] run(int sq, int cq, int[] c) {
        submit(sq, c);
        int[] d = await(cq);
        assertEquals(c[0] >>> 16, d[3] & 0xFFFF, "command id");
        assertEquals(sq, d[2] >>> 16, "sq id");
        return d;
    }

    int[] admin(int[] c) {
        return run(0, 0, c);
    }

    /** Status as SCT << 8 | SC (NvmeStatus encoding). */
    static int status(int[] d) {
        return (d[3] >>> 17) & 0x7FF;
    }

    static boolean dnr(int[] d) {
        return d[3] < 0;
    }

    int[] createCq(int qid, long base, int entries, int vector) {
        int[] c = cmd(0x05, 0);
        prp(c, base, 0);
        c[10] = (entries - 1) << 16 | qid;
        c[11] = vector << 16 | 0x3;
        int[] d = admin(c);
        if (status(d) == 0) {
            cqBase[qid] = base;
            cqSize[qid] = entries;
            cqHead[qid] = 0;
            cqPhase[qid] = true;
        }
        return d;
    }

    int[] createSq(int qid, long base, int entries, int cqid) {
        int[] c = cmd(0x01, 0);
        prp(c, base, 0);
        c[10] = (entries - 1) << 16 | qid;
        c[11] = cqid << 16 | 0x1;
        int[] d = admin(c);
        if (status(d) == 0) {
            sqBase[qid] = base;
            sqSize[qid] = entries;
            sqTail[qid] = 0;
        }
        return d;
    }

    /** Creates I/O CQ 1 (vector 1) and SQ 1 of {@code entries} entries; asserts success. */
    void createIoQueues(int entries) {
        bus.write(IOCQ, new byte[entries * 16], 0, entries * 16);
        assertEquals(0, status(createCq(1, IOCQ, entries, 1)));
        assertEquals(0, status(createSq(1, IOSQ, entries, 1)));
    }

    int[] rw(int opcode, long slba, int blocks, long prp1, long prp2) {
        int[] c = cmd(opcode, 1);
        prp(c, prp1, prp2);
        c[10] = (int) slba;
        c[11] = (int) (slba >>> 32);
        c[12] = blocks - 1;
        return run(1, 1, c);
    }
}
