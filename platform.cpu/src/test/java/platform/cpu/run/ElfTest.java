package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import platform.cpu.internal.run.Elf;

/** The ELF64 parser: good static executables load; every kind of bad file is a clear BadElf, never another exception. */
class ElfTest {
    /** A minimal good executable: one R+X segment at 0x400000 holding everything. */
    static ElfImage good() {
        return new ElfImage().segment(1, 5, 0, 0x400000, 0x2000, 0x3000).payload(0x1ff0, new byte[16]);
    }

    private static ElfImage with(Consumer<ElfImage> change) {
        ElfImage e = good();
        e.entry = 0x400100;
        change.accept(e);
        return e;
    }

    private static String bad(byte[] file) {
        return assertThrows(Elf.BadElf.class, () -> Elf.parse(file)).getMessage();
    }

    private static String bad(Consumer<ElfImage> change) {
        return bad(with(change).build());
    }

    @Test
    void parsesAGoodExecutable() throws Exception {
        Elf elf = Elf.parse(with(e -> { }).build());
        assertEquals(0x400100, elf.entry);
        assertEquals(1, elf.loads.size());
        assertEquals(0x400040, elf.phdrAddress());
        assertEquals(0x403000, elf.imageEnd());
    }

    @Test
    void staticPieIsPlacedAtTheLinuxBase() throws Exception {
        ElfImage e = new ElfImage().segment(1, 5, 0, 0, 0x2000, 0x2000).payload(0x1ff0, new byte[16]);
        e.type = 3;
        e.entry = 0x100;
        Elf elf = Elf.parse(e.build());
        assertEquals(0x5555_5555_4000L + 0x100, elf.entry);
        assertEquals(0x5555_5555_4000L + 0x40, elf.phdrAddress());
    }

    @Test
    void notElf() {
        assertEquals("not an ELF file", bad(new byte[0]));
        assertEquals("not an ELF file", bad("#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void truncatedHeaders() {
        assertTrue(bad(Arrays.copyOf(good().build(), 10)).startsWith("truncated ELF header"));
        assertTrue(bad(Arrays.copyOf(good().build(), 40)).startsWith("truncated ELF header"));
        ElfImage e = good();
        e.truncateTo = 64 + 20;
        assertTrue(bad(e.build()).startsWith("program header table"), bad(e.build()));
    }

    @Test
    void wrongClassDataVersionMachineType() {
        assertTrue(bad(e -> e.elfClass = 1).startsWith("32-bit ELF"));
        assertTrue(bad(e -> e.data = 2).startsWith("big-endian"));
        assertTrue(bad(e -> e.version = 0).startsWith("bad ELF version"));
        assertEquals("machine 183 (AArch64) is not x86-64", bad(e -> e.machine = 183));
        assertEquals("machine 3 (i386) is not x86-64", bad(e -> e.machine = 3));
        assertEquals("not an executable (ELF type 1: relocatable object)", bad(e -> e.type = 1));
        assertEquals("not an executable (ELF type 4: core dump)", bad(e -> e.type = 4));
    }

    @Test
    void badProgramHeaderTable() {
        assertEquals("no program headers", bad(e -> e.phnumOverride = 0));
        assertTrue(bad(e -> e.phentsize = 32).startsWith("program header size 32"));
        assertTrue(bad(e -> e.phoff = 1L << 40).startsWith("program header table"));
        assertTrue(bad(e -> e.phoff = -8).startsWith("program header table"));
        assertTrue(bad(e -> e.phnumOverride = 0xFFFF).startsWith("program header table"));
    }

    @Test
    void dynamicallyLinked() {
        ElfImage e = with(x -> { });
        e.segment(3, 4, 0x1f00, 0x401f00, 28, 28);
        e.payload(0x1f00, "/lib64/ld-linux-x86-64.so.2\0".getBytes(StandardCharsets.US_ASCII));
        String m = bad(e.build());
        assertTrue(m.startsWith("dynamically linked (asks for the interpreter /lib64/ld-linux-x86-64.so.2)"), m);
        assertTrue(m.contains("-static"), m);
    }

    @Test
    void segmentsOutsideTheFile() {
        assertTrue(bad(e -> e.segment(1, 6, 0x1000, 0x600000, 0x5000, 0x5000)).contains("lies outside the file"));
        assertTrue(bad(e -> e.segment(1, 6, 0x7fff_ffff_ffff_f000L, 0x600000, 0x2000, 0x2000)).contains("lies outside the file"));
        assertTrue(bad(e -> e.segment(1, 6, -4096, 0x600000, 16, 16)).contains("lies outside the file"));
    }

    @Test
    void absurdSegments() {
        assertTrue(bad(e -> e.segment(1, 6, 0x1000, 0x600000, 0x100, 0x10)).contains("smaller than its file size"));
        assertTrue(bad(e -> e.segment(1, 6, 0x1000, 0x7fff_ffff_f000L, 0x100, 0x2000)).contains("outside user space"));
        assertTrue(bad(e -> e.segment(1, 6, 0x1000, 0xffff_8000_0000_0000L, 0, 0x1000)).contains("outside user space"));
        assertTrue(bad(e -> e.segment(1, 6, 0x1000, 0x600000, 0, -1L)).contains("outside user space"));
        assertTrue(bad(e -> e.segment(1, 6, 0x1000, 0x600000, 0, 1L << 50)).contains("outside user space"));
        assertTrue(bad(e -> e.segment(1, 6, 0x1000, 0, 0, 0x1000)).contains("outside user space"));
        assertTrue(bad(e -> e.segment(1, 6, 0x1010, 0x600000, 0x10, 0x10)).contains("differ modulo the page size"));
    }

    @Test
    void overlappingSegments() {
        assertEquals("segments 0 and 1 overlap at 0x402000", bad(e -> e.segment(1, 6, 0, 0x402000, 0x1000, 0x2000)));
        assertTrue(bad(e -> e.segment(1, 6, 0, 0x3ff000, 0, 0x2000)).contains("overlap"));
    }

    @Test
    void entryOutsideTheImage() {
        assertEquals("entry point 0x500000 is outside every loadable segment", bad(e -> e.entry = 0x500000));
    }

    @Test
    void noLoadableSegment() {
        ElfImage e = new ElfImage().segment(0x6474e551, 6, 0, 0, 0, 0).payload(0x100, new byte[16]);
        assertEquals("no loadable segment", bad(e.build()));
    }

    /** Random corruption of a real executable never throws anything but BadElf. */
    @Test
    void fuzzedHeadersFailCleanly() {
        byte[] base = with(e -> e.segment(1, 6, 0x1000, 0x601000, 0x800, 0x4000)).build();
        java.util.Random r = new java.util.Random(7);
        for (int k = 0; k < 20_000; k++) {
            byte[] f = base.clone();
            for (int n = 1 + r.nextInt(4); n > 0; n--) {
                f[r.nextInt(64 + 2 * 56)] = (byte) r.nextInt();
            }
            if (r.nextInt(10) == 0) {
                f = Arrays.copyOf(f, r.nextInt(f.length));
            }
            try {
                Elf.parse(f);
            } catch (Elf.BadElf expected) {
                // fine
            }
        }
    }
}
