/**
 * The virtio 1.x modern PCI transport (virtio 1.2 §4.1): {@link drivers.virtio.VirtioPciDevice}
 * brings a virtio function from reset to DRIVER_OK and back, and
 * {@link drivers.virtio.Virtqueue} is a split virtqueue (§2.7) in DMA memory.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package drivers.virtio;
