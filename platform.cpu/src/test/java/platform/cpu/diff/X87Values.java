package platform.cpu.diff;

import java.util.Random;

/**
 * Random x87 operands and x87 machine states for the differential x87 tests
 * (DiffX87*Test), reproducible from the {@link Gen}'s seed.
 *
 * <p>80-bit values come as {@code long[] {significand, signExp}}. About half are edge cases:
 * zeros, infinities, QNaNs, SNaNs, the indefinite, denormals, pseudo-denormals, unnormals,
 * pseudo-infinities and pseudo-NaNs (the unsupported formats), the largest and smallest
 * normals, integers and halves (for rounding to integers), and values whose low significand
 * bits sit on or next to the rounding boundary of float32, float64 and the 24/53-bit
 * precision controls (ties to even and odd), with exponents at the edges of the float32,
 * float64 and extended ranges (overflow, underflow, denormal results). The rest are normals
 * with exponents near 0 (so that sums and products interact) or uniform.
 */
public final class X87Values {
    public static final int BIAS = 16383;
    /** The real indefinite. */
    public static final long[] INDEFINITE = {0xC000_0000_0000_0000L, 0xFFFF};

    public final Gen g;
    public final Random rnd;

    public X87Values(Gen g) {
        this.g = g;
        this.rnd = g.rnd;
    }

    // ---- 80-bit values -----------------------------------------------------------------

    /** A random 80-bit value (see the class comment). */
    public long[] ext() {
        int sign = rnd.nextBoolean() ? 0x8000 : 0;
        return switch (rnd.nextInt(12)) {
            case 0, 1, 2 -> v(normalSig(), sign | (BIAS + rnd.nextInt(41) - 20));
            case 3 -> v(normalSig(), sign | (1 + rnd.nextInt(0x7FFE)));
            case 4 -> v(roundingSig(), sign | (BIAS + rnd.nextInt(129) - 64));
            case 5 -> v(roundingSig(), sign | rangeEdgeExp());
            case 6 -> v(normalSig(), sign | rangeEdgeExp());
            case 7 -> special(sign);
            case 8 -> integral(sign);
            case 9 -> edge(sign);
            default -> v(normalSig(), sign | (BIAS + rnd.nextInt(129) - 64));
        };
    }

    /** A finite, supported 80-bit value (normal, zero or, rarely, denormal). */
    public long[] finite() {
        for (;;) {
            long[] x = ext();
            int cls = classOf(x);
            if (cls == NORMAL || cls == ZERO || (cls == DENORMAL && x[0] >= 0)) {
                return x;
            }
        }
    }

    /** A normal value with exponent BIAS + e (sign random). */
    public long[] normal(int e) {
        return v(normalSig(), (rnd.nextBoolean() ? 0x8000 : 0) | (BIAS + e));
    }

    public static long[] v(long m, int se) {
        return new long[] {m, se & 0xFFFF};
    }

    /** Random significand with the integer bit set; often short (trailing zeros), which makes exact results. */
    public long normalSig() {
        long m = rnd.nextLong() | Long.MIN_VALUE;
        return switch (rnd.nextInt(4)) {
            case 0 -> m & (-1L << (64 - 1 - rnd.nextInt(12))); // a few significant bits
            case 1 -> m & (-1L << (64 - 24));
            case 2 -> m & (-1L << (64 - 53));
            default -> m;
        };
    }

    /**
     * A significand whose bits below position 64-p (p = 24, 53 or 64-ish) are on or next to a
     * rounding boundary: tie, tie +- 1 ulp of the low part, all ones, just one bit.
     */
    public long roundingSig() {
        int p = switch (rnd.nextInt(3)) {
            case 0 -> 24;
            case 1 -> 53;
            default -> 11 + rnd.nextInt(52);
        };
        int drop = 64 - p;
        long high = (rnd.nextLong() | Long.MIN_VALUE) & (-1L << drop);
        if (rnd.nextInt(4) == 0) {
            high |= 1L << drop; // odd kept part: a tie rounds up
        } else if (rnd.nextInt(3) == 0) {
            high &= ~(1L << drop);
        }
        long half = 1L << (drop - 1);
        long low = switch (rnd.nextInt(7)) {
            case 0 -> half;
            case 1 -> half + 1;
            case 2 -> half - 1;
            case 3 -> (1L << drop) - 1;
            case 4 -> 1;
            case 5 -> 0;
            default -> rnd.nextLong() & ((1L << drop) - 1);
        };
        long m = high | low;
        if (high == (-1L << drop) && rnd.nextBoolean()) {
            m = -1L; // all ones: rounding up carries into the exponent
        }
        return m | Long.MIN_VALUE;
    }

