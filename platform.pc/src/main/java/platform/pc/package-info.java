/**
 * The emulated PC board: RAM, the physical address space with MMIO and port I/O dispatch,
 * interrupt delivery, PCI with ECAM, ACPI tables and the BootInfo handoff.
 * Plain Java, no OSGi code.
 */

package platform.pc;
