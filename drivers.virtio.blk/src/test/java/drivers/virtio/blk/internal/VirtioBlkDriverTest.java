package drivers.virtio.blk.internal;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import platform.devices.VirtioBlkDevice;

/** Probe, I/O, limits, read-only disks, naming, concurrency and removal of virtio-blk disks. */
class VirtioBlkDriverTest extends BlkFixture {
    @Test
    void probeRegistersDiskWithGeometry() throws Exception {
        VirtioBlkDisk vda = probe(0);
        assertEquals(List.of("vda"), registrar.names());
        assertEquals("vda", vda.name());
        assertEquals(512, vda.sectorSize());
        assertEquals(RW_BYTES / 512, vda.sectorCount());
        assertFalse(vda.readOnly());
        assertTrue(vda.canFlush());
        assertEquals(2, vda.vectors().size(), "MSI-X vectors for configuration changes and the request queue");
        assertEquals(List.of("virtio-blk vda-0", "virtio-blk vda-1"),
                hal.interrupts().lines().stream().map(l -> l.name()).toList());
        VirtioBlkDevice model = (VirtioBlkDevice) machine.pci().function(0, 4, 0);
        assertEquals(0x4, model.deviceStatus() & 0x4, "DRIVER_OK");
    }

    @Test
    void readsMatchTheImageAndInterruptsArrive() throws Exception {
        VirtioBlkDisk vda = probe(0);
        byte[] image = Files.readAllBytes(rwImage);
        long irqs = vda.vectors().get(1).count();
        byte[] buf = new byte[8 * 512];
        vda.read(0, buf, 0, 8);
        assertArrayEquals(Arrays.copyOfRange(image, 0, 4096), buf);
        Random r = new Random(42);
        for (int i = 0; i < 50; i++) {
            int sector = r.nextInt(RW_BYTES / 512 - 3);
            byte[] b = new byte[3 * 512 + 100];
            vda.read(sector, b, 100, 3);
            assertArrayEquals(Arrays.copyOfRange(image, sector * 512, sector * 512 + 1536), Arrays.copyOfRange(b, 100, b.length),
                    "sector " + sector);
        }
        // the driver never polls: only interrupts complete requests (back-to-back MSIs may coalesce in the APIC)
        assertTrue(vda.vectors().get(1).count() > irqs, "request-queue interrupts arrived");
    }

    @Test
    void writesReachTheImageAndReadBack() throws Exception {
        VirtioBlkDisk vda = probe(0);
        byte[] data = pattern(5 * 512, 99);
        vda.write(1000, data, 0, 5);
        vda.flush();
        byte[] back = new byte[5 * 512];
        vda.read(1000, back, 0, 5);
        assertArrayEquals(data, back);
        byte[] image = Files.readAllBytes(rwImage);
        assertArrayEquals(data, Arrays.copyOfRange(image, 1000 * 512, 1005 * 512), "the image file changed");
        assertArrayEquals(Arrays.copyOfRange(pattern(RW_BYTES, 1), 999 * 512, 1000 * 512),
                Arrays.copyOfRange(image, 999 * 512, 1000 * 512), "neighbours untouched");
    }

    @Test
    void largeReadsAreSplitIntoMultiSegmentRequests() throws Exception {
        VirtioBlkDisk vda = probe(0);
        assertEquals(32, vda.maxSegments(), "seg_max offered by the device, capped by the driver");
        assertEquals(4096, vda.segmentBytes());
        assertEquals(128 * 1024, vda.maxRequestBytes());
        long before = vda.requestsIssued();
        byte[] all = new byte[RW_BYTES];
        vda.read(0, all, 0, RW_BYTES / 512);
        assertArrayEquals(Files.readAllBytes(rwImage), all);
        assertEquals(RW_BYTES / (128 * 1024), vda.requestsIssued() - before);

        byte[] big = pattern(300 * 1024, 5); // 600 sectors: 128K + 128K + 44K
        vda.write(17, big, 0, big.length / 512);
        byte[] back = new byte[big.length];
        vda.read(17, back, 0, back.length / 512);
        assertArrayEquals(big, back);
    }

