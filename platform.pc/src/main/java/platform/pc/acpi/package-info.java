/** ACPI tables written by the emulated firmware (RSDP, XSDT, RSDT, MCFG, MADT). */
package platform.pc.acpi;
