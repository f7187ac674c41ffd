package platform.cpu.internal.x87;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import platform.cpu.internal.x87.F80.Reg;

/**
 * A batch of differential cases: operations with their control word and
 * operands, run through the host x87 (F80Oracle) and through a Java
 * implementation, compared bit for bit. Also the operand generators.
 */
final class F80Cases {
    /** Compare everything the oracle reports: results and C0..C3 and the exception flags. */
    static final int SW_ALL = F80.CONDITION | F80.EXCEPTIONS;

    /** The Java side of one case: fills r1 (and r2) and returns the status bits. */
    @FunctionalInterface
    interface Impl {
        int apply(String op, int cw, int aSe, long aM, int bSe, long bM, Reg r1, Reg r2);
    }

    private final List<String> ops = new ArrayList<>();
    private final List<long[]> args = new ArrayList<>();
    private final StringBuilder input = new StringBuilder(1 << 20);

    int size() {
        return ops.size();
    }

    /** Adds a case with two 80-bit operands (a = ST(0), b = ST(1)). */
    F80Cases add(String op, int cw, int aSe, long aM, int bSe, long bM) {
        ops.add(op);
        args.add(new long[] {cw, aSe & 0xFFFF, aM, bSe & 0xFFFF, bM});
        input.append(op).append(' ').append(Integer.toHexString(cw)).append(' ')
                .append(hex80(aSe, aM)).append(' ').append(hex80(bSe, bM)).append('\n');
        return this;
    }

    /** Adds a load case whose operand is a memory image (float bits, integer). */
    F80Cases addMem(String op, int cw, long image) {
        return add(op, cw, 0, image, 0, 0);
    }

    static String hex80(int se, long m) {
        return String.format("%04x%016x", se & 0xFFFF, m);
    }

    /** Receives one case with the hardware's results (hw1, hw2, hsw) and F80's (r1, r2, jsw). */
    @FunctionalInterface
    interface Comparison {
        void accept(String op, int cw, String a, String b, Reg hw1, Reg hw2, int hsw, Reg r1, Reg r2, int jsw);
    }

    /** Runs the batch through the oracle (one process) and impl, handing each pair of results to cmp. */
    void compare(Impl impl, Comparison cmp) {
        List<String> answers = F80Oracle.run(input.toString(), ops.size());
        Reg r1 = new Reg();
        Reg r2 = new Reg();
        Reg hw1 = new Reg();
        Reg hw2 = new Reg();
        for (int i = 0; i < ops.size(); i++) {
            String line = answers.get(i);
            if (line.startsWith("error")) {
                fail("oracle rejected case " + i + ": " + line);
            }
            hw1.set(Integer.parseUnsignedInt(line, 0, 4, 16), Long.parseUnsignedLong(line, 4, 20, 16));
            hw2.set(Integer.parseUnsignedInt(line, 21, 25, 16), Long.parseUnsignedLong(line, 25, 41, 16));
            int hsw = Integer.parseUnsignedInt(line, 42, line.length(), 16);
            long[] a = args.get(i);
            r1.set(0, 0);
            r2.set(0, 0);
            int jsw = impl.apply(ops.get(i), (int) a[0], (int) a[1], a[2], (int) a[3], a[4], r1, r2);
            cmp.accept(ops.get(i), (int) a[0], hex80((int) a[1], a[2]), hex80((int) a[3], a[4]), hw1, hw2, hsw, r1,
                    r2, jsw);
        }
    }

