package platform.cpu.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import platform.cpu.diff.Differential;
import platform.cpu.diff.MachineState;
import platform.cpu.diff.Outcome;

/**
 * RCPPS/RCPSS/RSQRTPS/RSQRTSS: approximations whose exact bits are implementation specific
 * (Intel and AMD differ), so the emulator is checked against the host within the
 * architectural bound instead of bit for bit: |relative error| &lt;= 1.5 * 2^-12 for both, the
 * same special results (NaNs, infinities, zeros, flushed tiny results, denormal operands
 * read as zeros), no flags, the upper lanes of the scalar forms kept.
 */
class SseApproxTest {
    private final SseGen g = new SseGen(17);
    static final double BOUND = 1.5 * 0x1p-12;

    @Test
    void rcpAndRsqrtWithinTheBoundAndSpecialsExact() {
        for (String op : new String[] {"rcpps", "rsqrtps", "rcpss", "rsqrtss"}) {
            boolean sqrt = op.startsWith("rsqrt");
            for (int k = 0; k < 300; k++) {
                MachineState s = g.gen.state();
                for (int r = 0; r < 32; r++) {
                    s.xmm[r] = g.singles();
                }
                s.mxcsr(g.mxcsrMasked());
                String asm = op + " xmm1, xmm2";
                Outcome h = Differential.host(asm, s), m = Differential.emulate(asm, s);
                assertEquals(h.vector, m.vector, asm);
                assertEquals(h.state.mxcsr, m.state.mxcsr, asm + ": no flags");
                int lanes = op.endsWith("ps") ? 4 : 1;
                for (int l = 0; l < 4; l++) {
                    int hv = lane(h.state.xmm, 1, l), mv = lane(m.state.xmm, 1, l), x = lane(s.xmm, 2, l);
                    if (l >= lanes) {
                        assertEquals(hv, mv, asm + ": upper lane " + l + " kept");
                        continue;
                    }
                    check(asm, x, hv, mv, sqrt);
                }
            }
        }
    }

    private static int lane(long[] xmm, int reg, int l) {
        return (int) (xmm[2 * reg + l / 2] >>> (32 * (l & 1)));
    }

    private static void check(String asm, int x, int host, int emu, boolean sqrt) {
        String what = String.format("%s of %08x: host %08x emu %08x", asm, x, host, emu);
        float h = Float.intBitsToFloat(host), e = Float.intBitsToFloat(emu);
        if (Float.isNaN(h) || Float.isInfinite(h) || h == 0 || Float.isNaN(e) || Float.isInfinite(e) || e == 0) {
            assertEquals(host, emu, what + " (special results are exact)");
            return;
        }
        double v = Math.abs((double) Float.intBitsToFloat(x));
        double exact = sqrt ? 1 / Math.sqrt(v) : 1 / v;
        assertTrue(Math.abs(Math.abs(e) - exact) <= BOUND * exact, what + ": emulator outside the bound");
        assertTrue(Math.abs(Math.abs(h) - exact) <= BOUND * exact, what + ": host outside the bound?");
        assertEquals(host < 0, emu < 0, what + ": sign");
    }
}
