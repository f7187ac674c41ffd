package platform.cpu.internal.x87;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import platform.cpu.internal.x87.F80.Reg;

/**
 * Hand-checked results (taken from the host x87) that need no oracle, so
 * the x87 rules they pin down are also tested on hosts without gcc or an
 * x86-64 CPU, and documented by example.
 */
class F80KnownValuesTest {
    private static final int CW = F80.FCW_DEFAULT;
    private final Reg r = new Reg();

    private void expect(String value, int status, int actualStatus) {
        assertEquals(value, r.toString());
        assertEquals(Integer.toHexString(status), Integer.toHexString(actualStatus));
    }

    @Test
    void basicArithmetic() {
        expect("4001:8000000000000000", 0, F80.add(0x4000, 0xC000000000000000L, 0x3FFF, 0x8000000000000000L, CW, r));
        // 1/3 at 64 and at 24 bits: inexact, rounded up (C1)
        int s = F80.div(0x3FFF, 0x8000000000000000L, 0x4000, 0xC000000000000000L, CW, r);
        expect("3ffd:aaaaaaaaaaaaaaab", F80.PE | F80.C1, s);
        s = F80.div(0x3FFF, 0x8000000000000000L, 0x4000, 0xC000000000000000L, 0x007F, r);
        expect("3ffd:aaaaab0000000000", F80.PE | F80.C1, s);
        // x / 0: ZE and infinity; 0 / 0: IE and the indefinite
        expect("7fff:8000000000000000", F80.ZE, F80.div(0x3FFF, 0x8000000000000000L, 0, 0, CW, r));
        expect("ffff:c000000000000000", F80.IE, F80.div(0, 0, 0, 0, CW, r));
        // PC = 1 (reserved) rounds like PC = 3
        expect("3fff:8000000000000001", 0, F80.add(0x3FFF, 0x8000000000000000L, 0x3FC0, 0x8000000000000000L, 0x017F, r));
    }

    @Test
    void tininessIsDetectedAfterRounding() {
        // (1 - 2^-126) * 2^-16382 rounds up to the smallest normal: PE but no UE
        int s = F80.mul(0x3FFE, 0xFFFFFFFFFFFFFFFEL, 0x0001, 0x8000000000000001L, CW, r);
        expect("0001:8000000000000000", F80.PE | F80.C1, s);
        // (1 - 2^-64) * 2^-16382 is a tie that rounds up too, but is tiny even after rounding
        s = F80.mul(0x3FFE, 0xFFFFFFFFFFFFFFFFL, 0x0001, 0x8000000000000000L, CW, r);
        expect("0001:8000000000000000", F80.PE | F80.UE | F80.C1, s);
    }

    @Test
    void nanRules() {
        // two NaNs: the larger significand wins (a QNaN beats any SNaN), ties go to the positive one
        expect("7fff:c000000000000001", F80.IE,
                F80.add(0x7FFF, 0xC000000000000001L, 0x7FFF, 0x8000000000000005L, CW, r));
        expect("7fff:c000000000000001", 0, F80.add(0xFFFF, 0xC000000000000001L, 0x7FFF, 0xC000000000000001L, CW, r));
        // an unsupported operand beats a NaN; a NaN hides a denormal operand
        expect("ffff:c000000000000000", F80.IE, F80.add(0x7FFF, 0xC000000000000001L, 0x4000, 1, CW, r));
        expect("7fff:c000000000000001", 0, F80.add(0x7FFF, 0xC000000000000001L, 0, 1, CW, r));
    }

    @Test
    void partialRemainder() {
        // D = 100 >= 64: reduced by N = 32 + 100 % 32 = 36 bits, C2 = 1
        int s = F80Misc.prem(0x4063, 0xC90FDAA22168C234L, 0x3FFF, 0xB504F333F9DE6484L, false, CW, r);
        expect("403e:8bda762b6283a418", F80.C2, s);
        // D = 63: complete, quotient bits in C0 (q2), C3 (q1), C1 (q0)
        s = F80Misc.prem(0x403E, 0xC90FDAA22168C234L, 0x3FFF, 0xB504F333F9DE6484L, false, CW, r);
        expect("3ffe:da2a66b7fed8b790", F80.C3 | F80.C0, s);
    }

