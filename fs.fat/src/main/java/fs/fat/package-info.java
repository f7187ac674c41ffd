/**
 * The FAT filesystem module. It exports nothing: the driver lives in {@code fs.fat.internal} and
 * is reached only as the {@code fs.vfs.FileSystemType} service named {@code vfat}.
 */
package fs.fat;
