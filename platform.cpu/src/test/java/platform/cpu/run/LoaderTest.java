package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import platform.cpu.Asm;

/** Loading PT_LOAD segments: shared pages, bss beyond the file bytes, huge bss, static-pie. */
class LoaderTest {
    static byte[] code(String asm, long org) {
        return Asm.assemble(ElfImage.PRELUDE + asm, org);
    }

    /** Text (R+X) and data (R+W) in the same page: the page is readable, writable and executable. */
    @Test
    void aPageSharedByTwoSegmentsGetsBothProtections() {
        byte[] text = code("""
                mov byte [rel data], 42
                movzx eax, byte [rel data]
                EXIT_RAX
                data equ 0x401800
                """, 0x401000);
        ElfImage e = new ElfImage()
                .segment(1, 5, 0x1000, 0x401000, text.length, text.length)
                .segment(1, 6, 0x1800, 0x401800, 16, 64)
                .payload(0x1000, text).payload(0x1800, new byte[16]);
        Tools.Run r = AsmRun.exec(AsmRun.write(e.build()));
        assertNull(r.message());
        assertEquals(42, r.status());
    }

    /** The bytes of the file past p_filesz are not loaded: bss reads as zero even in the last file page. */
    @Test
    void bssIsZeroEvenWhereTheFileHasBytes() {
        byte[] text = code("""
                movzx eax, byte [abs 0x600fff]
                add al, [abs 0x601000]
                add al, [abs 0x600000]
                EXIT_RAX
                """, 0x401000);
        byte[] junk = new byte[0x1000];
        Arrays.fill(junk, (byte) 0x11);
        ElfImage e = new ElfImage()
                .segment(1, 5, 0x1000, 0x401000, text.length, text.length)
                .segment(1, 6, 0x2000, 0x600000, 0x10, 0x2000)
                .payload(0x1000, text).payload(0x2000, junk);
        Tools.Run r = AsmRun.exec(AsmRun.write(e.build()));
        assertNull(r.message());
        assertEquals(0x11, r.status(), "only the first 16 bytes come from the file");
    }

    /** A 64 GiB bss costs nothing until touched. */
    @Test
    void hugeBssIsDemandPaged() {
        byte[] text = code("""
                mov rax, 0x600000 + (64 << 30) - 8
                mov qword [rax], 7
                mov rax, [rax]
                EXIT_RAX
                """, 0x401000);
        ElfImage e = new ElfImage()
                .segment(1, 5, 0x1000, 0x401000, text.length, text.length)
                .segment(1, 6, 0, 0x600000, 0, 64L << 30)
                .payload(0x1000, text);
        Tools.Run r = AsmRun.exec(AsmRun.write(e.build()));
        assertNull(r.message());
        assertEquals(7, r.status());
    }

    /** ET_DYN without PT_INTERP (static-pie) runs at Linux's base 0x555555554000. */
    @Test
    void staticPieRunsAtItsBase() {
        byte[] text = code("""
                lea rax, [rel $]
                mov rcx, 0x555555554000 + 0x1000
                cmp rax, rcx
                sete al
                movzx eax, al
                EXIT_RAX
                """, 0x1000);
        ElfImage e = new ElfImage().segment(1, 5, 0, 0, 0x1000 + text.length, 0x1000 + text.length).payload(0x1000, text);
        e.type = 3;
        e.entry = 0x1000;
        Tools.Run r = AsmRun.exec(AsmRun.write(e.build()));
        assertNull(r.message());
        assertEquals(1, r.status());
    }
}
