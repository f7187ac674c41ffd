package platform.devices.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The learning switch: flooding, learning, filtering, aging, no echo, bad frames, concurrency. */
class EthernetSwitchTest {
    static final long A = 0x5254_0000_000aL;
    static final long B = 0x5254_0000_000bL;
    static final long C = 0x5254_0000_000cL;
    static final long UNKNOWN = 0x5254_0000_00eeL;
    static final long AGING = 1_000_000_000L;

    final AtomicLong now = new AtomicLong(5_000_000_000L);
    EthernetSwitch sw;
    NetPort pa, pb, pc;
    Recorder ra, rb, rc;

    @BeforeEach
    void setUp() {
        sw = new EthernetSwitch("sw0", Frames.MAX_LEN, AGING, now::get);
        pa = sw.newPort("a");
        pb = sw.newPort("b");
        pc = sw.newPort(null);
        ra = new Recorder();
        rb = new Recorder();
        rc = new Recorder();
        pa.attach(ra);
        pb.attach(rb);
        pc.attach(rc);
    }

    private void send(NetPort p, long dst, long src) {
        byte[] f = TestFrames.raw(dst, src, 60, (int) src);
        assertTrue(p.send(f, 0, f.length));
    }

    private int[] counts() {
        int[] c = {ra.count(), rb.count(), rc.count()};
        ra.drain();
        rb.drain();
        rc.drain();
        return c;
    }

    @Test
    void unknownUnicastIsFloodedThenLearntAndForwardedToOnePort() {
        send(pa, B, A); // B unknown: flooded to b and c, never back to a
        assertArrayEquals(new int[] {0, 1, 1}, counts());
        assertSame(pa, sw.lookup(A), "A learnt on port a");
        send(pb, A, B); // A known: only port a
        assertArrayEquals(new int[] {1, 0, 0}, counts());
        send(pc, B, C); // B known now too
        assertArrayEquals(new int[] {0, 1, 0}, counts());
        assertEquals("sw0.port0(a)", pa.name());
        assertEquals("sw0.port2", pc.name());
    }

    @Test
    void frameBytesArriveIntact() {
        byte[] f = TestFrames.raw(B, A, 100, 3);
        byte[] big = new byte[200];
        System.arraycopy(f, 0, big, 37, 100);
        assertTrue(pa.send(big, 37, 100));
        assertArrayEquals(f, rb.drain().get(0));
    }

    @Test
    void broadcastAndMulticastAreFloodedToEveryOtherPort() {
        send(pb, A, B);
        counts();
        send(pa, 0xffff_ffff_ffffL, A);
        assertArrayEquals(new int[] {0, 1, 1}, counts());
        send(pa, 0x0100_5e00_0001L, A); // IPv4 all-hosts multicast
        assertArrayEquals(new int[] {0, 1, 1}, counts());
        send(pa, 0x3333_0000_0001L, A); // IPv6 all-nodes
        assertArrayEquals(new int[] {0, 1, 1}, counts());
    }

    @Test
    void neverEchoesToTheSourcePort() {
        send(pa, A, A); // to itself: its own MAC is on its own port, filtered
        assertArrayEquals(new int[] {0, 0, 0}, counts());
        // Two hosts behind one port (a bridge behind it): their traffic stays off the switch.
        send(pa, UNKNOWN, C);
        counts();
        send(pa, C, A);
        assertArrayEquals(new int[] {0, 0, 0}, counts());
        assertEquals(0, pa.stats().rxFrames());
    }

    @Test
    void entriesAgeOutAndAreRelearnt() {
        send(pa, B, A);
        counts();
        now.addAndGet(AGING); // exactly the aging time: still valid
        send(pb, A, B);
        assertArrayEquals(new int[] {1, 0, 0}, counts());
        now.addAndGet(AGING + 1); // A silent for longer than the aging time
        assertNull(sw.lookup(A));
        send(pb, A, B);
        assertArrayEquals(new int[] {1, 0, 1}, counts(), "aged entry: flooded again");
        send(pa, B, A); // A speaks: learnt again
        counts();
        send(pc, A, C);
        assertArrayEquals(new int[] {1, 0, 0}, counts());
    }

