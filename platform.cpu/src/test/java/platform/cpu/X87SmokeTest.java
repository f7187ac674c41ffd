package platform.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The x87 stack works end to end: loads, arithmetic, stores, compares, control words. */
class X87SmokeTest {
    @Test
    void arithmeticThroughTheStack() {
        try (UserSpace u = new UserSpace().load("""
                    fninit
                    fld1
                    fldpi
                    faddp
                    fstp qword [0x600000]
                    mov dword [0x600008], 7
                    fild dword [0x600008]
                    fld qword [0x600000]
                    fmul st0, st1
                    fistp dword [0x600010]
                    fstp st0
                    fldz
                    fld1
                    fcomip st0, st1
                    seta bl
                    fstp st0
                    fnstsw ax
                    mov [0x600018], ax
                    syscall
                """)) {
            assertEquals(Exit.SYSCALL, u.run(1000));
            assertEquals(Math.PI + 1, Double.longBitsToDouble(u.peek64(UserSpace.DATA)));
            assertEquals(29, (int) u.peek64(UserSpace.DATA + 0x10)); // round(7 * 4.14159...) = 29
            assertEquals(1, u.cpu.reg(CpuState.RBX) & 0xFF, "fcomip: 1 > 0");
            assertEquals(0x20, u.peek64(UserSpace.DATA + 0x18) & 0xFFFF, "TOP 0, only the sticky precision flag (inexact product)");
        }
    }
}