    /**
     * Runs the batch and requires bit-exact agreement: r1, r2 (when
     * compareR2) and the status words under swMask. Fails with the first
     * mismatches, inputs in hex.
     */
    void check(Impl impl, int swMask, boolean compareR2) {
        List<String> bad = new ArrayList<>();
        int[] mismatches = new int[1];
        compare(impl, (op, cw, a, b, hw1, hw2, hsw, r1, r2, jsw) -> {
            boolean ok = hw1.se == r1.se && hw1.m == r1.m && (hsw & swMask) == (jsw & swMask)
                    && (!compareR2 || (hw2.se == r2.se && hw2.m == r2.m));
            if (!ok) {
                mismatches[0]++;
                if (bad.size() < 25) {
                    bad.add(String.format("%s cw=%04x a=%s b=%s: x87 %s %s sw=%04x, F80 %s %s sw=%04x", op, cw, a, b,
                            hex80(hw1.se, hw1.m), compareR2 ? hex80(hw2.se, hw2.m) : "", hsw & swMask,
                            hex80(r1.se, r1.m), compareR2 ? hex80(r2.se, r2.m) : "", jsw & swMask));
                }
            }
        });
        if (mismatches[0] > 0) {
            fail(mismatches[0] + " of " + ops.size() + " cases differ from the host x87; first ones:\n"
                    + String.join("\n", bad));
        }
    }

    // ---- control words ------------------------------------------------------

    /** All 16 combinations of RC and PC (including the reserved PC = 1), exceptions masked. */
    static final int[] ALL_CW = new int[16];
    static {
        for (int rc = 0; rc < 4; rc++) {
            for (int pc = 0; pc < 4; pc++) {
                ALL_CW[rc * 4 + pc] = 0x007F | pc << 8 | rc << 10;
            }
        }
    }

    static int randomCw(SplittableRandom r) {
        return ALL_CW[r.nextInt(16)];
    }

    // ---- operands -----------------------------------------------------------

    /** Hand-picked operands: every class, both signs, boundaries. Pairs {se, m}. */
    static final long[][] EDGE = edges();

    private static long[][] edges() {
        long[][] positive = {
            {0x0000, 0}, // zero
            {0x0000, 1}, // smallest denormal
            {0x0000, 0x7FFFFFFFFFFFFFFFL}, // largest denormal
            {0x0000, 0x4000000000000000L},
            {0x0000, 0x8000000000000000L}, // pseudo-denormal 2^-16382
            {0x0000, 0xC000000000000001L}, // pseudo-denormal
            {0x0001, 0x8000000000000000L}, // smallest normal
            {0x0001, 0xFFFFFFFFFFFFFFFFL},
            {0x3FFF, 0x8000000000000000L}, // 1
            {0x3FFF, 0xC000000000000000L}, // 1.5
            {0x3FFE, 0x8000000000000000L}, // 0.5
            {0x3FFF, 0x8000000000000001L}, // 1 + ulp
            {0x3FFE, 0xFFFFFFFFFFFFFFFFL}, // 1 - ulp/2
            {0x3FFF, 0x8000008000000000L}, // 1 + a half ulp at 24 bits
            {0x3FFF, 0x8000000000000400L}, // 1 + a half ulp at 53 bits
            {0x3FFF, 0xFFFFFF8000000000L}, // ties at 24 bits
            {0x3FFF, 0xFFFFFFFFFFFFFC00L}, // ties at 53 bits
            {0x4000, 0xC90FDAA22168C235L}, // pi
            {0x403E, 0x8000000000000000L}, // 2^63
            {0x401E, 0xFFFFFFFF00000000L}, // 2^31 - 1
            {0x400E, 0xFFFF000000000000L}, // 2^15 - 1
            {0x7FFE, 0xFFFFFFFFFFFFFFFFL}, // largest finite
            {0x7FFE, 0x8000000000000000L},
            {0x7FFF, 0x8000000000000000L}, // infinity
            {0x7FFF, 0xC000000000000000L}, // QNaN
            {0x7FFF, 0xC000000000000001L}, // QNaN with payload
            {0x7FFF, 0x8000000000000001L}, // SNaN
            {0x7FFF, 0xBFFFFFFFFFFFFFFFL}, // SNaN
            {0x7FFF, 0x0000000000000000L}, // pseudo-infinity
            {0x7FFF, 0x4000000000000000L}, // pseudo-NaN
            {0x3FFF, 0x4000000000000000L}, // unnormal
            {0x0001, 0x0000000000000000L}, // pseudo-zero
            {0x3F81, 0x8000000000000000L}, // float min normal
            {0x3F6A, 0x8000000000000000L}, // float min denormal
            {0x3C01, 0x8000000000000000L}, // double min normal
            {0x3BCD, 0x8000000000000000L}, // double min denormal
            {0x407E, 0xFFFFFF8000000000L}, // float max
            {0x43FE, 0xFFFFFFFFFFFFF800L}, // double max
        };
        long[][] all = new long[positive.length * 2][];
        for (int i = 0; i < positive.length; i++) {
            all[2 * i] = positive[i];
            all[2 * i + 1] = new long[] {positive[i][0] | 0x8000, positive[i][1]};
        }
        return all;
    }

