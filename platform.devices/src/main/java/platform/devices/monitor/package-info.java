/**
 * The machine monitor: host-side commands that change a running machine's hardware (hot-plug
 * of disks and NICs into PCI Express slots), served on a TCP port by
 * {@link platform.devices.monitor.MonitorServer} ({@code ./kestrel boot --monitor tcp:PORT}).
 * Plain Java: no OSGi.
 */
package platform.devices.monitor;
