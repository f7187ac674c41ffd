package fs.vfs.internal;

import fs.vfs.DirEntry;
import fs.vfs.FsException;
import fs.vfs.Inode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import kernel.block.BlockDevices;
import kernel.block.BlockHandle;

/**
 * {@code /dev}: a live view of the block layer. Each registered disk appears as a file whose
 * size is the disk's; reading it reads the raw device.
 */
final class DevDir implements Inode {
    private final Supplier<BlockDevices> blocks;

    DevDir(Supplier<BlockDevices> blocks) {
        this.blocks = blocks;
    }

    @Override public boolean isDirectory() { return true; }
    @Override public long size() { return 0; }
    @Override public long modifiedMillis() { return 0; }

    @Override
    public List<DirEntry> list() {
        List<DirEntry> out = new ArrayList<>();
        BlockDevices b = blocks.get();
        if (b != null) {
            for (BlockDevices.Info i : b.list()) {
                out.add(new DirEntry(i.name(), false, i.size(), 0));
            }
        }
        return out;
    }

    @Override
    public Inode lookup(String name) {
        BlockDevices b = blocks.get();
        if (b == null) {
            return null;
        }
        return b.find(name).map(i -> (Inode) new DevNode(b, i)).orElse(null);
    }

    @Override
    public int read(long position, byte[] dst, int off, int len) throws FsException {
        throw new FsException("is a directory");
    }

    /** A block device node. */
    private record DevNode(BlockDevices blocks, BlockDevices.Info info) implements Inode {
        @Override public boolean isDirectory() { return false; }
        @Override public long size() { return info.size(); }
        @Override public long modifiedMillis() { return 0; }
        @Override public List<DirEntry> list() throws FsException { throw new FsException("not a directory: /dev/" + info.name()); }
        @Override public Inode lookup(String name) throws FsException { throw new FsException("not a directory: /dev/" + info.name()); }

        @Override
        public int read(long position, byte[] dst, int off, int len) throws IOException {
            if (position >= info.size()) {
                return -1;
            }
            int n = (int) Math.min(len, info.size() - position);
            try (BlockHandle h = blocks.open(info.name(), "read through /dev")) {
                h.read(position, dst, off, n);
            }
            return n;
        }
    }
}
