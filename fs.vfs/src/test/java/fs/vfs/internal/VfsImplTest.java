package fs.vfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fs.vfs.DirEntry;
import fs.vfs.FileSystem;
import fs.vfs.FileSystemType;
import fs.vfs.FsException;
import fs.vfs.Inode;
import fs.vfs.Vfs;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import kernel.block.BlockDevices;
import kernel.block.BlockHandle;
import kernel.core.ModuleUsage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

class VfsImplTest {
    // ---- fakes ----

    /** A file or directory of the fake filesystem. */
    static final class Node implements Inode {
        final Map<String, Node> children;
        final byte[] data;

        Node(Map<String, Node> children) {
            this.children = children;
            this.data = null;
        }

        Node(String content) {
            this.children = null;
            this.data = content.getBytes(StandardCharsets.UTF_8);
        }

        @Override public boolean isDirectory() { return children != null; }
        @Override public long size() { return data == null ? 0 : data.length; }
        @Override public long modifiedMillis() { return 0; }

        @Override
        public List<DirEntry> list() {
            List<DirEntry> out = new ArrayList<>();
            children.forEach((n, c) -> out.add(new DirEntry(n, c.isDirectory(), c.size(), 0)));
            return out;
        }

        @Override
        public Inode lookup(String name) throws FsException {
            if (children == null) {
                throw new FsException("not a directory");
            }
            return children.get(name);
        }

        @Override
        public int read(long position, byte[] dst, int off, int len) {
            if (position >= data.length) {
                return -1;
            }
            int n = (int) Math.min(len, data.length - position);
            System.arraycopy(data, (int) position, dst, off, n);
            return n;
        }
    }

    final class FakeFs implements FileSystem {
        final BlockHandle device;
        final Node root;
        boolean unmounted;

        FakeFs(BlockHandle device, String label) {
            this.device = device;
            Map<String, Node> sub = new LinkedHashMap<>();
            sub.put("b.txt", new Node("hello from " + label));
            Map<String, Node> top = new LinkedHashMap<>();
            top.put("a", new Node(sub));
            top.put("sub", new Node(new LinkedHashMap<>()));
            top.put("readme", new Node("readme of " + label));
            this.root = new Node(top);
        }

        @Override public Inode root() { return root; }
        @Override public String label() { return device.name().toUpperCase(); }

        @Override
        public void unmount() throws IOException {
            unmounted = true;
            if (failUnmount) {
                throw new IOException("flush failed");
            }
        }
    }

    /** Mounts a FakeFs, or fails the way {@link #failMount} says. */
    final class FakeType implements FileSystemType {
        final String name;
        final List<FakeFs> mounted = new ArrayList<>();

        FakeType(String name) {
            this.name = name;
        }

        @Override public String name() { return name; }

        @Override
        public FileSystem mount(BlockHandle device, String options) throws IOException {
            lastOptions = options;
            if (failMount instanceof IOException e) {
                throw e;
            }
            if (failMount instanceof RuntimeException e) {
                throw e;
            }
            FakeFs fs = new FakeFs(device, device.name());
            mounted.add(fs);
            return fs;
        }
    }

    final class FakeHandle implements BlockHandle {
        final String name;
        boolean closed;

        FakeHandle(String name) {
            this.name = name;
        }

        @Override public String name() { return name; }
        @Override public int sectorSize() { return 512; }
        @Override public long size() { return 1 << 20; }
        @Override public boolean readOnly() { return false; }
        @Override public void read(long offset, byte[] dst, int off, int len) { }
        @Override public void write(long offset, byte[] src, int off, int len) { }
        @Override public void flush() { }

        @Override
        public void close() {
            closed = true;
        }
    }

    final class FakeBlocks implements BlockDevices {
        final List<String> names = new ArrayList<>(List.of("vda", "vdb"));
        final List<FakeHandle> opened = new ArrayList<>();
        final List<String> openHolders = new ArrayList<>();

        @Override
        public List<Info> list() {
            return names.stream().map(n -> new Info(n, 1 << 20, 512, false, "drv", List.of())).toList();
        }

