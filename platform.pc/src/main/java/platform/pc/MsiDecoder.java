package platform.pc;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * The MSI address window 0xFEE00000-0xFEEFFFFF as seen by bus-mastering devices: a 32-bit
 * write of {@code data} to {@code 0xFEE00000 | dest << 12} raises vector {@code data & 0xFF}
 * on the local APIC whose ID is {@code dest} (physical destination mode, fixed delivery).
 * Writes of another size, and writes to an unknown destination, are dropped and counted.
 * Reads return all-ones. Mapped on the {@link PhysicalBus} by {@link Machine}.
 */
public final class MsiDecoder implements MmioHandler {
    /** Physical base of the MSI window. */
    public static final long BASE = 0xFEE0_0000L;
    /** Length of the MSI window. */
    public static final long LENGTH = 0x10_0000L;

    private final IntFunction<LocalApic> apicById;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder delivered = new LongAdder();

    /** {@code apicById} returns the local APIC with a given APIC ID, or null. */
    public MsiDecoder(IntFunction<LocalApic> apicById) {
        this.apicById = apicById;
    }

    @Override
    public long read(long offset, int size) {
        return -1L;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size != 4 || (offset & 3) != 0) {
            dropped.increment();
            return;
        }
        int dest = (int) ((offset >>> 12) & 0xFF);
        LocalApic apic = apicById.apply(dest);
        if (apic == null) {
            dropped.increment();
            return;
        }
        delivered.increment();
        apic.raise((int) (value & 0xFF));
    }

    /** MSIs dropped (bad size or unknown destination). */
    public long dropped() {
        return dropped.sum();
    }

    /** MSIs forwarded to a local APIC. */
    public long delivered() {
        return delivered.sum();
    }
}
