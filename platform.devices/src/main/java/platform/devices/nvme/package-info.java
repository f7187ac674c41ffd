/**
 * An NVM Express 1.4 controller (PCI class 01 08 02) with one namespace backed by a
 * {@link platform.devices.BlockBackend}: registers, admin and I/O queues, PRPs, MSI-X.
 * Entry point: {@link platform.devices.nvme.NvmeController}.
 */
package platform.devices.nvme;
