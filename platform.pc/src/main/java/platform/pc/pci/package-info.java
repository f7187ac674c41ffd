/**
 * PCI: device functions with their configuration space and BARs ({@link platform.pc.pci.PciFunction}),
 * MSI-X ({@link platform.pc.pci.MsixTable}), and the ECAM host bridge with firmware BAR
 * assignment ({@link platform.pc.pci.PciHostBridge}).
 */
package platform.pc.pci;
