package platform.cpu.sse;

import java.util.Random;
import platform.cpu.diff.Gen;
import platform.cpu.diff.MachineState;

/**
 * Operands for the SSE differential tests, reproducible from a seed: packed integers with
 * lanes at saturation and sign boundaries, and floating-point values of every class (zeros
 * of both signs, denormals, normals near the ends of the range, infinities, quiet and
 * signalling NaNs with payloads, values that round differently by mode).
 */
final class SseGen {
    final Gen gen;
    final Random rnd;

    SseGen(long seed) {
        gen = new Gen(seed);
        rnd = gen.rnd;
    }

    private static final long[] BYTE_EDGES = {0, 1, 2, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF, 0x40, 0x0F, 0xF0};
    private static final long[] WORD_EDGES = {0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0xFFFE, 0x00FF, 0xFF00, 0x007F,
        0x0080, 0xFF7F, 0xFF80, 0x0100, 0x4000};
    private static final long[] DWORD_EDGES = {0, 1, 0x7FFF_FFFFL, 0x8000_0000L, 0x8000_0001L, 0xFFFF_FFFFL, 0x7FFF,
        0x8000, 0xFFFF_8000L, 0xFFFF_7FFFL, 0x0001_0000L};

    /** 64 bits of packed integers: random, or lanes of 8, 16 or 32 bits drawn from edge values. */
    long packed() {
        return switch (rnd.nextInt(5)) {
            case 0 -> lanes(8, BYTE_EDGES);
            case 1 -> lanes(16, WORD_EDGES);
            case 2 -> lanes(32, DWORD_EDGES);
            default -> rnd.nextLong();
        };
    }

    private long lanes(int width, long[] edges) {
        long v = 0;
        for (int s = 0; s < 64; s += width) {
            long e = rnd.nextInt(4) == 0 ? rnd.nextLong() & ((1L << width) - 1) : edges[rnd.nextInt(edges.length)];
            v |= e << s;
        }
        return v;
    }

    /** A random state whose XMM registers and MMX registers hold {@link #packed} values. */
    MachineState packedState() {
        MachineState s = gen.state();
        for (int k = 0; k < 32; k++) {
            s.xmm[k] = packed();
        }
        for (int p = 0; p < 8; p++) {
            s.fpuM[p] = packed();
            s.fpuSE[p] = rnd.nextInt(0x10000);
        }
        s.ftw = rnd.nextBoolean() ? 0xFFFF : rnd.nextInt(0x10000);
        s.top(rnd.nextInt(8));
        for (int off = 0; off < 1024; off += 8) {
            s.poke(off, 8, packed());
        }
        return s;
    }

    // ---- floating point -------------------------------------------------------------------------

    /** A single: any class, biased to the interesting ones. */
    int single() {
        int sign = rnd.nextBoolean() ? 0x8000_0000 : 0;
        return sign | switch (rnd.nextInt(16)) {
            case 0 -> 0;                                                      // zero
            case 1 -> 1 + rnd.nextInt(0x7F_FFFF);                             // denormal
            case 2 -> rnd.nextBoolean() ? 1 : 0x7F_FFFF;                      // smallest, largest denormal
            case 3 -> 0x7F80_0000;                                            // infinity
            case 4 -> 0x7FC0_0000 | rnd.nextInt(0x40_0000);                   // QNaN with payload
            case 5 -> 0x7F80_0000 | (1 + rnd.nextInt(0x3F_FFFF));             // SNaN
            case 6 -> 0x7F7F_FFFF - rnd.nextInt(4);                           // near the largest
            case 7 -> 0x0080_0000 + rnd.nextInt(4) - (rnd.nextBoolean() ? 0 : 2); // near the smallest normal
            case 8 -> (rnd.nextInt(40) + 107) << 23 | rnd.nextInt(0x80_0000);  // around 1
            case 9 -> 0x3F80_0000 + rnd.nextInt(8);                           // 1 + a few ulps
            case 10 -> Float.floatToRawIntBits(rnd.nextInt(2000) - 1000);     // small integer
            case 11 -> (rnd.nextInt(10) + 1) << 23 | rnd.nextInt(0x80_0000); // small normal: tiny results
            case 12 -> (rnd.nextInt(10) + 244) << 23 | rnd.nextInt(0x80_0000); // large: overflow
            case 13 -> Float.floatToRawIntBits((float) (rnd.nextInt(1 << 20) * 0.5 + 0.5 * rnd.nextInt(2))); // halves
            default -> rnd.nextInt(0x7F80_0000);                              // any finite
        };
    }

