/** The virtio block driver. Implementation only: see {@code drivers.virtio.blk.internal}. */
package drivers.virtio.blk;
