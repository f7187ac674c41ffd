package fs.fat.internal;

import fs.vfs.DirEntry;
import fs.vfs.FsException;
import fs.vfs.Inode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A directory inode: the fixed root region of FAT12/16, or a cluster chain (the FAT32 root
 * and every subdirectory). A cheap handle: every call scans the directory on disk.
 */
final class FatDirectory implements Inode {
    final FatFileSystem fs;
    /** Path from the root, for messages. */
    final String path;
    /** True for the FAT12/16 root, which lives outside the data region. */
    final boolean fixedRoot;
    /** First cluster, when not {@link #fixedRoot}. */
    final long firstCluster;
    private final long modifiedMillis;

    FatDirectory(FatFileSystem fs, String path, boolean fixedRoot, long firstCluster, long modifiedMillis) {
        this.fs = fs;
        this.path = path;
        this.fixedRoot = fixedRoot;
        this.firstCluster = firstCluster;
        this.modifiedMillis = modifiedMillis;
    }

    @Override
    public boolean isDirectory() {
        return true;
    }

    @Override
    public long size() {
        return 0;
    }

    @Override
    public long modifiedMillis() {
        return modifiedMillis;
    }

    /** The files and subdirectories, in on-disk order, without ".", ".." and the volume label. */
    @Override
    public List<DirEntry> list() throws IOException {
        List<DirEntry> entries = new ArrayList<>();
        synchronized (fs) {
            fs.checkMounted();
            DirectoryReader.scan(fs, this, entry -> {
                if (!entry.isVolumeLabel()) entries.add(entry.toDirEntry());
                return false;
            });
        }
        return entries;
    }

    /**
     * Finds {@code name} by long or 8.3 name, ignoring case. "." and ".." are not entries here
     * (the VFS walks those), so they are not found.
     */
    @Override
    public Inode lookup(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        FatDirent[] found = new FatDirent[1];
        synchronized (fs) {
            fs.checkMounted();
            DirectoryReader.scan(fs, this, entry -> {
                if (entry.isVolumeLabel() || !entry.matches(name)) return false;
                found[0] = entry;
                return true;
            });
        }
        FatDirent entry = found[0];
        if (entry == null) return null;
        String childPath = path.equals("/") ? "/" + entry.name() : path + "/" + entry.name();
        return entry.isDirectory()
                ? new FatDirectory(fs, childPath, false, entry.firstCluster(), entry.modifiedMillis())
                : new FatFile(fs, childPath, entry.firstCluster(), entry.size(), entry.modifiedMillis());
    }

    @Override
    public int read(long position, byte[] dst, int off, int len) throws IOException {
        throw new FsException("is a directory: " + path);
    }
}
