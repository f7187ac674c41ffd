package platform.pc;

import java.lang.foreign.MemorySegment;
import platform.cpu.PhysicalMemory;

/**
 * The physical address space as one vCPU sees it (the CPU's side of {@link Machine}'s memory
 * map): RAM is the machine's {@link Ram} (low RAM at 0, high RAM from
 * {@link Machine#HIGH_RAM_BASE}); the 4 KiB page at {@link LocalApic#DEFAULT_BASE} is this
 * vCPU's own local APIC ({@link LocalApic#mmio()}); everything else goes to the shared
 * {@link PhysicalBus} (device registers, the IOAPIC, holes).
 *
 * <p>Immutable; safe for the vCPU thread. Never allocates: {@link #ramOffset} is arithmetic and
 * scalar accesses go straight to the APIC or the bus.
 */
final class VcpuMemory implements PhysicalMemory {
    private final MemorySegment ram;
    private final long low;       // RAM bytes mapped at 0
    private final long highEnd;   // end of high RAM (HIGH_RAM_BASE if none)
    private final MmioHandler apic;
    private final PhysicalBus bus;

    VcpuMemory(Ram ram, long lowRamSize, MmioHandler apic, PhysicalBus bus) {
        this.ram = ram.segment();
        this.low = lowRamSize;
        this.highEnd = Machine.HIGH_RAM_BASE + (ram.size() - lowRamSize);
        this.apic = apic;
        this.bus = bus;
    }

    @Override
    public MemorySegment ram() {
        return ram;
    }

    @Override
    public long ramOffset(long pa) {
        if (pa >= 0 && pa < low) {
            return pa;
        }
        if (pa >= Machine.HIGH_RAM_BASE && pa < highEnd) {
            return pa - Machine.HIGH_RAM_BASE + low;
        }
        return -1;
    }

    @Override
    public long read(long pa, int size) {
        if ((pa & ~0xFFFL) == LocalApic.DEFAULT_BASE) {
            return apic.read(pa & 0xFFF, size);
        }
        return bus.read(pa, size);
    }

    @Override
    public void write(long pa, int size, long value) {
        if ((pa & ~0xFFFL) == LocalApic.DEFAULT_BASE) {
            apic.write(pa & 0xFFF, size, value);
        } else {
            bus.write(pa, size, value);
        }
    }
}
