package platform.devices;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.net.EthernetSwitch;
import platform.devices.net.MacAddress;
import platform.devices.net.NetPort;
import platform.devices.net.PcapTap;
import platform.devices.net.PcapWriter;
import platform.pc.Machine;
import platform.pc.PhysicalBus;

/**
 * virtio-net driven at register level, as a guest driver would (virtio 1.2, 4.1 and 5.1):
 * two machines, one NIC each, joined by an {@link EthernetSwitch}.
 */
class VirtioNetDeviceTest {
    static final int SLOT = 3;
    static final long F_VERSION_1 = 1L << 32;
    static final long FEATURES = F_VERSION_1 | (1L << VirtioNetDevice.F_MAC) | (1L << VirtioNetDevice.F_STATUS);
    static final int CONFIG_VECTOR = 0x40, RX_VECTOR = 0x41, TX_VECTOR = 0x42;
    static final int NEEDS_RESET = 0x40;

    @TempDir
    Path tmp;
    final List<Machine> machines = new ArrayList<>();
    EthernetSwitch sw = new EthernetSwitch("sw0");

    @AfterEach
    void tearDown() {
        for (Machine m : machines) {
            m.close();
        }
    }

    /** A machine with one virtio-net NIC (MAC 52:54:00:12:34:5x) on {@code port}, driven by the returned driver. */
    Nic nic(int index, NetPort port) {
        VirtioNetDevice dev = new VirtioNetDevice(port, MacAddress.defaultFor(index));
        Machine m = Machine.builder().memory(32L << 20).device(SLOT, dev).build().powerOn();
        machines.add(m);
        return new Nic(m, dev);
    }

    Nic up(int index) {
        Nic n = nic(index, sw.newPort("p" + index));
        n.init(FEATURES, 16);
        return n;
    }

