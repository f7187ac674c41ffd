package platform.cpu.internal.x87;

import static platform.cpu.internal.x87.F80Cases.ALL_CW;
import static platform.cpu.internal.x87.F80Cases.EDGE;
import static platform.cpu.internal.x87.F80Cases.SW_ALL;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * FADD, FSUB, FMUL, FDIV, FSQRT against the host x87: every pair of edge
 * operands under every RC x PC, then random operands (fixed seeds).
 */
class F80ArithmeticTest {
    private static final String[] BINARY = {"add", "sub", "mul", "div"};

    static final F80Cases.Impl IMPL = (op, cw, aSe, aM, bSe, bM, r1, r2) -> switch (op) {
        case "add" -> F80.add(aSe, aM, bSe, bM, cw, r1);
        case "sub" -> F80.sub(aSe, aM, bSe, bM, cw, r1);
        case "mul" -> F80.mul(aSe, aM, bSe, bM, cw, r1);
        case "div" -> F80.div(aSe, aM, bSe, bM, cw, r1);
        case "sqrt" -> F80.sqrt(aSe, aM, cw, r1);
        default -> throw new IllegalArgumentException(op);
    };

    @Test
    void edgeOperandsAllModes() {
        F80Cases c = new F80Cases();
        for (String op : BINARY) {
            for (long[] a : EDGE) {
                for (long[] b : EDGE) {
                    for (int cw : new int[] {ALL_CW[3], ALL_CW[0 * 4 + 2], ALL_CW[1 * 4 + 0], ALL_CW[2 * 4 + 3],
                            ALL_CW[3 * 4 + 3]}) {
                        c.add(op, cw, (int) a[0], a[1], (int) b[0], b[1]);
                    }
                }
            }
        }
        for (long[] a : EDGE) {
            for (int cw : ALL_CW) {
                c.add("sqrt", cw, (int) a[0], a[1], 0, 0);
            }
        }
        c.check(IMPL, SW_ALL, false);
    }

    @Test
    void randomAddSub() {
        random("add", 1, 60_000);
        random("sub", 2, 30_000);
    }

    @Test
    void randomMul() {
        random("mul", 3, 50_000);
    }

    @Test
    void randomDiv() {
        random("div", 4, 50_000);
    }

    @Test
    void randomSqrt() {
        SplittableRandom r = new SplittableRandom(5);
        F80Cases c = new F80Cases();
        for (int i = 0; i < 40_000; i++) {
            long[] a = F80Cases.operand(r);
            int se = (int) a[0];
            if (r.nextInt(4) != 0) {
                se &= 0x7FFF;
            }
            long m = a[1];
            if (i % 3 == 0 && (se & 0x7FFF) != 0x7FFF) { // perfect squares (and their neighbours) at 24/32 bits
                long root = (r.nextLong() >>> (r.nextBoolean() ? 40 : 32)) | (1L << (r.nextBoolean() ? 23 : 31));
                long sq = root * root;
                int n = Long.numberOfLeadingZeros(sq);
                m = (sq << n) + (r.nextInt(3) - 1);
                se = 0x3FFF + 2 * (r.nextInt(200) - 100) + (r.nextBoolean() ? 1 : 0);
            }
            c.add("sqrt", F80Cases.randomCw(r), se, m, 0, 0);
        }
        c.check(IMPL, SW_ALL, false);
    }

    private static void random(String op, long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        F80Cases c = new F80Cases();
        for (int i = 0; i < n; i++) {
            long[] a = F80Cases.operand(r);
            long[] b;
            int k = r.nextInt(4);
            if (k == 0) {
                b = F80Cases.operand(r);
            } else if (k == 1 && (op.equals("mul") || op.equals("div"))) {
                // exponents that put the result near the overflow or underflow threshold
                int ea = (int) a[0] & 0x7FFF;
                int target = r.nextBoolean() ? r.nextInt(140) - 70 : 0x7FFE + r.nextInt(6) - 3;
                int eb = op.equals("mul") ? target - ea + F80.BIAS : ea - target + F80.BIAS;
                eb = Math.max(1, Math.min(0x7FFE, eb));
                b = new long[] {(r.nextBoolean() ? 0x8000 : 0) | eb, F80Cases.significand(r)};
            } else {
                b = F80Cases.near(r, (int) a[0]);
            }
            c.add(op, F80Cases.randomCw(r), (int) a[0], a[1], (int) b[0], b[1]);
        }
        c.check(IMPL, SW_ALL, false);
    }
}
