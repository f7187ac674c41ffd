package fs.vfs.internal;

import fs.vfs.DirEntry;
import fs.vfs.FsException;
import fs.vfs.Inode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A directory of the in-memory root filesystem; holds directories and special inodes. */
final class MemDir implements Inode {
    private final Map<String, Inode> children = new TreeMap<>();
    private final long created = System.currentTimeMillis();

    synchronized MemDir mkdir(String name) throws FsException {
        Inode existing = children.get(name);
        if (existing instanceof MemDir d) {
            return d;
        }
        if (existing != null) {
            throw new FsException("file exists: " + name);
        }
        MemDir d = new MemDir();
        children.put(name, d);
        return d;
    }

    synchronized void put(String name, Inode inode) {
        children.put(name, inode);
    }

    @Override public boolean isDirectory() { return true; }
    @Override public long size() { return 0; }
    @Override public long modifiedMillis() { return created; }

    @Override
    public synchronized List<DirEntry> list() throws java.io.IOException {
        List<DirEntry> out = new ArrayList<>();
        for (var e : children.entrySet()) {
            Inode i = e.getValue();
            out.add(new DirEntry(e.getKey(), i.isDirectory(), i.size(), i.modifiedMillis()));
        }
        return out;
    }

    @Override
    public synchronized Inode lookup(String name) {
        return children.get(name);
    }

    @Override
    public int read(long position, byte[] dst, int off, int len) throws FsException {
        throw new FsException("is a directory");
    }
}
