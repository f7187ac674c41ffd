package drivers.virtio.blk.internal;

import kernel.block.BlockDevice;

/**
 * Where a probed disk is published: in the running kernel an OSGi service registration
 * ({@link VirtioBlkComponent}); in unit tests a list.
 */
interface DiskRegistrar {
    /** A published disk. */
    interface Registration {
        /** Withdraws the disk. Idempotent; never throws. */
        void unregister();
    }

    /** Publishes {@code disk} under its {@link BlockDevice#name()}. */
    Registration register(BlockDevice disk);
}
