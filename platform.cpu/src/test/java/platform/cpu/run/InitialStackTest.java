package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stack a program starts on: a program dumps everything from its initial RSP to the top
 * of user space, and the test reads argc, argv, envp and the auxiliary vector back out of it.
 */
class InitialStackTest {
    static final long TOP = 0x7fff_ffff_f000L;

    @Test
    void argvEnvpAndAuxvAsTheAbiSays() {
        Path bin = AsmRun.write(ElfImage.program("""
                mov rbx, rsp
                mov [abs DATA], rsp
                mov edi, 1
                mov esi, DATA
                mov edx, 8
                SYS 1
                mov edi, 1
                mov rsi, rbx
                mov rdx, 0x7ffffffff000
                sub rdx, rbx
                SYS 1
                xor eax, eax
                EXIT_RAX
                """).build());
        Tools.Run r = AsmRun.exec(bin, "first", "", "third arg ü");
        assertNull(r.message());
        ByteBuffer b = ByteBuffer.wrap(r.stdout()).order(ByteOrder.LITTLE_ENDIAN);
        long rsp = b.getLong(0);
        assertEquals(0, rsp % 16, "RSP is 16-byte aligned at entry");
        assertEquals(TOP - rsp, r.stdout().length - 8);
        // stack word at address a is at offset 8 + (a - rsp)
        java.util.function.LongUnaryOperator word = a -> b.getLong((int) (8 + a - rsp));
        java.util.function.LongFunction<String> str = a -> {
            int at = (int) (8 + a - rsp), end = at;
            while (r.stdout()[end] != 0) {
                end++;
            }
            return new String(r.stdout(), at, end - at, StandardCharsets.UTF_8);
        };
        long argc = word.applyAsLong(rsp);
        assertEquals(4, argc);
        List<String> want = List.of(bin.toString(), "first", "", "third arg ü");
        for (int k = 0; k < argc; k++) {
            assertEquals(want.get(k), str.apply(word.applyAsLong(rsp + 8 + 8L * k)));
        }
        long p = rsp + 8 + 8 * argc;
        assertEquals(0, word.applyAsLong(p), "argv ends in NULL");
        p += 8;
        assertEquals("A=1", str.apply(word.applyAsLong(p)));
        assertEquals("B=two", str.apply(word.applyAsLong(p + 8)));
        assertEquals(0, word.applyAsLong(p + 16), "envp ends in NULL");
        p += 24;
        Map<Long, Long> aux = new HashMap<>();
        for (;; p += 16) {
            long type = word.applyAsLong(p), value = word.applyAsLong(p + 8);
            if (type == 0) {
                break;
            }
            aux.put(type, value);
        }
        assertEquals(0x400040L, aux.get(3L), "AT_PHDR");
        assertEquals(56L, aux.get(4L), "AT_PHENT");
        assertEquals(3L, aux.get(5L), "AT_PHNUM");
        assertEquals(4096L, aux.get(6L), "AT_PAGESZ");
        assertEquals(0x401000L, aux.get(9L), "AT_ENTRY");
        assertEquals(0L, aux.get(23L), "AT_SECURE");
        assertEquals(100L, aux.get(17L), "AT_CLKTCK");
        assertTrue(aux.containsKey(11L) && aux.containsKey(12L) && aux.containsKey(13L) && aux.containsKey(14L), "AT_UID..AT_EGID");
        assertNotEquals(0L, aux.get(16L) & 1, "AT_HWCAP has FPU");
        assertEquals("x86_64", str.apply(aux.get(15L)), "AT_PLATFORM");
        assertEquals(bin.toString(), str.apply(aux.get(31L)), "AT_EXECFN");
        long random = aux.get(25L);
        assertTrue(random > rsp && random + 16 <= TOP, "AT_RANDOM points at 16 bytes on the stack");
    }
}
