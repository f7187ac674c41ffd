package platform.devices.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pcap capture: the file format byte by byte, and tshark (the oracle) decoding what a tap recorded. */
class PcapTest {
    static final MacAddress NIC = MacAddress.defaultFor(0);
    static final MacAddress PEER = MacAddress.parse("02:00:00:00:00:99");
    static final int NIC_IP = TestFrames.ip(10, 0, 2, 15);
    static final int PEER_IP = TestFrames.ip(10, 0, 2, 2);

    @TempDir
    Path tmp;

    /** Runs tshark on {@code file} with {@code args}; returns its stdout lines, failing on a non-zero exit. */
    static List<String> tshark(Path file, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(HostTools.require("tshark", "tshark"), "-n", "-r", file.toString(),
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark hung");
        assertEquals(0, p.exitValue(), "tshark failed on " + file + ":\n" + out);
        return out.lines().toList();
    }

    @Test
    void headerAndRecordsAreClassicPcap() throws IOException {
        Path f = tmp.resolve("x.pcap");
        AtomicLong clock = new AtomicLong(1_700_000_000_123_456_789L);
        try (PcapWriter w = PcapWriter.create(f, false, 100, clock::get)) {
            byte[] frame = TestFrames.raw(-1L & 0xffff_ffff_ffffL, NIC.value(), 60, 1);
            w.write(frame, 0, 60);
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(24 + 16 + 60, b.limit(), "visible to a reader as soon as write returns");
            assertEquals(0xa1b2c3d4, b.getInt());
            assertEquals(2, b.getShort());
            assertEquals(4, b.getShort());
            assertEquals(0, b.getInt());
            assertEquals(0, b.getInt());
            assertEquals(100, b.getInt());
            assertEquals(PcapWriter.LINKTYPE_ETHERNET, b.getInt());
            assertEquals(1_700_000_000, b.getInt());
            assertEquals(123_456, b.getInt());
            assertEquals(60, b.getInt());
            assertEquals(60, b.getInt());
            byte[] got = new byte[60];
            b.get(got);
            assertArrayEquals(frame, got);
            byte[] big = TestFrames.raw(NIC.value(), PEER.value(), 150, 2);
            w.write(big, 0, 150); // longer than the snaplen: truncated, original length kept
            w.write(big, 140, 20); // bad bounds: counted, not thrown
            assertEquals(2, w.frames());
            assertEquals(1, w.errors());
            b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(24 + 16 + 60 + 16 + 100, b.limit());
            assertEquals(100, b.getInt(24 + 16 + 60 + 8));
            assertEquals(150, b.getInt(24 + 16 + 60 + 12));
        }
        try (PcapWriter w = PcapWriter.create(f, true, 65535, () -> 5_000_000_007L)) {
            w.write(new byte[14], 0, 14);
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0xa1b23c4d, b.getInt(0));
            assertEquals(5, b.getInt(24));
            assertEquals(7, b.getInt(28));
        }
    }