    static byte[] frame(MacAddress dst, MacAddress src, int len, int seed) {
        byte[] f = new byte[len];
        dst.put(f, 0);
        src.put(f, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xB5; // local experimental ethertype
        for (int i = 14; i < len; i++) {
            f[i] = (byte) (i * 7 + seed);
        }
        return f;
    }

    static byte[] hdr(int flags, int gsoType) {
        byte[] h = new byte[VirtioNetDevice.HDR_LEN];
        h[0] = (byte) flags;
        h[1] = (byte) gsoType;
        return h;
    }

    // ---- tests -----------------------------------------------------------------------------

    @Test
    void pciIdentityFeaturesAndDeviceConfig() {
        Nic a = nic(0, sw.newPort("p0"));
        assertEquals(0x1041_1AF4L, a.cfgRead(0, 4));
        assertEquals(0x01, a.cfgRead(0x08, 1), "revision 1 (modern)");
        assertEquals(0x02_0000, a.cfgRead(0x08, 4) >>> 8, "class 02 00 00 (Ethernet)");
        a.probe();
        assertTrue(a.caps.keySet().containsAll(List.of(1, 2, 3, 4, 5)), "common, notify, ISR, device, PCI_CFG");
        assertEquals(FEATURES, a.deviceFeatures(), "MAC, STATUS, VERSION_1 and nothing else");
        assertArrayEquals(MacAddress.parse("52:54:00:12:34:56").bytes(), a.mac());
        assertEquals(VirtioNetDevice.S_LINK_UP, a.bus.read(a.device + 6, 2));
        assertEquals(1, a.bus.read(a.device + 8, 2), "max_virtqueue_pairs");
        assertEquals(2, a.read(0x12, 2), "num_queues: receiveq1, transmitq1");
        a.bus.write(a.device, 4, 0); // the MAC is read-only in 1.x
        assertArrayEquals(MacAddress.parse("52:54:00:12:34:56").bytes(), a.mac());
        assertEquals(0x5634_1200_5452L, a.bus.read(a.device, 8) & 0xFFFF_FFFF_FFFFL, "wide reads work too");
        // offloads, mergeable buffers, control queue, multiqueue were not offered
        for (int bit : new int[] {0, 1, 7, 11, VirtioNetDevice.F_MRG_RXBUF, VirtioNetDevice.F_CTRL_VQ,
            VirtioNetDevice.F_MQ}) {
            assertFalse(a.negotiate(FEATURES | (1L << bit)), "feature " + bit);
        }
        assertTrue(a.negotiate(FEATURES));
        assertEquals(FEATURES, a.dev.negotiatedFeatures());
    }

    @Test
    void frameTravelsFromOneMachineToTheOther() throws Exception {
        Nic a = up(0);
        Nic b = up(1);
        for (int i = 0; i < 4; i++) {
            b.postRx(i, 1526);
        }
        a.postRx(0, 1526);
        // broadcast from A, header and frame in separate descriptors
        byte[] f1 = frame(MacAddress.BROADCAST, a.dev.mac(), 60, 1);
        a.transmit(hdr(0, 0), f1, true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertArrayEquals(new long[] {0, 0}, a.used(VirtioNetDevice.TXQ, 0), "tx completed, nothing written");
        assertEquals(RX_VECTOR, b.awaitInterrupt());
        long[] u = b.used(VirtioNetDevice.RXQ, 0);
        assertEquals(0, u[0], "first rx buffer");
        assertEquals(12 + 60, u[1]);
        byte[] expectHdr = new byte[12];
        expectHdr[10] = 1; // num_buffers
        assertArrayEquals(expectHdr, b.ram(b.rxBuf(0), 12), "flags 0, GSO_NONE, num_buffers 1");
        assertArrayEquals(f1, b.ram(b.rxBuf(0) + 12, 60));

        // a full-size unicast reply from B, header and frame contiguous in one descriptor
        byte[] f2 = frame(a.dev.mac(), b.dev.mac(), 1514, 2);
        b.transmit(hdr(0, 0), f2, false);
        assertEquals(TX_VECTOR, b.awaitInterrupt());
        assertEquals(RX_VECTOR, a.awaitInterrupt());
        assertEquals(12 + 1514, a.used(VirtioNetDevice.RXQ, 0)[1]);
        assertArrayEquals(f2, a.ram(a.rxBuf(0) + 12, 1514));

        // A now knows B: a unicast frame to B lands in B's second buffer
        byte[] f3 = frame(b.dev.mac(), a.dev.mac(), 100, 3);
        a.transmit(hdr(0, 0), f3, true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(RX_VECTOR, b.awaitInterrupt());
        assertArrayEquals(new long[] {1, 112}, b.used(VirtioNetDevice.RXQ, 1));
        assertArrayEquals(f3, b.ram(b.rxBuf(1) + 12, 100));

        assertEquals(2, a.dev.txFrames());
        assertEquals(160, a.dev.txBytes());
        assertEquals(2, b.dev.rxFrames());
        assertEquals(1, b.dev.txFrames());
        assertEquals(1, a.dev.rxFrames());
        assertEquals(0, a.status() & NEEDS_RESET);
        assertEquals(0, b.status() & NEEDS_RESET);
    }

    @Test
    void linkStatusChangeRaisesAConfigInterrupt() throws Exception {
        Nic a = up(0);
        Nic b = up(1);
        b.postRx(0, 1526);
        int gen = (int) a.read(0x15, 1);
        a.dev.setLinkUp(false);
        assertEquals(CONFIG_VECTOR, a.awaitInterrupt());
        assertEquals(0, a.bus.read(a.device + 6, 2), "LINK_UP cleared");
        assertNotEquals(gen, (int) a.read(0x15, 1), "config_generation moved");
        a.dev.setLinkUp(false); // no change, no interrupt
        assertEquals(-1, a.m.lapic(0).acceptInterrupt(50_000_000L));

        // while the link is down, transmits complete but go nowhere and frames for A are dropped
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(1, a.dev.txDropped());
        assertEquals(0, b.dev.rxFrames());
        a.postRx(0, 1526);
        b.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, b.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, b.awaitInterrupt());
        assertEquals(1, a.dev.rxDropped());
        assertEquals(0, a.bus.read(a.used + 2, 2), "no rx buffer used");

        a.dev.setLinkUp(true);
        assertEquals(CONFIG_VECTOR, a.awaitInterrupt());
        assertEquals(VirtioNetDevice.S_LINK_UP, a.bus.read(a.device + 6, 2));
        b.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, b.dev.mac(), 60, 9), true);
        assertEquals(TX_VECTOR, b.awaitInterrupt());
        assertEquals(RX_VECTOR, a.awaitInterrupt());
        assertEquals(1, a.dev.rxFrames());
    }

