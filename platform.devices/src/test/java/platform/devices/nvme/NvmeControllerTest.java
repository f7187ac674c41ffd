package platform.devices.nvme;

import platform.devices.TestMemory;
import static platform.devices.TestMemory.pattern;
import static org.junit.jupiter.api.Assertions.*;
import static platform.devices.nvme.NvmeTestDriver.dnr;
import static platform.devices.nvme.NvmeTestDriver.prp;
import static platform.devices.nvme.NvmeTestDriver.status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.RawFileBackend;
import platform.pc.Machine;
import platform.pc.PhysicalBus;

/** Drives {@link NvmeController} through ECAM, BAR0 and guest-RAM rings, per NVMe 1.4. */
class NvmeControllerTest {
    static final int SLOT = 5;
    static final int BLOCKS = 2048;
    static final long DATA = 0x30_0000, BUF = 0x20_0000, LIST = 0x40_0000;
    static final long OUTSIDE_RAM = 0x1000_0000L; // above 32 MiB of RAM, below the MMIO hole

    @TempDir
    Path tmp;
    Path image;
    byte[] content;
    Machine m;
    NvmeController ctrl;
    NvmeTestDriver drv;
    PhysicalBus bus;

    @BeforeEach
    void setUp() throws IOException {
        content = new byte[BLOCKS * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 13 + (i >> 9));
        }
        image = tmp.resolve("nvme.img");
        Files.write(image, content);
    }

    void boot(boolean readOnly) throws IOException {
        ctrl = new NvmeController(RawFileBackend.open(image, readOnly), "KESTREL-NVME0");
        m = Machine.builder().memory(32L << 20).device(SLOT, ctrl).build().powerOn();
        bus = m.bus();
        drv = new NvmeTestDriver(m, SLOT);
        drv.probe();
    }

    /** Boots, enables the controller and creates I/O queue pair 1 of 64 entries. */
    void ready(boolean readOnly) throws IOException {
        boot(readOnly);
        drv.setupMsix();
        assertEquals(1, drv.enable(0) & 3);
        drv.createIoQueues(64);
    }

    @AfterEach
    void tearDown() {
        if (m != null) {
            m.close();
        }
    }

    byte[] ram(long addr, int len) {
        return TestMemory.read(bus, addr, len);
    }


    // ---- PCI and registers ----------------------------------------------------------------

    @Test
    void pciIdentityAndCapabilities() throws IOException {
        boot(false);
        assertEquals(0x0010_1B36L, drv.cfgRead(0, 4));
        assertEquals(0x010802, drv.cfgRead(0x09, 4) & 0xFF_FFFF, "class 01 08 02");
        assertEquals(0x4, drv.cfgRead(0x10, 4) & 0x7, "BAR0 64-bit memory");
        assertNotEquals(0, drv.pcieCap, "PCI Express capability");
        assertEquals(2, drv.cfgRead(drv.pcieCap + 2, 2) & 0xF, "PCIe capability version 2");
        assertNotEquals(0, drv.msixCap);
        assertEquals(NvmeController.VECTORS - 1, drv.cfgRead(drv.msixCap + 2, 2) & 0x7FF);
        assertEquals(NvmeController.MSIX_TABLE, drv.cfgRead(drv.msixCap + 4, 4), "table in BAR0");
        assertEquals(NvmeController.MSIX_PBA, drv.cfgRead(drv.msixCap + 8, 4), "PBA in BAR0");
    }

    @Test
    void capVersionAndEnableDisableHandshake() throws IOException {
        boot(false);
        long cap = drv.reg(NvmeController.REG_CAP, 8);
        assertEquals(1023, cap & 0xFFFF, "MQES");
        assertEquals(1, (cap >>> 16) & 1, "CQR");
        assertEquals(0, (cap >>> 32) & 0xF, "DSTRD");
        assertEquals(1, (cap >>> 37) & 0xFF, "CSS: NVM");
        assertEquals(0, (cap >>> 48) & 0xF, "MPSMIN");
        assertEquals(4, (cap >>> 52) & 0xF, "MPSMAX");
        assertNotEquals(0, (cap >>> 24) & 0xFF, "TO");
        assertEquals(cap & 0xFFFF_FFFFL, drv.reg(NvmeController.REG_CAP, 4), "32-bit halves");
        assertEquals(0x0001_0400, drv.reg(NvmeController.REG_VS, 4));
        assertEquals(0, drv.reg(NvmeController.REG_CSTS, 4));

        assertEquals(1, drv.enable(0), "CC.EN -> CSTS.RDY");
        assertEquals(NvmeTestDriver.ASQ, drv.reg(NvmeController.REG_ASQ, 8));
        int[] d = drv.admin(identifyCmd(1, 0, BUF));
        assertEquals(0, status(d));
        drv.disable();
        assertEquals(0, drv.reg(NvmeController.REG_CSTS, 4));

        // MPS above MPSMAX: fatal status, never ready; reset clears it
        assertEquals(NvmeController.CSTS_CFS, drv.enable(5 << 7));
        drv.disable();
        assertEquals(0, drv.reg(NvmeController.REG_CSTS, 4));
        // unsupported command set
        assertEquals(NvmeController.CSTS_CFS, drv.enable(1 << 4));
        drv.disable();
        // a one-entry admin queue
        drv.setReg(NvmeController.REG_AQA, 4, 0);
        drv.setReg(NvmeController.REG_CC, 4, 1 | 6 << 16 | 4 << 20);
        assertEquals(NvmeController.CSTS_CFS, drv.reg(NvmeController.REG_CSTS, 4));
        drv.disable();

        // works again after the failures; normal shutdown completes
        assertEquals(1, drv.enable(0));
        assertEquals(0, status(drv.admin(identifyCmd(1, 0, BUF))));
        drv.setReg(NvmeController.REG_CC, 4, drv.reg(NvmeController.REG_CC, 4) | 1 << 14);
        assertEquals(2, (drv.reg(NvmeController.REG_CSTS, 4) >>> 2) & 3, "SHST complete");
        // read-only registers ignore writes
        drv.setReg(NvmeController.REG_VS, 4, 0);
        assertEquals(0x0001_0400, drv.reg(NvmeController.REG_VS, 4));
    }

    static int[] identifyCmd(int cns, int nsid, long buf) {
        int[] c = new int[16];
        c[0] = 0x06 | 0x99 << 16;
        c[1] = nsid;
        prp(c, buf, 0);
        c[10] = cns;
        return c;
    }

    int[] identify(int cns, int nsid) {
        int[] c = drv.cmd(0x06, nsid);
        prp(c, BUF, 0);
        c[10] = cns;
        return drv.admin(c);
    }

    // ---- admin commands -------------------------------------------------------------------

    @Test
    void identifyControllerNamespaceAndList() throws IOException {
        boot(false);
        drv.enable(0);
        assertEquals(0, status(identify(1, 0)));
        assertEquals(0x1B36, bus.read(BUF, 2), "VID");
        assertEquals("KESTREL-NVME0", new String(ram(BUF + 4, 20), StandardCharsets.US_ASCII).trim());
        assertTrue(new String(ram(BUF + 24, 40), StandardCharsets.US_ASCII).startsWith("Kestrel"));
        assertEquals(NvmeController.MDTS, bus.read(BUF + 77, 1));
        assertEquals(0x0001_0400, bus.read(BUF + 80, 4), "VER");
        assertEquals(0x66, bus.read(BUF + 512, 1), "SQES");
        assertEquals(0x44, bus.read(BUF + 513, 1), "CQES");
        assertEquals(1, bus.read(BUF + 516, 4), "NN");
        assertEquals(3, bus.read(BUF + 259, 1), "AERL");

        assertEquals(0, status(identify(0, 1)));
        assertEquals(BLOCKS, bus.read(BUF, 8), "NSZE");
        assertEquals(BLOCKS, bus.read(BUF + 8, 8), "NCAP");
        assertEquals(0, bus.read(BUF + 25, 1), "NLBAF");
        assertEquals(9, (bus.read(BUF + 128, 4) >>> 16) & 0xFF, "LBAF0 LBADS = 512 bytes");
        assertEquals(0, bus.read(BUF + 99, 1), "not write protected");

        bus.write(BUF, 8, -1L);
        assertEquals(0, status(identify(2, 0)));
        assertEquals(1, bus.read(BUF, 4));
        assertEquals(0, bus.read(BUF + 4, 4));
        assertEquals(0, status(identify(2, 1)));
        assertEquals(0, bus.read(BUF, 4), "no namespace above 1");

        int[] d = identify(0, 2);
        assertEquals(NvmeStatus.INVALID_NAMESPACE, status(d));
        assertTrue(dnr(d));
        assertEquals(NvmeStatus.INVALID_NAMESPACE, status(identify(2, 0xFFFF_FFFF)));
        assertEquals(NvmeStatus.INVALID_FIELD, status(identify(0x55, 0)));
    }

    @Test
    void featuresAbortAndLogPages() throws IOException {
        boot(false);
        drv.enable(0);
        int[] c = drv.cmd(0x09, 0);
        c[10] = 0x07;
        c[11] = 3 << 16 | 3;
        int[] d = drv.admin(c);
        assertEquals(0, status(d));
        assertEquals(3 << 16 | 3, d[0], "4 SQs and 4 CQs granted");
        c = drv.cmd(0x0A, 0);
        c[10] = 0x07;
        assertEquals(3 << 16 | 3, drv.admin(c)[0]);
        c = drv.cmd(0x09, 0);
        c[10] = 0x07;
        c[11] = 0xFFFF;
        assertEquals(NvmeStatus.INVALID_FIELD, status(drv.admin(c)));
        c = drv.cmd(0x09, 0);
        c[10] = 0x8000_0006; // save bit
        assertEquals(NvmeStatus.FEATURE_NOT_SAVEABLE, status(drv.admin(c)));
        c = drv.cmd(0x0A, 0);
        c[10] = 0x77;
        assertEquals(NvmeStatus.INVALID_FIELD, status(drv.admin(c)));
        // a queue ID beyond the granted number is refused
        assertEquals(NvmeStatus.INVALID_QUEUE_IDENTIFIER, status(drv.createCq(5, NvmeTestDriver.IOCQ, 8, 0)));
        assertEquals(0, status(drv.createCq(4, NvmeTestDriver.IOCQ, 8, 0)));

        c = drv.cmd(0x08, 0);
        assertEquals(1, drv.admin(c)[0], "abort: not aborted");

        c = drv.cmd(0x02, 0);
        prp(c, BUF, 0);
        c[10] = 127 << 16 | 0x03; // 512 bytes of firmware slot information
        assertEquals(0, status(drv.admin(c)));
        assertEquals(1, bus.read(BUF, 1));
        assertEquals("1.0", new String(ram(BUF + 8, 3), StandardCharsets.US_ASCII));
        c = drv.cmd(0x02, 0);
        prp(c, BUF, 0);
        c[10] = 127 << 16 | 0x42;
        assertEquals(NvmeStatus.INVALID_LOG_PAGE, status(drv.admin(c)));
    }

    @Test
    void queueCreationAndDeletionErrors() throws IOException {
        boot(false);
        drv.enable(0);
        long cq = NvmeTestDriver.IOCQ;
        assertEquals(NvmeStatus.INVALID_QUEUE_IDENTIFIER, status(drv.createCq(0, cq, 8, 0)));
        assertEquals(NvmeStatus.INVALID_QUEUE_IDENTIFIER, status(drv.createCq(16, cq, 8, 0)));
        assertEquals(NvmeStatus.INVALID_QUEUE_SIZE, status(drv.createCq(1, cq, 1, 0)), "one entry");
        assertEquals(NvmeStatus.INVALID_QUEUE_SIZE, status(drv.createCq(1, cq, 1025, 0)), "above MQES");
        assertEquals(NvmeStatus.INVALID_INTERRUPT_VECTOR, status(drv.createCq(1, cq, 8, 16)));
        assertEquals(NvmeStatus.PRP_OFFSET_INVALID, status(drv.createCq(1, cq + 0x100, 8, 0)));
        int[] c = drv.cmd(0x05, 0);
        prp(c, cq, 0);
        c[10] = 7 << 16 | 1;
        c[11] = 0x2; // PC = 0
        int[] d = drv.admin(c);
        assertEquals(NvmeStatus.INVALID_FIELD, status(d));
        assertTrue(dnr(d));
        assertEquals(0, status(drv.createCq(1, cq, 8, 1)));
        assertEquals(NvmeStatus.INVALID_QUEUE_IDENTIFIER, status(drv.createCq(1, cq, 8, 1)), "in use");

        long sq = NvmeTestDriver.IOSQ;
        assertEquals(NvmeStatus.COMPLETION_QUEUE_INVALID, status(drv.createSq(1, sq, 8, 5)));
        assertEquals(NvmeStatus.COMPLETION_QUEUE_INVALID, status(drv.createSq(1, sq, 8, 0)), "admin CQ");
        assertEquals(NvmeStatus.INVALID_QUEUE_SIZE, status(drv.createSq(1, sq, 1, 1)));
        assertEquals(0, status(drv.createSq(1, sq, 8, 1)));

        c = drv.cmd(0x04, 0);
        c[10] = 1;
        assertEquals(NvmeStatus.INVALID_QUEUE_DELETION, status(drv.admin(c)), "SQ 1 still uses CQ 1");
        c = drv.cmd(0x00, 0);
        c[10] = 7;
        assertEquals(NvmeStatus.INVALID_QUEUE_IDENTIFIER, status(drv.admin(c)));
        c = drv.cmd(0x00, 0);
        c[10] = 0;
        assertEquals(NvmeStatus.INVALID_QUEUE_IDENTIFIER, status(drv.admin(c)), "admin SQ");
        c = drv.cmd(0x04, 0);
        c[10] = 0;
        assertEquals(NvmeStatus.INVALID_QUEUE_IDENTIFIER, status(drv.admin(c)), "admin CQ");
        c = drv.cmd(0x00, 0);
        c[10] = 1;
        assertEquals(0, status(drv.admin(c)));
        c = drv.cmd(0x04, 0);
        c[10] = 1;
        assertEquals(0, status(drv.admin(c)));

        // an I/O SQ entry size other than 64 bytes (CC.IOSQES) cannot be used
        drv.disable();
        drv.setReg(NvmeController.REG_AQA, 4, 15 << 16 | 15);
        drv.cqHead[0] = 0;
        drv.cqPhase[0] = true;
        drv.sqTail[0] = 0;
        bus.write(NvmeTestDriver.ACQ, new byte[4096], 0, 4096);
        drv.setReg(NvmeController.REG_CC, 4, 1 | 7 << 16 | 4 << 20);
        assertEquals(0, status(drv.createCq(1, cq, 8, 1)));
        assertEquals(NvmeStatus.INVALID_FIELD, status(drv.createSq(1, sq, 8, 1)));

        c = drv.cmd(0x7F, 0);
        assertEquals(NvmeStatus.INVALID_OPCODE, status(drv.admin(c)));
        c = drv.cmd(0x06, 0);
        c[0] |= 1 << 14; // PSDT: SGL
        c[10] = 1;
        assertEquals(NvmeStatus.INVALID_FIELD, status(drv.admin(c)));
        c = drv.cmd(0x06, 0);
        c[0] |= 1 << 8; // fused
        c[10] = 1;
        assertEquals(NvmeStatus.INVALID_FIELD, status(drv.admin(c)));
    }

    // ---- NVM commands ---------------------------------------------------------------------

    @Test
    void writeAndReadBackWithEveryPrpForm() throws IOException {
        ready(false);
        // PRP1 only: 8 blocks in one page
        byte[] a = pattern(4096, 1);
        bus.write(DATA, a, 0, a.length);
        assertEquals(0, status(drv.rw(0x01, 16, 8, DATA, 0)));
        bus.write(DATA, new byte[4096], 0, 4096);
        assertEquals(0, status(drv.rw(0x02, 16, 8, DATA, 0)));
        assertArrayEquals(a, ram(DATA, 4096));

        // PRP1 with an offset + PRP2 as a second data page
        byte[] b = pattern(4096, 2);
        long p1 = DATA + 0x200;
        long p2 = DATA + 0x8000;
        bus.write(p1, b, 0, 0xE00);
        bus.write(p2, b, 0xE00, 0x200);
        assertEquals(0, status(drv.rw(0x01, 100, 8, p1, p2)));
        bus.write(DATA, new byte[0x10000], 0, 0x10000);
        assertEquals(0, status(drv.rw(0x02, 100, 8, p1, p2)));
        assertArrayEquals(Arrays.copyOf(b, 0xE00), ram(p1, 0xE00));
        assertArrayEquals(Arrays.copyOfRange(b, 0xE00, 4096), ram(p2, 0x200));

        // PRP list: 16 KiB = 4 pages, PRP2 points to 3 entries
        byte[] c = pattern(16384, 3);
        long[] pages = {DATA, DATA + 0x3000, DATA + 0x1000, DATA + 0x7000};
        for (int i = 0; i < 4; i++) {
            bus.write(pages[i], c, 4096 * i, 4096);
            if (i > 0) {
                bus.write(LIST + 8L * (i - 1), 8, pages[i]);
            }
        }
        assertEquals(0, status(drv.rw(0x01, 200, 32, pages[0], LIST)));
        bus.write(DATA, new byte[0x10000], 0, 0x10000);
        assertEquals(0, status(drv.rw(0x02, 200, 32, pages[0], LIST)));
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(Arrays.copyOfRange(c, 4096 * i, 4096 * i + 4096), ram(pages[i], 4096), "page " + i);
        }

        // a PRP list that starts two slots before the end of its page chains to a second list page
        long list = LIST + 0x1FF0;
        long next = LIST + 0x5000;
        bus.write(list, 8, DATA + 0x1000); // data page 2
        bus.write(list + 8, 8, next); // last slot: pointer to the next list
        bus.write(next, 8, DATA + 0x2000);
        bus.write(next + 8, 8, DATA + 0x3000);
        assertEquals(0, status(drv.rw(0x02, 0, 32, DATA, list)));
        byte[] expect = Arrays.copyOf(content, 16384);
        System.arraycopy(a, 0, expect, 16 * 512, 4096); // blocks 16..23 were written above
        assertArrayEquals(expect, ram(DATA, 16384));

        // flush, and the file holds the writes
        int[] f = drv.cmd(0x00, 1);
        assertEquals(0, status(drv.run(1, 1, f)));
        f = drv.cmd(0x00, 0xFFFF_FFFF);
        assertEquals(0, status(drv.run(1, 1, f)));
        byte[] file = Files.readAllBytes(image);
        assertArrayEquals(a, Arrays.copyOfRange(file, 16 * 512, 16 * 512 + 4096));
        assertArrayEquals(b, Arrays.copyOfRange(file, 100 * 512, 100 * 512 + 4096));
        assertArrayEquals(c, Arrays.copyOfRange(file, 200 * 512, 200 * 512 + 16384));
        assertArrayEquals(Arrays.copyOf(content, 16 * 512), Arrays.copyOf(file, 16 * 512));
    }

    @Test
    void ioCommandErrors() throws IOException {
        ready(false);
        int[] d = drv.rw(0x02, BLOCKS - 1, 2, DATA, DATA + 0x1000);
        assertEquals(NvmeStatus.LBA_OUT_OF_RANGE, status(d));
        assertTrue(dnr(d));
        assertEquals(NvmeStatus.LBA_OUT_OF_RANGE, status(drv.rw(0x01, -1L, 1, DATA, 0)));
        assertEquals(0, status(drv.rw(0x02, BLOCKS - 1, 1, DATA, 0)), "the last block is fine");

        int[] c = drv.cmd(0x02, 2);
        prp(c, DATA, 0);
        assertEquals(NvmeStatus.INVALID_NAMESPACE, status(drv.run(1, 1, c)));
        c = drv.cmd(0x00, 7);
        assertEquals(NvmeStatus.INVALID_NAMESPACE, status(drv.run(1, 1, c)));
        c = drv.cmd(0x55, 1);
        assertEquals(NvmeStatus.INVALID_OPCODE, status(drv.run(1, 1, c)));
        assertEquals(NvmeStatus.INVALID_FIELD, status(drv.rw(0x02, 0, 512, DATA, LIST)), "beyond MDTS");

        // DMA outside RAM: data pointer, second page, list, list entry
        d = drv.rw(0x02, 0, 1, OUTSIDE_RAM, 0);
        assertEquals(NvmeStatus.DATA_TRANSFER_ERROR, status(d));
        assertFalse(dnr(d));
        assertEquals(NvmeStatus.DATA_TRANSFER_ERROR, status(drv.rw(0x01, 0, 16, DATA, OUTSIDE_RAM)));
        assertEquals(NvmeStatus.DATA_TRANSFER_ERROR, status(drv.rw(0x02, 0, 32, DATA, OUTSIDE_RAM)));
        bus.write(LIST, 8, DATA + 0x1000);
        bus.write(LIST + 8, 8, OUTSIDE_RAM);
        bus.write(LIST + 16, 8, DATA + 0x3000);
        assertEquals(NvmeStatus.DATA_TRANSFER_ERROR, status(drv.rw(0x02, 0, 32, DATA, LIST)));
        // nothing was written by the failed write
        assertArrayEquals(Arrays.copyOf(content, 8192), Arrays.copyOf(Files.readAllBytes(image), 8192));

        // PRP offsets
        assertEquals(NvmeStatus.PRP_OFFSET_INVALID, status(drv.rw(0x02, 0, 16, DATA, DATA + 0x1100)));
        assertEquals(NvmeStatus.PRP_OFFSET_INVALID, status(drv.rw(0x02, 0, 1, DATA + 2, 0)));
        bus.write(LIST + 8, 8, DATA + 0x2010);
        assertEquals(NvmeStatus.PRP_OFFSET_INVALID, status(drv.rw(0x02, 0, 32, DATA, LIST)));

        // the controller is still healthy
        assertEquals(0, drv.reg(NvmeController.REG_CSTS, 4) & NvmeController.CSTS_CFS);
        assertEquals(0, status(drv.rw(0x02, 0, 8, DATA, 0)));
        assertArrayEquals(Arrays.copyOf(content, 4096), ram(DATA, 4096));
    }

    @Test
    void writeToReadOnlyNamespace() throws IOException {
        ready(true);
        assertEquals(0, status(identify(0, 1)));
        assertEquals(1, bus.read(BUF + 99, 1), "NSATTR write protected");
        bus.write(DATA, pattern(512, 9), 0, 512);
        int[] d = drv.rw(0x01, 0, 1, DATA, 0);
        assertEquals(NvmeStatus.WRITE_TO_READ_ONLY, status(d));
        assertEquals(2, (status(d) >>> 8), "SCT media and data integrity");
        assertTrue(dnr(d));
        assertEquals(0, status(drv.rw(0x02, 0, 1, DATA, 0)));
        assertArrayEquals(Arrays.copyOf(content, 512), ram(DATA, 512));
        assertEquals(0, status(drv.run(1, 1, drv.cmd(0x00, 1))), "flush");
        assertArrayEquals(content, Files.readAllBytes(image));
    }

    // ---- interrupts -----------------------------------------------------------------------

    @Test
    void msixVectorPerQueueWithMaskingAndPendingBit() throws Exception {
        ready(false);
        // admin completions went to vector 0, I/O CQ 1 is on vector 1
        drainInterrupts();
        drv.submit(1, drv.cmd(0x00, 1));
        assertEquals(NvmeTestDriver.MSI_VECTOR_BASE + 1, m.lapic(0).acceptInterrupt(5_000_000_000L));
        m.lapic(0).eoi();
        assertEquals(0, status(drv.await(1)));

        // mask entry 1: the completion is posted, the message is held in the PBA
        long entry1 = drv.bar0 + NvmeController.MSIX_TABLE + 16 + 12;
        bus.write(entry1, 4, 1);
        drv.submit(1, drv.cmd(0x00, 1));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!drv.hasCompletion(1)) {
            assertTrue(System.nanoTime() < deadline);
            Thread.onSpinWait();
        }
        assertEquals(2, drv.reg(NvmeController.MSIX_PBA, 8) & 2, "pending bit of vector 1");
        assertEquals(-1, m.lapic(0).acceptInterrupt(100_000_000L), "masked");
        bus.write(entry1, 4, 0);
        assertEquals(NvmeTestDriver.MSI_VECTOR_BASE + 1, m.lapic(0).acceptInterrupt(5_000_000_000L));
        m.lapic(0).eoi();
        assertEquals(0, drv.reg(NvmeController.MSIX_PBA, 8) & 2);
        drv.await(1);

        // an admin command interrupts on vector 0
        drv.submit(0, identifyCmd(1, 0, BUF));
        assertEquals(NvmeTestDriver.MSI_VECTOR_BASE, m.lapic(0).acceptInterrupt(5_000_000_000L));
        m.lapic(0).eoi();
        drv.await(0);
    }

    @Test
    void pinInterruptWithoutMsixFollowsIntmsAndTheCqHead() throws IOException {
        boot(false);
        assertEquals(1, drv.enable(0));
        drv.submit(0, identifyCmd(1, 0, BUF));
        awaitPosted(0);
        assertEquals(0x8, drv.cfgRead(0x06, 2) & 0x8, "INTx asserted while the entry is unconsumed");
        drv.await(0);
        assertEquals(0, drv.cfgRead(0x06, 2) & 0x8, "deasserted once the host consumed it");

        drv.setReg(NvmeController.REG_INTMS, 4, 1);
        assertEquals(1, drv.reg(NvmeController.REG_INTMC, 4));
        drv.submit(0, identifyCmd(1, 0, BUF));
        awaitPosted(0);
        assertEquals(0, drv.cfgRead(0x06, 2) & 0x8, "masked by INTMS");
        drv.setReg(NvmeController.REG_INTMC, 4, 1);
        assertEquals(0x8, drv.cfgRead(0x06, 2) & 0x8, "unmasked by INTMC");
        drv.await(0);
        assertEquals(0, drv.cfgRead(0x06, 2) & 0x8);
    }

    private void awaitPosted(int q) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!drv.hasCompletion(q)) {
            assertTrue(System.nanoTime() < deadline);
            Thread.onSpinWait();
        }
        sleep(20); // the interrupt follows the entry within the same worker pass
    }

    private void drainInterrupts() throws InterruptedException {
        while (m.lapic(0).acceptInterrupt(50_000_000L) >= 0) {
            m.lapic(0).eoi();
        }
    }

    // ---- queues, doorbells and fatal errors -----------------------------------------------

    @Test
    void completionQueueWrapsPhaseAndFlowControl() throws IOException {
        boot(false);
        drv.enable(0);
        bus.write(NvmeTestDriver.IOCQ, new byte[4096], 0, 4096);
        assertEquals(0, status(drv.createCq(1, NvmeTestDriver.IOCQ, 2, 1)));
        assertEquals(0, status(drv.createSq(1, NvmeTestDriver.IOSQ, 8, 1)));
        // many commands through a 2-entry CQ: the phase tag flips at every wrap
        for (int i = 0; i < 9; i++) {
            int[] d = drv.run(1, 1, drv.cmd(0x00, 1));
            assertEquals(0, status(d));
            assertEquals(drv.sqTail[1], d[2] & 0xFFFF, "SQ head pointer");
        }
        // a 2-entry CQ holds one completion: the other commands wait until the head moves
        drv.submit(1, drv.cmd(0x00, 1));
        drv.submit(1, drv.cmd(0x00, 1));
        drv.submit(1, drv.cmd(0x00, 1));
        awaitPosted(1);
        long before = ctrl.commandsCompleted();
        sleep(100);
        assertEquals(before, ctrl.commandsCompleted(), "CQ full: nothing more is fetched");
        for (int i = 0; i < 3; i++) {
            assertEquals(0, status(drv.await(1)));
        }
    }

    @Test
    void invalidDoorbellWritesAreIgnoredAndReportedAsAsyncEvents() throws IOException {
        ready(false);
        int[] aer = drv.cmd(0x0C, 0);
        drv.submit(0, aer);
        sleep(50);
        assertFalse(drv.hasCompletion(0), "AER stays outstanding");

        // SQ tail doorbell of a queue that does not exist
        drv.setReg(NvmeController.DOORBELLS + 8 * 9, 4, 1);
        int[] d = drv.await(0);
        assertEquals(aer[0] >>> 16, d[3] & 0xFFFF);
        assertEquals(0, status(d));
        assertEquals(0x01_00_00, d[0], "error event, Write to Invalid Doorbell Register, log page 01h");
        assertEquals(1, ctrl.invalidDoorbellWrites());

        // further error events are masked until log page 01h is read
        int[] aer2 = drv.cmd(0x0C, 0);
        drv.submit(0, aer2);
        drv.setReg(NvmeController.DOORBELLS + 8, 4, 64); // SQ 1 tail = queue size
        sleep(50);
        assertFalse(drv.hasCompletion(0));
        assertEquals(2, ctrl.invalidDoorbellWrites());
        int[] c = drv.cmd(0x02, 0);
        prp(c, BUF, 0);
        c[10] = 15 << 16 | 0x01;
        assertEquals(0, status(drv.admin(c)));

        // CQ head beyond the entries posted: Invalid Doorbell Write Value
        drv.setReg(NvmeController.DOORBELLS + 12, 4, 5);
        d = drv.await(0);
        assertEquals(aer2[0] >>> 16, d[3] & 0xFFFF);
        assertEquals(0x01_01_00, d[0], "Invalid Doorbell Write Value");
        // odd widths are ignored too
        drv.setReg(NvmeController.DOORBELLS + 8, 2, 1);

        // the queue is unaffected and the controller is healthy
        assertEquals(0, status(drv.rw(0x02, 0, 1, DATA, 0)));
        assertEquals(1, drv.reg(NvmeController.REG_CSTS, 4));
    }

    @Test
    void queueMemoryOutsideRamIsControllerFatalUntilReset() throws IOException {
        ready(false);
        // an I/O CQ outside RAM: the completion cannot be posted
        assertEquals(0, status(drv.createCq(2, OUTSIDE_RAM, 8, 2)));
        assertEquals(0, status(drv.createSq(2, NvmeTestDriver.IOSQ + 0x1000, 8, 2)));
        drv.submit(2, drv.cmd(0x00, 1));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((drv.reg(NvmeController.REG_CSTS, 4) & NvmeController.CSTS_CFS) == 0) {
            assertTrue(System.nanoTime() < deadline, "CSTS.CFS");
            Thread.onSpinWait();
        }
        drv.disable();
        assertEquals(0, drv.reg(NvmeController.REG_CSTS, 4));

        // an admin SQ outside RAM: the command cannot be fetched
        drv.setReg(NvmeController.REG_ASQ, 8, OUTSIDE_RAM);
        drv.setReg(NvmeController.REG_CC, 4, 1 | 6 << 16 | 4 << 20);
        drv.setReg(NvmeController.DOORBELLS, 4, 1);
        deadline = System.nanoTime() + 5_000_000_000L;
        while ((drv.reg(NvmeController.REG_CSTS, 4) & NvmeController.CSTS_CFS) == 0) {
            assertTrue(System.nanoTime() < deadline, "CSTS.CFS");
            Thread.onSpinWait();
        }
        drv.disable();
        assertEquals(1, drv.enable(0), "a reset recovers");
        assertEquals(0, status(drv.admin(identifyCmd(1, 0, BUF))));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
