package kernel.block.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import kernel.block.BlockDevice;
import kernel.block.BlockDevices;
import kernel.block.BlockHandle;
import kernel.core.ModuleUsage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

class HandleTest {
    /** A disk in a byte array that checks every request like a real driver would. */
    static final class MemDisk implements BlockDevice {
        final String name;
        final int ss;
        final byte[] data;
        final boolean ro;
        int reads;
        int writes;
        int flushes;

        MemDisk(String name, int ss, int sectors, boolean ro) {
            this.name = name;
            this.ss = ss;
            this.data = new byte[ss * sectors];
            this.ro = ro;
        }

        @Override public String name() { return name; }
        @Override public int sectorSize() { return ss; }
        @Override public long sectorCount() { return data.length / ss; }
        @Override public boolean readOnly() { return ro; }

        private void range(long sector, int count) throws IOException {
            if (sector < 0 || count <= 0 || sector + count > sectorCount()) {
                throw new IOException("bad sector range " + sector + "+" + count);
            }
        }

        @Override
        public synchronized void read(long sector, byte[] dst, int off, int count) throws IOException {
            range(sector, count);
            reads++;
            System.arraycopy(data, (int) sector * ss, dst, off, count * ss);
        }

        @Override
        public synchronized void write(long sector, byte[] src, int off, int count) throws IOException {
            if (ro) {
                throw new IOException("read-only");
            }
            range(sector, count);
            writes++;
            System.arraycopy(src, off, data, (int) sector * ss, count * ss);
        }

        @Override
        public synchronized void flush() {
            flushes++;
        }
    }

    static final class Usage implements ModuleUsage {
        final List<String> held = new ArrayList<>();

        @Override
        public synchronized Hold hold(Bundle module, String user) {
            held.add(user);
            return () -> {
                synchronized (Usage.this) {
                    held.remove(user);
                }
            };
        }

        @Override
        public synchronized List<String> users(Bundle module) {
            return List.copyOf(held);
        }
    }

