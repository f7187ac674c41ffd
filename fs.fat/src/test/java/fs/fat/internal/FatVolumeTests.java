package fs.fat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fs.vfs.DirEntry;
import fs.vfs.FsException;
import fs.vfs.Inode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reads the sample volume ({@link SampleVolume}) from a real image of one FAT type and checks
 * it against the host files it was made from and against mtools' own listing.
 */
abstract class FatVolumeTests {
    abstract FatType type();

    private Path image;
    private TestDisk disk;
    private FatFileSystem fs;

    @BeforeEach
    void mount() throws IOException {
        image = SampleVolume.image(type());
        disk = TestDisk.of(image);
        fs = (FatFileSystem) new FatFileSystemType().mount(disk, "");
    }

    @AfterEach
    void unmount() {
        fs.unmount();
        disk.close();
    }

    @Test
    void mountsWithTheTypeGeometryAndLabel() {
        assertEquals(type(), fs.boot.type);
        assertEquals(SampleVolume.label(type()), fs.label());
        if (type() == FatType.FAT32) assertEquals(512, fs.boot.clusterSize);
    }

    @Test
    void fsckAgreesTheImageIsValid() {
        FatTools.run("fsck.fat", "-n", image.toString());
    }

    @Test
    void everyDirectoryListsLikeMdirInOnDiskOrder() throws IOException {
        Map<String, List<String>> expected = SampleVolume.mdirListing(image);
        for (var dir : expected.entrySet()) {
            List<String> names = resolve(dir.getKey()).list().stream().map(DirEntry::name).toList();
            assertEquals(dir.getValue(), names, "listing of " + dir.getKey());
        }
        assertTrue(expected.containsKey("/docs/a/b/c"));
        assertEquals(SampleVolume.MANY, expected.get("/many").size());
    }

    @Test
    void entriesMatchTheHostFiles() throws IOException {
        Path src = SampleVolume.source();
        for (DirEntry e : fs.root().list()) {
            Path host = src.resolve(e.name());
            assertEquals(Files.isDirectory(host), e.directory(), e.name());
            if (!e.directory()) {
                assertEquals(Files.size(host), e.size(), e.name());
                assertArrayEquals(Files.readAllBytes(host), readAll(fs.root().lookup(e.name())), e.name());
            }
        }
    }

    @Test
    void shortNamesHonourTheNtLowerCaseFlags() throws IOException {
        List<String> names = names("/");
        assertTrue(names.contains("hello.txt"), names::toString);  // base and extension lower
        assertTrue(names.contains("README.TXT"), names::toString);
        assertTrue(names.contains("lower.TXT"), names::toString);  // base lower only
    }

    @Test
    void longNamesKeepTheirCaseAndUnicode() throws IOException {
        List<String> names = names("/");
        for (String n : List.of(SampleVolume.MIXED_NAME, SampleVolume.UNICODE_NAME, SampleVolume.THIRTEEN_NAME,
                SampleVolume.LONG_NAME))
            assertTrue(names.contains(n), () -> n + " in " + names);
        assertEquals("unicode ✓\n", text(resolve("/" + SampleVolume.UNICODE_NAME)));
    }

    @Test
    void lookupIgnoresCaseAndFindsTheShortAlias() throws IOException {
        Inode root = fs.root();
        assertEquals("Hello, FAT!\n", text(root.lookup("HELLO.TXT")));
        assertEquals("mixed\n", text(root.lookup("mixed case name.txt")));
        assertEquals("mixed\n", text(root.lookup("MIXEDC~1.TXT")));
        assertEquals("unicode ✓\n", text(root.lookup("GRÜße 日本 – ÜNÏCÖDÉ.TXT")));
        assertEquals("long\n", text(root.lookup(SampleVolume.LONG_NAME.toUpperCase())));
        assertTrue(root.lookup("DOCS").isDirectory());
        assertNull(root.lookup("no such file"));
        assertNull(root.lookup(SampleVolume.label(type())), "the volume label is no file");
    }

    @Test
    void deletedEntriesAreGone() throws IOException {
        List<String> names = names("/");
        assertFalse(names.contains("frag2.bin"));
        assertFalse(names.contains("Deleted Long Name.txt"));
        assertNull(fs.root().lookup("frag2.bin"));
        assertNull(fs.root().lookup("Deleted Long Name.txt"));
        assertTrue(names.contains("frag1.bin") && names.contains("frag3.bin"));
    }

    @Test
    void nestedSubdirectories() throws IOException {
        assertEquals("deep down\n", text(resolve("/docs/a/b/c/deep.txt")));
        assertEquals("# notes\n", text(resolve("/Docs/A LONG DIRECTORY NAME/notes.md")));
        assertEquals(List.of("b"), names("/docs/a"));
        Inode many = resolve("/many");
        for (int i = 0; i < SampleVolume.MANY; i++)
            assertEquals("file " + i + "\n", text(many.lookup(String.format("File number %02d with a long name.txt", i))));
    }