    /** A significand pattern with bit 63 set: random, runs of ones or zeros, single bits. */
    static long significand(SplittableRandom r) {
        long m;
        switch (r.nextInt(8)) {
            case 0:
                m = (1L << r.nextInt(63)) - 1; // 100..0111..1
                break;
            case 1:
                m = -1L << r.nextInt(64); // 111..1000..0
                break;
            case 2:
                m = 1L << r.nextInt(63);
                break;
            case 3:
                m = r.nextLong() & (-1L << 40); // 24 significant bits
                break;
            case 4:
                m = r.nextLong() & (-1L << 11); // 53 significant bits
                break;
            case 5:
                m = r.nextLong() & (-1L << r.nextInt(64));
                break;
            case 6:
                m = r.nextLong() | (-1L << r.nextInt(64)) ^ (r.nextBoolean() ? 0 : (1L << r.nextInt(64)));
                break;
            default:
                m = r.nextLong();
        }
        return m | F80.INT_BIT;
    }

    /** A biased exponent: uniform, near 1, near the top, near the bias, near float/double limits. */
    static int exponent(SplittableRandom r) {
        switch (r.nextInt(6)) {
            case 0:
                return 1 + r.nextInt(0x7FFE);
            case 1:
                return 1 + r.nextInt(80);
            case 2:
                return 0x7FFE - r.nextInt(80);
            case 3: {
                int[] limits = {126, 127, 149, 150, 1022, 1023, 1074, 1075};
                int l = limits[r.nextInt(limits.length)];
                return F80.BIAS + (r.nextBoolean() ? l : -l) + r.nextInt(61) - 30;
            }
            default:
                return F80.BIAS + r.nextInt(161) - 80;
        }
    }

    /** A random operand, mostly finite normal, sometimes anything else. Returns {se, m}. */
    static long[] operand(SplittableRandom r) {
        int sign = r.nextBoolean() ? 0x8000 : 0;
        int k = r.nextInt(100);
        if (k < 8) {
            return EDGE[r.nextInt(EDGE.length)];
        }
        if (k < 14) { // denormal or pseudo-denormal
            long m = significand(r) >>> r.nextInt(64);
            if (r.nextInt(4) == 0) {
                m |= F80.INT_BIT;
            }
            return new long[] {sign, m == 0 ? 1 : m};
        }
        if (k < 16) { // unsupported or NaN with a random payload
            long m = r.nextLong();
            return new long[] {sign | (r.nextBoolean() ? 0x7FFF : 1 + r.nextInt(0x7FFE)),
                    r.nextBoolean() ? m | F80.INT_BIT : m & ~F80.INT_BIT};
        }
        return new long[] {sign | exponent(r), significand(r)};
    }

    /** An operand whose exponent is near e (for cancellation, ties and carries). */
    static long[] near(SplittableRandom r, int se) {
        int e = (se & 0x7FFF) + r.nextInt(140) - 70;
        if (r.nextInt(3) == 0) {
            e = (se & 0x7FFF) + r.nextInt(5) - 2;
        }
        e = Math.max(1, Math.min(0x7FFE, e));
        return new long[] {(r.nextBoolean() ? 0x8000 : 0) | e, significand(r)};
    }
}
