package platform.pc.pci;

import java.util.ArrayList;
import java.util.List;
import platform.pc.MmioHandler;

/**
 * Splits one register window (typically a BAR) into sub-ranges served by different
 * handlers, e.g. virtio's common/ISR/device/notify structures or an MSI-X table and PBA.
 * Each handler sees offsets relative to its own sub-range. Accesses that hit no sub-range
 * (or straddle one's end) read all-ones and are otherwise ignored. Build it completely
 * before mapping it; it is immutable afterwards.
 */
public final class MmioRouter implements MmioHandler {
    private record Range(long start, long length, MmioHandler handler) {
    }

    private final List<Range> ranges = new ArrayList<>();
    private Range[] sorted = new Range[0];

    /** Routes {@code [start, start+length)} to {@code handler}. Returns this. */
    public MmioRouter add(long start, long length, MmioHandler handler) {
        for (Range r : ranges) {
            if (start < r.start + r.length && r.start < start + length) {
                throw new IllegalArgumentException("overlapping MMIO sub-range at " + start);
            }
        }
        ranges.add(new Range(start, length, handler));
        sorted = ranges.toArray(new Range[0]);
        return this;
    }

    private Range find(long offset, int size) {
        for (Range r : sorted) {
            if (offset >= r.start && offset + size <= r.start + r.length) {
                return r;
            }
        }
        return null;
    }

    @Override
    public long read(long offset, int size) {
        Range r = find(offset, size);
        return r == null ? -1L : r.handler.read(offset - r.start, size);
    }

    @Override
    public void write(long offset, int size, long value) {
        Range r = find(offset, size);
        if (r != null) {
            r.handler.write(offset - r.start, size, value);
        }
    }
}
