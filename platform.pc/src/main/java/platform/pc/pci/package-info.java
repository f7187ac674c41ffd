/**
 * PCI: device functions with their configuration space, BARs and INTx pin
 * ({@link platform.pc.pci.PciFunction}), MSI-X ({@link platform.pc.pci.MsixTable}), the ECAM
 * host bridge with bus routing, INTx wiring to the IOAPIC (GSI 16 + (device + pin - 1) mod 4,
 * shared and level-triggered) and firmware resource assignment
 * ({@link platform.pc.pci.PciHostBridge}), and PCI Express root ports with native hot-plug
 * slots ({@link platform.pc.pci.PciRootPort}: type-1 header, PCIe and MSI capabilities, Slot
 * Capabilities/Control/Status, insert / attention button / surprise removal / power control).
 */
package platform.pc.pci;