    static Bundle bundle(String name) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getBundleId" -> 3L;
                    case "getSymbolicName" -> name;
                    case "hashCode" -> 3;
                    case "equals" -> p == a[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @SuppressWarnings("unchecked")
    static ServiceReference<BlockDevice> ref(Bundle b) {
        return (ServiceReference<BlockDevice>) Proxy.newProxyInstance(ServiceReference.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (p, m, a) -> {
                    if (m.getName().equals("getBundle")) {
                        return b;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    private BlockLayer layer;
    private Usage usage;
    private MemDisk disk;

    @BeforeEach
    void setUp() throws Exception {
        layer = new BlockLayer();
        usage = new Usage();
        Field f = BlockLayer.class.getDeclaredField("usage");
        f.setAccessible(true);
        f.set(layer, usage);
        disk = new MemDisk("vda", 512, 64, false);
        new Random(1).nextBytes(disk.data);
        layer.addDevice(disk, ref(bundle("drivers.virtio.blk")));
    }

    @Test
    void unalignedReadsReturnExactlyTheBytes() throws IOException {
        Random rnd = new Random(7);
        try (BlockHandle h = layer.open("/dev/vda", "test")) {
            assertEquals(64 * 512, h.size());
            assertEquals(512, h.sectorSize());
            for (int i = 0; i < 300; i++) {
                long offset = rnd.nextInt((int) h.size());
                int len = rnd.nextInt((int) (h.size() - offset) + 1);
                int off = rnd.nextInt(5);
                byte[] dst = new byte[off + len + 3];
                Arrays.fill(dst, (byte) 0x5A);
                h.read(offset, dst, off, len);
                assertArrayEquals(Arrays.copyOfRange(disk.data, (int) offset, (int) offset + len),
                        Arrays.copyOfRange(dst, off, off + len), "read at " + offset + "+" + len);
                for (int k = 0; k < off; k++) {
                    assertEquals(0x5A, dst[k], "bytes before off untouched");
                }
                for (int k = off + len; k < dst.length; k++) {
                    assertEquals(0x5A, dst[k], "bytes after off+len untouched");
                }
            }
        }
    }

    @Test
    void unalignedWritesDoReadModifyWrite() throws IOException {
        Random rnd = new Random(9);
        byte[] model = disk.data.clone();
        try (BlockHandle h = layer.open("vda", "test")) {
            for (int i = 0; i < 300; i++) {
                long offset = rnd.nextInt((int) h.size());
                int len = rnd.nextInt(Math.min(3000, (int) (h.size() - offset)) + 1);
                byte[] src = new byte[len + 2];
                rnd.nextBytes(src);
                h.write(offset, src, 2, len);
                System.arraycopy(src, 2, model, (int) offset, len);
                assertArrayEquals(model, disk.data, "write at " + offset + "+" + len);
            }
            h.flush();
            assertEquals(1, disk.flushes);
        }
    }

    @Test
    void alignedTransfersGoStraightToTheDevice() throws IOException {
        try (BlockHandle h = layer.open("vda", "test")) {
            byte[] buf = new byte[4 * 512];
            h.read(1024, buf, 0, buf.length);
            assertEquals(1, disk.reads, "one multi-sector read, no bounce");
            h.write(1024, buf, 0, buf.length);
            assertEquals(1, disk.writes);
            assertEquals(1, disk.reads, "no read-modify-write for whole sectors");
            h.read(0, new byte[0], 0, 0);
            assertEquals(1, disk.reads, "empty read touches nothing");
        }
    }

    @Test
    void largerSectorsWork() throws IOException {
        MemDisk big = new MemDisk("nvme0n1", 4096, 8, false);
        layer.addDevice(big, ref(bundle("drivers.nvme")));
        try (BlockHandle h = layer.open("nvme0n1", "t")) {
            byte[] src = new byte[5000];
            new Random(3).nextBytes(src);
            h.write(4000, src, 0, src.length);
            byte[] back = new byte[5000];
            h.read(4000, back, 0, back.length);
            assertArrayEquals(src, back);
            assertArrayEquals(src, Arrays.copyOfRange(big.data, 4000, 9000));
        }
    }

    @Test
    void accessesPastTheEndFailWithoutTouchingTheDevice() throws IOException {
        try (BlockHandle h = layer.open("vda", "test")) {
            long size = h.size();
            byte[] before = disk.data.clone();
            IOException e = assertThrows(IOException.class, () -> h.read(size - 10, new byte[11], 0, 11));
            assertTrue(e.getMessage().contains("beyond the end"), e.getMessage());
            assertThrows(IOException.class, () -> h.write(size - 1, new byte[2], 0, 2));
            assertThrows(IOException.class, () -> h.read(size, new byte[1], 0, 1));
            assertThrows(IOException.class, () -> h.read(-1, new byte[1], 0, 1));
            assertArrayEquals(before, disk.data);
            h.read(size - 10, new byte[10], 0, 10); // the last bytes are fine
            h.read(size, new byte[0], 0, 0);
        }
    }

    @Test
    void badArrayRangesAreRefused() throws IOException {
        try (BlockHandle h = layer.open("vda", "test")) {
            assertThrows(IndexOutOfBoundsException.class, () -> h.read(0, new byte[10], 5, 6));
            assertThrows(IndexOutOfBoundsException.class, () -> h.read(0, new byte[10], -1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> h.write(0, new byte[10], 0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> h.write(0, new byte[10], Integer.MAX_VALUE, 2));
        }
    }

    @Test
    void readOnlyDeviceRefusesWrites() throws IOException {
        MemDisk ro = new MemDisk("sr0", 2048, 4, true);
        layer.addDevice(ro, ref(bundle("drivers.ahci")));
        try (BlockHandle h = layer.open("sr0", "test")) {
            assertTrue(h.readOnly());
            IOException e = assertThrows(IOException.class, () -> h.write(0, new byte[1], 0, 1));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertEquals(0, ro.reads + ro.writes);
            h.read(100, new byte[10], 0, 10);
        }
    }

    @Test
    void closedHandleFailsAndReleasesItsHold() throws IOException {
        BlockHandle h = layer.open("/dev/vda", "mounted on /mnt");
        assertEquals(List.of("/dev/vda mounted on /mnt"), usage.held);
        assertEquals(List.of("mounted on /mnt"), layer.find("vda").orElseThrow().holders());
        h.close();
        h.close();
        assertEquals(List.of(), usage.held);
        assertEquals(List.of(), layer.find("vda").orElseThrow().holders());
        IOException e = assertThrows(IOException.class, () -> h.read(0, new byte[1], 0, 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IOException.class, () -> h.write(0, new byte[1], 0, 1));
        e = assertThrows(IOException.class, h::flush);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void removedDeviceFailsWithDeviceRemoved() throws IOException {
        BlockHandle h = layer.open("vda", "mounted on /mnt");
        layer.removeDevice(disk);
        assertEquals(List.of(), usage.held, "removal releases the holds");
        assertTrue(layer.find("vda").isEmpty());
        for (var call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> h.read(0, new byte[1], 0, 1), () -> h.write(0, new byte[1], 0, 1), h::flush)) {
            IOException e = assertThrows(IOException.class, call);
            assertTrue(e.getMessage().contains("device removed"), e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> layer.open("vda", "x"));
        assertTrue(e.getMessage().contains("no such block device: /dev/vda"), e.getMessage());
        h.close();
    }

    @Test
    void registryListsFindsAndIgnoresDuplicates() throws IOException {
        MemDisk dup = new MemDisk("vda", 512, 2, false);
        layer.addDevice(dup, ref(bundle("other")));
        layer.addDevice(new MemDisk("sda", 512, 2048, true), ref(bundle("drivers.ahci")));
        List<BlockDevices.Info> l = layer.list();
        assertEquals(List.of("sda", "vda"), l.stream().map(BlockDevices.Info::name).toList());
        BlockDevices.Info vda = layer.find("/dev/vda").orElseThrow();
        assertEquals(64 * 512, vda.size());
        assertEquals("drivers.virtio.blk", vda.owner());
        layer.removeDevice(dup); // not the registered instance: ignored
        assertTrue(layer.find("vda").isPresent());
        String ls = layer.lsblk();
        assertTrue(ls.contains("sda") && ls.contains("1M") && ls.contains("32K"), ls);
    }

    @Test
    void human() {
        assertEquals("0B", BlockLayer.human(0));
        assertEquals("1023B", BlockLayer.human(1023));
        assertEquals("1K", BlockLayer.human(1024));
        assertEquals("1.5K", BlockLayer.human(1536));
        assertEquals("64M", BlockLayer.human(64L << 20));
        assertEquals("2G", BlockLayer.human(2L << 30));
        assertEquals("1.5T", BlockLayer.human(3L << 39));
        assertEquals("2048T", BlockLayer.human(1L << 51));
    }
}