    @Test
    void framesWithoutReceiveBuffersAreDroppedNotQueued() throws Exception {
        Nic a = up(0);
        Nic b = nic(1, sw.newPort("p1"));
        // B not yet initialised: dropped
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(1, b.dev.rxDropped());
        b.init(FEATURES, 16);
        // running but no buffer posted: dropped, the sender is not held up
        for (int i = 0; i < 3; i++) {
            a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, i), true);
            assertEquals(TX_VECTOR, a.awaitInterrupt());
        }
        assertEquals(4, a.dev.txFrames());
        assertEquals(4, b.dev.rxDropped());
        assertEquals(-1, b.m.lapic(0).acceptInterrupt(50_000_000L));
        // a buffer posted now receives the next frame, not an old one
        b.postRx(0, 1526);
        byte[] f = frame(MacAddress.BROADCAST, a.dev.mac(), 80, 42);
        a.transmit(hdr(0, 0), f, true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(RX_VECTOR, b.awaitInterrupt());
        assertArrayEquals(f, b.ram(b.rxBuf(0) + 12, 80));
        assertEquals(1, b.bus.read(b.used + 2, 2));
    }

    @Test
    void bufferTooSmallForTheFrameIsLeftAndTheFrameDropped() throws Exception {
        Nic a = up(0);
        Nic b = up(1);
        b.postRx(0, 12 + 40);
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(1, b.dev.rxTooSmall());
        assertEquals(0, b.bus.read(b.used + 2, 2), "buffer not consumed");
        byte[] f = frame(MacAddress.BROADCAST, a.dev.mac(), 40, 5);
        a.transmit(hdr(0, 0), f, true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(RX_VECTOR, b.awaitInterrupt());
        assertArrayEquals(new long[] {0, 52}, b.used(VirtioNetDevice.RXQ, 0));
        assertArrayEquals(f, b.ram(b.rxBuf(0) + 12, 40));
        assertEquals(0, b.status() & NEEDS_RESET);
    }

    @Test
    void transmitAskingForOffloadsIsDroppedAndCounted() throws Exception {
        Nic a = up(0);
        Nic b = up(1);
        b.postRx(0, 1526);
        byte[] f = frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0);
        a.transmit(hdr(1, 0), f, true); // NEEDS_CSUM
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        a.transmit(hdr(0, 1), f, false); // GSO_TCPV4
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        a.transmit(hdr(0, 0x80), f, true); // GSO_ECN
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(3, a.dev.txBadHeader());
        assertEquals(0, a.dev.txFrames());
        assertEquals(0, a.dev.port().stats().txFrames(), "nothing reached the switch");
        assertEquals(0, b.dev.rxFrames());
        assertEquals(3, a.bus.read(a.usedRing(VirtioNetDevice.TXQ) + 2, 2), "chains completed");
        assertEquals(0, a.status() & NEEDS_RESET, "not a protocol error");
        // runt and oversized frames are dropped too
        a.transmit(hdr(0, 0), new byte[10], true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 1600, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(2, a.dev.txDropped());
        // a good one still goes through
        a.transmit(hdr(0, 0), f, true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(RX_VECTOR, b.awaitInterrupt());
        assertEquals(1, b.dev.rxFrames());
    }

    @Test
    void transmitDescriptorOutsideRamSetsNeedsReset() throws Exception {
        Nic a = up(0);
        a.desc(VirtioNetDevice.TXQ, 0, 0xD000_0000L, 72, 0); // PCI hole
        a.publish(VirtioNetDevice.TXQ, 0);
        assertEquals(CONFIG_VECTOR, a.awaitInterrupt());
        assertNotEquals(0, a.status() & NEEDS_RESET);
        assertTrue(a.dev.lastError().contains("outside RAM"), a.dev.lastError());
        assertEquals(0, a.dev.port().stats().txFrames());
        // reset and bring up again: the device works
        Nic b = up(1);
        b.postRx(0, 1526);
        a.init(FEATURES, 16);
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(RX_VECTOR, b.awaitInterrupt());
    }

    @Test
    void receiveBufferOutsideRamSetsNeedsResetAndTheSenderCarriesOn() throws Exception {
        Nic a = up(0);
        Nic b = up(1);
        b.desc(VirtioNetDevice.RXQ, 0, 0xD000_0000L, 1526, 2);
        b.publish(VirtioNetDevice.RXQ, 0);
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(CONFIG_VECTOR, b.awaitInterrupt());
        assertNotEquals(0, b.status() & NEEDS_RESET);
        assertTrue(b.dev.lastError().contains("outside RAM"), b.dev.lastError());
        assertEquals(1, b.dev.rxDropped());
        assertEquals(0, a.status() & NEEDS_RESET);
        // further frames are dropped quietly until B is reset
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 1), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(2, b.dev.rxDropped());
    }

    @Test
    void malformedChainsSetNeedsReset() throws Exception {
        String[] expected = {"transmit chain has device-writable", "transmit chain shorter", "receive chain has device-readable",
            "receive chain shorter", "loops"};
        for (int c = 0; c < expected.length; c++) {
            sw = new EthernetSwitch("sw" + c);
            Nic a = up(0);
            Nic b = up(1);
            Nic victim = c < 2 ? a : b;
            switch (c) {
                case 0 -> {
                    a.desc(VirtioNetDevice.TXQ, 0, a.txBuf(0), 72, 2); // WRITE in a tx chain
                    a.publish(VirtioNetDevice.TXQ, 0);
                }
                case 1 -> {
                    a.desc(VirtioNetDevice.TXQ, 0, a.txBuf(0), 8, 0);
                    a.publish(VirtioNetDevice.TXQ, 0);
                }
                case 2 -> {
                    b.desc(VirtioNetDevice.RXQ, 0, b.rxBuf(0), 1526, 0); // readable rx buffer
                    b.publish(VirtioNetDevice.RXQ, 0);
                }
                case 3 -> {
                    b.desc(VirtioNetDevice.RXQ, 0, b.rxBuf(0), 8, 2);
                    b.publish(VirtioNetDevice.RXQ, 0);
                }
                default -> {
                    b.desc(VirtioNetDevice.RXQ, 0, b.rxBuf(0), 100, 3, 1);
                    b.desc(VirtioNetDevice.RXQ, 1, b.rxBuf(1), 100, 3, 0); // back to 0
                    b.publish(VirtioNetDevice.RXQ, 0);
                }
            }
            if (c >= 2) {
                a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
                assertEquals(TX_VECTOR, a.awaitInterrupt());
            }
            assertEquals(CONFIG_VECTOR, victim.awaitInterrupt(), "case " + c);
            assertNotEquals(0, victim.status() & NEEDS_RESET);
            assertTrue(victim.dev.lastError().contains(expected[c]), victim.dev.lastError());
            tearDown();
            machines.clear();
        }
    }

    @Test
    void noInterruptFlagSuppressesTheReceiveInterrupt() throws Exception {
        Nic a = up(0);
        Nic b = up(1);
        b.bus.write(b.availRing(VirtioNetDevice.RXQ), 2, 1); // VIRTQ_AVAIL_F_NO_INTERRUPT
        b.postRx(0, 1526);
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(1, b.bus.read(b.used + 2, 2), "delivered synchronously");
        assertEquals(-1, b.m.lapic(0).acceptInterrupt(50_000_000L));
    }

    @Test
    void withoutMsixTheIsrCarriesQueueAndConfigInterrupts() throws Exception {
        Nic a = up(0);
        Nic b = nic(1, sw.newPort("p1"));
        b.probe();
        assertTrue(b.negotiate(FEATURES));
        b.setupQueues(16, false);
        b.write(0x14, 1, 1 | 2 | 8 | 4);
        b.postRx(0, 1526);
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(1, b.bus.read(b.isr, 1), "ISR bit 0: queue interrupt");
        assertEquals(0, b.bus.read(b.isr, 1), "read-to-clear");
        b.dev.setLinkUp(false);
        assertEquals(2, b.bus.read(b.isr, 1), "ISR bit 1: configuration change");
        assertEquals(2, b.dev.intxInterrupts());
    }

    /** Both NICs transmit bursts at once: each port delivers into the other on its worker; nothing deadlocks. */
    @Test
    void simultaneousBurstsBothWays() throws Exception {
        Nic a = up(0);
        Nic b = up(1);
        Nic[] nics = {a, b};
        for (Nic n : nics) {
            for (int i = 0; i < 16; i++) {
                n.postRx(i, 1526);
            }
        }
        int rounds = 40, burst = 8;
        for (int r = 0; r < rounds; r++) {
            for (Nic n : nics) {
                Nic peer = n == a ? b : a;
                byte[][] frames = new byte[burst][];
                for (int k = 0; k < burst; k++) {
                    frames[k] = frame(peer.dev.mac(), n.dev.mac(), 60 + k, r);
                }
                n.transmitBurst(frames);
            }
            for (Nic n : nics) {
                n.awaitUsedIdx(VirtioNetDevice.TXQ, (r + 1) * burst);
            }
        }
        for (Nic n : nics) {
            Nic peer = n == a ? b : a;
            assertEquals(0, n.status() & NEEDS_RESET, String.valueOf(n.dev.lastError()));
            assertEquals((long) rounds * burst, n.dev.txFrames());
            assertEquals(16, n.dev.rxFrames(), "every posted buffer filled");
            assertEquals(peer.dev.txFrames(), n.dev.rxFrames() + n.dev.rxDropped());
        }
    }

    @Test
    void pcapTapOnOnePortIsReadByTshark() throws Exception {
        Path file = tmp.resolve("a.pcap");
        PcapWriter w = PcapWriter.create(file);
        Nic a = nic(0, new PcapTap(sw.newPort("p0"), w));
        a.init(FEATURES, 16);
        Nic b = up(1);
        b.postRx(0, 1526);
        a.postRx(0, 1526);
        a.transmit(hdr(0, 0), frame(MacAddress.BROADCAST, a.dev.mac(), 60, 0), true);
        assertEquals(TX_VECTOR, a.awaitInterrupt());
        assertEquals(RX_VECTOR, b.awaitInterrupt());
        b.transmit(hdr(0, 0), frame(a.dev.mac(), b.dev.mac(), 200, 1), false);
        assertEquals(TX_VECTOR, b.awaitInterrupt());
        assertEquals(RX_VECTOR, a.awaitInterrupt());
        machines.remove(a.m);
        a.m.close(); // closes the device, its tap and the writer
        String tshark = null;
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (java.nio.file.Files.isExecutable(Path.of(d, "tshark"))) {
                tshark = Path.of(d, "tshark").toString();
            }
        }
        assertNotNull(tshark, "tshark not found on PATH: install the Debian package 'tshark'");
        Process p = new ProcessBuilder(tshark, "-n", "-r", file.toString(), "-T", "fields", "-E", "separator=|",
                "-e", "frame.len", "-e", "eth.src", "-e", "eth.dst")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark hung");
        assertEquals(0, p.exitValue(), out);
        assertEquals(List.of("60|52:54:00:12:34:56|ff:ff:ff:ff:ff:ff", "200|52:54:00:12:34:57|52:54:00:12:34:56"),
                out.lines().toList());
    }

    // ---- a minimal virtio-net driver: ECAM, MMIO and rings in guest RAM only -------------

    static final class Nic {
        static final long RING_BASE = 0x10_0000, RX_BUFS = 0x40_0000, TX_BUFS = 0x60_0000;
        final Machine m;
        final VirtioNetDevice dev;
        final PhysicalBus bus;
        final long cfg;
        final Map<Integer, long[]> caps = new HashMap<>();
        long notifyMultiplier;
        int msixCap;
        long bar1, common, isr, device, notifyBase, used;
        int qsize;
        final int[] availIdx = new int[2];
        int txNext;

        Nic(Machine m, VirtioNetDevice dev) {
            this.m = m;
            this.dev = dev;
            this.bus = m.bus();
            this.cfg = Machine.ecam(0, SLOT, 0);
        }

        long cfgRead(int reg, int size) {
            return bus.read(cfg + reg, size);
        }

        void cfgWrite(int reg, int size, long v) {
            bus.write(cfg + reg, size, v);
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

        /** The MAC from device config, one byte access at a time (as a driver reads it). */
        byte[] mac() {
            byte[] b = new byte[6];
            for (int i = 0; i < 6; i++) {
                b[i] = (byte) bus.read(device + i, 1);
            }
            return b;
        }

        byte[] ram(long addr, int len) {
            return TestMemory.read(bus, addr, len);
        }

        void probe() {
            caps.clear();
            int ptr = (int) cfgRead(0x34, 1);
            for (int guard = 0; ptr != 0 && guard < 48; guard++) {
                int id = (int) cfgRead(ptr, 1);
                if (id == 0x09) {
                    int type = (int) cfgRead(ptr + 3, 1);
                    caps.put(type, new long[] {cfgRead(ptr + 4, 1), cfgRead(ptr + 8, 4), cfgRead(ptr + 12, 4)});
                    if (type == 2) {
                        notifyMultiplier = cfgRead(ptr + 16, 4);
                    }
                } else if (id == 0x11) {
                    msixCap = ptr;
                }
                ptr = (int) cfgRead(ptr + 1, 1);
            }
            long bar4 = (cfgRead(0x20, 4) & ~0xFL) | cfgRead(0x24, 4) << 32;
            bar1 = cfgRead(0x14, 4) & ~0xFL;
            cfgWrite(0x04, 2, 0x6); // memory space + bus master
            common = bar4 + caps.get(1)[1];
            isr = bar4 + caps.get(3)[1];
            device = bar4 + caps.get(4)[1];
            notifyBase = bar4 + caps.get(2)[1];
        }

        long deviceFeatures() {
            write(0x00, 4, 0);
            long lo = read(0x04, 4);
            write(0x00, 4, 1);
            return lo | read(0x04, 4) << 32;
        }

        boolean negotiate(long features) {
            write(0x14, 1, 0);
            write(0x14, 1, 1 | 2);
            write(0x08, 4, 0);
            write(0x0C, 4, features & 0xFFFF_FFFFL);
            write(0x08, 4, 1);
            write(0x0C, 4, features >>> 32);
            write(0x14, 1, 1 | 2 | 8);
            return (status() & 8) != 0;
        }

        /** Reset, negotiate, MSI-X (config, rx, tx vectors), both queues, DRIVER_OK. */
        void init(long features, int size) {
            probe();
            assertTrue(negotiate(features));
            setupQueues(size, true);
            write(0x14, 1, 1 | 2 | 8 | 4);
        }

        void setupQueues(int size, boolean msix) {
            if (!msix) {
                cfgWrite(msixCap + 2, 2, 0);
            } else {
            int[] vectors = {CONFIG_VECTOR, RX_VECTOR, TX_VECTOR};
            for (int v = 0; v < 3; v++) {
                long e = bar1 + 16L * v;
                bus.write(e, 4, 0xFEE0_0000L);
                bus.write(e + 4, 4, 0);
                bus.write(e + 8, 4, vectors[v]);
                bus.write(e + 12, 4, 0);
            }
            cfgWrite(msixCap + 2, 2, 0x8000);
            write(0x10, 2, 0);
            }
            qsize = size;
            for (int q = 0; q < 2; q++) {
                bus.write(availRing(q), 4, 0); // flags and idx
                bus.write(usedRing(q), 4, 0);
                availIdx[q] = 0;
                write(0x16, 2, q);
                write(0x18, 2, size);
                if (msix) {
                    write(0x1A, 2, q + 1);
                    assertEquals(q + 1, read(0x1A, 2));
                }
                write(0x20, 8, descTable(q));
                write(0x28, 8, availRing(q));
                write(0x30, 8, usedRing(q));
                write(0x1C, 2, 1);
                assertEquals(1, read(0x1C, 2));
            }
            used = usedRing(VirtioNetDevice.RXQ);
            txNext = 0;
        }

        long descTable(int q) {
            return RING_BASE + 0x1_0000L * q;
        }

        long availRing(int q) {
            return descTable(q) + 0x1000;
        }

        long usedRing(int q) {
            return descTable(q) + 0x2000;
        }

        long rxBuf(int i) {
            return RX_BUFS + 0x800L * i;
        }

        long txBuf(int i) {
            return TX_BUFS + 0x2000L * i;
        }

        void desc(int q, int i, long addr, int len, int flags) {
            desc(q, i, addr, len, flags, 0);
        }

        void desc(int q, int i, long addr, int len, int flags, int next) {
            long d = descTable(q) + 16L * i;
            bus.write(d, 8, addr);
            bus.write(d + 8, 4, len);
            bus.write(d + 12, 2, flags);
            bus.write(d + 14, 2, next);
        }

        void publish(int q, int head) {
            bus.write(availRing(q) + 4 + 2L * (availIdx[q] % qsize), 2, head);
            availIdx[q] = (availIdx[q] + 1) & 0xFFFF;
            bus.write(availRing(q) + 2, 2, availIdx[q]);
            write(0x16, 2, q);
            long notifyOff = read(0x1E, 2);
            bus.write(notifyBase + notifyOff * notifyMultiplier, 2, q);
        }

        /** Posts device-writable buffer {@code i} of {@code len} bytes as rx descriptor {@code i}. */
        void postRx(int i, int len) {
            desc(VirtioNetDevice.RXQ, i, rxBuf(i), len, 2);
            publish(VirtioNetDevice.RXQ, i);
        }

        /** Transmits header + frame, as two descriptors or one. */
        void transmit(byte[] hdr, byte[] frame, boolean split) {
            int d = (txNext * 2) % qsize;
            long buf = txBuf(d);
            bus.write(buf, hdr, 0, hdr.length);
            if (split) {
                long fb = buf + 0x100;
                bus.write(fb, frame, 0, frame.length);
                desc(VirtioNetDevice.TXQ, d, buf, hdr.length, 1, d + 1);
                desc(VirtioNetDevice.TXQ, d + 1, fb, frame.length, 0);
            } else {
                bus.write(buf + hdr.length, frame, 0, frame.length);
                desc(VirtioNetDevice.TXQ, d, buf, hdr.length + frame.length, 0);
            }
            txNext++;
            publish(VirtioNetDevice.TXQ, d);
        }

        /** Queues every frame (header + frame in one descriptor each), then notifies once. */
        void transmitBurst(byte[][] frames) {
            int q = VirtioNetDevice.TXQ;
            for (int k = 0; k < frames.length; k++) {
                long buf = txBuf(k);
                bus.write(buf, new byte[VirtioNetDevice.HDR_LEN], 0, VirtioNetDevice.HDR_LEN);
                bus.write(buf + VirtioNetDevice.HDR_LEN, frames[k], 0, frames[k].length);
                desc(q, k, buf, VirtioNetDevice.HDR_LEN + frames[k].length, 0);
                bus.write(availRing(q) + 4 + 2L * (availIdx[q] % qsize), 2, k);
                availIdx[q] = (availIdx[q] + 1) & 0xFFFF;
            }
            bus.write(availRing(q) + 2, 2, availIdx[q]);
            write(0x16, 2, q);
            bus.write(notifyBase + read(0x1E, 2) * notifyMultiplier, 2, q);
        }

        void awaitUsedIdx(int q, int idx) throws InterruptedException {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (bus.read(usedRing(q) + 2, 2) != (idx & 0xFFFF)) {
                assertTrue(System.nanoTime() < deadline, "queue " + q + " used idx stuck at " + bus.read(usedRing(q) + 2, 2));
                Thread.sleep(1);
            }
        }

        int awaitInterrupt() throws InterruptedException {
            int v = m.lapic(0).acceptInterrupt(5_000_000_000L);
            if (v >= 0) {
                m.lapic(0).eoi();
            }
            return v;
        }

        /** {id, len} of used element {@code n} of queue {@code q}. */
        long[] used(int q, int n) {
            long r = usedRing(q);
            assertTrue(((bus.read(r + 2, 2) - n - 1) & 0xFFFF) < 0x8000, "used element " + n + " not yet written");
            long e = r + 4 + 8L * (n % qsize);
            return new long[] {bus.read(e, 4), bus.read(e + 4, 4)};
        }
    }
}
