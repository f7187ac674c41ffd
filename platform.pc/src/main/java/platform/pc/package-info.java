/**
 * The emulated PC board: RAM, the physical address space with MMIO and port I/O dispatch,
 * interrupt delivery, the vCPUs ({@link platform.pc.Vcpu}: one host thread each, with its
 * local APIC and a {@code platform.cpu.Cpu}), PCI with ECAM, ACPI tables and the BootInfo
 * handoff. Plain Java, no OSGi code.
 */

package platform.pc;
