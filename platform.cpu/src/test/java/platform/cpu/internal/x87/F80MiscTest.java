package platform.cpu.internal.x87;

import static platform.cpu.internal.x87.F80Cases.ALL_CW;
import static platform.cpu.internal.x87.F80Cases.EDGE;
import static platform.cpu.internal.x87.F80Cases.SW_ALL;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * FPREM, FPREM1, FRNDINT, FSCALE, FXTRACT, FCOM, FUCOM, FTST, FXAM, FABS,
 * FCHS against the host x87.
 */
class F80MiscTest {
    static final F80Cases.Impl IMPL = (op, cw, aSe, aM, bSe, bM, r1, r2) -> {
        switch (op) {
            case "prem":
                return F80Misc.prem(aSe, aM, bSe, bM, false, cw, r1);
            case "prem1":
                return F80Misc.prem(aSe, aM, bSe, bM, true, cw, r1);
            case "rndint":
                return F80Misc.roundToInt(aSe, aM, cw, r1);
            case "scale":
                return F80Misc.scale(aSe, aM, bSe, bM, cw, r1);
            case "xtract":
                return F80Misc.extract(aSe, aM, cw, r2, r1);
            case "com":
            case "ucom":
            case "tst": {
                r1.set(aSe, aM); // the stack is unchanged
                return op.equals("tst") ? F80.compare(aSe, aM, 0, 0, false)
                        : F80.compare(aSe, aM, bSe, bM, op.equals("ucom"));
            }
            case "xam":
                r1.set(aSe, aM);
                return F80.examine(aSe, aM);
            case "abs":
                r1.set(aSe, aM);
                F80.abs(r1);
                return 0;
            case "chs":
                r1.set(aSe, aM);
                F80.chs(r1);
                return 0;
            default:
                throw new IllegalArgumentException(op);
        }
    };

    @Test
    void edgeOperands() {
        F80Cases c = new F80Cases();
        for (String op : new String[] {"prem", "prem1", "scale", "com", "ucom"}) {
            for (long[] a : EDGE) {
                for (long[] b : EDGE) {
                    c.add(op, op.equals("scale") ? ALL_CW[r(a, b) % 16] : 0x37F, (int) a[0], a[1], (int) b[0], b[1]);
                }
            }
        }
        for (String op : new String[] {"rndint", "xtract", "tst", "xam", "abs", "chs"}) {
            for (long[] a : EDGE) {
                for (int cw : ALL_CW) {
                    c.add(op, cw, (int) a[0], a[1], 0, 0);
                }
            }
        }
        c.check(IMPL, SW_ALL, false);
        F80Cases x = new F80Cases();
        for (long[] a : EDGE) {
            x.add("xtract", 0x37F, (int) a[0], a[1], 0, 0);
        }
        x.check(IMPL, SW_ALL, true);
    }

    private static int r(long[] a, long[] b) {
        return (int) ((a[0] * 31 + a[1] * 17 + b[0] * 7 + b[1]) & 0x7FFFFFFF);
    }

    @Test
    void randomRemainders() {
        SplittableRandom r = new SplittableRandom(11);
        F80Cases c = new F80Cases();
        for (int i = 0; i < 40_000; i++) {
            long[] a = F80Cases.operand(r);
            long[] b = F80Cases.operand(r);
            if (r.nextInt(4) != 0) { // exponent differences around 0..64 and partial ones
                int ea = (int) a[0] & 0x7FFF;
                int d = r.nextInt(4) == 0 ? r.nextInt(300) : r.nextInt(70) - 3;
                int eb = Math.max(1, Math.min(0x7FFE, ea - d));
                b = new long[] {(r.nextBoolean() ? 0x8000 : 0) | eb, F80Cases.significand(r)};
            }
            c.add(i % 2 == 0 ? "prem" : "prem1", 0x37F, (int) a[0], a[1], (int) b[0], b[1]);
        }
        c.check(IMPL, SW_ALL, false);
    }

    @Test
    void randomRoundScaleExtract() {
        SplittableRandom r = new SplittableRandom(12);
        F80Cases c = new F80Cases();
        for (int i = 0; i < 20_000; i++) {
            long[] a = F80Cases.operand(r);
            int se = (int) a[0];
            if (r.nextBoolean() && (se & 0x7FFF) != 0x7FFF && (se & 0x7FFF) != 0) {
                se = (se & 0x8000) | (F80.BIAS - 3 + r.nextInt(70));
            }
            c.add("rndint", F80Cases.randomCw(r), se, a[1], 0, 0);
        }
        for (int i = 0; i < 20_000; i++) {
            long[] a = F80Cases.operand(r);
            long[] b = F80Cases.operand(r);
            if (r.nextInt(4) != 0) { // moderate scale factors, some fractional
                int e = F80.BIAS + r.nextInt(18) - 2;
                b = new long[] {(r.nextBoolean() ? 0x8000 : 0) | e, F80Cases.significand(r)};
            }
            c.add("scale", F80Cases.randomCw(r), (int) a[0], a[1], (int) b[0], b[1]);
        }
        c.check(IMPL, SW_ALL, false);
        F80Cases x = new F80Cases();
        for (int i = 0; i < 5_000; i++) {
            long[] a = F80Cases.operand(r);
            x.add("xtract", 0x37F, (int) a[0], a[1], 0, 0);
        }
        x.check(IMPL, SW_ALL, true);
    }

    @Test
    void randomCompareExamine() {
        SplittableRandom r = new SplittableRandom(13);
        F80Cases c = new F80Cases();
        for (int i = 0; i < 20_000; i++) {
            long[] a = F80Cases.operand(r);
            long[] b = r.nextInt(3) == 0 ? a.clone() : r.nextBoolean() ? F80Cases.operand(r) : F80Cases.near(r, (int) a[0]);
            if (r.nextInt(5) == 0) {
                b[0] ^= 0x8000;
            }
            c.add(i % 2 == 0 ? "com" : "ucom", 0x37F, (int) a[0], a[1], (int) b[0], b[1]);
        }
        for (int i = 0; i < 5_000; i++) {
            long[] a = F80Cases.operand(r);
            c.add(i % 2 == 0 ? "tst" : "xam", 0x37F, (int) a[0], a[1], 0, 0);
        }
        c.check(IMPL, SW_ALL, false);
    }
}
