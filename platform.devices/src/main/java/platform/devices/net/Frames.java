package platform.devices.net;

/**
 * Ethernet frame sizes and header fields, as carried between NICs and backends.
 *
 * <p>A frame is raw Ethernet II / 802.3 as it goes on the wire minus preamble and FCS:
 * destination MAC (6 bytes), source MAC (6), EtherType or length (2), payload. The shortest
 * frame accepted is the bare header ({@value #MIN_LEN} bytes: models pad to 60 themselves if
 * they want to); the longest is {@value #MAX_LEN} (1500-byte MTU + header + an 802.1Q tag).
 * Jumbo frames are opt-in per switch or backend up to {@value #JUMBO_MAX_LEN} (9000-byte MTU +
 * header + tag), which still fits one UDP datagram.
 */
public final class Frames {
    public static final int MIN_LEN = 14;
    public static final int MAX_LEN = 1518;
    public static final int JUMBO_MAX_LEN = 9018;

    private Frames() {
    }

    /** True if {@code off/len} lie inside {@code buf} and {@code MIN_LEN <= len <= maxFrame}. */
    public static boolean valid(byte[] buf, int off, int len, int maxFrame) {
        return buf != null && off >= 0 && len >= MIN_LEN && len <= maxFrame && off <= buf.length - len;
    }

    /** Checks a configured maximum frame size; returns it. */
    public static int checkMaxFrame(int maxFrame) {
        if (maxFrame < MIN_LEN || maxFrame > JUMBO_MAX_LEN) {
            throw new IllegalArgumentException("max frame size " + maxFrame + " not in [" + MIN_LEN + ", " + JUMBO_MAX_LEN + "]");
        }
        return maxFrame;
    }

    /** The destination MAC at {@code buf[off..off+6)} as a 48-bit value. */
    public static long dst(byte[] buf, int off) {
        return mac48(buf, off);
    }

    /** The source MAC at {@code buf[off+6..off+12)} as a 48-bit value. */
    public static long src(byte[] buf, int off) {
        return mac48(buf, off + 6);
    }

    private static long mac48(byte[] b, int o) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (b[o + i] & 0xff);
        }
        return v;
    }

    /** True for a group address (multicast or broadcast): the I/G bit of the first byte. */
    public static boolean isGroup(long mac48) {
        return (mac48 & (1L << 40)) != 0;
    }
}
