package platform.pc.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small writer of ACPI Machine Language (ACPI 6.4, chapter 20 "ACPI Machine Language
 * Specification") for the firmware's DSDT: each method returns the encoding of one term.
 * Integers use the smallest encoding (ZeroOp, OneOp, BytePrefix, WordPrefix, DWordPrefix,
 * QWordPrefix); package lengths use the 1..4-byte PkgLength encoding, which counts its own
 * bytes.
 */
final class Aml {
    static final int ZERO_OP = 0x00, ONE_OP = 0x01, NAME_OP = 0x08, BYTE_PREFIX = 0x0A, WORD_PREFIX = 0x0B,
            DWORD_PREFIX = 0x0C, QWORD_PREFIX = 0x0E, SCOPE_OP = 0x10, BUFFER_OP = 0x11, PACKAGE_OP = 0x12,
            EXT_OP_PREFIX = 0x5B, DEVICE_OP = 0x82, ROOT_CHAR = 0x5C, DUAL_NAME_PREFIX = 0x2E;

    private Aml() {
    }

    /** An integer constant in its smallest encoding. */
    static byte[] integer(long v) {
        if (v == 0) {
            return new byte[] {ZERO_OP};
        }
        if (v == 1) {
            return new byte[] {ONE_OP};
        }
        if ((v & ~0xFFL) == 0) {
            return new byte[] {BYTE_PREFIX, (byte) v};
        }
        if ((v & ~0xFFFFL) == 0) {
            return prefixed(WORD_PREFIX, v, 2);
        }
        if ((v & ~0xFFFF_FFFFL) == 0) {
            return prefixed(DWORD_PREFIX, v, 4);
        }
        return prefixed(QWORD_PREFIX, v, 8);
    }

    /** A DWord constant (DWordPrefix) whatever its value, as ASL's EISAID() compiles. */
    static byte[] dword(long v) {
        return prefixed(DWORD_PREFIX, v, 4);
    }

    /**
     * The 32-bit compressed EISA ID of a 7-character PNP ID such as "PNP0A08": three letters
     * of 5 bits each and four hex digits, stored big-endian.
     */
    static long eisaId(String id) {
        if (id.length() != 7) {
            throw new IllegalArgumentException("EISA ID " + id);
        }
        int v = (id.charAt(0) - 0x40) << 26 | (id.charAt(1) - 0x40) << 21 | (id.charAt(2) - 0x40) << 16
                | Integer.parseInt(id.substring(3), 16);
        return Integer.reverseBytes(v) & 0xFFFF_FFFFL;
    }

    /**
     * A NameString: a single segment ("_HID", "PCI0"; shorter names are padded with '_'), or a
     * rooted path of segments ("\\_SB.PCI0").
     */
    static byte[] nameString(String name) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        String n = name;
        if (n.startsWith("\\")) {
            o.write(ROOT_CHAR);
            n = n.substring(1);
        }
        String[] segs = n.split("\\.");
        if (segs.length == 2) {
            o.write(DUAL_NAME_PREFIX);
        } else if (segs.length > 2) {
            o.write(0x2F); // MultiNamePrefix
            o.write(segs.length);
        }
        for (String s : segs) {
            if (s.isEmpty() || s.length() > 4) {
                throw new IllegalArgumentException("name segment '" + s + "'");
            }
            o.writeBytes((s + "___").substring(0, 4).getBytes(StandardCharsets.US_ASCII));
        }
        return o.toByteArray();
    }

    /** {@code Name (name, value)}. */
    static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** {@code Package (n) { elements }} with NumElements = the element count (at most 255). */
    static byte[] pkg(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("package too long");
        }
        byte[] body = concat(new byte[] {(byte) elements.length}, concat(elements));
        return concat(new byte[] {PACKAGE_OP}, pkgLength(body.length), body);
    }

    /** {@code Buffer (n) { data }}. */
    static byte[] buffer(byte[] data) {
        byte[] body = concat(integer(data.length), data);
        return concat(new byte[] {BUFFER_OP}, pkgLength(body.length), body);
    }

    /** {@code Scope (name) { terms }}. */
    static byte[] scope(String name, byte[]... terms) {
        byte[] body = concat(nameString(name), concat(terms));
        return concat(new byte[] {SCOPE_OP}, pkgLength(body.length), body);
    }

    /** {@code Device (name) { terms }}. */
    static byte[] device(String name, byte[]... terms) {
        byte[] body = concat(nameString(name), concat(terms));
        return concat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, pkgLength(body.length), body);
    }

    /** The PkgLength encoding for {@code content} bytes following it (the length includes itself). */
    static byte[] pkgLength(int content) {
        if (content + 1 < 64) {
            return new byte[] {(byte) (content + 1)};
        }
        for (int n = 2; n <= 4; n++) {
            int total = content + n;
            if (total < 1 << (4 + 8 * (n - 1))) {
                byte[] b = new byte[n];
                b[0] = (byte) ((n - 1) << 6 | (total & 0xF));
                for (int i = 1; i < n; i++) {
                    b[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                }
                return b;
            }
        }
        throw new IllegalArgumentException("package too large: " + content);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static byte[] prefixed(int prefix, long v, int size) {
        byte[] b = new byte[1 + size];
        b[0] = (byte) prefix;
        for (int i = 0; i < size; i++) {
            b[1 + i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
