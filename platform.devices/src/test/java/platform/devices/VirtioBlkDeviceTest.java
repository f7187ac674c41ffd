package platform.devices;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.virtio.VirtioPciFunction;
import platform.pc.Machine;
import platform.pc.PhysicalBus;

class VirtioBlkDeviceTest {
    static final long F_VERSION_1 = 1L << 32;
    static final long FEATURES = F_VERSION_1 | (1L << VirtioBlkDevice.F_SEG_MAX) | (1L << VirtioBlkDevice.F_BLK_SIZE)
            | (1L << VirtioBlkDevice.F_FLUSH);
    static final int SECTORS = 2048;

    @TempDir
    Path tmp;
    Path image;
    byte[] content;
    Machine m;
    MiniVirtioDriver drv;
    PhysicalBus bus;

    @BeforeEach
    void setUp() throws IOException {
        content = new byte[SECTORS * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + (i >> 9));
        }
        image = tmp.resolve("disk.img");
        Files.write(image, content);
    }

    void boot(boolean readOnly) {
        m = Machines.build(MachineConfig.defaults().withMemory("32M").withDisk(image, readOnly));
        bus = m.bus();
        drv = new MiniVirtioDriver(m, Machines.FIRST_DISK_SLOT);
    }

    @AfterEach
    void tearDown() {
        if (m != null) {
            m.close();
        }
    }

    VirtioBlkDevice dev() {
        return (VirtioBlkDevice) m.pci().function(0, Machines.FIRST_DISK_SLOT, 0);
    }

    byte[] ram(long addr, int len) {
        return TestMemory.read(bus, addr, len);
    }

    @Test
    void pciIdentityAndDeviceConfig() {
        boot(false);
        assertEquals(0x1042_1AF4L, drv.cfgRead(0, 4));
        assertEquals(0x01, drv.cfgRead(0x08, 1), "revision 1 (modern)");
        assertEquals(0x0100, drv.cfgRead(0x0A, 2), "storage class");
        assertEquals(0x1AF4, drv.cfgRead(0x2C, 2));
        assertTrue(drv.cfgRead(0x2E, 2) >= 0x40);
        assertEquals(0, drv.cfgRead(0x04, 2), "firmware leaves decoding off");
        drv.probe();
        assertEquals(4, drv.notifyMultiplier);
        assertTrue(drv.caps.containsKey(5), "PCI_CFG capability present");
        long f = drv.deviceFeatures();
        assertEquals(FEATURES, f);
        assertEquals(SECTORS, bus.read(drv.device, 8), "capacity");
        assertEquals(254, bus.read(drv.device + 0x0C, 4), "seg_max");
        assertEquals(512, bus.read(drv.device + 0x14, 4), "blk_size");
        assertEquals(1, drv.read(0x12, 2), "num_queues");
        // the PCI_CFG window reaches the same registers
        long[] pcfg = drv.caps.get(5);
        int cap = (int) pcfg[3];
        drv.cfgWrite(cap + 4, 1, 4);
        drv.cfgWrite(cap + 8, 4, VirtioPciFunction.DEVICE_OFFSET);
        drv.cfgWrite(cap + 12, 4, 4);
        assertEquals(SECTORS, drv.cfgRead(cap + 16, 4));
    }

    @Test
    void readWriteFlushGetIdWithMsix() throws Exception {
        boot(false);
        drv.init(FEATURES, 16);
        assertEquals(FEATURES, dev().negotiatedFeatures());

        // read 8 sectors starting at sector 3
        drv.blkRequest(VirtioBlkDevice.T_IN, 3, MiniVirtioDriver.DATA, 4096, true);
        long[] used = drv.awaitUsed();
        assertEquals(0, used[0], "id = head");
        assertEquals(4097, used[1], "data + status written");
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
        assertArrayEquals(Arrays.copyOfRange(content, 3 * 512, 3 * 512 + 4096), ram(MiniVirtioDriver.DATA, 4096));

        // write 2 sectors at sector 10
        byte[] data = new byte[1024];
        Arrays.fill(data, (byte) 0xA5);
        bus.write(MiniVirtioDriver.DATA, data, 0, data.length);
        drv.blkRequest(VirtioBlkDevice.T_OUT, 10, MiniVirtioDriver.DATA, 1024, false);
        used = drv.awaitUsed();
        assertEquals(1, used[1]);
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());

        drv.blkRequest(VirtioBlkDevice.T_FLUSH, 0, 0, 0, false);
        drv.awaitUsed();
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
        byte[] file = Files.readAllBytes(image);
        assertArrayEquals(data, Arrays.copyOfRange(file, 10 * 512, 11 * 512 + 512));
        assertArrayEquals(Arrays.copyOfRange(content, 0, 10 * 512), Arrays.copyOfRange(file, 0, 10 * 512));

        // read it back through the device
        bus.write(MiniVirtioDriver.DATA, new byte[1024], 0, 1024);
        drv.blkRequest(VirtioBlkDevice.T_IN, 10, MiniVirtioDriver.DATA, 1024, true);
        drv.awaitUsed();
        assertArrayEquals(data, ram(MiniVirtioDriver.DATA, 1024));

        // GET_ID
        drv.blkRequest(VirtioBlkDevice.T_GET_ID, 0, MiniVirtioDriver.DATA, 20, true);
        used = drv.awaitUsed();
        assertEquals(21, used[1]);
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
        String id = new String(ram(MiniVirtioDriver.DATA, 20), StandardCharsets.US_ASCII).replace("\0", "");
        assertEquals("KESTREL-DISK0", id);

        // unknown request type
        drv.blkRequest(99, 0, MiniVirtioDriver.DATA, 512, true);
        drv.awaitUsed();
        assertEquals(VirtioBlkDevice.S_UNSUPP, drv.blkStatus());

        assertEquals(6, dev().requestsCompleted());
        assertEquals(0, dev().protocolErrors());
        assertEquals(0, drv.status() & MiniVirtioDriver.NEEDS_RESET);
    }

    @Test
    void multiDescriptorDataAndManyRequestsWrapTheRing() throws Exception {
        boot(false);
        drv.init(FEATURES, 4);
        for (int round = 0; round < 10; round++) {
            int sector = round * 7;
            long hdr = MiniVirtioDriver.DATA - 0x100;
            bus.write(hdr, 4, VirtioBlkDevice.T_IN);
            bus.write(hdr + 8, 8, sector);
            // data split across two descriptors of 512 and 1024 bytes at unrelated addresses
            drv.desc(0, hdr, 16, 1, 1);
            drv.desc(1, 0x30_0000, 512, 3, 2);
            drv.desc(2, 0x40_0000, 1024, 3, 3);
            drv.desc(3, MiniVirtioDriver.DATA - 0x10, 1, 2, 0);
            drv.submit(0);
            long[] used = drv.awaitUsed();
            assertEquals(1537, used[1]);
            assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
            int b = sector * 512;
            assertArrayEquals(Arrays.copyOfRange(content, b, b + 512), ram(0x30_0000, 512));
            assertArrayEquals(Arrays.copyOfRange(content, b + 512, b + 1536), ram(0x40_0000, 1024));
        }
    }

    @Test
    void requestBeyondCapacityAndUnalignedLengthAreIoErrors() throws Exception {
        boot(false);
        drv.init(FEATURES, 16);
        drv.blkRequest(VirtioBlkDevice.T_IN, SECTORS - 1, MiniVirtioDriver.DATA, 1024, true);
        assertEquals(1, drv.awaitUsed()[1]);
        assertEquals(VirtioBlkDevice.S_IOERR, drv.blkStatus());
        drv.blkRequest(VirtioBlkDevice.T_OUT, Long.MAX_VALUE, MiniVirtioDriver.DATA, 512, false);
        drv.awaitUsed();
        assertEquals(VirtioBlkDevice.S_IOERR, drv.blkStatus());
        drv.blkRequest(VirtioBlkDevice.T_IN, 0, MiniVirtioDriver.DATA, 100, true);
        drv.awaitUsed();
        assertEquals(VirtioBlkDevice.S_IOERR, drv.blkStatus());
        // the last sector itself is fine
        drv.blkRequest(VirtioBlkDevice.T_IN, SECTORS - 1, MiniVirtioDriver.DATA, 512, true);
        drv.awaitUsed();
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
        assertEquals(0, drv.status() & MiniVirtioDriver.NEEDS_RESET);
    }

    @Test
    void writeToReadOnlyDiskIsIoError() throws Exception {
        boot(true);
        drv.probe();
        long f = drv.deviceFeatures();
        assertNotEquals(0, f & (1L << VirtioBlkDevice.F_RO));
        drv.init(f, 16);
        drv.blkRequest(VirtioBlkDevice.T_OUT, 0, MiniVirtioDriver.DATA, 512, false);
        drv.awaitUsed();
        assertEquals(VirtioBlkDevice.S_IOERR, drv.blkStatus());
        assertArrayEquals(content, Files.readAllBytes(image));
        drv.blkRequest(VirtioBlkDevice.T_IN, 0, MiniVirtioDriver.DATA, 512, true);
        drv.awaitUsed();
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
    }

    @Test
    void featureNegotiationRules() {
        boot(false);
        drv.probe();
        assertFalse(drv.negotiate(FEATURES | (1L << 28)), "INDIRECT_DESC was not offered");
        assertFalse(drv.negotiate(FEATURES & ~F_VERSION_1), "VERSION_1 is mandatory");
        assertTrue(drv.negotiate(F_VERSION_1));
        // after FEATURES_OK, driver features are frozen
        drv.write(0x08, 4, 0);
        drv.write(0x0C, 4, 0xFFFF_FFFFL);
        assertEquals(0, drv.read(0x0C, 4));
        // reset clears everything
        drv.write(0x14, 1, 0);
        assertEquals(0, drv.status());
        assertEquals(0, dev().negotiatedFeatures());
    }

    @Test
    void badQueueSizeAndVectorWritesAreRejected() {
        boot(false);
        drv.probe();
        assertTrue(drv.negotiate(FEATURES));
        drv.write(0x16, 2, 0);
        for (int bad : new int[] {0, 100, 512, 3}) {
            drv.write(0x18, 2, bad);
            assertEquals(256, drv.read(0x18, 2), "size " + bad + " ignored");
        }
        drv.write(0x18, 2, 64);
        assertEquals(64, drv.read(0x18, 2));
        drv.write(0x1A, 2, 7); // only 2 MSI-X vectors
        assertEquals(0xFFFF, drv.read(0x1A, 2));
        drv.write(0x10, 2, 2);
        assertEquals(0xFFFF, drv.read(0x10, 2));
        drv.write(0x16, 2, 5); // no such queue
        assertEquals(0, drv.read(0x18, 2));
        drv.write(0x12, 2, 9); // num_queues is read-only
        assertEquals(1, drv.read(0x12, 2));
        assertTrue(dev().ignoredWrites() >= 5);
    }

    @Test
    void descriptorOutsideRamSetsNeedsReset() throws Exception {
        boot(false);
        drv.init(FEATURES, 16);
        drv.blkRequest(VirtioBlkDevice.T_IN, 0, 0xD000_0000L, 512, true); // PCI hole
        assertEquals(MiniVirtioDriver.CONFIG_VECTOR, m.lapic(0).acceptInterrupt(5_000_000_000L));
        m.lapic(0).eoi();
        assertNotEquals(0, drv.status() & MiniVirtioDriver.NEEDS_RESET);
        assertTrue(dev().lastError().contains("outside RAM"), dev().lastError());
        assertEquals(0, bus.read(MiniVirtioDriver.USED + 2, 2), "nothing completed");
        // further notifications are ignored until reset
        drv.submit(0);
        assertEquals(-1, m.lapic(0).acceptInterrupt(50_000_000L));
        // reset and re-initialise: the device works again
        drv.availIdx = 0;
        drv.usedSeen = 0;
        bus.write(MiniVirtioDriver.AVAIL + 2, 2, 0);
        bus.write(MiniVirtioDriver.USED + 2, 2, 0);
        drv.init(FEATURES, 16);
        drv.blkRequest(VirtioBlkDevice.T_IN, 0, MiniVirtioDriver.DATA, 512, true);
        drv.awaitUsed();
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
    }

    @Test
    void loopingChainSetsNeedsResetWithoutHanging() throws Exception {
        boot(false);
        drv.init(FEATURES, 16);
        drv.desc(0, MiniVirtioDriver.DATA - 0x100, 16, 1, 1);
        drv.desc(1, MiniVirtioDriver.DATA, 512, 1, 0); // back to 0: a loop
        drv.submit(0);
        assertEquals(MiniVirtioDriver.CONFIG_VECTOR, m.lapic(0).acceptInterrupt(5_000_000_000L));
        assertNotEquals(0, drv.status() & MiniVirtioDriver.NEEDS_RESET);
        assertTrue(dev().lastError().contains("loop"), dev().lastError());
    }

    @Test
    void otherMalformedChainsSetNeedsReset() throws Exception {
        String[] expected = {"out of range", "out of range", "INDIRECT", "readable descriptor after", "header"};
        for (int c = 0; c < expected.length; c++) {
            boot(false);
            drv.init(FEATURES, 16);
            long hdr = MiniVirtioDriver.DATA - 0x100;
            switch (c) {
                case 0 -> {
                    bus.write(MiniVirtioDriver.AVAIL + 4, 2, 40); // head >= queue size
                    bus.write(MiniVirtioDriver.AVAIL + 2, 2, 1);
                    bus.write(drv.notifyBase, 2, 0);
                }
                case 1 -> {
                    drv.desc(0, hdr, 16, 1, 99);
                    drv.submit(0);
                }
                case 2 -> {
                    drv.desc(0, hdr, 16, 4, 0);
                    drv.submit(0);
                }
                case 3 -> {
                    drv.desc(0, hdr, 16, 3, 1);
                    drv.desc(1, hdr + 16, 1, 0, 0);
                    drv.submit(0);
                }
                default -> {
                    drv.desc(0, hdr, 8, 0, 0); // short header, no status byte
                    drv.submit(0);
                }
            }
            assertEquals(MiniVirtioDriver.CONFIG_VECTOR, m.lapic(0).acceptInterrupt(5_000_000_000L), "case " + c);
            assertNotEquals(0, drv.status() & MiniVirtioDriver.NEEDS_RESET);
            assertTrue(dev().lastError().contains(expected[c]), dev().lastError());
            m.close();
            m = null;
        }
    }

    @Test
    void ringsOutsideRamSetNeedsReset() {
        boot(false);
        drv.probe();
        assertTrue(drv.negotiate(FEATURES));
        drv.write(0x16, 2, 0);
        drv.write(0x20, 8, 0xC000_0000L);
        drv.write(0x28, 8, MiniVirtioDriver.AVAIL);
        drv.write(0x30, 8, MiniVirtioDriver.USED);
        drv.write(0x1C, 2, 1);
        assertEquals(0, drv.read(0x1C, 2));
        assertNotEquals(0, drv.status() & MiniVirtioDriver.NEEDS_RESET);
    }

    @Test
    void noInterruptFlagSuppressesTheInterrupt() throws Exception {
        boot(false);
        drv.init(FEATURES, 16);
        bus.write(MiniVirtioDriver.AVAIL, 2, 1); // VIRTQ_AVAIL_F_NO_INTERRUPT
        drv.blkRequest(VirtioBlkDevice.T_IN, 0, MiniVirtioDriver.DATA, 512, true);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (bus.read(MiniVirtioDriver.USED + 2, 2) != 1 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(1, bus.read(MiniVirtioDriver.USED + 2, 2));
        assertEquals(-1, m.lapic(0).acceptInterrupt(50_000_000L));
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
    }

    @Test
    void withoutMsixTheIsrAndIntxAreUsed() throws Exception {
        boot(false);
        drv.probe();
        assertTrue(drv.negotiate(FEATURES));
        drv.setupQueue(16);
        drv.driverOk();
        drv.blkRequest(VirtioBlkDevice.T_IN, 0, MiniVirtioDriver.DATA, 512, true);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (bus.read(drv.isr, 1) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(0, bus.read(drv.isr, 1), "ISR is read-to-clear");
        assertEquals(1, dev().intxInterrupts());
        assertEquals(VirtioBlkDevice.S_OK, drv.blkStatus());
    }

    private static java.util.Set<Thread> workers() {
        java.util.Set<Thread> s = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("virtio-blk") && t.isAlive()) {
                s.add(t);
            }
        }
        return s;
    }

    @Test
    void closeStopsTheWorkerThread() throws Exception {
        java.util.Set<Thread> before = workers();
        boot(false);
        drv.init(FEATURES, 16);
        drv.blkRequest(VirtioBlkDevice.T_IN, 0, MiniVirtioDriver.DATA, 512, true);
        drv.awaitUsed();
        java.util.Set<Thread> mine = workers();
        mine.removeAll(before);
        assertFalse(mine.isEmpty(), "the device has a worker thread");
        m.close();
        m.close();
        for (Thread t : mine) {
            t.join(5000);
            assertFalse(t.isAlive(), "worker thread still running after close");
        }
        m = null;
    }

    @Test
    void aBatchOfRequestsWithOneNotification() throws Exception {
        boot(false);
        drv.init(FEATURES, 8);
        for (int r = 0; r < 2; r++) { // two chains at heads 0 and 3
            long hdr = 0x50_0000 + 0x100L * r;
            bus.write(hdr, 4, VirtioBlkDevice.T_IN);
            bus.write(hdr + 8, 8, r);
            drv.desc(3 * r, hdr, 16, 1, 3 * r + 1);
            drv.desc(3 * r + 1, 0x60_0000 + 512L * r, 512, 3, 3 * r + 2);
            drv.desc(3 * r + 2, hdr + 0x80, 1, 2, 0);
        }
        // published together, one notification
        bus.write(MiniVirtioDriver.AVAIL + 4, 2, 0);
        bus.write(MiniVirtioDriver.AVAIL + 6, 2, 3);
        bus.write(MiniVirtioDriver.AVAIL + 2, 2, 2);
        bus.write(drv.notifyBase, 2, 0);
        assertEquals(MiniVirtioDriver.QUEUE_VECTOR, m.lapic(0).acceptInterrupt(5_000_000_000L));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (bus.read(MiniVirtioDriver.USED + 2, 2) != 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(2, bus.read(MiniVirtioDriver.USED + 2, 2));
        assertEquals(0, bus.read(MiniVirtioDriver.USED + 4, 4), "first used id");
        assertEquals(3, bus.read(MiniVirtioDriver.USED + 12, 4), "second used id");
        for (int r = 0; r < 2; r++) {
            assertEquals(VirtioBlkDevice.S_OK, bus.read(0x50_0000 + 0x100L * r + 0x80, 1));
            assertArrayEquals(Arrays.copyOfRange(content, 512 * r, 512 * r + 512), ram(0x60_0000 + 512L * r, 512));
        }
    }
}