    @Test
    void trafficRefreshesAnEntry() {
        send(pa, B, A);
        for (int i = 0; i < 5; i++) { // A keeps talking, each time well within the aging time
            now.addAndGet(AGING / 2);
            send(pa, B, A);
        }
        counts();
        send(pb, A, B);
        assertArrayEquals(new int[] {1, 0, 0}, counts());
    }

    @Test
    void aMacThatMovesIsFollowed() {
        send(pa, B, A);
        send(pc, B, A); // A now behind port c
        counts();
        assertSame(pc, sw.lookup(A));
        send(pb, A, B);
        assertArrayEquals(new int[] {0, 0, 1}, counts());
    }

    @Test
    void groupSourceAddressesAreNeverLearnt() {
        send(pa, B, 0x0100_5e00_0001L);
        assertNull(sw.lookup(0x0100_5e00_0001L));
        assertEquals(0, sw.tableSize());
    }

    @Test
    void malformedFramesAreCountedAndNeverThrow() {
        byte[] f = new byte[Frames.MAX_LEN + 1];
        new MacAddress(B).put(f, 0);
        assertFalse(pa.send(f, 0, 13)); // shorter than a header
        assertFalse(pa.send(f, 0, Frames.MAX_LEN + 1)); // longer than the maximum
        assertFalse(pa.send(f, 10, Frames.MAX_LEN)); // runs past the array
        assertFalse(pa.send(f, -1, 60));
        assertFalse(pa.send(null, 0, 60));
        assertFalse(pa.send(f, 0, -5));
        assertTrue(pa.send(f, 0, Frames.MIN_LEN));
        assertTrue(pa.send(f, 0, Frames.MAX_LEN));
        assertEquals(new PortStats(2, Frames.MIN_LEN + Frames.MAX_LEN, 0, 0, 6, 0), pa.stats());
        assertEquals(2, rb.count());
    }

    @Test
    void jumboFramesOnlyWhenConfigured() {
        EthernetSwitch j = new EthernetSwitch("j", Frames.JUMBO_MAX_LEN, AGING, now::get);
        NetPort x = j.newPort("x");
        NetPort y = j.newPort("y");
        Recorder r = new Recorder();
        y.attach(r);
        byte[] f = TestFrames.raw(B, A, Frames.JUMBO_MAX_LEN, 1);
        assertTrue(x.send(f, 0, f.length));
        assertFalse(x.send(new byte[Frames.JUMBO_MAX_LEN + 1], 0, Frames.JUMBO_MAX_LEN + 1));
        assertEquals(1, r.count());
        assertFalse(pa.send(f, 0, f.length), "a standard switch refuses it");
        assertThrows(IllegalArgumentException.class, () -> new EthernetSwitch("bad", 70000, AGING, now::get));
        assertThrows(IllegalArgumentException.class, () -> new EthernetSwitch("bad", 1518, 0, now::get));
    }

    @Test
    void aFailingOrMissingSinkIsCountedAsDropped() {
        pb.attach((buf, off, len) -> {
            throw new IllegalStateException("NIC model bug");
        });
        pc.attach(null);
        send(pa, 0xffff_ffff_ffffL, A);
        assertEquals(1, pb.stats().dropped());
        assertEquals(1, pc.stats().dropped());
        assertEquals(0, pb.stats().rxFrames());
        assertEquals(1, pa.stats().txFrames());
    }

    @Test
    void closedPortsLeaveTheSwitchAndTheTable() {
        send(pb, A, B);
        assertSame(pb, sw.lookup(B));
        pb.close();
        pb.close(); // idempotent
        assertNull(sw.lookup(B));
        assertEquals(List.of(pa, pc), sw.ports());
        counts();
        send(pa, B, A);
        assertArrayEquals(new int[] {0, 0, 1}, counts());
        byte[] f = TestFrames.raw(A, B, 60, 0);
        assertFalse(pb.send(f, 0, 60));
        assertEquals(1, pb.stats().dropped());
    }