    /** An exponent at an edge: float32/float64 overflow and denormal ranges, the extended extremes. */
    public int rangeEdgeExp() {
        int[] centers = {BIAS + 127, BIAS + 128, BIAS - 126, BIAS - 149, BIAS - 150, BIAS + 1023, BIAS + 1024,
            BIAS - 1022, BIAS - 1074, BIAS - 1075, 0x7FFE, 1, 64, BIAS + 63, BIAS + 64, BIAS + 31, BIAS + 15};
        int e = centers[rnd.nextInt(centers.length)] + rnd.nextInt(5) - 2;
        return Math.max(1, Math.min(0x7FFE, e));
    }

    /** Zeros, infinities, NaNs, denormals, pseudo-denormals and the unsupported formats. */
    public long[] special(int sign) {
        long r = rnd.nextLong();
        return switch (rnd.nextInt(14)) {
            case 0 -> v(0, sign);
            case 1 -> v(Long.MIN_VALUE, sign | 0x7FFF);                               // infinity
            case 2 -> v(0xC000_0000_0000_0000L | (r >>> 2), sign | 0x7FFF);            // QNaN
            case 3 -> v(0x8000_0000_0000_0000L | (r >>> 2) | 1, sign | 0x7FFF);        // SNaN
            case 4 -> INDEFINITE.clone();
            case 5 -> v((r >>> 1) | (rnd.nextBoolean() ? 1 : 0), sign);                // denormal
            case 6 -> v(r >>> (1 + rnd.nextInt(63)) | 1, sign);                        // small denormal
            case 7 -> v(r | Long.MIN_VALUE, sign);                                     // pseudo-denormal
            case 8 -> v(r >>> 1, sign | (1 + rnd.nextInt(0x7FFE)));                    // unnormal
            case 9 -> v(0, sign | (1 + rnd.nextInt(0x7FFE)));                          // pseudo-zero
            case 10 -> v(0, sign | 0x7FFF);                                            // pseudo-infinity
            case 11 -> v((r >>> 1) | 1, sign | 0x7FFF);                                // pseudo-NaN
            case 12 -> v(0x8000_0000_0000_0001L, sign | 0x7FFF);                       // smallest SNaN
            default -> v(0xC000_0000_0000_0000L, sign | 0x7FFF);                       // indefinite-like QNaN
        };
    }

    /** Integers and halves near 0 and near the int16/int32/int64 limits. */
    public long[] integral(int sign) {
        long n = switch (rnd.nextInt(6)) {
            case 0 -> rnd.nextInt(10);
            case 1 -> 0x7FFFL + rnd.nextInt(5) - 2;
            case 2 -> 0x7FFF_FFFFL + rnd.nextInt(5) - 2;
            case 3 -> rnd.nextInt(1 << 20);
            case 4 -> 999_999_999_999_999_999L + rnd.nextInt(5) - 2;
            default -> Long.MAX_VALUE - rnd.nextInt(3);
        };
        if (rnd.nextInt(4) == 0) { // 2^15, 2^16, 2^31, 2^32, 2^63, 2^64 exactly
            int[] p = {15, 16, 31, 32, 63, 64};
            return v(Long.MIN_VALUE, sign | (BIAS + p[rnd.nextInt(p.length)]));
        }
        // n + frac/4 (0, 0.25, 0.5, 0.75) when there is room for the fraction
        int frac = rnd.nextInt(4);
        int shift = Long.numberOfLeadingZeros(n) >= 2 ? 2 : 0;
        long fixed = shift == 2 ? n << 2 | frac : n;
        if (fixed == 0) {
            return v(0, sign);
        }
        int nz = Long.numberOfLeadingZeros(fixed);
        return v(fixed << nz, sign | (BIAS + 63 - nz - shift));
    }

