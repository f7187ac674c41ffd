package fs.fat.internal;

import fs.vfs.DirEntry;
import fs.vfs.FsException;
import fs.vfs.Inode;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * A regular file inode. Before the first read the whole cluster chain is checked once, end to
 * end (no loop, no broken link, long enough for the size); reads then go straight from the
 * device into the caller's array, one device read per run of adjacent clusters, and keep a
 * cursor so that sequential reads never walk the chain again.
 */
final class FatFile implements Inode {
    private final FatFileSystem fs;
    private final String path;
    private final long firstCluster;
    private final long size;
    private final long modifiedMillis;

    /** The chain has been checked. */
    private boolean checked;
    /** Cursor: the cluster at chain position {@link #cursorIndex}. */
    private int cursorCluster;
    private long cursorIndex;

    FatFile(FatFileSystem fs, String path, long firstCluster, long size, long modifiedMillis) {
        this.fs = fs;
        this.path = path;
        this.firstCluster = firstCluster;
        this.size = size;
        this.modifiedMillis = modifiedMillis;
    }

    @Override
    public boolean isDirectory() {
        return false;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public long modifiedMillis() {
        return modifiedMillis;
    }

    @Override
    public List<DirEntry> list() throws IOException {
        throw new FsException("not a directory: " + path);
    }

    @Override
    public Inode lookup(String name) throws IOException {
        throw new FsException("not a directory: " + path);
    }

    /**
     * Reads up to {@code len} bytes at {@code position} into {@code dst[off..]}.
     *
     * @return bytes read, or -1 at or past the end of the file
     * @throws FsException "corrupt FAT filesystem" if the cluster chain is broken
     */
    @Override
    public int read(long position, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (position < 0) throw new IllegalArgumentException("negative position " + position);
        if (position >= size) return -1;
        if (len == 0) return 0;
        int n = (int) Math.min(len, size - position);
        synchronized (fs) {
            fs.checkMounted();
            if (!checked) checkChain();
            copy(position, dst, off, n);
        }
        return n;
    }

    /** Walks the whole chain once, so that later reads can trust it. */
    private void checkChain() throws IOException {
        long clusterSize = fs.boot.clusterSize;
        long needed = (size + clusterSize - 1) / clusterSize;
        if (needed > 0) {
            if (firstCluster == 0)
                throw Errors.corrupt("'%s' has %d bytes but no clusters", path, size);
            ChainWalker chain = new ChainWalker(fs.fat, firstCluster, path);
            while (chain.advance()) {}
            long length = chain.index() + 1;
            if (length < needed)
                throw Errors.corrupt("cluster chain of '%s' is shorter than its size: %d clusters for %d bytes",
                        path, length, size);
            if (length > needed)
                Errors.damaged("cluster chain of '%s' is longer than its size: %d clusters for %d bytes",
                        path, length, size);
            cursorCluster = (int) firstCluster;
            cursorIndex = 0;
        }
        checked = true;
    }

    /** Copies {@code n} bytes at {@code position}, inside the file, to {@code dst[off..]}. */
    private void copy(long position, byte[] dst, int off, int n) throws IOException {
        int clusterSize = fs.boot.clusterSize;
        seek(position / clusterSize);
        int inCluster = (int) (position % clusterSize);
        int done = 0;
        while (true) {
            // Extend the run over clusters that follow each other on disk.
            int runStart = cursorCluster;
            long run = clusterSize - inCluster;
            int next = FatTable.END;
            while (run < n - done) {
                next = fs.fat.next(cursorCluster, path);
                if (next != cursorCluster + 1) break;
                cursorCluster = next;
                cursorIndex++;
                run += clusterSize;
                next = FatTable.END;
            }
            int chunk = (int) Math.min(run, n - done);
            fs.readVolume(fs.clusterOffset(runStart) + inCluster, dst, off + done, chunk);
            done += chunk;
            if (done == n) return;
            if (next == FatTable.END)
                throw Errors.corrupt("cluster chain of '%s' ended early", path);
            cursorCluster = next;
            cursorIndex++;
            inCluster = 0;
        }
    }

    /** Moves the cursor to chain position {@code index}, forward from it or from the start. */
    private void seek(long index) throws IOException {
        if (index < cursorIndex) {
            cursorCluster = (int) firstCluster;
            cursorIndex = 0;
        }
        while (cursorIndex < index) {
            int next = fs.fat.next(cursorCluster, path);
            if (next == FatTable.END)
                throw Errors.corrupt("cluster chain of '%s' ended early", path);
            cursorCluster = next;
            cursorIndex++;
        }
    }
}