    @Test
    void aSinkMaySendFromInsideItsCallback() {
        // b answers every frame it gets, synchronously: request and reply cross without deadlock.
        pb.attach((buf, off, len) -> {
            if (Frames.dst(buf, off) == B) {
                byte[] reply = TestFrames.raw(Frames.src(buf, off), B, 60, 9);
                pb.send(reply, 0, reply.length);
            }
        });
        send(pb, C, B); // learn B
        counts();
        send(pa, B, A);
        assertEquals(1, ra.count(), "the reply came back to A");
    }

    @Test
    void tableIsBoundedAndFullTableStillForwardsByFlooding() {
        for (int i = 0; i < EthernetSwitch.MAX_ENTRIES + 10; i++) {
            send(pa, B, 0x0200_0000_0000L + i);
        }
        assertEquals(EthernetSwitch.MAX_ENTRIES, sw.tableSize());
        assertEquals(10, sw.notLearnt());
        now.addAndGet(2 * AGING); // everything expires: the next new address purges and is learnt
        send(pc, B, C);
        assertSame(pc, sw.lookup(C));
        assertEquals(1, sw.tableSize());
    }

    @Test
    void manyMachinesSendingAtOnceLoseNothing() throws Exception {
        EthernetSwitch s = new EthernetSwitch("mt");
        int n = 6;
        int perThread = 5000;
        List<NetPort> ports = new ArrayList<>();
        List<java.util.concurrent.atomic.AtomicLong> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NetPort p = s.newPort("m" + i);
            AtomicLong c = new AtomicLong();
            p.attach((buf, off, len) -> c.incrementAndGet());
            ports.add(p);
            got.add(c);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int me = i;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    byte[] f = new byte[64];
                    for (int k = 0; k < perThread; k++) { // alternately broadcast and unicast to the next machine
                        long dst = k % 2 == 0 ? 0xffff_ffff_ffffL : 0x0200_0000_0000L + (me + 1) % n;
                        new MacAddress(dst).put(f, 0);
                        new MacAddress(0x0200_0000_0000L + me).put(f, 6);
                        ports.get(me).send(f, 0, f.length);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failure.get());
        long total = got.stream().mapToLong(AtomicLong::get).sum();
        long tx = ports.stream().mapToLong(p -> p.stats().txFrames()).sum();
        long rx = ports.stream().mapToLong(p -> p.stats().rxFrames()).sum();
        assertEquals((long) n * perThread, tx);
        assertEquals(total, rx);
        long broadcasts = (long) n * perThread / 2;
        // Each broadcast reaches n-1 ports; each unicast reaches 1 port if learnt or n-1 if flooded.
        assertTrue(total >= broadcasts * (n - 1) + broadcasts && total <= broadcasts * (n - 1) * 2, "total " + total);
    }

    @Test
    void namedNetworksAreSharedSwitches() {
        Networks nets = new Networks();
        assertSame(nets.get("lan"), nets.get("lan"));
        nets.get("dmz");
        assertEquals(List.of("dmz", "lan"), nets.names());
        assertEquals("lan", nets.get("lan").name());
    }

    @Test
    void patchCableJoinsTwoSwitches() {
        EthernetSwitch other = new EthernetSwitch("sw1", Frames.MAX_LEN, AGING, now::get);
        NetPort uplink0 = sw.newPort("uplink");
        NetPort uplink1 = other.newPort("uplink");
        NetPort pd = other.newPort("d");
        Recorder rd = new Recorder();
        pd.attach(rd);
        try (var link = NetPorts.connect(uplink0, uplink1)) {
            send(pa, 0xffff_ffff_ffffL, A);
            assertEquals(1, rd.count());
            byte[] f = TestFrames.raw(A, C, 60, 4);
            pd.send(f, 0, 60);
            assertEquals(1, ra.count());
        }
        rd.drain();
        send(pa, 0xffff_ffff_ffffL, A);
        assertEquals(0, rd.count(), "unplugged");
        assertThrows(IllegalArgumentException.class, () -> NetPorts.connect(pa, pa));
    }
}
