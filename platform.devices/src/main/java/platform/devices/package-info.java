/**
 * Device models that plug into the emulated PC's PCI bus, the host-side backends they use
 * (disk images, ...), and the machine assembly ({@link platform.devices.MachineConfig},
 * {@link platform.devices.Machines}). Plain Java, no OSGi code.
 */
package platform.devices;