    private static final long[][] EDGES = {
        {Long.MIN_VALUE, BIAS},                          // 1
        {Long.MIN_VALUE, BIAS + 1},                      // 2
        {Long.MIN_VALUE, BIAS - 1},                      // 0.5
        {0xC000_0000_0000_0000L, BIAS + 1},              // 3
        {0xC90F_DAA2_2168_C235L, BIAS + 1},              // pi
        {-1L, 0x7FFE},                                   // largest normal
        {Long.MIN_VALUE, 1},                             // smallest normal
        {1, 0},                                          // smallest denormal
        {0x7FFF_FFFF_FFFF_FFFFL, 0},                     // largest denormal
        {-1L, BIAS + 127},                               // above float32 max
        {0xFFFF_FF00_0000_0000L, BIAS + 127},            // float32 max
        {0xFFFF_FFFF_FFFF_F800L, BIAS + 1023},           // float64 max
        {-1L, BIAS + 1023},
        {Long.MIN_VALUE, BIAS - 126},                    // float32 smallest normal
        {Long.MIN_VALUE, BIAS - 149},                    // float32 smallest denormal
        {Long.MIN_VALUE, BIAS - 150},                    // half of it
        {0xC000_0000_0000_0000L, BIAS - 150},
        {Long.MIN_VALUE, BIAS - 1022},
        {Long.MIN_VALUE, BIAS - 1074},
        {Long.MIN_VALUE, BIAS - 1075},
        {0x8000_0000_0000_0001L, BIAS - 1075},
        {0xFFFF_FFFF_FFFF_FFFFL, BIAS - 1},              // just below 1
        {0xC000_0000_0000_0000L, BIAS - 1},              // 0.75
    };

    public long[] edge(int sign) {
        long[] e = EDGES[rnd.nextInt(EDGES.length)];
        return v(e[0], (int) e[1] | sign);
    }

    // ---- classes ---------------------------------------------------------------------

    public static final int ZERO = 0, NORMAL = 1, DENORMAL = 2, INF = 3, QNAN = 4, SNAN = 5, UNSUPPORTED = 6;

    public static int classOf(long[] x) {
        long m = x[0];
        int exp = (int) x[1] & 0x7FFF;
        if (exp == 0) {
            return m == 0 ? ZERO : DENORMAL;
        }
        if (m >= 0) {
            return UNSUPPORTED;
        }
        if (exp != 0x7FFF) {
            return NORMAL;
        }
        if (m == Long.MIN_VALUE) {
            return INF;
        }
        return (m & 0x4000_0000_0000_0000L) != 0 ? QNAN : SNAN;
    }

    // ---- float32 / float64 / integers / BCD in memory ---------------------------------

    /** float32 bits: mostly ordinary, with zeros, denormals, extremes, infinities, QNaNs and SNaNs. */
    public long f32() {
        int s = rnd.nextBoolean() ? 0x8000_0000 : 0;
        int r = rnd.nextInt();
        int bits = switch (rnd.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 0x7F80_0000;                                    // infinity
            case 2 -> 0x7FC0_0000 | (r & 0x3F_FFFF);                  // QNaN
            case 3 -> 0x7F80_0000 | (r & 0x3F_FFFF) | 1;              // SNaN
            case 4 -> r & 0x7F_FFFF | 1;                              // denormal
            case 5 -> 0x7F7F_FFFF;                                    // max
            case 6 -> 0x0080_0000 + (r & 3);                          // smallest normals
            case 7 -> (127 + rnd.nextInt(40) - 20) << 23 | (r & 0x7F_FFFF);
            default -> r & 0x7FFF_FFFF;
        };
        return (s | bits) & 0xFFFF_FFFFL;
    }

    /** float64 bits, like {@link #f32}. */
    public long f64() {
        long s = rnd.nextBoolean() ? Long.MIN_VALUE : 0;
        long r = rnd.nextLong();
        long frac = 0x000F_FFFF_FFFF_FFFFL;
        long bits = switch (rnd.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 0x7FF0_0000_0000_0000L;
            case 2 -> 0x7FF8_0000_0000_0000L | (r & frac >>> 1);
            case 3 -> 0x7FF0_0000_0000_0000L | (r & frac >>> 1) | 1;
            case 4 -> r & frac | 1;
            case 5 -> 0x7FEF_FFFF_FFFF_FFFFL;
            case 6 -> 0x0010_0000_0000_0000L + (r & 3);
            case 7 -> (long) (1023 + rnd.nextInt(40) - 20) << 52 | (r & frac);
            default -> r & Long.MAX_VALUE;
        };
        return s | bits;
    }

