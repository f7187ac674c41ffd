package platform.devices.ahci;

import platform.devices.TestMemory;
import static platform.devices.TestMemory.pattern;
import static org.junit.jupiter.api.Assertions.*;
import static platform.devices.ahci.AhciTestDriver.h2d;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.RawFileBackend;
import platform.devices.ahci.AhciTestDriver.Prd;
import platform.pc.Machine;
import platform.pc.PhysicalBus;
import platform.pc.pci.PciFunction;

/** Drives {@link AhciController} through ECAM, ABAR and guest-RAM structures, per AHCI 1.3 and ATA8-ACS. */
class AhciControllerTest {
    static final int SLOT = 6;
    static final int SECTORS = 4096;
    static final long DATA = 0x40_0000, BUF = 0x60_0000;
    static final long OUTSIDE_RAM = 0x1000_0000L; // above 32 MiB of RAM, below the MMIO hole
    static final int MSI_VECTOR = 0x51;

    @TempDir
    Path tmp;
    Path image;
    byte[] content;
    Machine m;
    AhciController hba;
    AhciTestDriver drv;
    PhysicalBus bus;

    @BeforeEach
    void setUp() throws IOException {
        content = new byte[SECTORS * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + (i >> 9));
        }
        image = tmp.resolve("sata.img");
        Files.write(image, content);
    }

    /** Boots a machine whose HBA has the disk on port 0 and an empty port 1. */
    void boot(boolean readOnly) throws IOException {
        hba = new AhciController(new SataDisk(RawFileBackend.open(image, readOnly), "KESTREL-SATA0"), null);
        m = Machine.builder().memory(32L << 20).device(SLOT, hba).build().powerOn();
        bus = m.bus();
        drv = new AhciTestDriver(m, SLOT);
        drv.probe();
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


    // ---- PCI and reset values -------------------------------------------------------------

    @Test
    void pciIdentityBarAndMsiCapability() throws IOException {
        boot(false);
        assertEquals(0x2922_8086L, drv.cfgRead(0, 4));
        assertEquals(0x010601, drv.cfgRead(0x09, 4) & 0xFF_FFFF, "class 01 06 01");
        assertEquals(0, drv.cfgRead(0x24, 4) & 0x7, "ABAR: 32-bit memory BAR5");
        drv.cfgWrite(0x24, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_E000L, drv.cfgRead(0x24, 4), "ABAR size 8 KiB");
        drv.cfgWrite(0x24, 4, drv.abar);
        assertEquals(1, drv.cfgRead(0x3D, 1), "INTA");
        assertNotEquals(0, drv.msiCap);
        assertEquals(0x80, drv.cfgRead(drv.msiCap + 2, 2), "64-bit capable, one message, disabled");
    }

    @Test
    void resetValues() throws IOException {
        boot(false);
        int cap = drv.hba(AhciController.REG_CAP);
        assertEquals(1, cap & 0x1F, "NP: 2 ports");
        assertEquals(31, (cap >>> 8) & 0x1F, "NCS: 32 slots");
        assertNotEquals(0, cap & AhciController.CAP_S64A);
        assertNotEquals(0, cap & AhciController.CAP_SAM);
        assertEquals(0, cap & AhciController.CAP_SNCQ, "no NCQ");
        assertEquals(0, cap & AhciController.CAP_SSS, "no staggered spin-up");
        assertEquals(AhciController.GHC_AE, drv.hba(AhciController.REG_GHC));
        assertEquals(0, drv.hba(AhciController.REG_IS));
        assertEquals(0b11, drv.hba(AhciController.REG_PI));
        assertEquals(0x0001_0300, drv.hba(AhciController.REG_VS));
        // port 0: a SATA disk, link up, signature received
        assertEquals(0x123, drv.port(0, AhciPort.SSTS));
        assertEquals(0x0000_0101, drv.port(0, AhciPort.SIG));
        assertEquals(0x150, drv.port(0, AhciPort.TFD));
        assertEquals(AhciPort.CMD_SUD | AhciPort.CMD_POD, drv.port(0, AhciPort.CMD));
        assertEquals(0, drv.port(0, AhciPort.CI));
        assertNotEquals(0, drv.port(0, AhciPort.SERR) & AhciPort.SERR_DIAG_X, "COMINIT seen");
        assertEquals(AhciPort.IS_PCS, drv.port(0, AhciPort.IS), "PCS mirrors DIAG.X");
        drv.setPort(0, AhciPort.IS, AhciPort.IS_PCS);
        assertEquals(AhciPort.IS_PCS, drv.port(0, AhciPort.IS), "PCS is not write-1-to-clear");
        drv.setPort(0, AhciPort.SERR, -1);
        assertEquals(0, drv.port(0, AhciPort.IS), "cleared through PxSERR");
        // port 1: nothing attached
        assertEquals(0, drv.port(1, AhciPort.SSTS));
        assertEquals(0xFFFF_FFFF, drv.port(1, AhciPort.SIG));
        assertEquals(0x7F, drv.port(1, AhciPort.TFD));
        // read-only registers and bad accesses
        drv.setHba(AhciController.REG_CAP, 0);
        drv.setHba(AhciController.REG_PI, 0);
        assertEquals(cap, drv.hba(AhciController.REG_CAP));
        assertEquals(0b11, drv.hba(AhciController.REG_PI));
        bus.write(drv.abar + AhciController.REG_GHC, 1, AhciController.GHC_IE);
        assertEquals(AhciController.GHC_AE, drv.hba(AhciController.REG_GHC), "byte write ignored");
        drv.setHba(0x100 + 0x80 * 5 + AhciPort.CMD, 1);
        assertEquals(0, drv.hba(0x100 + 0x80 * 5 + AhciPort.CMD), "port not implemented");
        assertEquals(0x0300, bus.read(drv.abar + AhciController.REG_VS, 2), "narrow read");
        assertTrue(hba.ignoredWrites() >= 3);
    }

    @Test
    void hbaReset() throws IOException {
        boot(false);
        drv.setHba(AhciController.REG_GHC, AhciController.GHC_IE);
        drv.startPort(0);
        drv.setPort(0, AhciPort.IE, -1);
        drv.setHba(AhciController.REG_GHC, AhciController.GHC_HR | AhciController.GHC_IE);
        assertEquals(AhciController.GHC_AE, drv.hba(AhciController.REG_GHC), "HR self-clears, IE reset");
        assertEquals(AhciPort.CMD_SUD | AhciPort.CMD_POD, drv.port(0, AhciPort.CMD), "ST, FRE, CR, FR clear");
        assertEquals(0, drv.port(0, AhciPort.IE));
        assertEquals((int) drv.clb(0), drv.port(0, AhciPort.CLB), "PxCLB survives HBA reset");
        assertEquals(0x101, drv.port(0, AhciPort.SIG));
        assertEquals(0x123, drv.port(0, AhciPort.SSTS));
    }

    @Test
    void portStartStopAndComreset() throws IOException {
        boot(false);
        drv.startPort(0);
        int cmd = drv.port(0, AhciPort.CMD);
        assertEquals(AhciPort.CMD_ST | AhciPort.CMD_CR | AhciPort.CMD_FRE | AhciPort.CMD_FR,
                cmd & (AhciPort.CMD_ST | AhciPort.CMD_CR | AhciPort.CMD_FRE | AhciPort.CMD_FR));
        drv.stopPort(0);
        drv.setPort(0, AhciPort.CMD, drv.port(0, AhciPort.CMD) & ~AhciPort.CMD_FRE);
        assertEquals(0, drv.port(0, AhciPort.CMD) & AhciPort.CMD_FR);
        drv.setPort(0, AhciPort.CI, 1);
        assertEquals(0, drv.port(0, AhciPort.CI), "PxCI ignores writes while ST is clear");

        // COMRESET with FIS receive on: the signature FIS lands at RFIS+40h
        drv.setPort(0, AhciPort.CMD, AhciPort.CMD_FRE);
        drv.setPort(0, AhciPort.SERR, -1);
        drv.setPort(0, AhciPort.SCTL, 1);
        assertEquals(0, drv.port(0, AhciPort.SSTS) & 0xF, "DET 0 during COMRESET");
        assertNotEquals(0, drv.port(0, AhciPort.TFD) & 0x80, "BSY during COMRESET");
        drv.setPort(0, AhciPort.CMD, AhciPort.CMD_FRE | AhciPort.CMD_CLO);
        assertEquals(0, drv.port(0, AhciPort.TFD) & 0x88, "CLO clears BSY and DRQ");
        assertEquals(0, drv.port(0, AhciPort.CMD) & AhciPort.CMD_CLO, "CLO reads 0");
        drv.setPort(0, AhciPort.SCTL, 0);
        assertEquals(0x123, drv.port(0, AhciPort.SSTS));
        assertEquals(0x150, drv.port(0, AhciPort.TFD));
        assertNotEquals(0, drv.port(0, AhciPort.IS) & AhciPort.IS_PCS);
        byte[] fis = ram(drv.fb(0) + 0x40, 20);
        assertEquals(0x34, fis[0] & 0xFF, "D2H register FIS");
        assertEquals(0x50, fis[2] & 0xFF);
        assertEquals(0x01, fis[4] & 0xFF, "LBA low 1");
        assertEquals(0x01, fis[12] & 0xFF, "count 1");
    }

    // ---- commands -------------------------------------------------------------------------

    @Test
    void identifyDevice() throws IOException {
        boot(false);
        drv.startPort(0);
        drv.issue(0, 3, h2d(SataDisk.ATA_IDENTIFY, 0, 0), false, new Prd(BUF, 512, false));
        int is = drv.await(0, 3);
        assertEquals(AhciPort.IS_PSS, is, "PIO setup FIS interrupt only");
        assertEquals(512, drv.prdbc(0, 3));
        assertEquals(3, (drv.port(0, AhciPort.CMD) >>> 8) & 0x1F, "CCS");
        assertEquals(0x50, drv.port(0, AhciPort.TFD));
        byte[] pio = ram(drv.fb(0) + 0x20, 20);
        assertEquals(0x5F, pio[0] & 0xFF);
        assertEquals(0x60, pio[1] & 0x60, "I and D (to host)");
        assertEquals(0x50, pio[15] & 0xFF, "E_Status");
        assertEquals(512, (pio[16] & 0xFF) | (pio[17] & 0xFF) << 8);

        byte[] id = ram(BUF, 512);
        int[] w = new int[256];
        for (int i = 0; i < 256; i++) {
            w[i] = (id[2 * i] & 0xFF) | (id[2 * i + 1] & 0xFF) << 8;
        }
        assertEquals(0, w[0] & 0x8000, "ATA device");
        assertEquals("KESTREL-SATA0", ataString(w, 10, 20).trim());
        assertEquals("Kestrel SATA disk", ataString(w, 27, 40).trim());
        assertEquals(0x0300, w[49] & 0x0300, "LBA and DMA");
        assertEquals(0x2400, w[83] & 0x2400, "48-bit, FLUSH CACHE EXT supported");
        assertEquals(0x2400, w[86] & 0x2400, "48-bit, FLUSH CACHE EXT enabled");
        assertEquals(0x4000, w[83] & 0xC000);
        long lba48 = w[100] | (long) w[101] << 16 | (long) w[102] << 32 | (long) w[103] << 48;
        assertEquals(SECTORS, lba48);
        assertEquals(SECTORS, w[60] | w[61] << 16);
        assertEquals(0, w[75] & 0x1F, "no NCQ queue depth");
        assertEquals(0xA5, w[255] & 0xFF, "integrity signature");
        int sum = 0;
        for (byte b : id) {
            sum += b & 0xFF;
        }
        assertEquals(0, sum & 0xFF, "checksum");
    }

    static String ataString(int[] w, int first, int chars) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < chars / 2; i++) {
            s.append((char) (w[first + i] >>> 8)).append((char) (w[first + i] & 0xFF));
        }
        return s.toString();
    }

    @Test
    void writeThenReadBackThroughScatteredPrds() throws IOException {
        boot(false);
        drv.startPort(0);
        byte[] data = pattern(8 * 512, 5);
        bus.write(DATA, data, 0, 1024);
        bus.write(DATA + 0x10000, data, 1024, 2048);
        bus.write(DATA + 0x30000, data, 3072, 1024);
        drv.issue(0, 0, h2d(SataDisk.ATA_WRITE_DMA_EXT, 100, 8), true,
                new Prd(DATA, 1024, false), new Prd(DATA + 0x10000, 2048, false), new Prd(DATA + 0x30000, 1024, false));
        assertEquals(AhciPort.IS_DHRS, drv.await(0, 0));
        assertEquals(4096, drv.prdbc(0, 0));
        assertEquals(0x50, drv.port(0, AhciPort.TFD));
        byte[] d2h = ram(drv.fb(0) + 0x40, 20);
        assertEquals(0x34, d2h[0] & 0xFF);
        assertEquals(0x40, d2h[1] & 0x40, "I bit");
        drv.setPort(0, AhciPort.IS, AhciPort.IS_DHRS);

        // FLUSH CACHE EXT, then the file holds the data
        drv.issue(0, 1, h2d(SataDisk.ATA_FLUSH_CACHE_EXT, 0, 0), false);
        assertEquals(AhciPort.IS_DHRS, drv.await(0, 1));
        assertEquals(0, drv.prdbc(0, 1));
        assertEquals(0x50, drv.port(0, AhciPort.TFD));
        byte[] file = Files.readAllBytes(image);
        assertArrayEquals(data, Arrays.copyOfRange(file, 100 * 512, 108 * 512));
        assertArrayEquals(Arrays.copyOfRange(content, 99 * 512, 100 * 512), Arrays.copyOfRange(file, 99 * 512, 100 * 512));
        drv.setPort(0, AhciPort.IS, -1);

        // read it back split differently, with I on the second PRD: DPS
        drv.issue(0, 2, h2d(SataDisk.ATA_READ_DMA_EXT, 100, 8), false,
                new Prd(BUF, 512, false), new Prd(BUF + 0x8000, 1536, true), new Prd(BUF + 0x20000, 2048, false));
        assertEquals(AhciPort.IS_DHRS | AhciPort.IS_DPS, drv.await(0, 2));
        byte[] back = new byte[4096];
        bus.read(BUF, back, 0, 512);
        bus.read(BUF + 0x8000, back, 512, 1536);
        bus.read(BUF + 0x20000, back, 2048, 2048);
        assertArrayEquals(data, back);
        drv.setPort(0, AhciPort.IS, -1);

        // 28-bit READ DMA of the last sector, and a PRDT larger than needed
        drv.issue(0, 3, h2d(SataDisk.ATA_READ_DMA, SECTORS - 1, 1), false, new Prd(BUF, 8192, false));
        assertEquals(AhciPort.IS_DHRS, drv.await(0, 3));
        assertEquals(512, drv.prdbc(0, 3));
        assertArrayEquals(Arrays.copyOfRange(content, (SECTORS - 1) * 512, SECTORS * 512), ram(BUF, 512));
    }

    @Test
    void unsupportedCommandAbortsWithTaskFileError() throws IOException {
        boot(false);
        drv.startPort(0);
        drv.issue(0, 4, h2d(0xB0, 0, 0), false); // SMART: not implemented
        int is = drv.await(0, 4);
        assertEquals(AhciPort.IS_TFES | AhciPort.IS_DHRS, is);
        assertEquals(SataDisk.ERROR_ABRT << 8 | 0x51, drv.port(0, AhciPort.TFD), "ABRT, ERR");
        assertEquals(1 << 4, drv.port(0, AhciPort.CI), "failed slot stays issued");
        assertEquals(4, (drv.port(0, AhciPort.CMD) >>> 8) & 0x1F, "CCS names the failed slot");
        byte[] d2h = ram(drv.fb(0) + 0x40, 20);
        assertEquals(0x51, d2h[2] & 0xFF);
        assertEquals(SataDisk.ERROR_ABRT, d2h[3] & 0xFF);

        // the port is halted: a new command waits until software restarts the engine
        drv.issue(0, 5, h2d(SataDisk.ATA_FLUSH_CACHE_EXT, 0, 0), false);
        assertEquals(1 << 4 | 1 << 5, drv.port(0, AhciPort.CI));
        drv.stopPort(0);
        assertEquals(0, drv.port(0, AhciPort.CI), "clearing ST clears PxCI");
        drv.setPort(0, AhciPort.IS, -1);
        drv.setPort(0, AhciPort.CMD, drv.port(0, AhciPort.CMD) | AhciPort.CMD_ST);
        drv.issue(0, 5, h2d(SataDisk.ATA_FLUSH_CACHE_EXT, 0, 0), false);
        assertEquals(AhciPort.IS_DHRS, drv.await(0, 5));

        // a range beyond the capacity: IDNF
        drv.setPort(0, AhciPort.IS, -1);
        drv.issue(0, 6, h2d(SataDisk.ATA_READ_DMA_EXT, SECTORS - 1, 2), false, new Prd(BUF, 1024, false));
        assertEquals(AhciPort.IS_TFES | AhciPort.IS_DHRS, drv.await(0, 6));
        assertEquals(SataDisk.ERROR_IDNF << 8 | 0x51, drv.port(0, AhciPort.TFD));
    }

    @Test
    void writeToReadOnlyDiskAborts() throws IOException {
        boot(true);
        drv.startPort(0);
        bus.write(DATA, pattern(512, 9), 0, 512);
        drv.issue(0, 0, h2d(SataDisk.ATA_WRITE_DMA_EXT, 0, 1), true, new Prd(DATA, 512, false));
        assertEquals(AhciPort.IS_TFES | AhciPort.IS_DHRS, drv.await(0, 0));
        assertEquals(SataDisk.ERROR_ABRT << 8 | 0x51, drv.port(0, AhciPort.TFD));
        assertArrayEquals(content, Files.readAllBytes(image), "nothing written");
    }

    @Test
    void dmaOutsideRamIsHostBusFatal() throws IOException {
        boot(false);
        drv.startPort(0);
        // a PRD outside RAM
        drv.issue(0, 0, h2d(SataDisk.ATA_READ_DMA_EXT, 0, 1), false, new Prd(OUTSIDE_RAM, 512, false));
        assertEquals(AhciPort.IS_HBFS, drv.await(0, 0) & AhciPort.IS_HBFS);
        assertEquals(1, drv.port(0, AhciPort.CI), "failed slot stays issued");
        assertNotEquals(0, drv.port(0, AhciPort.CMD) & AhciPort.CMD_CR, "engine stays on until ST is cleared");
        drv.stopPort(0);
        drv.setPort(0, AhciPort.IS, -1);

        // a command table outside RAM
        drv.setPort(0, AhciPort.CMD, drv.port(0, AhciPort.CMD) | AhciPort.CMD_ST);
        drv.issueAt(0, 1, OUTSIDE_RAM, h2d(SataDisk.ATA_FLUSH_CACHE_EXT, 0, 0), false);
        assertEquals(AhciPort.IS_HBFS, drv.await(0, 1) & AhciPort.IS_HBFS);
        drv.stopPort(0);
        drv.setPort(0, AhciPort.IS, -1);

        // a PRDT smaller than the transfer: overflow
        drv.setPort(0, AhciPort.CMD, drv.port(0, AhciPort.CMD) | AhciPort.CMD_ST);
        drv.issue(0, 2, h2d(SataDisk.ATA_READ_DMA_EXT, 0, 2), false, new Prd(BUF, 512, false));
        assertEquals(AhciPort.IS_OFS, drv.await(0, 2) & AhciPort.IS_OFS);
        drv.stopPort(0);
        drv.setPort(0, AhciPort.IS, -1);

        // the emulator keeps working
        drv.setPort(0, AhciPort.CMD, drv.port(0, AhciPort.CMD) | AhciPort.CMD_ST);
        drv.issue(0, 3, h2d(SataDisk.ATA_READ_DMA_EXT, 0, 1), false, new Prd(BUF, 512, false));
        assertEquals(AhciPort.IS_DHRS, drv.await(0, 3));
        assertArrayEquals(Arrays.copyOf(content, 512), ram(BUF, 512));
    }

    @Test
    void softResetThroughDeviceControlFis() throws IOException {
        boot(false);
        drv.startPort(0);
        byte[] srst = new byte[20];
        srst[0] = 0x27;
        srst[15] = 0x04; // SRST, C clear: a device control FIS
        drv.issue(0, 0, srst, false);
        assertEquals(0, drv.await(0, 0) & AhciTestDriver.P_ERRORS);
        assertNotEquals(0, drv.port(0, AhciPort.TFD) & 0x80, "BSY while SRST is set");
        byte[] release = srst.clone();
        release[15] = 0;
        drv.issue(0, 1, release, false);
        drv.await(0, 1);
        assertEquals(0x150, drv.port(0, AhciPort.TFD), "signature status after reset");
        assertEquals(0x101, drv.port(0, AhciPort.SIG));
        byte[] fis = ram(drv.fb(0) + 0x40, 20);
        assertEquals(0x34, fis[0] & 0xFF);
        assertEquals(0, fis[1] & 0x40, "signature FIS has no I bit");
        assertEquals(0, drv.port(0, AhciPort.IS) & AhciPort.IS_DHRS);
    }

    @Test
    void severalSlotsAndTwoDisks() throws Exception {
        Path second = tmp.resolve("sata1.img");
        Files.write(second, new byte[64 * 512]);
        hba = new AhciController(new SataDisk(RawFileBackend.open(image, false), "A"),
                new SataDisk(RawFileBackend.open(second, false), "B"));
        m = Machine.builder().memory(32L << 20).device(SLOT, hba).build().powerOn();
        bus = m.bus();
        drv = new AhciTestDriver(m, SLOT);
        drv.probe();
        assertEquals(0b11, drv.hba(AhciController.REG_PI));
        drv.startPort(0);
        drv.startPort(1);
        // port 1: write sectors 0..3, one slot per sector, issued together
        byte[] data = pattern(4 * 512, 3);
        bus.write(DATA, data, 0, data.length);
        for (int s = 0; s < 4; s++) {
            long ct = drv.ctba(1, s);
            byte[] cfis = h2d(SataDisk.ATA_WRITE_DMA_EXT, s, 1);
            byte[] table = new byte[0x90];
            System.arraycopy(cfis, 0, table, 0, cfis.length);
            AhciTestDriver.put(table, 0x80, DATA + 512L * s);
            AhciTestDriver.put(table, 0x8C, 511);
            bus.write(ct, table, 0, table.length);
            byte[] h = new byte[32];
            AhciTestDriver.put(h, 0, 5 | 0x40 | 1 << 16);
            AhciTestDriver.put(h, 8, ct);
            bus.write(drv.clb(1) + 32L * s, h, 0, 32);
        }
        drv.setPort(1, AhciPort.CI, 0b1111);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (drv.port(1, AhciPort.CI) != 0) {
            assertTrue(System.nanoTime() < deadline);
            Thread.onSpinWait();
        }
        assertEquals(AhciPort.IS_DHRS, drv.port(1, AhciPort.IS));
        // port 0 read in parallel targets the other disk
        drv.issue(0, 7, h2d(SataDisk.ATA_READ_DMA_EXT, 0, 4), false, new Prd(BUF, 2048, false));
        assertEquals(AhciPort.IS_DHRS, drv.await(0, 7));
        assertArrayEquals(Arrays.copyOf(content, 2048), ram(BUF, 2048));
        drv.issue(1, 9, h2d(SataDisk.ATA_READ_DMA_EXT, 0, 4), false, new Prd(BUF, 2048, false));
        drv.await(1, 9);
        assertArrayEquals(data, ram(BUF, 2048));
        drv.issue(1, 10, h2d(SataDisk.ATA_IDENTIFY, 0, 0), false, new Prd(BUF, 512, false));
        drv.await(1, 10);
        byte[] id = ram(BUF, 512);
        assertEquals(64, (id[200] & 0xFF) | (id[201] & 0xFF) << 8, "port 1 capacity, word 100");
        assertEquals(0, drv.port(0, AhciPort.IS) & AhciTestDriver.P_ERRORS);
    }

    // ---- interrupts -----------------------------------------------------------------------

    @Test
    void interruptStatusWriteOneToClearAndIntx() throws IOException {
        boot(false);
        drv.startPort(0);
        drv.setPort(0, AhciPort.IE, AhciPort.IS_DHRS | AhciPort.IS_TFES);
        drv.issue(0, 0, h2d(SataDisk.ATA_FLUSH_CACHE_EXT, 0, 0), false);
        drv.await(0, 0);
        assertEquals(1, drv.hba(AhciController.REG_IS), "port 0 pending");
        assertEquals(0, drv.cfgRead(PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT, "GHC.IE clear: no INTx");
        drv.setHba(AhciController.REG_GHC, AhciController.GHC_IE);
        assertNotEquals(0, drv.cfgRead(PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT, "INTx asserted");
        drv.setHba(AhciController.REG_IS, 1);
        assertEquals(1, drv.hba(AhciController.REG_IS), "set again while PxIS & PxIE");
        drv.setPort(0, AhciPort.IS, AhciPort.IS_PSS);
        assertEquals(AhciPort.IS_DHRS, drv.port(0, AhciPort.IS), "write 1 clears only the written bits");
        drv.setPort(0, AhciPort.IS, AhciPort.IS_DHRS);
        assertEquals(0, drv.port(0, AhciPort.IS));
        drv.setHba(AhciController.REG_IS, 1);
        assertEquals(0, drv.hba(AhciController.REG_IS));
        assertEquals(0, drv.cfgRead(PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT, "INTx deasserted");

        // a status bit that is not enabled does not interrupt
        drv.issue(0, 1, h2d(SataDisk.ATA_IDENTIFY, 0, 0), false, new Prd(BUF, 512, false));
        assertEquals(AhciPort.IS_PSS, drv.await(0, 1));
        assertEquals(0, drv.hba(AhciController.REG_IS));
        drv.setPort(0, AhciPort.IE, AhciPort.IS_PSS);
        assertEquals(1, drv.hba(AhciController.REG_IS), "enabling a pending status bit raises it");
    }

    @Test
    void msiDelivery() throws Exception {
        boot(false);
        drv.cfgWrite(drv.msiCap + 4, 4, 0xFEE0_0000L);
        drv.cfgWrite(drv.msiCap + 8, 4, 0);
        drv.cfgWrite(drv.msiCap + 12, 2, MSI_VECTOR);
        drv.cfgWrite(drv.msiCap + 2, 2, 1);
        assertEquals(0x81, drv.cfgRead(drv.msiCap + 2, 2));
        drv.startPort(0);
        drv.setPort(0, AhciPort.IE, AhciPort.IS_DHRS);
        drv.setHba(AhciController.REG_GHC, AhciController.GHC_IE);
        drv.issue(0, 0, h2d(SataDisk.ATA_FLUSH_CACHE_EXT, 0, 0), false);
        assertEquals(MSI_VECTOR, m.lapic(0).acceptInterrupt(5_000_000_000L));
        m.lapic(0).eoi();
        assertEquals(0, drv.cfgRead(PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT, "no INTx with MSI");
        assertEquals(1, hba.messagesSent());
        drv.setPort(0, AhciPort.IS, -1);
        drv.setHba(AhciController.REG_IS, -1);
        drv.issue(0, 1, h2d(SataDisk.ATA_FLUSH_CACHE_EXT, 0, 0), false);
        assertEquals(MSI_VECTOR, m.lapic(0).acceptInterrupt(5_000_000_000L));
        assertEquals(2, hba.messagesSent());
    }
}