    /**
     * A NIC on a switch, tapped: it broadcasts an ARP request, the peer answers with a UDP
     * datagram. tshark must read both frames from the capture, in order, with both directions,
     * decode the ARP opcode and addresses, and find the IPv4 and UDP checksums good.
     */
    @Test
    void tsharkDecodesWhatATapRecorded() throws Exception {
        Path f = tmp.resolve("nic0.pcap");
        EthernetSwitch sw = new EthernetSwitch("lan");
        NetPort peer = sw.newPort("peer");
        byte[] payload = "hello from the peer".getBytes(StandardCharsets.US_ASCII);
        peer.attach((buf, off, len) -> { // the peer answers any ARP request with a UDP datagram
            if (len >= 14 && buf[off + 12] == 0x08 && buf[off + 13] == 0x06) {
                byte[] u = TestFrames.udp(NIC, PEER, PEER_IP, NIC_IP, 40001, 40002, payload);
                peer.send(u, 0, u.length);
            }
        });
        AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
        try (PcapTap nic = new PcapTap(sw.newPort("nic0"), PcapWriter.create(f, true, 65535,
                () -> clock.addAndGet(1_000)))) {
            Recorder got = new Recorder();
            nic.attach(got);
            byte[] arp = TestFrames.arpRequest(NIC, NIC_IP, PEER_IP);
            assertTrue(nic.send(arp, 0, arp.length));
            assertEquals(1, got.count());
            assertTrue(!nic.send(new byte[5], 0, 5), "malformed: not sent, not recorded");
            assertEquals(2, nic.writer().frames());
            assertEquals(1, nic.stats().malformed());

            // Read while the writer is still open: a capture is readable as it grows.
            List<String> lines = tshark(f, "-T", "fields", "-E", "separator=|",
                    "-e", "frame.number", "-e", "eth.src", "-e", "eth.dst", "-e", "arp.opcode",
                    "-e", "arp.src.proto_ipv4", "-e", "arp.dst.proto_ipv4", "-e", "ip.src", "-e", "ip.dst",
                    "-e", "ip.checksum.status", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.checksum.status",
                    "-e", "udp.length");
            assertEquals(List.of(
                    "1|52:54:00:12:34:56|ff:ff:ff:ff:ff:ff|1|10.0.2.15|10.0.2.2|||||||",
                    "2|02:00:00:00:00:99|52:54:00:12:34:56||||10.0.2.2|10.0.2.15|1|40001|40002|1|" + (8 + payload.length)),
                    lines);
        }
        List<String> summary = tshark(f);
        assertEquals(2, summary.size(), String.join("\n", summary));
        assertTrue(summary.get(0).contains("ARP") && summary.get(0).contains("Who has 10.0.2.2? Tell 10.0.2.15"), summary.get(0));
        assertTrue(summary.get(1).contains("UDP"), summary.get(1));
        List<String> times = tshark(f, "-T", "fields", "-e", "frame.time_epoch");
        assertEquals(List.of("1700000000.000001000", "1700000000.000002000"), times, "nanosecond timestamps");
    }

    @Test
    void manyFramesAllReadBack() throws Exception {
        Path f = tmp.resolve("many.pcap");
        EthernetSwitch sw = new EthernetSwitch("lan");
        NetPort other = sw.newPort("other");
        try (PcapTap nic = new PcapTap(sw.newPort("nic"), PcapWriter.create(f))) {
            nic.attach(new Recorder());
            for (int i = 0; i < 300; i++) {
                byte[] out = TestFrames.udp(PEER, NIC, NIC_IP, PEER_IP, 1000 + i, 2000, new byte[i]);
                nic.send(out, 0, out.length);
                byte[] in = TestFrames.raw(NIC.value(), PEER.value(), 60 + i, i);
                other.send(in, 0, in.length);
            }
        }
        List<String> lines = tshark(f, "-T", "fields", "-e", "frame.len", "-e", "udp.checksum.status");
        assertEquals(600, lines.size());
        for (int i = 0; i < 300; i++) {
            assertEquals((14 + 20 + 8 + i) + "\t1", lines.get(2 * i), "frame " + (2 * i + 1));
            assertEquals((60 + i) + "\t", lines.get(2 * i + 1), "frame " + (2 * i + 2));
        }
    }

    /** The checksum oracle is not vacuous: a corrupted UDP checksum is reported bad. */
    @Test
    void tsharkNoticesABadChecksum() throws Exception {
        Path f = tmp.resolve("bad.pcap");
        byte[] u = TestFrames.udp(PEER, NIC, NIC_IP, PEER_IP, 40001, 40002, new byte[] {1, 2, 3});
        u[14 + 20 + 6] ^= 0x55;
        try (PcapWriter w = PcapWriter.create(f)) {
            w.write(u, 0, u.length);
        }
        assertEquals(List.of("1\t0"), tshark(f, "-T", "fields", "-e", "ip.checksum.status", "-e", "udp.checksum.status"));
    }
}
