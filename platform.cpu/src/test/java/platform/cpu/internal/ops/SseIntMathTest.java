package platform.cpu.internal.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The SIMD-within-a-register lane arithmetic of SseIntMath against a plain lane-by-lane
 * reference, on random words with lanes biased to boundary values. Needs no host tools
 * (the differential tests check the instructions themselves against the CPU).
 */
class SseIntMathTest {
    private final Random rnd = new Random(23);

    private long word() {
        long v = 0;
        int w = 8 << rnd.nextInt(3);
        long[] edges = {0, 1, (1L << (w - 1)) - 1, 1L << (w - 1), (1L << (w - 1)) + 1, (1L << w) - 1, (1L << w) - 2};
        for (int s = 0; s < 64; s += w) {
            long e = rnd.nextBoolean() ? edges[rnd.nextInt(edges.length)] : rnd.nextLong() & ((1L << w) - 1);
            v |= e << s;
        }
        return rnd.nextInt(4) == 0 ? rnd.nextLong() : v;
    }

    /** Applies {@code f} to each lane of width {@code w} (operands sign-extended if {@code signed}), results truncated. */
    private static long lanes(int w, boolean signed, long a, long b, IntBinaryOperator f) {
        long r = 0;
        long m = (1L << w) - 1;
        for (int s = 0; s < 64; s += w) {
            int x = (int) ((a >>> s) & m), y = (int) ((b >>> s) & m);
            if (signed) {
                x = x << (32 - w) >> (32 - w);
                y = y << (32 - w) >> (32 - w);
            }
            r |= (f.applyAsInt(x, y) & m) << s;
        }
        return r;
    }

    private static int sat(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private void check(int kind, int w, boolean signed, IntBinaryOperator f) {
        for (int k = 0; k < 20_000; k++) {
            long a = word(), b = word();
            long want = lanes(w, signed, a, b, f);
            assertEquals(want, SseIntMath.lane(kind, a, b),
                    () -> String.format("kind %02x a=%016x b=%016x", kind, a, b));
        }
    }

    @Test
    void addSubtract() {
        check(SseIntMath.K_PADDB, 8, false, (x, y) -> x + y);
        check(SseIntMath.K_PADDW, 16, false, (x, y) -> x + y);
        check(SseIntMath.K_PADDD, 32, false, (x, y) -> x + y);
        check(SseIntMath.K_PSUBB, 8, false, (x, y) -> x - y);
        check(SseIntMath.K_PSUBW, 16, false, (x, y) -> x - y);
        check(SseIntMath.K_PSUBD, 32, false, (x, y) -> x - y);
        check(SseIntMath.K_PADDUSB, 8, false, (x, y) -> sat(x + y, 0, 255));
        check(SseIntMath.K_PADDUSW, 16, false, (x, y) -> sat(x + y, 0, 65535));
        check(SseIntMath.K_PSUBUSB, 8, false, (x, y) -> sat(x - y, 0, 255));
        check(SseIntMath.K_PSUBUSW, 16, false, (x, y) -> sat(x - y, 0, 65535));
        check(SseIntMath.K_PADDSB, 8, true, (x, y) -> sat(x + y, -128, 127));
        check(SseIntMath.K_PADDSW, 16, true, (x, y) -> sat(x + y, -32768, 32767));
        check(SseIntMath.K_PSUBSB, 8, true, (x, y) -> sat(x - y, -128, 127));
        check(SseIntMath.K_PSUBSW, 16, true, (x, y) -> sat(x - y, -32768, 32767));
    }

    @Test
    void compareMinMaxAverage() {
        check(SseIntMath.K_PCMPEQB, 8, false, (x, y) -> x == y ? -1 : 0);
        check(SseIntMath.K_PCMPEQW, 16, false, (x, y) -> x == y ? -1 : 0);
        check(SseIntMath.K_PCMPEQD, 32, false, (x, y) -> x == y ? -1 : 0);
        check(SseIntMath.K_PCMPGTB, 8, true, (x, y) -> x > y ? -1 : 0);
        check(SseIntMath.K_PCMPGTW, 16, true, (x, y) -> x > y ? -1 : 0);
        check(SseIntMath.K_PCMPGTD, 32, true, (x, y) -> x > y ? -1 : 0);
        check(SseIntMath.K_PMINUB, 8, false, Math::min);
        check(SseIntMath.K_PMAXUB, 8, false, Math::max);
        check(SseIntMath.K_PMINSW, 16, true, Math::min);
        check(SseIntMath.K_PMAXSW, 16, true, Math::max);
        check(SseIntMath.K_PAVGB, 8, false, (x, y) -> (x + y + 1) >> 1);
        check(SseIntMath.K_PAVGW, 16, false, (x, y) -> (x + y + 1) >> 1);
    }

    @Test
    void multiply() {
        check(SseIntMath.K_PMULLW, 16, true, (x, y) -> x * y);
        check(SseIntMath.K_PMULHW, 16, true, (x, y) -> (x * y) >> 16);
        check(SseIntMath.K_PMULHUW, 16, false, (x, y) -> (int) (((long) x * y) >>> 16));
    }

    @Test
    void shifts() {
        for (int k = 0; k < 20_000; k++) {
            long a = word();
            long n = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(70);
            int c16 = Long.compareUnsigned(n, 15) > 0 ? 16 : (int) n, c32 = Long.compareUnsigned(n, 31) > 0 ? 32 : (int) n;
            assertEquals(lanes(16, false, a, 0, (x, y) -> c16 == 16 ? 0 : x << c16), SseIntMath.sll16(a, n));
            assertEquals(lanes(16, false, a, 0, (x, y) -> c16 == 16 ? 0 : x >>> c16), SseIntMath.srl16(a, n));
            assertEquals(lanes(16, true, a, 0, (x, y) -> x >> Math.min(c16, 15)), SseIntMath.sra16(a, n));
            assertEquals(lanes(32, false, a, 0, (x, y) -> c32 == 32 ? 0 : x << c32), SseIntMath.sll32(a, n));
            assertEquals(lanes(32, false, a, 0, (x, y) -> c32 == 32 ? 0 : x >>> c32), SseIntMath.srl32(a, n));
            assertEquals(lanes(32, true, a, 0, (x, y) -> x >> Math.min(c32, 31)), SseIntMath.sra32(a, n));
        }
    }

    @Test
    void gatherSignBits() {
        for (int k = 0; k < 20_000; k++) {
            long a = word();
            int want = 0;
            for (int b = 0; b < 8; b++) {
                want |= (int) ((a >>> (8 * b + 7)) & 1) << b;
            }
            assertEquals(want, SseIntMath.movmskb(a));
        }
    }
}
