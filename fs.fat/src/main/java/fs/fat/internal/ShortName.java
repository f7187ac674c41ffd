package fs.fat.internal;

import java.nio.charset.Charset;
import java.util.Locale;

/**
 * 8.3 names as stored in a directory entry: 8 bytes of base name and 3 of extension, space
 * padded, in the OEM code page (read as code page 437). Byte 12 of the entry carries the
 * Windows NT case flags: bit 3 shows the base and bit 4 the extension in lower case. A first
 * byte 0x05 stands for 0xE5, which in that place marks a deleted entry.
 */
final class ShortName {
    static final int NT_LOWER_BASE = 0x08;
    static final int NT_LOWER_EXT = 0x10;

    private static final Charset OEM = Charset.forName("IBM437");

    private ShortName() {}

    /**
     * The name of the entry at {@code b[off..off+32)}, e.g. "README.TXT" or "readme.txt".
     *
     * @return the name, or null if it holds control characters or path separators
     */
    static String decode(byte[] b, int off) {
        byte[] raw = new byte[11];
        System.arraycopy(b, off, raw, 0, 11);
        if ((raw[0] & 0xFF) == 0x05) raw[0] = (byte) 0xE5;
        for (byte c : raw)
            if ((c & 0xFF) < 0x20 || c == '/' || c == '\\') return null;
        int ntFlags = b[off + 12];
        String base = trimRight(new String(raw, 0, 8, OEM));
        String ext = trimRight(new String(raw, 8, 3, OEM));
        if ((ntFlags & NT_LOWER_BASE) != 0) base = base.toLowerCase(Locale.ROOT);
        if ((ntFlags & NT_LOWER_EXT) != 0) ext = ext.toLowerCase(Locale.ROOT);
        return ext.isEmpty() ? base : base + "." + ext;
    }

    /** The 11-byte label at {@code b[off..]}, without its padding, control characters shown as '?'. */
    static String label(byte[] b, int off) {
        byte[] raw = new byte[11];
        for (int i = 0; i < 11; i++) raw[i] = (b[off + i] & 0xFF) < 0x20 ? (byte) '?' : b[off + i];
        return trimRight(new String(raw, OEM));
    }

    /** The checksum of the 11-byte name at {@code b[off..]} that its long-name entries carry. */
    static int checksum(byte[] b, int off) {
        int sum = 0;
        for (int i = 0; i < 11; i++)
            sum = (((sum & 1) << 7) + (sum >> 1) + (b[off + i] & 0xFF)) & 0xFF;
        return sum;
    }

    /** True for the "." and ".." entries that open every subdirectory. */
    static boolean isDotEntry(byte[] b, int off) {
        if (b[off] != '.') return false;
        int i = b[off + 1] == '.' ? 2 : 1;
        for (; i < 11; i++)
            if (b[off + i] != ' ') return false;
        return true;
    }

    private static String trimRight(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') end--;
        return s.substring(0, end);
    }
}
