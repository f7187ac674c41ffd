package kernel.mm;

/**
 * Physical memory zones, as Linux has them on x86-64: memory a device with 24-bit DMA can
 * reach, memory a 32-bit device can reach, and the rest. An allocation for a zone may be
 * served from a lower zone when its own is exhausted (NORMAL, then DMA32, then DMA), never
 * from a higher one.
 */
public enum Zone {
    /** Physical addresses below 16 MiB. */
    DMA(0, 16L << 20),
    /** 16 MiB up to 4 GiB. */
    DMA32(16L << 20, 1L << 32),
    /** 4 GiB and above. */
    NORMAL(1L << 32, Long.MAX_VALUE);

    private final long start;
    private final long end;

    Zone(long start, long end) {
        this.start = start;
        this.end = end;
    }

    /** First physical address of the zone. */
    public long start() {
        return start;
    }

    /** End of the zone (exclusive). */
    public long end() {
        return end;
    }

    /** The zone holding physical address {@code phys}. */
    public static Zone of(long phys) {
        return phys < DMA.end ? DMA : phys < DMA32.end ? DMA32 : NORMAL;
    }
}