    @Test
    void outOfRangeRequestsFailClearly() throws Exception {
        VirtioBlkDisk vda = probe(0);
        long n = vda.sectorCount();
        byte[] buf = new byte[1024];
        IOException e = assertThrows(IOException.class, () -> vda.read(n - 1, buf, 0, 2));
        assertTrue(e.getMessage().contains("outside the disk"), e.getMessage());
        assertTrue(e.getMessage().startsWith("vda: "), e.getMessage());
        assertThrows(IOException.class, () -> vda.read(-1, buf, 0, 1));
        assertThrows(IOException.class, () -> vda.write(n, buf, 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> vda.read(0, buf, 600, 1));
        vda.read(n - 2, buf, 0, 2); // the last two sectors are fine
        vda.read(n, buf, 0, 0);
    }

    @Test
    void readOnlyDiskRefusesWrites() throws Exception {
        probe(0);
        VirtioBlkDisk vdb = probe(1);
        assertEquals("vdb", vdb.name());
        assertTrue(vdb.readOnly());
        byte[] buf = new byte[512];
        IOException e = assertThrows(IOException.class, () -> vdb.write(0, buf, 0, 1));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        vdb.read(3, buf, 0, 1);
        assertArrayEquals(Arrays.copyOfRange(pattern(RO_BYTES, 2), 1536, 2048), buf);
        assertArrayEquals(pattern(RO_BYTES, 2), Files.readAllBytes(roImage));
    }

    @Test
    void removeLeavesNothingBehind() throws Exception {
        VirtioBlkDisk vda = probe(0);
        probe(1);
        assertEquals(List.of("vda", "vdb"), registrar.names());
        assertTrue(dma.liveBuffers() > 0);
        driver.remove(devices.get(0));
        driver.remove(devices.get(1));
        assertEquals(List.of(), registrar.names());
        assertEquals(0, dma.liveBuffers(), "every DMA buffer freed");
        assertEquals(0, dma.allocatedBytes());
        assertTrue(hal.interrupts().lines().isEmpty(), "no IRQ vector left");
        VirtioBlkDevice model = (VirtioBlkDevice) machine.pci().function(0, 4, 0);
        assertEquals(0, model.deviceStatus(), "device reset");
        assertFalse(model.msix().enabled());
        IOException e = assertThrows(IOException.class, () -> vda.read(0, new byte[512], 0, 1));
        assertTrue(e.getMessage().contains("removed"), e.getMessage());
        driver.remove(devices.get(0)); // unknown device: nothing happens
    }

    @Test
    void namesReuseTheLowestFreeLetter() throws Exception {
        probe(0);
        probe(1);
        driver.remove(devices.get(0));
        assertEquals(List.of("vdb"), registrar.names());
        probe(0);
        assertEquals("vda", driver.disk(devices.get(0)).name());
        assertThrows(IllegalStateException.class, () -> driver.probe(devices.get(0)));
    }

    @Test
    void concurrentReadersAndWriters() throws Exception {
        VirtioBlkDisk vda = probe(0);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int region = t * 1024; // sectors: each thread owns 512 KiB
                int seed = 10 + t;
                jobs.add(pool.submit(() -> {
                    byte[] mine = pattern(64 * 512, seed);
                    for (int round = 0; round < 10; round++) {
                        vda.write(region + round * 64, mine, 0, 64);
                        byte[] back = new byte[64 * 512];
                        vda.read(region + round * 64, back, 0, 64);
                        assertArrayEquals(mine, back);
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void failedProbeReleasesEverything() throws Exception {
        DiskRegistrar refusing = disk -> {
            throw new IllegalStateException("registry closed");
        };
        VirtioBlkDriver d = new VirtioBlkDriver(dma, hal.interrupts(), refusing);
        assertThrows(IllegalStateException.class, () -> d.probe(devices.get(0)));
        assertEquals(0, dma.liveBuffers());
        assertTrue(hal.interrupts().lines().isEmpty());
        probe(0); // and the device still works for the next driver
        assertEquals(List.of("vda"), registrar.names());
    }

    @Test
    void deviceNeedingResetFailsRequestsAtOnce() throws Exception {
        VirtioBlkDisk vda = probe(0);
        vda.timeout(TimeUnit.SECONDS.toNanos(10));
        kernel.mm.DmaBuffer junk = dma.allocate(4096, "junk");
        // a chain too short for a request header: the device flags DEVICE_NEEDS_RESET
        assertTrue(vda.queue().add(new long[] {junk.phys(), junk.phys() + 64}, new int[] {4, 1}, 1, 1, "bogus"));
        vda.queue().kick();
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> vda.read(0, new byte[512], 0, 1));
        assertTrue(e.getMessage().contains("needs a reset"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "failed by the config interrupt, not by the timeout");
        assertThrows(IOException.class, () -> vda.write(0, new byte[512], 0, 1));
        assertTrue(vda.vectors().get(0).count() >= 1, "configuration interrupt arrived");
        junk.close();
        driver.remove(devices.get(0));
        assertEquals(0, dma.liveBuffers());
        probe(0); // rebinding resets the device: it works again
        byte[] buf = new byte[512];
        driver.disk(devices.get(0)).read(0, buf, 0, 1);
        assertArrayEquals(Arrays.copyOf(pattern(RW_BYTES, 1), 512), buf);
    }
}