    /** A double: any class, biased to the interesting ones. */
    long dbl() {
        long sign = rnd.nextBoolean() ? Long.MIN_VALUE : 0;
        long frac = rnd.nextLong() & 0x000F_FFFF_FFFF_FFFFL;
        return sign | switch (rnd.nextInt(16)) {
            case 0 -> 0;
            case 1 -> frac == 0 ? 1 : frac;                                   // denormal
            case 2 -> rnd.nextBoolean() ? 1 : 0x000F_FFFF_FFFF_FFFFL;
            case 3 -> 0x7FF0_0000_0000_0000L;
            case 4 -> 0x7FF8_0000_0000_0000L | (frac & 0x0007_FFFF_FFFF_FFFFL);   // QNaN
            case 5 -> 0x7FF0_0000_0000_0000L | Math.max(1, frac & 0x0007_FFFF_FFFF_FFFFL); // SNaN
            case 6 -> 0x7FEF_FFFF_FFFF_FFFFL - rnd.nextInt(4);
            case 7 -> 0x0010_0000_0000_0000L + rnd.nextInt(4) - (rnd.nextBoolean() ? 0 : 2);
            case 8 -> (long) (rnd.nextInt(80) + 983) << 52 | frac;
            case 9 -> 0x3FF0_0000_0000_0000L + rnd.nextInt(8);
            case 10 -> Double.doubleToRawLongBits(rnd.nextInt(2_000_000) - 1_000_000);
            case 11 -> (long) (rnd.nextInt(60) + 1) << 52 | frac;              // small: tiny results
            case 12 -> (long) (rnd.nextInt(60) + 1986) << 52 | frac;           // large: overflow
            case 13 -> Double.doubleToRawLongBits(rnd.nextLong() * 0x1p-12);  // big integers, halves
            default -> rnd.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL;
        };
    }

    /** A single that converts to a double with a value near an int32/int64 boundary or a rounding tie. */
    int singleForInt() {
        return switch (rnd.nextInt(4)) {
            case 0 -> Float.floatToRawIntBits((float) (rnd.nextGaussian() * 1e9));
            case 1 -> Float.floatToRawIntBits((rnd.nextInt(200) - 100) * 0.25f);
            case 2 -> Float.floatToRawIntBits(rnd.nextBoolean() ? 0x1p31f : -0x1p31f) + rnd.nextInt(5) - 2;
            default -> single();
        };
    }

    long doubleForInt() {
        return switch (rnd.nextInt(5)) {
            case 0 -> Double.doubleToRawLongBits(rnd.nextGaussian() * 1e18);
            case 1 -> Double.doubleToRawLongBits((rnd.nextInt(200) - 100) * 0.25);
            case 2 -> Double.doubleToRawLongBits(rnd.nextBoolean() ? 0x1p31 : -0x1p31) + rnd.nextInt(5) - 2;
            case 3 -> Double.doubleToRawLongBits(rnd.nextBoolean() ? 0x1p63 : -0x1p63) + rnd.nextInt(5) - 2;
            default -> dbl();
        };
    }

    /** Four singles in two quadwords. */
    long singles() {
        return (single() & 0xFFFF_FFFFL) | (long) single() << 32;
    }

    /** MXCSR with everything masked: random rounding mode, DAZ, FTZ, and random sticky flags. */
    int mxcsrMasked() {
        return 0x1F80 | rnd.nextInt(4) << 13 | (rnd.nextBoolean() ? 0x40 : 0) | (rnd.nextBoolean() ? 0x8000 : 0)
                | (rnd.nextInt(3) == 0 ? rnd.nextInt(64) : 0);
    }

    /** MXCSR with one or two exceptions unmasked. */
    int mxcsrUnmasked() {
        int m = mxcsrMasked() & ~(0x80 << rnd.nextInt(6));
        return rnd.nextBoolean() ? m & ~(0x80 << rnd.nextInt(6)) : m;
    }
}
