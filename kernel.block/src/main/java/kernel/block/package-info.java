/**
 * The block layer: disks registered by drivers ({@link kernel.block.BlockDevice}) and opened by
 * filesystems through {@link kernel.block.BlockDevices}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package kernel.block;