        @Override
        public Optional<Info> find(String name) {
            return list().stream().filter(i -> i.name().equals(name)).findFirst();
        }

        @Override
        public BlockHandle open(String name, String holder) throws IOException {
            String n = name.startsWith("/dev/") ? name.substring(5) : name;
            if (!names.contains(n)) {
                throw new IOException("no such block device: /dev/" + n);
            }
            FakeHandle h = new FakeHandle(n);
            opened.add(h);
            openHolders.add(holder);
            return h;
        }

        long open() {
            return opened.stream().filter(h -> !h.closed).count();
        }
    }

    final class Usage implements ModuleUsage {
        final List<String> held = new ArrayList<>();

        @Override
        public Hold hold(Bundle module, String user) {
            String entry = module.getSymbolicName() + ": " + user;
            held.add(entry);
            return () -> held.remove(entry);
        }

        @Override
        public List<String> users(Bundle module) {
            return held;
        }
    }

    static Bundle bundle(String name) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getBundleId" -> 9L;
                    case "getSymbolicName" -> name;
                    case "hashCode" -> 9;
                    case "equals" -> p == a[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @SuppressWarnings("unchecked")
    static ServiceReference<FileSystemType> ref(Bundle b) {
        return (ServiceReference<FileSystemType>) Proxy.newProxyInstance(ServiceReference.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (p, m, a) -> {
                    if (m.getName().equals("getBundle")) {
                        return b;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    // ---- state ----

    Exception failMount;
    boolean failUnmount;
    String lastOptions;
    FakeBlocks blocks;
    Usage usage;
    FakeType fake;
    VfsImpl vfs;

    @BeforeEach
    void setUp() throws Exception {
        blocks = new FakeBlocks();
        usage = new Usage();
        vfs = new VfsImpl(usage, blocks);
        fake = new FakeType("fakefs");
        vfs.addType(fake, ref(bundle("fs.fake")));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static <T extends Throwable> String message(Class<T> type, org.junit.jupiter.api.function.Executable e) {
        return assertThrows(type, e).getMessage();
    }

    // ---- tests ----

    @Test
    void rootHasDevMntTmp() throws IOException {
        List<String> names = vfs.lookup("/").list().stream().map(DirEntry::name).toList();
        assertEquals(List.of("dev", "mnt", "tmp"), names);
        List<String> dev = vfs.lookup("/dev").list().stream().map(DirEntry::name).toList();
        assertEquals(List.of("vda", "vdb"), dev);
        assertFalse(vfs.lookup("/dev/vda").isDirectory());
        assertEquals(1 << 20, vfs.lookup("/dev/vda").size());
    }

    @Test
    void lookupCrossesTheMountPoint() throws IOException {
        vfs.mount("fakefs", "/dev/vda", "/mnt", "ro");
        assertEquals("ro", lastOptions);
        assertEquals(List.of(new Vfs.Mount("/mnt", "/dev/vda", "fakefs", "VDA")), vfs.mounts());
        assertSame(fake.mounted.get(0).root, vfs.lookup("/mnt"));
        assertSame(fake.mounted.get(0).root, vfs.lookup("/tmp/../mnt/./"));
        assertEquals("hello from vda", text(vfs.readAll("/mnt/a/b.txt")));
        assertEquals("hello from vda", text(vfs.readAll("mnt//a/../a/b.txt")));
        assertEquals(List.of("a", "sub", "readme"), vfs.lookup("/mnt").list().stream().map(DirEntry::name).toList());
        // the device is held with a description, and so is the type's module
        assertEquals(List.of("mounted on /mnt"), blocks.openHolders);
        assertEquals(List.of("fs.fake: fakefs filesystem mounted on /mnt"), usage.held);
    }

    @Test
    void nestedMountsAndDeviceNameWithoutDev() throws IOException {
        vfs.mount("fakefs", "vda", "/mnt", null);
        assertEquals("", lastOptions, "null options become empty");
        vfs.mount("fakefs", "vdb", "/mnt/sub", "");
        assertEquals("hello from vdb", text(vfs.readAll("/mnt/sub/a/b.txt")));
        assertEquals("readme of vda", text(vfs.readAll("/mnt/readme")));
        assertEquals(List.of("/mnt", "/mnt/sub"), vfs.mounts().stream().map(Vfs.Mount::dir).toList());
        assertEquals("/dev/vdb", vfs.mounts().get(1).device());

        String busy = message(FsException.class, () -> vfs.umount("/mnt"));
        assertTrue(busy.contains("busy") && busy.contains("/mnt/sub"), busy);
        vfs.umount("/mnt/sub/");
        vfs.umount("/mnt");
        assertEquals(List.of(), vfs.mounts());
    }

    @Test
    void lookupErrors() throws IOException {
        String m = message(FsException.class, () -> vfs.lookup("/nope/x"));
        assertTrue(m.contains("no such file or directory: /nope/x"), m);
        vfs.mount("fakefs", "vda", "/mnt", "");
        m = message(FsException.class, () -> vfs.lookup("/mnt/readme/x"));
        assertTrue(m.contains("not a directory: /mnt/readme"), m);
        m = message(FsException.class, () -> vfs.readAll("/mnt/a"));
        assertTrue(m.contains("is a directory"), m);
    }

    @Test
    void unknownTypeIsRefusedAndOpensNothing() {
        String m = message(FsException.class, () -> vfs.mount("ext9", "vda", "/mnt", ""));
        assertTrue(m.contains("unknown filesystem type 'ext9'") && m.contains("fakefs"), m);
        assertEquals(0, blocks.opened.size());
        vfs.removeType(fake);
        m = message(FsException.class, () -> vfs.mount("fakefs", "vda", "/mnt", ""));
        assertTrue(m.contains("no filesystem modules loaded"), m);
    }

    @Test
    void mountPointMustBeAnExistingDirectory() {
        String m = message(FsException.class, () -> vfs.mount("fakefs", "vda", "/dev/vdb", ""));
        assertTrue(m.contains("not a directory: /dev/vdb"), m);
        m = message(FsException.class, () -> vfs.mount("fakefs", "vda", "/missing", ""));
        assertTrue(m.contains("no such file or directory"), m);
        assertEquals(0, blocks.opened.size());
    }

    @Test
    void alreadyMountedIsRefused() throws IOException {
        vfs.mount("fakefs", "vda", "/mnt", "");
        String m = message(FsException.class, () -> vfs.mount("fakefs", "vdb", "/mnt/", ""));
        assertTrue(m.contains("already mounted on /mnt") && m.contains("/dev/vda"), m);
        assertEquals(1, blocks.open());
        assertEquals(1, fake.mounted.size());
    }

    @Test
    void missingDeviceIsRefused() {
        IOException e = assertThrows(IOException.class, () -> vfs.mount("fakefs", "/dev/vdz", "/mnt", ""));
        assertTrue(e.getMessage().contains("/dev/vdz"), e.getMessage());
        assertEquals(List.of(), vfs.mounts());
        assertEquals(List.of(), usage.held);
    }

    @Test
    void noBlockLayerIsRefused() throws Exception {
        VfsImpl bare = new VfsImpl(usage, null);
        bare.addType(fake, ref(bundle("fs.fake")));
        String m = message(FsException.class, () -> bare.mount("fakefs", "vda", "/mnt", ""));
        assertTrue(m.contains("no block layer"), m);
        assertEquals(List.of(), bare.lookup("/dev").list());
    }

    @Test
    void failingMountClosesTheDeviceHandle() {
        failMount = new FsException("not a fake filesystem: bad magic");
        FsException e = assertThrows(FsException.class, () -> vfs.mount("fakefs", "vda", "/mnt", ""));
        assertEquals("not a fake filesystem: bad magic", e.getMessage());
        assertEquals(1, blocks.opened.size());
        assertTrue(blocks.opened.get(0).closed, "handle closed after a failed mount");
        assertEquals(List.of(), vfs.mounts());
        assertEquals(List.of(), usage.held);
    }

    @Test
    void crashingMountBecomesAnFsExceptionAndClosesTheHandle() {
        failMount = new IllegalStateException("driver bug");
        FsException e = assertThrows(FsException.class, () -> vfs.mount("fakefs", "vda", "/mnt", ""));
        assertTrue(e.getMessage().contains("driver bug"), e.getMessage());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(blocks.opened.get(0).closed);
        assertEquals(List.of(), vfs.mounts());
    }

    @Test
    void umountReleasesEverythingAndUncoversTheDirectory() throws IOException {
        vfs.mkdir("/mnt/under");
        vfs.mount("fakefs", "vda", "/mnt", "");
        assertThrows(FsException.class, () -> vfs.lookup("/mnt/under"), "covered by the mount");
        vfs.umount("/mnt");
        assertTrue(fake.mounted.get(0).unmounted);
        assertEquals(0, blocks.open());
        assertEquals(List.of(), usage.held);
        assertTrue(vfs.lookup("/mnt/under").isDirectory());
        assertEquals(List.of(), vfs.mounts());
    }

    @Test
    void umountErrors() throws IOException {
        String m = message(FsException.class, () -> vfs.umount("/mnt"));
        assertTrue(m.contains("not mounted: /mnt"), m);
        m = message(FsException.class, () -> vfs.umount("/nowhere"));
        assertTrue(m.contains("not mounted"), m);
        vfs.mount("fakefs", "vda", "/mnt", "");
        failUnmount = true;
        IOException e = assertThrows(IOException.class, () -> vfs.umount("/mnt"));
        assertEquals("flush failed", e.getMessage());
        // even so, the device and the type are released and the mount is gone
        assertEquals(0, blocks.open());
        assertEquals(List.of(), usage.held);
        assertEquals(List.of(), vfs.mounts());
    }

    @Test
    void mkdirOnlyInTheRootFilesystem() throws IOException {
        vfs.mkdir("/mnt/x");
        vfs.mkdir("/mnt/x"); // mkdir -p semantics on an existing directory
        assertTrue(vfs.lookup("/mnt/x").isDirectory());
        assertThrows(FsException.class, () -> vfs.mkdir("/"));
        assertThrows(FsException.class, () -> vfs.mkdir("/no/such/parent"));
        vfs.mount("fakefs", "vda", "/tmp", "");
        String m = message(FsException.class, () -> vfs.mkdir("/tmp/new"));
        assertTrue(m.contains("read-only filesystem: /tmp"), m);
    }

    @Test
    void removingTheTypeForceUnmountsItsFilesystems() throws IOException {
        vfs.mount("fakefs", "vda", "/mnt", "");
        FakeType other = new FakeType("otherfs");
        vfs.addType(other, ref(bundle("fs.other")));
        vfs.mount("otherfs", "vdb", "/tmp", "");
        vfs.removeType(fake);
        assertEquals(List.of("/tmp"), vfs.mounts().stream().map(Vfs.Mount::dir).toList());
        assertTrue(fake.mounted.get(0).unmounted);
        assertEquals(List.of("fs.other: otherfs filesystem mounted on /tmp"), usage.held);
        assertThrows(FsException.class, () -> vfs.mount("fakefs", "vda", "/mnt", ""));
    }

    @Test
    void deactivateUnmountsEverythingInnermostFirst() throws IOException {
        vfs.mount("fakefs", "vda", "/mnt", "");
        vfs.mount("fakefs", "vdb", "/mnt/sub", "");
        vfs.deactivate();
        assertEquals(List.of(), vfs.mounts());
        assertTrue(fake.mounted.get(0).unmounted && fake.mounted.get(1).unmounted);
        assertEquals(0, blocks.open());
    }

    @Test
    void devNodesReadTheRawDevice() throws IOException {
        Inode vda = vfs.lookup("/dev/vda");
        assertNotNull(vda);
        assertEquals(-1, vda.read(1 << 20, new byte[4], 0, 4));
        assertEquals(4, vda.read((1 << 20) - 4, new byte[10], 0, 10), "short read at the end");
        assertEquals(1, blocks.opened.size());
        assertEquals(0, blocks.open(), "the /dev read closes its handle");
    }
}
