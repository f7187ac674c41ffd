/**
 * The virtual filesystem switch: filesystem types ({@link fs.vfs.FileSystemType}), mounted
 * filesystems, inodes and the {@link fs.vfs.Vfs} service with its mount table.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package fs.vfs;