    /** Packed BCD (10 bytes as {lo64, hi16}): up to 18 valid digits and a random sign, sometimes +-0 or invalid digits. */
    public long[] bcd() {
        if (rnd.nextInt(8) == 0) { // invalid digits (A..F): the x87 still weighs each nibble by its decimal place
            return new long[] {rnd.nextLong(), (rnd.nextInt(0x100) | (rnd.nextBoolean() ? 0x8000 : 0))};
        }
        if (rnd.nextInt(16) == 0) {
            return new long[] {0, rnd.nextBoolean() ? 0x8000 : 0}; // +-0
        }
        int digits = rnd.nextInt(4) == 0 ? 18 : 1 + rnd.nextInt(18);
        long lo = 0;
        int hi = 0;
        for (int k = 0; k < digits; k++) {
            long d = rnd.nextInt(4) == 0 ? 9 : rnd.nextInt(10);
            if (k < 16) {
                lo |= d << (4 * k);
            } else {
                hi |= (int) d << (4 * (k - 16));
            }
        }
        if (rnd.nextBoolean()) {
            hi |= 0x8000;
        }
        hi |= (rnd.nextInt(8) == 0 ? rnd.nextInt(0x80) : 0) << 8; // bits 72..78 are ignored
        return new long[] {lo, hi};
    }

    // ---- control word and states -------------------------------------------------------

    /** A control word: RC and PC as given, all exceptions masked. */
    public static int fcw(int rc, int pc) {
        return 0x037F & ~0x0300 | (pc & 3) << 8 | (rc & 3) << 10 | 0x3F;
    }

    /** A random control word: random RC and PC (not the reserved PC=1), usually every exception masked. */
    public int fcw() {
        int pc = new int[] {0, 2, 3, 3}[rnd.nextInt(4)];
        int masks = rnd.nextInt(4) == 0 ? rnd.nextInt(64) : 0x3F;
        return 0x40 | masks | pc << 8 | rnd.nextInt(4) << 10;
    }

    /**
     * A random state ({@link Gen#state()}) with control word {@code fcw}, a random TOP and
     * sticky flags and condition codes (consistent with the masks: no pending exception), and
     * {@code depth} values from {@code values} pushed (ST(depth-1) first, so that
     * {@code values[0]} is ST(0)).
     */
    public MachineState state(int fcw, long[]... values) {
        MachineState s = g.state();
        s.fcw = fcw;
        int sticky = rnd.nextInt(3) == 0 ? rnd.nextInt(64) & fcw & 0x3F : 0;
        int cc = rnd.nextInt(16);
        s.fsw = sticky | (cc & 7) << 8 | (cc & 8) << 11 | rnd.nextInt(8) << 11;
        s.ftw = 0xFFFF;
        for (int k = values.length - 1; k >= 0; k--) {
            if (values[k] != null) {
                s.push(values[k][0], (int) values[k][1]);
            } else { // an empty slot: push then free it
                s.push(0, 0);
                s.ftw |= 3 << 2 * s.top();
            }
        }
        return s;
    }

    /** The x87 stack of a state for a case name: "ST0=4000:c000000000000000 ST1=empty ..." up to the last non-empty. */
    public static String describe(MachineState s) {
        int last = -1;
        for (int i = 0; i < 8; i++) {
            if (!s.empty(s.phys(i))) {
                last = i;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i <= last; i++) {
            int p = s.phys(i);
            sb.append(i == 0 ? "" : " ").append("ST").append(i).append('=')
                    .append(s.empty(p) ? "empty" : String.format("%04x:%016x", s.fpuSE[p], s.fpuM[p]));
        }
        return last < 0 ? "stack empty" : sb.toString();
    }

    /** Adds a case named by its snippet's first line, {@code what} and the initial stack. */
    public static Differential.Case add(Differential.Batch b, String asm, MachineState s, String what) {
        String first = asm.strip().split("\n")[0];
        return b.add(asm, s, Differential.ALL).name(first + (what == null ? "" : " [" + what + "]") + " " + describe(s));
    }

    /** Writes an 80-bit value to the data at {@code off}. */
    public static void poke80(MachineState s, int off, long[] x) {
        s.poke(off, 8, x[0]);
        s.poke(off + 8, 2, x[1]);
    }
}
