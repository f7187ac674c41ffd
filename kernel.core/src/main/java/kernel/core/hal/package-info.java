/** The hardware abstraction layer: physical memory, MMIO, port I/O, interrupts, ACPI. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package kernel.core.hal;
