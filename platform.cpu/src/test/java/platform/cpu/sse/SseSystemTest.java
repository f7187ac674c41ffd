package platform.cpu.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.UserSpace;
import platform.cpu.Vectors;
import platform.cpu.internal.Core;

/**
 * What the host CPU cannot show from user mode: the control-register conditions under which
 * MMX/SSE instructions fault (CR0.EM, CR0.TS, CR4.OSFXSR, CR4.OSXMMEXCPT, CR4.OSXSAVE) and
 * the #MF check of MMX instructions, run in the emulator alone.
 */
class SseSystemTest {
    static final long CR0_EM = 4, CR0_TS = 8, CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400, CR4_OSXSAVE = 0x40000;

    /** Runs {@code asm} (then SYSCALL) with CR0/CR4 bits cleared and set as given; returns the exception vector or -1. */
    static int run(String asm, long cr0Set, long cr4Clear, int mxcsr) {
        try (UserSpace u = new UserSpace().load("mov ebx, 0x600000\n" + asm + "\nsyscall")) {
            Core c = u.cpu.core();
            c.cr0 |= cr0Set;
            c.cr4 &= ~cr4Clear;
            c.mxcsr = mxcsr;
            Exit e = u.run(1000);
            return e == Exit.EXCEPTION ? u.cpu.vector() : -1;
        }
    }

    static int run(String asm, long cr0Set, long cr4Clear) {
        return run(asm, cr0Set, cr4Clear, 0x1F80);
    }

    @Test
    void emulationAndTaskSwitchedBits() {
        for (String asm : new String[] {"addps xmm0, xmm1", "movdqa xmm0, xmm1", "pxor xmm0, xmm0", "ldmxcsr [rsp - 8]",
            "cvtsi2sd xmm0, rax", "paddb mm0, mm1", "emms", "movd mm0, eax"}) {
            assertEquals(Vectors.UD, run(asm, CR0_EM, 0), asm + " with CR0.EM");
            assertEquals(Vectors.NM, run(asm, CR0_TS, 0), asm + " with CR0.TS");
            assertEquals(Vectors.UD, run(asm, CR0_EM | CR0_TS, 0), asm + " with CR0.EM and TS: EM wins");
            assertEquals(-1, run(asm, 0, 0), asm);
        }
        assertEquals(Vectors.NM, run("fxsave [rbx]", CR0_TS, 0));
        assertEquals(Vectors.UD, run("fxrstor [rbx]", CR0_EM, 0));
        assertEquals(Vectors.NM, run("xsave [rbx]", CR0_TS, 0));
        assertEquals(-1, run("xsave [rbx]", CR0_EM, 0), "XSAVE ignores CR0.EM");
        for (String asm : new String[] {"movnti [rbx], eax", "lfence", "sfence", "mfence", "clflush [rbx]", "pause"}) {
            assertEquals(-1, run(asm, CR0_TS, 0), asm + " is not affected by CR0.TS");
        }
    }

    @Test
    void osfxsrAndOsxsave() {
        assertEquals(Vectors.UD, run("addps xmm0, xmm1", 0, CR4_OSFXSR));
        assertEquals(Vectors.UD, run("movaps xmm0, xmm1", 0, CR4_OSFXSR));
        assertEquals(Vectors.UD, run("xsave [rbx]", 0, CR4_OSXSAVE));
        assertEquals(Vectors.UD, run("xrstor [rbx]", 0, CR4_OSXSAVE));
        assertEquals(Vectors.UD, run("xgetbv", 0, CR4_OSXSAVE));
    }

    @Test
    void unmaskedExceptionIsXmOnlyWithOsxmmexcept() {
        String div0 = "xorps xmm1, xmm1\nmov eax, 1\ncvtsi2ss xmm0, eax\ndivss xmm0, xmm1";
        int zeUnmasked = 0x1F80 & ~0x200;
        assertEquals(-1, run(div0, 0, 0), "masked");
        assertEquals(Vectors.XM, run(div0, 0, 0, zeUnmasked));
        assertEquals(Vectors.UD, run(div0, 0, CR4_OSXMMEXCPT, zeUnmasked));
    }

    @Test
    void mmxRaisesPendingX87Exceptions() {
        try (UserSpace u = new UserSpace().load("paddb mm0, mm1\nsyscall")) {
            Core c = u.cpu.core();
            c.fsw = 0x8081 | 5 << 11; // IE, ES, B pending; TOP 5
            assertEquals(Exit.EXCEPTION, u.run(10));
            assertEquals(Vectors.MF, u.cpu.vector());
            assertEquals(5, (c.fsw >> 11) & 7, "nothing changed");
            assertEquals(0xFFFF, c.ftw);
        }
        try (UserSpace u = new UserSpace().load("paddb mm0, mm1\nsyscall")) {
            Core c = u.cpu.core();
            c.fsw = 5 << 11;
            c.fpuM[0] = 0x0102_0304_0506_0708L;
            c.fpuM[1] = 0x0101_0101_0101_0101L;
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(0x0203_0405_0607_0809L, c.fpuM[0]);
            assertEquals(0xFFFF, c.fpuSE[0]);
            assertEquals(0, c.fsw & 0x3800, "TOP = 0");
            assertEquals(0, c.ftw, "all tags valid");
            CpuState s = new CpuState();
            u.cpu.save(s);
            assertEquals(0x1F80, s.mxcsr, "MXCSR untouched, no pending bits left");
        }
    }
}
