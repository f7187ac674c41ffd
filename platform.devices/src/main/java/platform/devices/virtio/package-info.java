/**
 * The virtio 1.x modern PCI transport (virtio 1.2, section 4.1) and split virtqueue
 * processing, shared by every virtio device model.
 */
package platform.devices.virtio;
