package platform.devices.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The UDP backend: frame-per-datagram round trips, bad datagrams, clean close, and socat in between. */
class UdpBackendTest {
    static final InetSocketAddress ANY_LOCAL = new InetSocketAddress("127.0.0.1", 0);

    static InetSocketAddress loop(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    static int freePort() throws IOException {
        try (DatagramChannel c = DatagramChannel.open()) {
            c.bind(ANY_LOCAL);
            return ((InetSocketAddress) c.getLocalAddress()).getPort();
        }
    }

    /** Frames of assorted sizes, each recognisable by its tag. */
    static List<byte[]> frames(long dst, long src, int n, int maxLen) {
        List<byte[]> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = i == 0 ? Frames.MIN_LEN : i == 1 ? maxLen : 60 + (i * 97) % (maxLen - 60);
            l.add(TestFrames.raw(dst, src, len, i));
        }
        return l;
    }

    static void expect(List<byte[]> sent, Recorder r) throws InterruptedException {
        for (byte[] f : sent) {
            byte[] got = r.take(5000);
            assertNotNull(got, "frame of " + f.length + " bytes did not arrive");
            assertArrayEquals(f, got);
        }
    }

    static void await(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!cond.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void twoBackendsExchangeFramesOnePerDatagram() throws Exception {
        int pa = freePort();
        int pb = freePort();
        try (UdpBackend a = UdpBackend.open(loop(pa), loop(pb)); UdpBackend b = UdpBackend.open(loop(pb), loop(pa))) {
            Recorder ra = new Recorder();
            Recorder rb = new Recorder();
            a.attach(ra);
            b.attach(rb);
            List<byte[]> ab = frames(0x5254_0000_000bL, 0x5254_0000_000aL, 40, Frames.MAX_LEN);
            List<byte[]> ba = frames(0x5254_0000_000aL, 0x5254_0000_000bL, 40, Frames.MAX_LEN);
            for (int i = 0; i < ab.size(); i++) {
                assertTrue(a.send(ab.get(i), 0, ab.get(i).length));
                assertTrue(b.send(ba.get(i), 0, ba.get(i).length));
            }
            expect(ab, rb);
            expect(ba, ra);
            await(() -> a.stats().rxFrames() == 40);
            PortStats s = a.stats();
            assertEquals(40, s.txFrames());
            assertEquals(40, s.rxFrames());
            assertEquals(ab.stream().mapToLong(f -> f.length).sum(), s.txBytes());
            assertEquals("udp:127.0.0.1:" + pa + "->127.0.0.1:" + pb, a.name());
        }
    }

    @Test
    void badDatagramsAndBadFramesAreCountedNotDelivered() throws Exception {
        try (DatagramChannel peer = DatagramChannel.open().bind(ANY_LOCAL);
             UdpBackend b = UdpBackend.open(ANY_LOCAL, (InetSocketAddress) peer.getLocalAddress())) {
            Recorder r = new Recorder();
            b.attach(r);
            peer.send(ByteBuffer.wrap("tiny".getBytes(StandardCharsets.US_ASCII)), b.localAddress());
            peer.send(ByteBuffer.allocate(Frames.MAX_LEN + 1), b.localAddress());
            peer.send(ByteBuffer.allocate(0), b.localAddress());
            byte[] good = TestFrames.raw(0xffff_ffff_ffffL, 0x5254_0000_0001L, 64, 1);
            peer.send(ByteBuffer.wrap(good), b.localAddress());
            assertArrayEquals(good, r.take(5000));
            await(() -> b.stats().rxFrames() == 1); // counted just after the sink returns
            assertEquals(3, b.stats().malformed());
            assertEquals(1, b.stats().rxFrames());
            assertFalse(b.send(new byte[10], 0, 10));
            assertFalse(b.send(new byte[2000], 0, 2000));
            assertEquals(5, b.stats().malformed());
            ByteBuffer in = ByteBuffer.allocate(4096);
            assertTrue(b.send(good, 0, good.length));
            peer.receive(in);
            assertEquals(good.length, in.position(), "one frame, one datagram, nothing added");
            assertArrayEquals(good, java.util.Arrays.copyOf(in.array(), in.position()));
        }
    }

    @Test
    void withoutASinkFramesAreDroppedAndCounted() throws Exception {
        try (DatagramChannel peer = DatagramChannel.open().bind(ANY_LOCAL);
             UdpBackend b = UdpBackend.open(ANY_LOCAL, (InetSocketAddress) peer.getLocalAddress())) {
            byte[] good = TestFrames.raw(0xffff_ffff_ffffL, 0x5254_0000_0001L, 64, 1);
            peer.send(ByteBuffer.wrap(good), b.localAddress());
            await(() -> b.stats().dropped() > 0);
            assertEquals(1, b.stats().dropped());
        }
    }

    @Test
    void closeStopsTheThreadAndFreesThePort() throws Exception {
        UdpBackend b = UdpBackend.open(ANY_LOCAL, loop(9));
        InetSocketAddress local = b.localAddress();
        assertTrue(b.receiving());
        b.close();
        b.close();
        assertFalse(b.receiving(), "receive thread ended");
        byte[] f = TestFrames.raw(0xffff_ffff_ffffL, 1, 60, 0);
        assertFalse(b.send(f, 0, 60));
        assertEquals(1, b.stats().dropped());
        try (UdpBackend again = UdpBackend.open(local, loop(9))) { // the port was released
            assertEquals(local, again.localAddress());
        }
    }

    @Test
    void badAddressesAreRefused() {
        assertThrows(IOException.class, () -> UdpBackend.open(ANY_LOCAL, loop(0)));
        assertThrows(IOException.class, () -> UdpBackend.open(ANY_LOCAL,
                InetSocketAddress.createUnresolved("no-such-host.invalid", 5000)));
        assertThrows(IllegalArgumentException.class, () -> UdpBackend.open(ANY_LOCAL, loop(9), 70000));
    }

    @Test
    void jumboFramesWhenAsked() throws Exception {
        int pa = freePort();
        int pb = freePort();
        try (UdpBackend a = UdpBackend.open(loop(pa), loop(pb), Frames.JUMBO_MAX_LEN);
             UdpBackend b = UdpBackend.open(loop(pb), loop(pa), Frames.JUMBO_MAX_LEN)) {
            Recorder r = new Recorder();
            b.attach(r);
            byte[] f = TestFrames.raw(0xffff_ffff_ffffL, 0x5254_0000_0001L, Frames.JUMBO_MAX_LEN, 5);
            assertTrue(a.send(f, 0, f.length));
            assertArrayEquals(f, r.take(5000));
        }
    }

    @Test
    void aUdpBackendOnASwitchPutsTheRemoteOnTheSegment() throws Exception {
        int pa = freePort();
        int pb = freePort();
        EthernetSwitch sw = new EthernetSwitch("lan");
        try (UdpBackend up = UdpBackend.open(loop(pa), loop(pb)); UdpBackend remote = UdpBackend.open(loop(pb), loop(pa))) {
            NetPort uplink = sw.newPort("udp");
            NetPort nic = sw.newPort("nic0");
            Recorder atNic = new Recorder();
            Recorder atRemote = new Recorder();
            nic.attach(atNic);
            remote.attach(atRemote);
            NetPorts.connect(uplink, up);
            byte[] fromRemote = TestFrames.raw(0x5254_0012_3456L, 0x0200_0000_0099L, 80, 1);
            assertTrue(remote.send(fromRemote, 0, fromRemote.length));
            assertArrayEquals(fromRemote, atNic.take(5000));
            byte[] reply = TestFrames.raw(0x0200_0000_0099L, 0x5254_0012_3456L, 90, 2);
            assertTrue(nic.send(reply, 0, reply.length));
            assertArrayEquals(reply, atRemote.take(5000));
            assertEquals(uplink, sw.lookup(0x0200_0000_0099L));
        }
    }

    /**
     * socat between two backends, with the UDP-DATAGRAM address the TAP bridge uses
     * ({@code socat TUN,tun-type=tap,iff-no-pi UDP-DATAGRAM:HOST:PORT,bind=HOST:PORT}): socat must
     * see each frame as one datagram and send it on as one, in both directions.
     */
    @Test
    void framesCrossSocatUdpDatagramRelayIntact() throws Exception {
        String socat = HostTools.require("socat", "socat");
        int pa = freePort();
        int pb = freePort();
        int x = freePort();
        int y = freePort();
        try (UdpBackend a = UdpBackend.open(loop(pa), loop(x)); UdpBackend b = UdpBackend.open(loop(pb), loop(y))) {
            Process p = new ProcessBuilder(socat, "-b", "65536",
                    "UDP-DATAGRAM:127.0.0.1:" + pa + ",bind=127.0.0.1:" + x,
                    "UDP-DATAGRAM:127.0.0.1:" + pb + ",bind=127.0.0.1:" + y)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                relay(p, a, b);
            } finally {
                p.destroy();
                p.waitFor();
            }
        }
    }

