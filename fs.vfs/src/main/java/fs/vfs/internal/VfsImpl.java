package fs.vfs.internal;

import fs.vfs.FileSystem;
import fs.vfs.FileSystemType;
import fs.vfs.FsException;
import fs.vfs.Inode;
import fs.vfs.Vfs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import kernel.block.BlockDevices;
import kernel.block.BlockHandle;
import kernel.core.ModuleUsage;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VFS: a small in-memory root filesystem ({@code /}, {@code /dev}, {@code /mnt}), the
 * mount table, and path lookup that crosses into mounted filesystems.
 *
 * <p>A mount holds two things until it is unmounted: an open handle on the block device
 * (which holds the disk driver's module) and a hold on the filesystem type's module. So
 * neither the driver nor the filesystem can be unloaded under a mounted volume.
 *
 * <p>Locking: the mount table is guarded by {@code this}; filesystems do their own locking.
 */
@Component(service = Vfs.class, immediate = true, enabled = false)
public final class VfsImpl implements Vfs {
    private static final Logger LOG = LoggerFactory.getLogger("fs.vfs");
    private static final int MAX_READ_ALL = 64 << 20;

    /** A live mount. */
    private record Mounted(Mount info, FileSystem fs, BlockHandle device, ModuleUsage.Hold typeHold, Bundle typeOwner) {}

    private final MemDir root = new MemDir();
    private final Map<String, Mounted> mounts = new LinkedHashMap<>();
    private final Map<String, FileSystemType> types = new ConcurrentHashMap<>();
    private final Map<String, Bundle> typeOwners = new ConcurrentHashMap<>();

    @Reference
    private ModuleUsage usage;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile BlockDevices blocks;

    /** For Declarative Services. */
    public VfsImpl() {}

    /** For tests: a VFS wired to {@code usage} and {@code blocks}, activated. */
    VfsImpl(ModuleUsage usage, BlockDevices blocks) throws FsException {
        this.usage = usage;
        this.blocks = blocks;
        activate();
    }

    @Activate
    void activate() throws FsException {
        root.put("dev", new DevDir(() -> blocks));
        root.mkdir("mnt");
        root.mkdir("tmp");
    }

    @Deactivate
    synchronized void deactivate() {
        List<String> dirs = new ArrayList<>(mounts.keySet());
        java.util.Collections.reverse(dirs);
        for (String d : dirs) {
            try {
                umount(d);
            } catch (IOException e) {
                LOG.warn("umount {} at shutdown failed: {}", d, e.getMessage());
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addType(FileSystemType type, ServiceReference<FileSystemType> ref) {
        types.put(type.name(), type);
        typeOwners.put(type.name(), ref.getBundle());
        LOG.info("filesystem type {} registered by {}", type.name(), ref.getBundle().getSymbolicName());
    }

    void removeType(FileSystemType type) {
        synchronized (this) {
            for (Mounted m : new ArrayList<>(mounts.values())) {
                if (m.info().type().equals(type.name())) {
                    LOG.warn("filesystem type {} is going away: force-unmounting {}", type.name(), m.info().dir());
                    try {
                        umount(m.info().dir());
                    } catch (IOException e) {
                        LOG.warn("forced umount of {} failed: {}", m.info().dir(), e.getMessage());
                    }
                }
            }
        }
        types.remove(type.name(), type);
        typeOwners.remove(type.name());
        LOG.info("filesystem type {} unregistered", type.name());
    }

    @Override
    public synchronized void mount(String type, String device, String dir, String options) throws IOException {
        String path = Paths.normalize(dir);
        FileSystemType t = types.get(type);
        if (t == null) {
            throw new FsException("unknown filesystem type '" + type + "'" + (types.isEmpty() ? " (no filesystem modules loaded)" : " (known: " + String.join(", ", types.keySet()) + ")"));
        }
        Inode target = lookup(path);
        if (!target.isDirectory()) {
            throw new FsException("mount point is not a directory: " + path);
        }
        if (mounts.containsKey(path)) {
            throw new FsException("already mounted on " + path + ": " + mounts.get(path).info().device());
        }
        BlockDevices b = blocks;
        if (b == null) {
            throw new FsException("no block layer: cannot open " + device);
        }
        String dev = device.startsWith("/dev/") ? device : "/dev/" + device;
        BlockHandle handle = b.open(dev, "mounted on " + path);
        FileSystem fs = null;
        try {
            fs = t.mount(handle, options == null ? "" : options);
        } catch (IOException e) {
            LOG.warn("mount -t {} {} {} failed: {}", type, dev, path, e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("mount -t {} {} {} failed: {}", type, dev, path, e.toString());
            throw new FsException(type + ": mount of " + dev + " failed: " + e, e);
        } finally {
            if (fs == null) {
                handle.close();
            }
        }
        Bundle owner = typeOwners.get(type);
        ModuleUsage.Hold hold = owner == null ? () -> { } : usage.hold(owner, type + " filesystem mounted on " + path);
        mounts.put(path, new Mounted(new Mount(path, dev, type, fs.label()), fs, handle, hold, owner));
        LOG.info("mounted {} on {} type {}{}", dev, path, type, fs.label().isEmpty() ? "" : " (label " + fs.label() + ")");
    }

    @Override
    public synchronized void umount(String dir) throws IOException {
        String path = Paths.normalize(dir);
        Mounted m = mounts.get(path);
        if (m == null) {
            throw new FsException("not mounted: " + path);
        }
        for (String other : mounts.keySet()) {
            if (!other.equals(path) && other.startsWith(path.equals("/") ? "/" : path + "/")) {
                throw new FsException("target is busy: " + other + " is mounted below " + path);
            }
        }
        mounts.remove(path);
        try {
            m.fs().unmount();
        } finally {
            m.device().close();
            m.typeHold().close();
        }
        LOG.info("unmounted {} from {}", m.info().device(), path);
    }

    @Override
    public synchronized List<Mount> mounts() {
        List<Mount> out = new ArrayList<>();
        for (Mounted m : mounts.values()) {
            out.add(m.info());
        }
        return out;
    }

    @Override
    public Inode lookup(String path) throws IOException {
        String p = Paths.normalize(path);
        Inode cur = mountedRoot("/", root);
        String sofar = "";
        for (String part : Paths.parts(p)) {
            if (!cur.isDirectory()) {
                throw new FsException("not a directory: " + (sofar.isEmpty() ? "/" : sofar));
            }
            Inode next = cur.lookup(part);
            sofar = sofar + "/" + part;
            if (next == null) {
                throw new FsException("no such file or directory: " + p);
            }
            cur = mountedRoot(sofar, next);
        }
        return cur;
    }

    /** The root of the filesystem mounted on {@code path}, or {@code inode} if none is. */
    private Inode mountedRoot(String path, Inode inode) throws IOException {
        Mounted m;
        synchronized (this) {
            m = mounts.get(path);
        }
        return m == null ? inode : m.fs().root();
    }

    @Override
    public synchronized void mkdir(String path) throws IOException {
        String p = Paths.normalize(path);
        Deque<String> parts = new ArrayDeque<>(Paths.parts(p));
        if (parts.isEmpty()) {
            throw new FsException("file exists: /");
        }
        String name = parts.removeLast();
        String parent = "/" + String.join("/", parts);
        Inode dir = lookup(parent);
        if (!(dir instanceof MemDir md)) {
            throw new FsException("read-only filesystem: " + parent);
        }
        md.mkdir(name);
    }

    @Override
    public byte[] readAll(String path) throws IOException {
        Inode f = lookup(path);
        if (f.isDirectory()) {
            throw new FsException("is a directory: " + Paths.normalize(path));
        }
        if (f.size() > MAX_READ_ALL) {
            throw new FsException("file too large to read at once: " + path);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) f.size());
        byte[] buf = new byte[64 * 1024];
        long pos = 0;
        int n;
        while ((n = f.read(pos, buf, 0, buf.length)) > 0) {
            out.write(buf, 0, n);
            pos += n;
        }
        return out.toByteArray();
    }
}
