/**
 * An AHCI 1.3 SATA host bus adapter (PCI class 01 06 01) with SATA disks backed by
 * {@link platform.devices.BlockBackend}s: generic host control, per-port registers, command
 * lists, received-FIS areas, PRDTs, and the ATA commands a disk driver needs (IDENTIFY DEVICE,
 * READ/WRITE DMA (EXT), FLUSH CACHE (EXT)). Entry point: {@link platform.devices.ahci.AhciController}.
 */
package platform.devices.ahci;
