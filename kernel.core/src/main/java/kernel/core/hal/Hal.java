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