    @Test
    void conversions() {
        // float32: overflow to infinity, SNaN quieted, tie at the denormal boundary rounds up to normal
        int s = F80Convert.toFloat32(0x7FFE, 0x8000000000000000L, CW, r);
        assertEquals(0x7F800000L, r.m);
        assertEquals(F80.OE | F80.PE | F80.C1, s);
        assertEquals(F80.IE, F80Convert.toFloat32(0x7FFF, 0x8000000000000001L, CW, r));
        assertEquals(0x7FC00000L, r.m);
        assertEquals(F80.UE | F80.PE | F80.C1, F80Convert.toFloat32(0x3F80, 0xFFFFFF0000000000L, CW, r));
        assertEquals(0x00800000L, r.m);
        // integers: out of range is the integer indefinite with IE only; -0.5 - tiny rounds to -1
        assertEquals(F80.IE, F80Convert.toInt(0x401E, 0x8000000000000000L, CW, 32, r));
        assertEquals(0xFFFFFFFF80000000L, r.m);
        assertEquals(F80.PE | F80.C1, F80Convert.toInt(0xBFFE, 0x8000000000000001L, CW, 32, r));
        assertEquals(-1L, r.m);
        // FLD m32 of an SNaN: IE, loaded quiet
        assertEquals(F80.IE, F80Convert.fromFloat32(0x7F800001, r));
        assertEquals("7fff:c000010000000000", r.toString());
    }

    @Test
    void examine() {
        assertEquals(F80.C2, F80.examine(0x3FFF, 0x8000000000000000L));
        assertEquals(F80.C3 | F80.C2, F80.examine(0x0000, 0x8000000000000000L)); // pseudo-denormal
        assertEquals(F80.C1, F80.examine(0xBFFF, 0x4000000000000000L)); // unnormal: unsupported
        assertEquals(F80.C2 | F80.C0, F80.examine(0x7FFF, 0x8000000000000000L));
        assertEquals(F80.C3 | F80.C1, F80.examine(0x8000, 0));
    }

    @Test
    void transcendentals() {
        F80Transcendental t = new F80Transcendental();
        // sin(pi rounded to 64 bits) with the x87's 66-bit pi: -2^-64 exactly
        int s = t.sin(0x4000, 0xC90FDAA22168C235L, CW, r);
        assertEquals("bfbf:8000000000000000", r.toString());
        assertEquals(F80.PE, s & ~F80.C1);
        assertEquals(F80.C2, t.sin(0x403E, 0x8000000000000000L, CW, r) & F80.C2); // |x| >= 2^63
        t.atan2(0x3FFF, 0x8000000000000000L, 0x3FFF, 0x8000000000000000L, CW, r);
        assertEquals("3ffe:c90fdaa22168c235", r.toString()); // pi/4
        t.exp2m1(0x3FFF, 0x8000000000000000L, CW, r);
        assertEquals("3fff:8000000000000000", r.toString());
        t.exp2m1(0x4000, 0x8000000000000000L, CW, r);
        assertEquals("4000:8000000000000000", r.toString()); // |x| > 1: x unchanged
        assertEquals(F80.PE, t.ylog2x(0x4001, 0x8000000000000000L, 0xBFFF, 0x8000000000000000L, CW, r));
        assertEquals("c000:8000000000000000", r.toString()); // -1 * log2(4), PE as on the x87
        Reg one = new Reg();
        t.tan(0x3FFF, 0x8000000000000000L, CW, r, one);
        // tan 1 = 1.5574...: correctly rounded ...dc5 (tan(1) * 2^63 = ...dc5.3994); the host x87 says ...dc6
        assertEquals("3fff:c75922e5f71d2dc5", r.toString());
        assertEquals("3fff:8000000000000000", one.toString());
    }
}
