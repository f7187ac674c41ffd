package platform.devices.net;

import java.util.HexFormat;

/**
 * A 48-bit Ethernet MAC address, held as the low 48 bits of a long (first byte on the wire is
 * bits 47..40). Written {@code 52:54:00:12:34:56}; parsing also accepts '-' as separator and
 * either case.
 *
 * <p>A NIC's own address must be unicast ({@link #parseNic} refuses a multicast one). The
 * default addresses are QEMU-style, locally administered: {@code 52:54:00:12:34:56} for
 * NIC 0, counting up in the low three bytes for NIC {@code i}, so a machine gets the same
 * addresses on every boot.
 */
public record MacAddress(long value) {
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);
    private static final long DEFAULT_BASE = 0x5254_0012_3456L;

    public MacAddress {
        if ((value & ~0xffff_ffff_ffffL) != 0) {
            throw new IllegalArgumentException("not a 48-bit MAC address: " + Long.toHexString(value));
        }
    }

    /** Parses {@code xx:xx:xx:xx:xx:xx} (or with '-'); the message names the bad text. */
    public static MacAddress parse(String s) {
        String[] parts = s == null ? new String[0] : s.trim().split("[:-]", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("bad MAC address '" + s + "': expected six hex bytes like 52:54:00:12:34:56");
        }
        long v = 0;
        for (String p : parts) {
            if (p.length() != 2 || !HexFormat.isHexDigit(p.charAt(0)) || !HexFormat.isHexDigit(p.charAt(1))) {
                throw new IllegalArgumentException("bad MAC address '" + s + "': '" + p + "' is not a hex byte");
            }
            v = (v << 8) | HexFormat.fromHexDigits(p);
        }
        return new MacAddress(v);
    }

    /** Parses an address for a NIC: as {@link #parse}, and it must not be multicast/broadcast. */
    public static MacAddress parseNic(String s) {
        MacAddress m = parse(s);
        if (m.isMulticast()) {
            throw new IllegalArgumentException("bad MAC address '" + s + "': multicast (bit 0 of the first byte set) cannot be a NIC address");
        }
        return m;
    }

    /** The default address of NIC {@code index} (0, 1, ...): 52:54:00:12:34:56 + index. */
    public static MacAddress defaultFor(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative NIC index " + index);
        }
        return new MacAddress(0x5254_0000_0000L | ((DEFAULT_BASE + index) & 0xff_ffffL));
    }

    /** The six bytes in wire order. */
    public byte[] bytes() {
        byte[] b = new byte[6];
        put(b, 0);
        return b;
    }

    /** Stores the six bytes at {@code buf[off..off+6)}. */
    public void put(byte[] buf, int off) {
        for (int i = 0; i < 6; i++) {
            buf[off + i] = (byte) (value >>> (40 - 8 * i));
        }
    }

    /** Group bit (I/G): multicast, broadcast included. */
    public boolean isMulticast() {
        return Frames.isGroup(value);
    }

    /** U/L bit: locally administered rather than a vendor OUI. */
    public boolean isLocallyAdministered() {
        return (value & (2L << 40)) != 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(HexFormat.of().toHexDigits((byte) (value >>> (40 - 8 * i))));
        }
        return sb.toString();
    }
}