    @Test
    void bigFileSpanningManyClustersMatchesTheSource() throws IOException {
        Inode big = fs.root().lookup("big.bin");
        assertEquals(SampleVolume.BIG_SIZE, big.size());
        assertTrue(big.size() / fs.boot.clusterSize > 100, "spans many clusters");
        byte[] expected = SampleVolume.bigContent();
        assertArrayEquals(expected, readAll(big));
        byte[] whole = new byte[expected.length + 10];
        assertEquals(expected.length, big.read(0, whole, 5, whole.length - 5));
        assertArrayEquals(expected, Arrays.copyOfRange(whole, 5, 5 + expected.length));
    }

    @Test
    void readsAtOddOffsetsAcrossClusterBoundaries() throws IOException {
        Inode big = fs.root().lookup("big.bin");
        byte[] expected = SampleVolume.bigContent();
        int cs = fs.boot.clusterSize;
        int size = expected.length;
        long[] positions = {size - 1, size - 5, size - cs - 1, 5L * cs + 7, 2L * cs - 3, cs + 1, cs, cs - 1, 1, 0};
        int[] lengths = {1, 2, 3, cs - 1, cs, cs + 1, 3 * cs + 5, 70001};
        for (int pass = 0; pass < 2; pass++) { // backwards then forwards: the cursor moves both ways
            for (int i = 0; i < positions.length; i++) {
                long pos = positions[pass == 0 ? i : positions.length - 1 - i];
                for (int len : lengths) {
                    byte[] dst = new byte[len + 2];
                    int n = big.read(pos, dst, 1, len);
                    int want = (int) Math.min(len, size - pos);
                    assertEquals(want, n, "read " + len + " at " + pos);
                    assertArrayEquals(Arrays.copyOfRange(expected, (int) pos, (int) pos + want),
                            Arrays.copyOfRange(dst, 1, 1 + n), "read " + len + " at " + pos);
                }
            }
        }
        assertEquals(-1, big.read(size, new byte[4], 0, 4));
        assertEquals(-1, big.read(size + 1000L, new byte[4], 0, 4));
        assertEquals(0, big.read(10, new byte[4], 0, 0));
    }

    @Test
    void emptyFile() throws IOException {
        Inode empty = fs.root().lookup("empty.dat");
        assertFalse(empty.isDirectory());
        assertEquals(0, empty.size());
        assertEquals(-1, empty.read(0, new byte[8], 0, 8));
    }

    @Test
    void timestampsComeFromTheEntry() throws IOException {
        assertEquals(SampleVolume.LEAP_DAY_MTIME, fs.root().lookup("hello.txt").modifiedMillis());
        assertEquals(SampleVolume.MTIME, fs.root().lookup("big.bin").modifiedMillis());
        for (DirEntry e : fs.root().list())
            if (!e.directory() && !e.name().equals("hello.txt")) assertEquals(SampleVolume.MTIME, e.modifiedMillis(), e.name());
    }

    @Test
    void misuseOfFilesAndDirectoriesIsAnFsException() throws IOException {
        Inode file = fs.root().lookup("hello.txt");
        assertThrows(FsException.class, file::list);
        assertThrows(FsException.class, () -> file.lookup("x"));
        assertThrows(FsException.class, () -> fs.root().read(0, new byte[1], 0, 1));
        Inode docs = fs.root().lookup("docs");
        assertTrue(docs.isDirectory());
        assertEquals(0, docs.size());
    }

    @Test
    void anUnmountedFilesystemRefusesCalls() throws IOException {
        Inode root = fs.root();
        Inode hello = root.lookup("hello.txt");
        fs.unmount();
        assertThrows(FsException.class, root::list);
        assertThrows(FsException.class, () -> hello.read(0, new byte[1], 0, 1));
    }

    private List<String> names(String dir) throws IOException {
        return resolve(dir).list().stream().map(DirEntry::name).toList();
    }

    private Inode resolve(String path) throws IOException {
        Inode node = fs.root();
        for (String part : path.split("/")) {
            if (part.isEmpty()) continue;
            node = node.lookup(part);
            assertNotNull(node, path);
        }
        return node;
    }

    static byte[] readAll(Inode file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        long pos = 0;
        for (int n; (n = file.read(pos, buf, 0, buf.length)) > 0; pos += n) out.write(buf, 0, n);
        return out.toByteArray();
    }

    private static String text(Inode file) throws IOException {
        assertNotNull(file);
        return new String(readAll(file), java.nio.charset.StandardCharsets.UTF_8);
    }
}
