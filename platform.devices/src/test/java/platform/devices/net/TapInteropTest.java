package platform.devices.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The documented bridge to Linux, for real: {@code socat TUN:ADDR/24,tun-type=tap,iff-no-pi
 * UDP-DATAGRAM:...} makes a TAP interface whose frames travel one per datagram to a
 * {@link UdpBackend}. The test plays an emulated NIC at 10.77.N.2: the host kernel ARPs for it
 * (the test answers), sends it a UDP datagram, and receives the one the test builds back.
 *
 * <p>Creating a TAP needs /dev/net/tun and CAP_NET_ADMIN. Where the host refuses (an
 * unprivileged container) the test is skipped with that reason; the socat relay test in
 * {@link UdpBackendTest} still covers the datagram framing. socat itself missing is a failure.
 */
class TapInteropTest {
    static final MacAddress NIC = MacAddress.defaultFor(0);

    @Test
    void aLinuxTapReachesTheEmulatedNicThroughSocat() throws Exception {
        String socat = HostTools.require("socat", "socat");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun: TAP devices unavailable here");
        int subnet = 10 + ThreadLocalRandom.current().nextInt(200);
        String ifname = "kst" + ProcessHandle.current().pid() % 100000;
        int hostIp = TestFrames.ip(10, 77, subnet, 1);
        int nicIp = TestFrames.ip(10, 77, subnet, 2);
        String hostAddr = "10.77." + subnet + ".1";
        int udpA = UdpBackendTest.freePort();
        int udpX = UdpBackendTest.freePort();
        // The backend listens before socat starts: the kernel sends frames (IPv6 neighbour
        // discovery) as soon as the TAP is up, and socat quits if they bounce (port unreachable).
        try (UdpBackend nic = UdpBackend.open(UdpBackendTest.loop(udpA), UdpBackendTest.loop(udpX))) {
            Path log = Files.createTempFile("kestrel-socat-", ".log");
            Process p = new ProcessBuilder(socat, "-b", "65536",
                    "TUN:" + hostAddr + "/24,tun-type=tap,iff-no-pi,iff-up,tun-name=" + ifname,
                    "UDP-DATAGRAM:127.0.0.1:" + udpA + ",bind=127.0.0.1:" + udpX)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                run(p, log, nic, ifname, subnet, hostAddr, hostIp, nicIp);
            } finally {
                p.destroy();
                p.waitFor();
                Files.deleteIfExists(log);
            }
        }
    }

    private static void run(Process p, Path log, UdpBackend nic, String ifname, int subnet, String hostAddr, int hostIp,
            int nicIp) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!Files.exists(Path.of("/sys/class/net", ifname)) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (!p.isAlive()) {
            String err = Files.readString(log).strip();
            Assumptions.assumeFalse(err.contains("not permitted") || err.contains("Permission denied"),
                    "socat cannot create a TAP here (needs CAP_NET_ADMIN): " + err);
            throw new AssertionError("socat exited with " + p.exitValue() + ": " + err);
        }
        assertTrue(Files.exists(Path.of("/sys/class/net", ifname)), "TAP " + ifname + " did not appear");
        // socat assigns the address before it sets the link up: until IFF_UP the subnet has no
        // route, so a datagram sent then would leave through the default route instead
        while ((Integer.decode(Files.readString(Path.of("/sys/class/net", ifname, "flags")).strip()) & 1) == 0
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        LinkedBlockingQueue<byte[]> udpForNic = new LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicLong hostMac = new java.util.concurrent.atomic.AtomicLong();
        nic.attach((buf, off, len) -> { // the emulated NIC: answer ARP for our address, collect UDP
            int type = ((buf[off + 12] & 0xff) << 8) | (buf[off + 13] & 0xff);
            ByteBuffer b = ByteBuffer.wrap(buf, off, len);
            if (type == 0x0806 && len >= 42 && b.getShort(off + 20) == 1 && b.getInt(off + 38) == nicIp) {
                hostMac.set(Frames.src(buf, off));
                byte[] reply = arpReply(new MacAddress(hostMac.get()), b.getInt(off + 28), nicIp);
                nic.send(reply, 0, reply.length);
            } else if (type == 0x0800 && len >= 42 && buf[off + 23] == 17 && Frames.dst(buf, off) == NIC.value()) {
                udpForNic.add(Arrays.copyOfRange(buf, off, off + len));
            }
        });
        try (DatagramChannel host = bindWhenReady(hostAddr)) {
            int hostPort = ((InetSocketAddress) host.getLocalAddress()).getPort();
            byte[] hello = "hello, emulated NIC".getBytes(StandardCharsets.US_ASCII);
            // UDP: resent a few times, so that one lost to start-up (neighbour discovery) is not a failure
            byte[] f = null;
            for (int i = 0; i < 10 && f == null; i++) {
                host.send(ByteBuffer.wrap(hello), new InetSocketAddress("10.77." + subnet + ".2", 40002));
                f = udpForNic.poll(500, TimeUnit.MILLISECONDS);
            }
            assertNotNull(f, "the host's datagram never reached the NIC (ARP answered: " + (hostMac.get() != 0)
                    + ", socat alive: " + p.isAlive() + ", socat said: " + Files.readString(log).strip() + ")");
            assertEquals(hostIp, ByteBuffer.wrap(f).getInt(26));
            assertEquals(40002, ByteBuffer.wrap(f).getShort(36) & 0xffff);
            assertArrayEquals(hello, Arrays.copyOfRange(f, 42, f.length));

            byte[] back = "and hello back".getBytes(StandardCharsets.US_ASCII);
            byte[] reply = TestFrames.udp(new MacAddress(hostMac.get()), NIC, nicIp, hostIp, 40002, hostPort, back);
            assertTrue(nic.send(reply, 0, reply.length));
            host.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(2048);
            long until = System.nanoTime() + 5_000_000_000L;
            while (host.receive(in) == null && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertArrayEquals(back, Arrays.copyOf(in.array(), in.position()), "the kernel accepted the NIC's UDP frame");
        }
    }

    /** Binds a UDP socket on the TAP's address once socat has configured it. */
    private static DatagramChannel bindWhenReady(String addr) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            DatagramChannel c = DatagramChannel.open();
            try {
                return c.bind(new InetSocketAddress(addr, 0));
            } catch (IOException e) {
                c.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    private static byte[] arpReply(MacAddress to, int toIp, int myIp) {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(to.bytes()).put(NIC.bytes()).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 2);
        b.put(NIC.bytes()).putInt(myIp).put(to.bytes()).putInt(toIp);
        return b.array();
    }
}
