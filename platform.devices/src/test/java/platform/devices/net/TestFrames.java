package platform.devices.net;

import java.nio.ByteBuffer;

/** Builds real frames for the tests: an ARP request and a UDP/IPv4 datagram with correct checksums. */
final class TestFrames {
    private TestFrames() {
    }

    /** An Ethernet frame of {@code len} bytes from {@code src} to {@code dst}, EtherType 0x88b5 (local experimental). */
    static byte[] raw(long dst, long src, int len, int tag) {
        byte[] f = new byte[len];
        new MacAddress(dst).put(f, 0);
        new MacAddress(src).put(f, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        for (int i = 14; i < len; i++) {
            f[i] = (byte) (tag + i);
        }
        return f;
    }

    /** "Who has {@code targetIp}? Tell {@code senderIp}" broadcast by {@code sender}. */
    static byte[] arpRequest(MacAddress sender, int senderIp, int targetIp) {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(MacAddress.BROADCAST.bytes()).put(sender.bytes()).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(sender.bytes()).putInt(senderIp).put(new byte[6]).putInt(targetIp);
        return b.array();
    }

    /** A UDP/IPv4 packet in an Ethernet frame, IP and UDP checksums filled in. */
    static byte[] udp(MacAddress dst, MacAddress src, int srcIp, int dstIp, int sport, int dport, byte[] payload) {
        int udpLen = 8 + payload.length;
        int ipLen = 20 + udpLen;
        ByteBuffer b = ByteBuffer.allocate(14 + ipLen);
        b.put(dst.bytes()).put(src.bytes()).putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) 0x1234).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).putInt(srcIp).putInt(dstIp);
        b.putShort(ip + 10, (short) checksum(b.array(), ip, 20, 0));
        int u = b.position();
        b.putShort((short) sport).putShort((short) dport).putShort((short) udpLen).putShort((short) 0).put(payload);
        long pseudo = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + 17 + udpLen;
        int c = checksum(b.array(), u, udpLen, pseudo);
        b.putShort(u + 6, (short) (c == 0 ? 0xffff : c));
        return b.array();
    }

    /** The Internet checksum (RFC 1071) of {@code b[off..off+len)} plus a starting sum. */
    static int checksum(byte[] b, int off, int len, long sum) {
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            sum += (b[off + len - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    static int ip(int a, int b, int c, int d) {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }
}
