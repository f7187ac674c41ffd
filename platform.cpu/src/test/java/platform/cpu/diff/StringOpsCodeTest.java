package platform.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.UserSpace;

/**
 * Emulator-only checks of what the differential harness cannot set up: REP MOVS/STOS that
 * overwrite code about to run (the decoded code must be invalidated), and a long REP that
 * yields to the run loop and resumes where it stopped.
 */
class StringOpsCodeTest {
    /** Makes the code page of {@code u} writable (it stays executable). */
    private static void writableCode(UserSpace u) {
        u.mapPage(UserSpace.CODE, u.phys(UserSpace.CODE) & ~0xFFFL, UserSpace.P | UserSpace.RW | UserSpace.US);
        u.cpu.flushTlb();
    }

    @Test
    void repMovsOverTheNextInstructions() {
        try (UserSpace u = new UserSpace().load("""
                    lea rdi, [rel target]
                    lea rsi, [rel newcode]
                    mov ecx, newcode_end - newcode
                    rep movsb
                target:
                    mov eax, 1
                    syscall
                newcode:
                    mov eax, 2
                    syscall
                newcode_end:
                """)) {
            writableCode(u);
            assertEquals(Exit.SYSCALL, u.run(100));
            assertEquals(2, u.cpu.reg(CpuState.RAX));
        }
    }

    @Test
    void repStosOverDecodedCode() {
        try (UserSpace u = new UserSpace().load("""
                    mov eax, 7
                    call patch
                    lea rdi, [rel hole]
                    mov al, 0x90
                    mov ecx, 2
                    rep stosb
                    call patch
                    syscall
                patch:
                hole:
                    ud2
                    ret
                """)) {
            writableCode(u);
            // the first call runs into ud2 (decoded now); after the STOS it runs two NOPs and returns
            assertEquals(Exit.EXCEPTION, u.run(100));
            u.cpu.setRip(u.cpu.rip() + 2); // skip the ud2 once, as a kernel could
            assertEquals(Exit.SYSCALL, u.run(100));
            assertEquals(0x90, u.cpu.reg(CpuState.RAX) & 0xFF);
        }
    }

    @Test
    void longRepYieldsAndResumes() {
        int len = 3 << 20;
        try (UserSpace u = new UserSpace(32 << 20).load("rep movsb\nsyscall")) {
            long src = 0x1000_0000L, dst = 0x2000_0000L;
            u.map(src, len, UserSpace.P | UserSpace.RW | UserSpace.US | UserSpace.NX);
            u.map(dst, len, UserSpace.P | UserSpace.RW | UserSpace.US | UserSpace.NX);
            for (long a = src; a < src + len; a += 8) {
                u.poke64(a, a * 0x9E3779B97F4A7C15L);
            }
            u.cpu.setReg(CpuState.RSI, src);
            u.cpu.setReg(CpuState.RDI, dst);
            u.cpu.setReg(CpuState.RCX, len);
            assertEquals(Exit.BUDGET, u.run(1));
            long left = u.cpu.reg(CpuState.RCX);
            assertTrue(left > 0 && left < len, "one execution copies part: " + left);
            assertEquals(UserSpace.CODE, u.cpu.rip(), "RIP stays at the REP");
            assertEquals(src + (len - left), u.cpu.reg(CpuState.RSI));
            assertEquals(Exit.SYSCALL, u.run(1000));
            assertEquals(src + len, u.cpu.reg(CpuState.RSI)); // (RCX now holds the SYSCALL return address)
            for (long a = 0; a < len; a += 4096 - 8) {
                assertEquals(u.peek64(src + a), u.peek64(dst + a), "at +" + a);
            }
        }
    }
}
