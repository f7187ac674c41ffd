package platform.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * CPUID describes exactly what the interpreter implements: the announced feature bits are
 * this list and no other, and every announced extension's instructions run (an extension that
 * is not announced — SSE3, SSSE3, SSE4, AVX, BMI — is not implemented and must stay hidden).
 */
class CpuidTest {

    @Test
    void featureBitsAreExactlyTheImplementedOnes() {
        try (UserSpace u = new UserSpace().load("""
                    xor ecx, ecx
                    mov eax, 0
                    cpuid
                    mov [0x600000], ebx
                    mov [0x600004], edx
                    mov [0x600008], ecx
                    mov [0x60000c], eax
                    mov eax, 1
                    cpuid
                    mov [0x600010], edx
                    mov [0x600014], ecx
                    mov eax, 7
                    xor ecx, ecx
                    cpuid
                    mov [0x600018], ebx
                    mov [0x60001c], ecx
                    mov eax, 0x80000001
                    cpuid
                    mov [0x600020], edx
                    mov [0x600024], ecx
                    mov eax, 0xd
                    xor ecx, ecx
                    cpuid
                    mov [0x600028], eax
                    mov [0x60002c], ebx
                    syscall
                """)) {
            assertEquals(Exit.SYSCALL, u.run(1000));
            ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < 48; k += 8) {
                b.putLong(k, u.peek64(UserSpace.DATA + k));
            }
            byte[] vendor = new byte[12];
            b.get(0, vendor);
            assertEquals("KestrelCPU64", new String(vendor, StandardCharsets.US_ASCII));
            assertEquals(0xD, b.getInt(12), "max basic leaf");
            // leaf 1 EDX: FPU PSE TSC PAE CX8 APIC PGE CMOV CLFSH MMX FXSR SSE SSE2
            int edx1 = 1 | 1 << 3 | 1 << 4 | 1 << 6 | 1 << 8 | 1 << 9 | 1 << 13 | 1 << 15 | 1 << 19 | 1 << 23 | 1 << 24 | 1 << 25 | 1 << 26;
            assertEquals(edx1, b.getInt(16));
            // leaf 1 ECX: CX16 POPCNT XSAVE OSXSAVE; no SSE3 (bit 0), SSSE3 (9), SSE4.1/4.2 (19/20), AVX (28)
            assertEquals(1 << 13 | 1 << 23 | 1 << 26 | 1 << 27, b.getInt(20));
            assertEquals(0, b.getInt(24), "leaf 7 EBX: no BMI1/2, AVX2, FSGSBASE, ...");
            assertEquals(0, b.getInt(28), "leaf 7 ECX");
            // 80000001 EDX: SYSCALL NX Page1GB RDTSCP LM; ECX: LAHF/SAHF, LZCNT
            assertEquals(1 << 11 | 1 << 20 | 1 << 26 | 1 << 27 | 1 << 29, b.getInt(32));
            assertEquals(1 | 1 << 5, b.getInt(36));
            assertEquals(3, b.getInt(40), "XCR0 components: x87, SSE");
            assertEquals(576, b.getInt(44), "XSAVE area size");
        }
    }

    @Test
    void everyAnnouncedExtensionRuns() {
        try (UserSpace u = new UserSpace().load("""
                    mov rax, 0xF0F0
                    popcnt rbx, rax          ; POPCNT
                    lzcnt rcx, rax           ; LZCNT (ABM)
                    sahf                     ; LAHF/SAHF in 64-bit mode
                    lahf
                    mov rsi, 0x600040
                    xor eax, eax
                    xor edx, edx
                    mov rbx, 1
                    xor ecx, ecx
                    lock cmpxchg16b [rsi]    ; CX16
                    rdtscp                   ; RDTSCP
                    xor ecx, ecx
                    xgetbv                   ; XSAVE/OSXSAVE
                    mov rdi, 0x600100
                    mov eax, 3
                    xor edx, edx
                    xsave [rdi]
                    xrstor [rdi]
                    fxsave [rdi]
                    fxrstor [rdi]
                    movq xmm0, rax           ; SSE2
                    paddq mm0, mm1           ; MMX
                    emms
                    clflush [rsi]            ; CLFSH
                    mov eax, 0x7FF
                    cmovnz ebx, eax          ; CMOV
                    syscall
                """)) {
            Exit e = u.run(1000);
            assertEquals(Exit.SYSCALL, e, () -> Vectors.name(u.cpu.vector()) + " at " + Long.toHexString(u.cpu.rip()));
        }
    }
}