    private static void relay(Process p, UdpBackend a, UdpBackend b) throws Exception {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        a.attach(ra);
        b.attach(rb);
        byte[] ping = TestFrames.raw(0xffff_ffff_ffffL, 0x5254_0000_000aL, 60, 0);
        byte[] got = null;
        for (int i = 0; i < 100 && got == null; i++) { // until socat has bound its sockets
            assertTrue(p.isAlive(), "socat exited with " + (p.isAlive() ? 0 : p.exitValue()));
            a.send(ping, 0, ping.length);
            got = rb.take(50);
        }
        assertNotNull(got, "socat relayed nothing within 5 s");
        Thread.sleep(100);
        rb.drain();
        List<byte[]> ab = frames(0x5254_0000_000bL, 0x5254_0000_000aL, 30, Frames.MAX_LEN);
        List<byte[]> ba = frames(0x5254_0000_000aL, 0x5254_0000_000bL, 30, Frames.MAX_LEN);
        for (int i = 0; i < ab.size(); i++) {
            assertTrue(a.send(ab.get(i), 0, ab.get(i).length));
            assertTrue(b.send(ba.get(i), 0, ba.get(i).length));
            Thread.sleep(2); // socat relays one datagram per loop turn; pace a little to stay loss-free
        }
        expect(ab, rb);
        expect(ba, ra);
        assertEquals(0, a.stats().malformed() + b.stats().malformed());
    }
}
