package platform.devices;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.Map;
import platform.pc.Machine;
import platform.pc.PhysicalBus;

/**
 * A minimal virtio-pci modern driver written from the spec, talking to the device only
 * through ECAM and MMIO on the machine's physical bus, as a kernel driver would.
 */
final class MiniVirtioDriver {
    static final int ACK = 1, DRIVER = 2, DRIVER_OK = 4, FEATURES_OK = 8, NEEDS_RESET = 0x40;
    static final int CONFIG_VECTOR = 0x40, QUEUE_VECTOR = 0x41;
    static final long DESC = 0x10_0000, AVAIL = 0x10_1000, USED = 0x10_2000, DATA = 0x20_0000;

    final Machine m;
    final PhysicalBus bus;
    final long cfg;
    final Map<Integer, long[]> caps = new HashMap<>(); // cfg_type -> {bar, offset, length}
    long notifyMultiplier;
    int msixCap;
    long bar4;
    long bar1;
    long common;
    long isr;
    long device;
    long notifyBase;
    int queueSize;
    int availIdx;
    int usedSeen;

    MiniVirtioDriver(Machine m, int slot) {
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

    /** Walks the capability list and maps the BARs (enables memory space and bus mastering). */
    void probe() {
        assertEquals(0x1AF4, cfgRead(0, 2));
        int ptr = (int) cfgRead(0x34, 1);
        int guard = 0;
        while (ptr != 0 && guard++ < 48) {
            int id = (int) cfgRead(ptr, 1);
            if (id == 0x09) {
                int type = (int) cfgRead(ptr + 3, 1);
                caps.put(type, new long[] {cfgRead(ptr + 4, 1), cfgRead(ptr + 8, 4), cfgRead(ptr + 12, 4), ptr});
                if (type == 2) {
                    notifyMultiplier = cfgRead(ptr + 16, 4);
                }
            } else if (id == 0x11) {
                msixCap = ptr;
            }
            ptr = (int) cfgRead(ptr + 1, 1);
        }
        assertEquals(4, caps.get(1)[0], "common cfg in BAR4");
        bar4 = (cfgRead(0x20, 4) & ~0xFL) | cfgRead(0x24, 4) << 32;
        bar1 = cfgRead(0x14, 4) & ~0xFL;
        assertNotEquals(0, bar4);
        assertNotEquals(0, bar1);
        assertNotEquals(0, msixCap);
        cfgWrite(0x04, 2, 0x6); // memory space + bus master
        common = bar4 + caps.get(1)[1];
        isr = bar4 + caps.get(3)[1];
        device = bar4 + caps.get(4)[1];
        notifyBase = bar4 + caps.get(2)[1];
    }

    long read(long off, int size) {
        return bus.read(common + off, size);
    }

    void write(long off, int size, long v) {
        bus.write(common + off, size, v);
    }

    int status() {
        return (int) read(0x14, 1);
    }

    long deviceFeatures() {
        write(0x00, 4, 0);
        long lo = read(0x04, 4);
        write(0x00, 4, 1);
        return lo | read(0x04, 4) << 32;
    }

    /** Reset, ACK, DRIVER, features (returns whether FEATURES_OK stuck). */
    boolean negotiate(long features) {
        write(0x14, 1, 0);
        assertEquals(0, status());
        write(0x14, 1, ACK);
        write(0x14, 1, ACK | DRIVER);
        write(0x08, 4, 0);
        write(0x0C, 4, features & 0xFFFF_FFFFL);
        write(0x08, 4, 1);
        write(0x0C, 4, features >>> 32);
        write(0x14, 1, ACK | DRIVER | FEATURES_OK);
        return (status() & FEATURES_OK) != 0;
    }

    /** Programs MSI-X entries 0 (config) and 1 (queue 0) to APIC 0 and enables MSI-X. */
    void setupMsix() {
        for (int v = 0; v < 2; v++) {
            long e = bar1 + 16L * v;
            bus.write(e, 4, 0xFEE0_0000L);
            bus.write(e + 4, 4, 0);
            bus.write(e + 8, 4, v == 0 ? CONFIG_VECTOR : QUEUE_VECTOR);
            bus.write(e + 12, 4, 0);
        }
        cfgWrite(msixCap + 2, 2, 0x8000);
        write(0x10, 2, 0);
        assertEquals(0, read(0x10, 2));
    }

    void setupQueue(int size) {
        write(0x16, 2, 0);
        assertEquals(256, read(0x18, 2));
        write(0x18, 2, size);
        queueSize = size;
        write(0x1A, 2, 1);
        assertEquals(1, read(0x1A, 2));
        write(0x20, 8, DESC);
        write(0x28, 4, AVAIL); // 32-bit halves work too
        write(0x2C, 4, 0);
        write(0x30, 8, USED);
        write(0x1C, 2, 1);
        assertEquals(1, read(0x1C, 2));
    }

    void driverOk() {
        write(0x14, 1, ACK | DRIVER | FEATURES_OK | DRIVER_OK);
    }

    /** Full bring-up with the given features. */
    void init(long features, int qsize) {
        probe();
        assertTrue(negotiate(features));
        setupMsix();
        setupQueue(qsize);
        driverOk();
    }

    void desc(int i, long addr, int len, int flags, int next) {
        long d = DESC + 16L * i;
        bus.write(d, 8, addr);
        bus.write(d + 8, 4, len);
        bus.write(d + 12, 2, flags);
        bus.write(d + 14, 2, next);
    }

    /** Publishes {@code head} in the avail ring and notifies queue 0. */
    void submit(int head) {
        bus.write(AVAIL + 4 + 2L * (availIdx % queueSize), 2, head);
        availIdx = (availIdx + 1) & 0xFFFF;
        bus.write(AVAIL + 2, 2, availIdx);
        long notifyOff = read(0x1E, 2);
        bus.write(notifyBase + notifyOff * notifyMultiplier, 2, 0);
    }

    /** Waits for the queue interrupt, then returns {id, len} of the next used element. */
    long[] awaitUsed() throws InterruptedException {
        int v = m.lapic(0).acceptInterrupt(5_000_000_000L);
        assertEquals(QUEUE_VECTOR, v, "queue interrupt; status=" + status());
        m.lapic(0).eoi();
        assertNotEquals(usedSeen, (int) bus.read(USED + 2, 2));
        long e = USED + 4 + 8L * (usedSeen % queueSize);
        usedSeen = (usedSeen + 1) & 0xFFFF;
        return new long[] {bus.read(e, 4), bus.read(e + 4, 4)};
    }

    /** Builds a 3-descriptor block request (header, data, status) at descriptors 0..2 and submits it. */
    void blkRequest(int type, long sector, long dataAddr, int dataLen, boolean deviceWritesData) {
        long hdr = DATA - 0x100;
        bus.write(hdr, 4, type);
        bus.write(hdr + 4, 4, 0);
        bus.write(hdr + 8, 8, sector);
        long status = DATA - 0x10;
        bus.write(status, 1, 0xEE);
        if (dataLen > 0) {
            desc(0, hdr, 16, 1, 1);
            desc(1, dataAddr, dataLen, 1 | (deviceWritesData ? 2 : 0), 2);
            desc(2, status, 1, 2, 0);
        } else {
            desc(0, hdr, 16, 1, 2);
            desc(2, status, 1, 2, 0);
        }
        submit(0);
    }

    int blkStatus() {
        return (int) bus.read(DATA - 0x10, 1);
    }
}
