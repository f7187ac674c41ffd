package drivers.virtio;

import static org.junit.jupiter.api.Assertions.*;

import drivers.pci.PciBus;
import drivers.pci.PciDevice;
import drivers.pci.PciId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import kernel.core.hal.IrqVector;
import kernel.core.hal.MachineHal;
import kernel.mm.DmaAllocator;
import kernel.mm.DmaBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.MachineConfig;
import platform.devices.Machines;
import platform.devices.VirtioBlkDevice;
import platform.pc.Machine;

/**
 * The modern virtio PCI transport against the emulated virtio-blk device: bring-up, feature
 * negotiation, a queue carrying real requests with MSI-X completions, and teardown.
 */
class VirtioPciDeviceTest {
    static final long VIRTIO_BLK_F_FLUSH = 1L << 9;
    static final long VIRTIO_BLK_F_SEG_MAX = 1L << 2;

    @TempDir
    Path tmp;
    Path image;
    Machine machine;
    MachineHal hal;
    DmaAllocator dma;
    PciDevice pci;
    VirtioBlkDevice model;

    @BeforeEach
    void boot() throws Exception {
        image = tmp.resolve("disk.img");
        byte[] content = new byte[64 * 1024];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7 + i / 512);
        }
        Files.write(image, content);
        machine = Machines.build(MachineConfig.defaults().withMemory(64L << 20).withDisk(image, false));
        hal = new MachineHal(machine);
        hal.start();
        dma = DmaAllocator.forMachine(hal, "test");
        pci = PciBus.enumerate(hal).find(PciId.of(0x1AF4, 0x1042)).get(0);
        model = (VirtioBlkDevice) machine.pci().function(0, 4, 0);
    }

    @AfterEach
    void powerOff() {
        hal.stop();
        machine.close();
    }

    @Test
    void bringUpNegotiateAndTearDown() throws Exception {
        VirtioPciDevice dev = VirtioPciDevice.open(pci, dma, "test");
        assertEquals(Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_DRIVER, dev.status());
        long offered = dev.deviceFeatures();
        assertNotEquals(0, offered & Virtio.bit(Virtio.F_VERSION_1));
        long got = dev.negotiate(VIRTIO_BLK_F_FLUSH | (1L << 40)); // an unoffered bit is dropped
        assertEquals(Virtio.bit(Virtio.F_VERSION_1) | VIRTIO_BLK_F_FLUSH, got);
        assertEquals(got, model.negotiatedFeatures());
        assertTrue(dev.hasFeature(9));
        assertFalse(dev.hasFeature(2));
        assertEquals(Virtio.STATUS_FEATURES_OK, dev.status() & Virtio.STATUS_FEATURES_OK);
        assertEquals(model.capacity(), dev.readConfig64(0));
        assertEquals(1, dev.numQueues());

        List<IrqVector> v = dev.enableMsix(List.of(x -> { }));
        dev.setConfigVector(Virtio.NO_VECTOR);
        Virtqueue q = dev.setupQueue(0, 64, 0);
        assertEquals(64, q.size());
        assertThrows(VirtioException.class, () -> dev.setupQueue(0, 64, 0), "already enabled");
        assertThrows(VirtioException.class, () -> dev.setupQueue(1, 64, 0), "no such queue");
        dev.driverOk();
        assertEquals(Virtio.STATUS_DRIVER_OK, dev.status() & Virtio.STATUS_DRIVER_OK);
        assertEquals(1, dma.liveBuffers());
        assertEquals(1, v.size());

        dev.close();
        assertEquals(0, model.deviceStatus(), "reset");
        assertEquals(0, dma.liveBuffers(), "rings freed");
        assertTrue(hal.interrupts().lines().isEmpty(), "vector freed");
        assertFalse(machine.pci().function(0, 4, 0).busMasterEnabled());
        dev.close(); // idempotent
    }

    @Test
    void msixVectorBeyondTableIsRefused() throws Exception {
        VirtioPciDevice dev = VirtioPciDevice.open(pci, dma, "test");
        dev.negotiate(0);
        dev.enableMsix(List.of(x -> { }));
        assertThrows(VirtioException.class, () -> dev.setConfigVector(7));
        assertThrows(VirtioException.class, () -> dev.setupQueue(0, 64, 9));
        assertEquals(0, dma.liveBuffers(), "a refused queue frees its rings");
        dev.close();
        assertTrue(hal.interrupts().lines().isEmpty());
    }

    /** Runs real virtio-blk requests (read sector, GET_ID) through a queue, completed by MSI-X. */
    @Test
    void requestsCompleteThroughInterrupts() throws Exception {
        VirtioPciDevice dev = VirtioPciDevice.open(pci, dma, "test");
        dev.negotiate(VIRTIO_BLK_F_SEG_MAX);
        BlockingQueue<Object> done = new ArrayBlockingQueue<>(16);
        Virtqueue[] queue = new Virtqueue[1];
        List<IrqVector> v = dev.enableMsix(List.of(x -> queue[0].harvest((token, len) -> done.add(token))));
        queue[0] = dev.setupQueue(0, 16, 0);
        Virtqueue q = queue[0];
        dev.driverOk();

        DmaBuffer buf = dma.allocate(4096, "req");
        // read sector 1 into two 256-byte segments: header | data | data | status
        buf.put32(0, 0);
        buf.put64(8, 1);
        buf.put8(1024, 0xFF);
        long p = buf.phys();
        assertTrue(q.add(new long[] {p, p + 512, p + 768, p + 1024}, new int[] {16, 256, 256, 1}, 1, 3, "read"));
        q.kick();
        assertEquals("read", done.poll(5, TimeUnit.SECONDS));
        assertEquals(0, buf.get8(1024), "VIRTIO_BLK_S_OK");
        byte[] disk = Files.readAllBytes(image);
        byte[] got = new byte[512];
        buf.get(512, got, 0, 512);
        assertArrayEquals(java.util.Arrays.copyOfRange(disk, 512, 1024), got);
        assertTrue(v.get(0).count() >= 1, "an interrupt arrived");
        assertEquals(16, q.freeDescriptors());
        assertEquals(0, q.outstanding());

        // GET_ID: header | 20-byte serial | status
        buf.put32(0, 8);
        buf.put8(100, 0xFF);
        assertTrue(q.add(new long[] {p, p + 64, p + 100}, new int[] {16, 20, 1}, 1, 2, "id"));
        q.kick();
        assertEquals("id", done.poll(5, TimeUnit.SECONDS));
        byte[] id = new byte[12];
        buf.get(64, id, 0, 12);
        assertEquals("KESTREL-DISK", new String(id, StandardCharsets.US_ASCII));
        buf.close();
        dev.close();
        assertEquals(0, dma.liveBuffers());
    }

    @Test
    void queueRefusesChainsThatDoNotFitAndRecyclesDescriptors() throws Exception {
        VirtioPciDevice dev = VirtioPciDevice.open(pci, dma, "test");
        dev.negotiate(0);
        Virtqueue q = dev.setupQueue(0, 4, Virtio.NO_VECTOR);
        long[] a = new long[5];
        int[] l = {16, 16, 16, 16, 16};
        assertThrows(IllegalArgumentException.class, () -> q.add(a, l, 5, 0, "too long"));
        assertThrows(IllegalArgumentException.class, () -> q.add(a, l, 1, 0, null));
        DmaBuffer buf = dma.allocate(4096, "req");
        long p = buf.phys();
        // before DRIVER_OK the device does not process: fill the queue
        assertTrue(q.add(new long[] {p, p + 64, p + 100}, new int[] {16, 20, 1}, 1, 2, "a"));
        assertFalse(q.add(new long[] {p, p + 64}, new int[] {16, 1}, 1, 1, "b"), "only one descriptor left");
        assertEquals(1, q.freeDescriptors());
        assertEquals(1, q.outstanding());
        buf.put32(0, 8);
        dev.driverOk();
        q.kick();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!q.hasUsed() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        List<Object> tokens = new java.util.ArrayList<>();
        assertEquals(1, q.harvest((t, n) -> tokens.add(t)));
        assertEquals(List.of("a"), tokens);
        assertEquals(4, q.freeDescriptors());
        assertTrue(q.add(new long[] {p, p + 64, p + 100, p + 200}, new int[] {16, 20, 1, 1}, 1, 3, "c"), "freed descriptors reused");
        buf.close();
        List<Object> dropped = new java.util.ArrayList<>();
        dev.close((t, n) -> dropped.add(t));
        assertEquals(0, dma.liveBuffers());
        assertThrows(IllegalStateException.class, () -> q.add(new long[] {p}, new int[] {1}, 1, 0, "late"));
    }
}
