package kernel.core.hal;

import platform.pc.BootInfo;

/**
 * The hardware abstraction layer: the only door from kernel code to the machine.
 *
 * <p>Everything a driver does to hardware goes through here, exactly as machine code would:
 * loads and stores to physical addresses (RAM for DMA buffers, MMIO for device registers),
 * port I/O, and interrupt vectors. No kernel module calls a device model directly.
 *
 * <p>The service is bundle-scoped: each module gets its own instance, which records the
 * interrupt vectors and MMIO windows that module holds and releases them when the module goes
 * away, so an unloaded driver leaves no handler behind.
 */
public interface Hal {
    /** The firmware's handoff: memory map, ACPI RSDP, command line, CPU count. */
    BootInfo bootInfo();

    /** The vCPUs running now (the BSP, and the APs started by INIT/SIPI); at most {@code bootInfo().cpuCount()}. */
    default int cpusOnline() {
        return bootInfo().cpuCount();
    }

    /**
     * The machine's vCPUs, by index (APIC ID = index): what the scheduler runs tasks on and
     * what IPIs target. Each is a host thread; see {@link platform.pc.Vcpu} for what may be
     * called from which thread.
     */
    default java.util.List<platform.pc.Vcpu> vcpus() {
        return java.util.List.of();
    }

    /** The index of the vCPU whose thread is calling, or -1 if the caller is not a vCPU thread. */
    default int currentCpu() {
        for (platform.pc.Vcpu v : vcpus()) {
            if (v.onVcpuThread()) {
                return v.index();
            }
        }
        return -1;
    }

    /** Physical memory as seen by the CPU: use for DMA buffers and firmware tables. */
    PhysMem memory();

    /**
     * A register window of {@code size} bytes at physical address {@code base}.
     *
     * @throws IllegalArgumentException if the range is not page-aligned MMIO space
     */
    Mmio mapMmio(long base, long size);

    /** x86 I/O port space. */
    PortIo ports();

    /** Interrupt vectors and their handlers. */
    Interrupts interrupts();

    /** The ACPI tables the firmware published. */
    Acpi acpi();
}
