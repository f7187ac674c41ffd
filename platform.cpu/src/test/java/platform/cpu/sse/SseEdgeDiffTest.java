package platform.cpu.sse;

import static platform.cpu.diff.Differential.ALL;

import org.junit.jupiter.api.Test;
import platform.cpu.diff.Differential;
import platform.cpu.diff.MachineState;

/**
 * Targeted floating-point edge cases against the host CPU, where random operands rarely
 * land: exact tiny results (FTZ flushes them?), products and quotients that straddle the
 * smallest normal (tininess after rounding, under every rounding mode), results at the
 * overflow threshold, ties in every mode, denormal operands with and without DAZ for every
 * kind of instruction.
 */
class SseEdgeDiffTest {
    private final SseGen g = new SseGen(19);

    /** Every MXCSR combination of rounding mode, DAZ and FTZ, masked, random sticky flags (or one unmasked exception). */
    private int mxcsr(int k) {
        int m = 0x1F80 | (k & 3) << 13 | ((k >> 2) & 1) * 0x40 | ((k >> 3) & 1) * 0x8000;
        if ((k >> 4) % 3 == 2) {
            m &= ~(0x80 << g.rnd.nextInt(6));
        }
        return m | (g.rnd.nextBoolean() ? g.rnd.nextInt(64) : 0);
    }

    private MachineState state(long a, long b, int mxcsr) {
        MachineState s = g.gen.state();
        s.xmm(1, a, g.rnd.nextLong());
        s.xmm(2, b, g.rnd.nextLong());
        return s.mxcsr(mxcsr);
    }

    /** A single near the smallest normal (either side), random sign. */
    private int nearMinNormalS() {
        return (g.rnd.nextBoolean() ? 0x8000_0000 : 0) | (0x0080_0000 + g.rnd.nextInt(64) - 32);
    }

    private long nearMinNormalD() {
        return (g.rnd.nextBoolean() ? Long.MIN_VALUE : 0) | (0x0010_0000_0000_0000L + g.rnd.nextInt(64) - 32);
    }

    @Test
    void exactAndNearlyTinyResults() {
        Differential.Batch b = Differential.batch();
        for (int k = 0; k < 384; k++) {
            int m = mxcsr(k);
            // sums and differences of numbers near the smallest normal: exact, often tiny
            b.add("addss xmm1, xmm2", state(nearMinNormalS(), nearMinNormalS(), m), ALL).name("addss tiny");
            b.add("subsd xmm1, xmm2", state(nearMinNormalD(), nearMinNormalD(), m), ALL).name("subsd tiny");
            // products straddling the smallest normal
            float x = 1 + g.rnd.nextFloat();
            int y = Float.floatToRawIntBits(Float.MIN_NORMAL / x) + g.rnd.nextInt(5) - 2;
            b.add("mulss xmm1, xmm2", state(Float.floatToRawIntBits(x), y, m), ALL).name("mulss near 2^-126");
            double xd = 1 + g.rnd.nextDouble();
            long yd = Double.doubleToRawLongBits(Double.MIN_NORMAL / xd) + g.rnd.nextInt(5) - 2;
            b.add("mulsd xmm1, xmm2", state(Double.doubleToRawLongBits(xd), yd, m), ALL).name("mulsd near 2^-1022");
            b.add("divsd xmm1, xmm2", state(Double.doubleToRawLongBits(Double.MIN_NORMAL * xd) + g.rnd.nextInt(5) - 2,
                    Double.doubleToRawLongBits(xd), m), ALL).name("divsd near 2^-1022");
            // products at the overflow threshold
            int big = Float.floatToRawIntBits(Float.MAX_VALUE / x) + g.rnd.nextInt(5) - 2;
            b.add("mulss xmm1, xmm2", state(Float.floatToRawIntBits(x), big, m), ALL).name("mulss near overflow");
            long bigd = Double.doubleToRawLongBits(Double.MAX_VALUE / xd) + g.rnd.nextInt(5) - 2;
            b.add("mulpd xmm1, xmm2", state(Double.doubleToRawLongBits(xd), bigd, m), ALL).name("mulpd near overflow");
            // narrowing near the single range's ends
            b.add("cvtsd2ss xmm1, xmm2", state(0, Double.doubleToRawLongBits(Float.MIN_NORMAL * xd / 2)
                    + g.rnd.nextInt(1 << 20), m), ALL).name("cvtsd2ss tiny");
            b.add("cvtsd2ss xmm1, xmm2", state(0, Double.doubleToRawLongBits(Float.MAX_VALUE) + g.rnd.nextInt(1 << 30)
                    - (1 << 29), m), ALL).name("cvtsd2ss near overflow");
            // ties: x + half an ulp of x
            int t = 0x3F80_0000 + g.rnd.nextInt(1 << 23);
            b.add("addss xmm1, xmm2", state(t, Float.floatToRawIntBits(Math.ulp(Float.intBitsToFloat(t)) / 2), m), ALL)
                    .name("addss tie");
        }
        b.run();
    }

    @Test
    void denormalOperands() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"addss", "mulss", "divss", "sqrtss", "minss", "maxss", "cmpss xmm1, xmm2, 1 ;", "comiss",
            "ucomiss", "cvtss2sd", "cvtss2si eax, xmm2 ;", "cvttss2si eax, xmm2 ;", "addsd", "mulsd", "divsd", "sqrtsd",
            "minsd", "maxsd", "comisd", "cvtsd2ss", "cvtsd2si eax, xmm2 ;", "cmpsd xmm1, xmm2, 2 ;", "rcpss", "rsqrtss"};
        for (String op : ops) {
            boolean dbl = op.contains("sd") && !op.startsWith("cvtsd2ss") || op.startsWith("cvtsd2ss");
            String asm = op.contains(";") ? op : op + " xmm1, xmm2";
            for (int k = 0; k < 64; k++) {
                long a = dbl ? g.dbl() : g.single() & 0xFFFF_FFFFL;
                long d = dbl ? (g.rnd.nextLong() & 0x800F_FFFF_FFFF_FFFFL) | 1 : (g.rnd.nextInt() & 0x807F_FFFF | 1) & 0xFFFF_FFFFL;
                // RCP and RSQRT only with a denormal source: read as zero, an exact infinity
                boolean swap = g.rnd.nextBoolean() && !op.startsWith("r");
                b.add(asm, state(swap ? d : a, swap ? a : d, mxcsr(k)), ALL).name(op);
            }
        }
        b.run();
    }
}
