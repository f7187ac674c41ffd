/**
 * The PCI bus as drivers see it: {@link drivers.pci.PciDevice} (one enumerated function),
 * {@link drivers.pci.PciDriver} (the whiteboard service a driver module registers, with its ID
 * table of {@link drivers.pci.PciId}s) and {@link drivers.pci.PciBus} (the list of functions).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package drivers.pci;
