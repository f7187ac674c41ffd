package fs.fat.internal;

import static fs.fat.internal.LittleEndian.u16;
import static fs.fat.internal.LittleEndian.u8;

/**
 * Assembles a VFAT long file name from the entries that precede its 8.3 entry.
 *
 * <p>A long name of n*13 UCS-2 characters or fewer is stored in n entries (attribute 0x0F),
 * last part first: byte 0 is the part's ordinal 1..n, with 0x40 added on the first entry
 * written (part n); byte 13 is the checksum of the 8.3 name that follows them. Each part holds
 * 13 characters at bytes 1..10, 14..25 and 28..31; the name ends with 0x0000 and is padded
 * with 0xFFFF. A sequence with a gap, a changed checksum, or a checksum that does not match
 * the 8.3 entry is dropped, and the entry keeps its short name.
 */
final class LongName {
    static final int MAX_CHARS = 255;
    private static final int CHARS_PER_ENTRY = 13;
    private static final int[] CHAR_OFFSETS = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    private static final int LAST_PART = 0x40;

    private final char[] chars = new char[20 * CHARS_PER_ENTRY];
    private int length;
    /** Ordinal of the last part taken, 0 when no sequence is open. */
    private int ordinal;
    private int checksum;

    /** Forgets any open sequence (after a deleted or broken entry). */
    void reset() {
        ordinal = 0;
    }

    /** Takes the long-name entry at {@code b[off..off+32)}. */
    void add(byte[] b, int off) {
        int ord = u8(b, off);
        int sum = u8(b, off + 13);
        if ((ord & LAST_PART) != 0) {
            int parts = ord & 0x3F;
            ordinal = 0;
            if (parts < 1 || parts > 20) return;
            int n = copy(b, off, parts);
            length = (parts - 1) * CHARS_PER_ENTRY + n;
            if (n == 0 || length > MAX_CHARS) return;
            ordinal = parts;
            checksum = sum;
        } else if (ordinal > 1 && ord == ordinal - 1 && sum == checksum
                && copy(b, off, ord) == CHARS_PER_ENTRY) {
            ordinal = ord;
        } else {
            ordinal = 0; // out of order: the sequence is broken
        }
    }

    /**
     * Closes the sequence at the 8.3 entry whose name has checksum {@code shortChecksum}.
     *
     * @return the long name, or null if there is none or it is broken
     */
    String finish(int shortChecksum) {
        boolean complete = ordinal == 1 && checksum == shortChecksum;
        ordinal = 0;
        return complete ? new String(chars, 0, length) : null;
    }

    /** Copies part {@code part}'s characters into place; returns how many precede the 0x0000 end. */
    private int copy(byte[] b, int off, int part) {
        int at = (part - 1) * CHARS_PER_ENTRY;
        int n = 0;
        for (int i = 0; i < CHARS_PER_ENTRY; i++) {
            char c = (char) u16(b, off + CHAR_OFFSETS[i]);
            if (c == 0) break;
            chars[at + n++] = c;
        }
        return n;
    }
}
