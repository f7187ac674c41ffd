package platform.pc;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * The MSI address window 0xFEE00000-0xFEEFFFFF as seen by bus-mastering devices (Intel SDM
 * vol. 3, 11.11). A 32-bit write of {@code data} to {@code 0xFEE00000 | dest << 12 | RH << 3
 * | DM << 2} sends an interrupt message: vector {@code data[7:0]}, delivery mode
 * {@code data[10:8]}, trigger mode {@code data[15]} (level only with assert, {@code data[14]}),
 * destination ID {@code dest} in physical ({@code DM = 0}) or logical mode. MSI-X table
 * entries produce the same write. Writes of another size, and messages that reach no local
 * APIC, are dropped and counted. Reads return all-ones. Mapped on the {@link PhysicalBus} by
 * {@link Machine}.
 *
 * <p>Built on an {@link ApicBus} it supports every destination and delivery mode; built on
 * an {@code IntFunction<LocalApic>} (the earlier, minimal form) it delivers fixed interrupts
 * in physical mode only.
 */
public final class MsiDecoder implements MmioHandler {
    /** Physical base of the MSI window. */
    public static final long BASE = 0xFEE0_0000L;
    /** Length of the MSI window. */
    public static final long LENGTH = 0x10_0000L;

    private final IntFunction<LocalApic> apicById;
    private final ApicBus bus;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder delivered = new LongAdder();

    /** {@code apicById} returns the local APIC with a given APIC ID, or null. */
    public MsiDecoder(IntFunction<LocalApic> apicById) {
        this.apicById = apicById;
        this.bus = null;
    }

    /** Delivers through {@code bus}. */
    public MsiDecoder(ApicBus bus) {
        this.apicById = null;
        this.bus = bus;
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
        int vector = (int) (value & 0xFF);
        if (bus != null) {
            boolean logical = (offset & 4) != 0;
            int mode = (int) ((value >> 8) & 7);
            boolean level = (value & 0x8000) != 0 && (value & 0x4000) != 0;
            if ((value & 0x8000) != 0 && (value & 0x4000) == 0) {
                dropped.increment(); // level de-assert message: nothing to deliver
                return;
            }
            if (bus.deliver(vector, mode, logical, dest, level, ApicBus.NO_SHORTHAND, null) == 0) {
                dropped.increment();
            } else {
                delivered.increment();
            }
            return;
        }
        LocalApic apic = apicById.apply(dest);
        if (apic == null) {
            dropped.increment();
            return;
        }
        delivered.increment();
        apic.raise(vector);
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
