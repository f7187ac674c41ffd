package platform.pc;

/**
 * A device's register window in the physical address space.
 *
 * <p>Offsets are relative to the start of the window. {@code size} is 1, 2, 4 or 8 bytes;
 * values are little-endian and zero-extended into the {@code long}. A handler must never
 * throw for a guest-controlled value: a bad register access is ignored (writes) or reads
 * all-ones, as on real hardware.
 */
public interface MmioHandler {
    long read(long offset, int size);

    void write(long offset, int size, long value);

    /** The read half of a handler. */
    interface Reader {
        long read(long offset, int size);
    }

    /** The write half of a handler. */
    interface Writer {
        void write(long offset, int size, long value);
    }

    /** A handler made of two functions, e.g. {@code MmioHandler.of(this::regRead, this::regWrite)}. */
    static MmioHandler of(Reader r, Writer w) {
        return new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return r.read(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                w.write(offset, size, value);
            }
        };
    }
}
