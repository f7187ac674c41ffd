package fs.fat.internal;

/** Little-endian field access for on-disk structures; every FAT field is little-endian. */
final class LittleEndian {
    private LittleEndian() {}

    static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    /** An unsigned 32-bit field, as a long so that it is never negative. */
    static long u32(byte[] b, int off) {
        return (u16(b, off) | (long) u16(b, off + 2) << 16);
    }
}
