package platform.cpu.internal.ops;

import static platform.cpu.internal.ops.Sse.*;

import platform.cpu.internal.Core;

/**
 * IEEE-754 single and double arithmetic as SSE does it: the rounding mode of MXCSR.RC,
 * DAZ (denormal operands read as signed zeros) and FTZ (tiny results written as signed
 * zeros when underflow is masked), the six exception flags, and the x86 choices the
 * standard leaves open. Operands and results are raw bits (int for single, long for
 * double); flags go to the instruction's pending set ({@link #raise}), from which
 * {@link Sse#finish} commits them or raises #XM.
 *
 * <p>The x86 rules (SDM vol. 1 4.8.3, 11.5; checked against the host CPU by the
 * differential tests):
 * <ul>
 * <li>Pre-computation, in priority order: a NaN operand ends the operation with the first
 *     NaN operand (source 1 = destination first), quieted, and IE if any operand is an SNaN;
 *     an invalid operation (inf-inf, 0*inf, 0/0, inf/inf, sqrt of a negative) gives the
 *     default NaN (negative, quiet: 0xFFC00000 / 0xFFF8000000000000) and IE; division of a
 *     finite non-zero number by zero gives infinity and ZE; otherwise a denormal operand
 *     sets DE.
 * <li>Post-computation: tininess is detected after rounding; masked underflow is flagged
 *     (UE and PE) only when the result is also inexact, unmasked underflow always (UE
 *     and PE if the result rounded with an unbounded exponent is inexact); masked overflow
 *     gives infinity or the largest finite number by the rounding mode with OE and PE,
 *     unmasked overflow OE and PE if the unbounded result is inexact.
 * <li>FTZ (underflow masked) writes every tiny result as a zero of its sign, exact ones
 *     too, with UE and PE. DAZ applies to the operands of every instruction here, the
 *     conversions included, and a zeroed denormal raises no DE.
 * <li>MIN/MAX return the second operand when either is a NaN (IE, even for QNaN) or both
 *     are zeros; compares and COMIS signal IE for SNaNs, and for QNaNs when the predicate
 *     (or COMISS) is signalling; a NaN operand suppresses DE.
 * <li>Conversions to integers raise IE (not PE) for NaNs and out-of-range values and
 *     never DE; single to double quiets an SNaN keeping its payload; double to single keeps
 *     the top 22 payload bits.
 * </ul>
 *
 * <p>Method: the exact result is reduced to a sign, an exponent and a significand whose
 * lowest bit is sticky ({@link #round}), which is then rounded once to the format. For
 * products, quotients and square roots the significand comes from the host's correctly
 * rounded double result plus the sign of its exact residual (computed with {@link Math#fma});
 * see {@link #packDir}. A fast path skips all this when the operands are finite and not
 * denormal, the result is a normal number or an exact zero, the mode is round-to-nearest
 * and the only flag the operation could raise (PE) is already set and masked.
 */
final class SseFpMath {
    private SseFpMath() {}

    /** Operation kinds: the 0F opcode bytes of the arithmetic instructions. */
    static final int SQRT = 0x51, ADD = 0x58, MUL = 0x59, SUB = 0x5C, MIN = 0x5D, DIV = 0x5E, MAX = 0x5F;

    static final int RNE = 0, RD = 1, RU = 2, RZ = 3;

    static final int S_SIGN = 0x8000_0000, S_EXP = 0x7F80_0000, S_MANT = 0x007F_FFFF, S_QUIET = 0x0040_0000;
    static final int S_INDEFINITE = 0xFFC0_0000;
    static final long D_SIGN = 0x8000_0000_0000_0000L, D_EXP = 0x7FF0_0000_0000_0000L, D_MANT = 0x000F_FFFF_FFFF_FFFFL,
            D_QUIET = 0x0008_0000_0000_0000L, D_INDEFINITE = 0xFFF8_0000_0000_0000L;
    /** MXCSR bits for the fast path: round to nearest, PE set and masked. */
    private static final int FAST_BITS = RC | PE | 0x1000, FAST_OK = PE | 0x1000;

    /** Adds {@code flags} to the current instruction's raised exceptions. */
    static void raise(Core c, int flags) {
        c.mxcsr |= flags << PENDING_SHIFT;
    }

    // ---- classification ------------------------------------------------------------------------

    static boolean nanS(int a) {
        return (a & 0x7FFF_FFFF) > S_EXP;
    }

    static boolean snanS(int a) {
        return nanS(a) && (a & S_QUIET) == 0;
    }

    static boolean infS(int a) {
        return (a & 0x7FFF_FFFF) == S_EXP;
    }

    static boolean zeroS(int a) {
        return (a & 0x7FFF_FFFF) == 0;
    }

    static boolean denS(int a) {
        return (a & S_EXP) == 0 && (a & S_MANT) != 0;
    }

    /** Finite and not denormal (zero allowed). */
    static boolean plainS(int a) {
        int e = a & S_EXP;
        return e != S_EXP && (e != 0 || (a & S_MANT) == 0);
    }

    static boolean nanD(long a) {
        return (a & ~D_SIGN) > D_EXP;
    }

    static boolean snanD(long a) {
        return nanD(a) && (a & D_QUIET) == 0;
    }

    static boolean infD(long a) {
        return (a & ~D_SIGN) == D_EXP;
    }

    static boolean zeroD(long a) {
        return (a & ~D_SIGN) == 0;
    }

    static boolean denD(long a) {
        return (a & D_EXP) == 0 && (a & D_MANT) != 0;
    }

    static boolean plainD(long a) {
        long e = a & D_EXP;
        return e != D_EXP && (e != 0 || (a & D_MANT) == 0);
    }

    /** DAZ: a denormal becomes a zero of its sign when MXCSR.DAZ is set. */
    static int dazS(int m, int a) {
        return (m & Sse.DAZ) != 0 && denS(a) ? a & S_SIGN : a;
    }

    static long dazD(int m, long a) {
        return (m & Sse.DAZ) != 0 && denD(a) ? a & D_SIGN : a;
    }

    private static float f(int a) {
        return Float.intBitsToFloat(a);
    }

    private static double d(long a) {
        return Double.longBitsToDouble(a);
    }

    private static boolean fast(Core c) {
        return (c.mxcsr & FAST_BITS) == FAST_OK;
    }

    // ---- single precision ------------------------------------------------------------------------

    /** Single-precision {@code op} (ADD SUB MUL DIV MIN MAX, or SQRT of b) of a (source 1) and b. */
    static int opS(Core c, int op, int a, int b) {
        switch (op) {
            case ADD, SUB -> {
                float r = op == ADD ? f(a) + f(b) : f(a) - f(b);
                if (fast(c) && plainS(a) && plainS(b) && (normalS(r) || r == 0)) { // a zero sum is exact
                    return Float.floatToRawIntBits(r);
                }
                return addS(c, a, op == SUB && !nanS(b) ? b ^ S_SIGN : b);
            }
            case MUL -> {
                float r = f(a) * f(b);
                if (fast(c) && plainS(a) && plainS(b) && (normalS(r) || zeroS(a) || zeroS(b))) {
                    return Float.floatToRawIntBits(r);
                }
                return mulDivS(c, a, b, false);
            }
            case DIV -> {
                float r = f(a) / f(b);
                if (fast(c) && plainS(a) && plainS(b) && (normalS(r) || (zeroS(a) && !zeroS(b)))) {
                    return Float.floatToRawIntBits(r);
                }
                return mulDivS(c, a, b, true);
            }
            case MIN, MAX -> {
                return minMaxS(c, a, b, op == MAX);
            }
            default -> {
                return sqrtS(c, b);
            }
        }
    }

    /** True for a finite number above the smallest normal in magnitude (so not tiny even before rounding). */
    private static boolean normalS(float r) {
        float m = Math.abs(r);
        return m > Float.MIN_NORMAL && m <= Float.MAX_VALUE;
    }

    private static boolean normalD(double r) {
        double m = Math.abs(r);
        return m > Double.MIN_NORMAL && m <= Double.MAX_VALUE;
    }

    /** The NaN result of a two-operand operation with a NaN operand: IE for an SNaN, the first NaN quieted. */
    private static int nanResultS(Core c, int a, int b) {
        if (snanS(a) || snanS(b)) {
            raise(c, IE);
        }
        return (nanS(a) ? a : b) | S_QUIET;
    }

    /** DE if either operand is denormal (after DAZ, so only when DAZ is off). */
    private static void denormalS(Core c, int a, int b) {
        if (denS(a) || denS(b)) {
            raise(c, DE);
        }
    }

    /** a + b (subtraction negates b before). */
    static int addS(Core c, int a, int b) {
        int m = c.mxcsr;
        a = dazS(m, a);
        b = dazS(m, b);
        if (nanS(a) || nanS(b)) {
            return nanResultS(c, a, b);
        }
        if (infS(a) || infS(b)) {
            if (infS(a) && infS(b) && (a ^ b) < 0) {
                raise(c, IE);
                return S_INDEFINITE;
            }
            denormalS(c, a, b);
            return infS(a) ? a : b;
        }
        denormalS(c, a, b);
        double x = f(a), y = f(b);
        double s = x + y;
        if (s == 0) { // exact: zeros, or x = -y
            boolean neg = zeroS(a) && zeroS(b) && (a ^ b) >= 0 ? a < 0 : rc(m) == RD;
            return neg ? S_SIGN : 0;
        }
        double t = s - x;
        double err = (x - (s - t)) + (y - t); // exact: x + y = s + err
        int dir = err == 0 ? 0 : (err > 0) == (s > 0) ? 1 : -1;
        return (int) packDir(c, s < 0, Math.abs(s), dir, false);
    }

    /** a * b, or a / b with {@code div}. */
    static int mulDivS(Core c, int a, int b, boolean div) {
        int m = c.mxcsr;
        a = dazS(m, a);
        b = dazS(m, b);
        if (nanS(a) || nanS(b)) {
            return nanResultS(c, a, b);
        }
        int sign = (a ^ b) & S_SIGN;
        boolean ia = infS(a), ib = infS(b), za = zeroS(a), zb = zeroS(b);
        if (div) {
            if ((ia && ib) || (za && zb)) {
                raise(c, IE);
                return S_INDEFINITE;
            }
            if (zb && !ia) {
                raise(c, ZE);
                return sign | S_EXP;
            }
            denormalS(c, a, b);
            if (ia || zb) {
                return sign | S_EXP;
            }
            if (za || ib) {
                return sign;
            }
        } else {
            if ((ia && zb) || (za && ib)) {
                raise(c, IE);
                return S_INDEFINITE;
            }
            denormalS(c, a, b);
            if (ia || ib) {
                return sign | S_EXP;
            }
            if (za || zb) {
                return sign;
            }
        }
        double x = Math.abs(f(a)), y = Math.abs(f(b));
        if (!div) {
            return (int) packDir(c, sign != 0, x * y, 0, false); // exact in double
        }
        double q = x / y;
        double r = Math.fma(-q, y, x); // exact: x = q*y + r
        return (int) packDir(c, sign != 0, q, (int) Math.signum(r), false);
    }

    static int sqrtS(Core c, int a) {
        if (fast(c) && plainS(a) && a > 0) { // positive normal: the root is normal
            return Float.floatToRawIntBits((float) Math.sqrt(f(a)));
        }
        a = dazS(c.mxcsr, a);
        if (nanS(a)) {
            if (snanS(a)) {
                raise(c, IE);
            }
            return a | S_QUIET;
        }
        if (zeroS(a)) {
            return a;
        }
        if (a < 0) {
            raise(c, IE);
            return S_INDEFINITE;
        }
        if (infS(a)) {
            return a;
        }
        if (denS(a)) {
            raise(c, DE);
        }
        double x = f(a);
        double s = Math.sqrt(x);
        double r = Math.fma(-s, s, x);
        return (int) packDir(c, false, s, (int) Math.signum(r), false);
    }

    /** MINSS/MAXSS: a &lt; b ? a : b (a &gt; b for max), so a NaN or two zeros give b. */
    static int minMaxS(Core c, int a, int b, boolean max) {
        int m = c.mxcsr;
        a = dazS(m, a);
        b = dazS(m, b);
        if (nanS(a) || nanS(b)) {
            raise(c, IE);
            return b;
        }
        denormalS(c, a, b);
        float x = f(a), y = f(b);
        return (max ? x > y : x < y) ? a : b;
    }

    // ---- double precision ------------------------------------------------------------------------

    /** Double-precision {@code op} of a (source 1) and b. */
    static long opD(Core c, int op, long a, long b) {
        switch (op) {
            case ADD, SUB -> {
                double r = op == ADD ? d(a) + d(b) : d(a) - d(b);
                if (fast(c) && plainD(a) && plainD(b) && (normalD(r) || r == 0)) { // a zero sum is exact
                    return Double.doubleToRawLongBits(r);
                }
                return addD(c, a, op == SUB && !nanD(b) ? b ^ D_SIGN : b);
            }
            case MUL -> {
                double r = d(a) * d(b);
                if (fast(c) && plainD(a) && plainD(b) && (normalD(r) || zeroD(a) || zeroD(b))) {
                    return Double.doubleToRawLongBits(r);
                }
                return mulDivD(c, a, b, false);
            }
            case DIV -> {
                double r = d(a) / d(b);
                if (fast(c) && plainD(a) && plainD(b) && (normalD(r) || (zeroD(a) && !zeroD(b)))) {
                    return Double.doubleToRawLongBits(r);
                }
                return mulDivD(c, a, b, true);
            }
            case MIN, MAX -> {
                return minMaxD(c, a, b, op == MAX);
            }
            default -> {
                return sqrtD(c, b);
            }
        }
    }

    private static long nanResultD(Core c, long a, long b) {
        if (snanD(a) || snanD(b)) {
            raise(c, IE);
        }
        return (nanD(a) ? a : b) | D_QUIET;
    }

    private static void denormalD(Core c, long a, long b) {
        if (denD(a) || denD(b)) {
            raise(c, DE);
        }
    }

    /** Unbiased exponent of a finite non-zero double, its significand normalized to [2^52, 2^53). */
    private static int expD(long a) {
        int e = (int) (a >>> 52) & 0x7FF;
        if (e != 0) {
            return e - 1023;
        }
        return -1011 - Long.numberOfLeadingZeros(a & D_MANT); // denormal: 1 - 1023 - (lz - 11)
    }

    private static long mantD(long a) {
        int e = (int) (a >>> 52) & 0x7FF;
        long m = a & D_MANT;
        return e != 0 ? m | 1L << 52 : m << (Long.numberOfLeadingZeros(m) - 11);
    }

    /** The significand of a finite non-zero double as a double in [1, 2). */
    private static double fracD(long a) {
        return d(0x3FF0_0000_0000_0000L | (mantD(a) & D_MANT));
    }

    static long addD(Core c, long a, long b) {
        int m = c.mxcsr;
        a = dazD(m, a);
        b = dazD(m, b);
        if (nanD(a) || nanD(b)) {
            return nanResultD(c, a, b);
        }
        if (infD(a) || infD(b)) {
            if (infD(a) && infD(b) && (a ^ b) < 0) {
                raise(c, IE);
                return D_INDEFINITE;
            }
            denormalD(c, a, b);
            return infD(a) ? a : b;
        }
        denormalD(c, a, b);
        boolean za = zeroD(a), zb = zeroD(b);
        if (za && zb) {
            boolean neg = (a ^ b) >= 0 ? a < 0 : rc(m) == RD;
            return neg ? D_SIGN : 0;
        }
        if (za || zb) { // exact, but a denormal result may still be flushed
            long v = za ? b : a;
            return round(c, v < 0, expD(v) - 52, mantD(v), true);
        }
        // align the significands (top bit at 62) and add or subtract them, with a sticky bit
        int ea = expD(a), eb = expD(b);
        long sa = mantD(a) << 10, sb = mantD(b) << 10;
        boolean na = a < 0, nb = b < 0;
        if (ea < eb || (ea == eb && sa < sb)) {
            int te = ea;
            ea = eb;
            eb = te;
            long ts = sa;
            sa = sb;
            sb = ts;
            boolean tn = na;
            na = nb;
            nb = tn;
        }
        sb = jam(sb, ea - eb);
        long s = na == nb ? sa + sb : sa - sb;
        if (s == 0) {
            return rc(m) == RD ? D_SIGN : 0;
        }
        return round(c, na, ea - 62, s, true);
    }

    /** x shifted right by n with the bits shifted out ORed into bit 0. */
    static long jam(long x, int n) {
        if (n == 0) {
            return x;
        }
        if (n >= 63) {
            return x != 0 ? 1 : 0;
        }
        return x >>> n | ((x << (64 - n)) != 0 ? 1 : 0);
    }

    static long mulDivD(Core c, long a, long b, boolean div) {
        int m = c.mxcsr;
        a = dazD(m, a);
        b = dazD(m, b);
        if (nanD(a) || nanD(b)) {
            return nanResultD(c, a, b);
        }
        long sign = (a ^ b) & D_SIGN;
        boolean ia = infD(a), ib = infD(b), za = zeroD(a), zb = zeroD(b);
        if (div) {
            if ((ia && ib) || (za && zb)) {
                raise(c, IE);
                return D_INDEFINITE;
            }
            if (zb && !ia) {
                raise(c, ZE);
                return sign | D_EXP;
            }
            denormalD(c, a, b);
            if (ia || zb) {
                return sign | D_EXP;
            }
            if (za || ib) {
                return sign;
            }
        } else {
            if ((ia && zb) || (za && ib)) {
                raise(c, IE);
                return D_INDEFINITE;
            }
            denormalD(c, a, b);
            if (ia || ib) {
                return sign | D_EXP;
            }
            if (za || zb) {
                return sign;
            }
        }
        double x = fracD(a), y = fracD(b);
        int e;
        double q;
        int dir;
        if (div) {
            q = x / y;
            dir = (int) Math.signum(Math.fma(-q, y, x));
            e = expD(a) - expD(b);
        } else {
            q = x * y;
            dir = (int) Math.signum(Math.fma(x, y, -q));
            e = expD(a) + expD(b);
        }
        return packDirScaled(c, sign != 0, q, dir, e, true);
    }

    static long sqrtD(Core c, long a) {
        if (fast(c) && plainD(a) && a > 0) {
            return Double.doubleToRawLongBits(Math.sqrt(d(a)));
        }
        a = dazD(c.mxcsr, a);
        if (nanD(a)) {
            if (snanD(a)) {
                raise(c, IE);
            }
            return a | D_QUIET;
        }
        if (zeroD(a)) {
            return a;
        }
        if (a < 0) {
            raise(c, IE);
            return D_INDEFINITE;
        }
        if (infD(a)) {
            return a;
        }
        if (denD(a)) {
            raise(c, DE);
        }
        int e = expD(a);
        double x = fracD(a);
        if ((e & 1) != 0) {
            x *= 2;
            e--;
        }
        double s = Math.sqrt(x);
        int dir = (int) Math.signum(Math.fma(-s, s, x));
        return packDirScaled(c, false, s, dir, e >> 1, true);
    }

    static long minMaxD(Core c, long a, long b, boolean max) {
        int m = c.mxcsr;
        a = dazD(m, a);
        b = dazD(m, b);
        if (nanD(a) || nanD(b)) {
            raise(c, IE);
            return b;
        }
        denormalD(c, a, b);
        double x = d(a), y = d(b);
        return (max ? x > y : x < y) ? a : b;
    }

    // ---- compares ----------------------------------------------------------------------------

    /** CMPPS/CMPSS predicate (imm8 bits 2..0): EQ LT LE UNORD NEQ NLT NLE ORD. */
    static boolean cmpS(Core c, int pred, int a, int b) {
        int m = c.mxcsr;
        a = dazS(m, a);
        b = dazS(m, b);
        if (nanS(a) || nanS(b)) {
            if (snanS(a) || snanS(b) || signalling(pred)) {
                raise(c, IE);
            }
        } else {
            denormalS(c, a, b);
        }
        return compare(pred, f(a), f(b));
    }

    static boolean cmpD(Core c, int pred, long a, long b) {
        int m = c.mxcsr;
        a = dazD(m, a);
        b = dazD(m, b);
        if (nanD(a) || nanD(b)) {
            if (snanD(a) || snanD(b) || signalling(pred)) {
                raise(c, IE);
            }
        } else {
            denormalD(c, a, b);
        }
        return compare(pred, d(a), d(b));
    }

    private static boolean signalling(int pred) {
        return pred == 1 || pred == 2 || pred == 5 || pred == 6;
    }

    /** Java comparisons are false with a NaN operand, which is what EQ LT LE (and their negations) need. */
    private static boolean compare(int pred, double x, double y) {
        return switch (pred & 7) {
            case 0 -> x == y;
            case 1 -> x < y;
            case 2 -> x <= y;
            case 3 -> x != x || y != y;
            case 4 -> x != y;
            case 5 -> !(x < y);
            case 6 -> !(x <= y);
            default -> x == x && y == y;
        };
    }

    /** RFLAGS bits of (U)COMISS: unordered ZF PF CF, less CF, equal ZF, greater none. */
    static long comiS(Core c, int a, int b, boolean signalQnan) {
        int m = c.mxcsr;
        a = dazS(m, a);
        b = dazS(m, b);
        if (nanS(a) || nanS(b)) {
            if (signalQnan || snanS(a) || snanS(b)) {
                raise(c, IE);
            }
            return 0x45;
        }
        denormalS(c, a, b);
        return comiFlags(f(a), f(b));
    }

    static long comiD(Core c, long a, long b, boolean signalQnan) {
        int m = c.mxcsr;
        a = dazD(m, a);
        b = dazD(m, b);
        if (nanD(a) || nanD(b)) {
            if (signalQnan || snanD(a) || snanD(b)) {
                raise(c, IE);
            }
            return 0x45;
        }
        denormalD(c, a, b);
        return comiFlags(d(a), d(b));
    }

    private static long comiFlags(double x, double y) {
        return x < y ? 0x01 : x == y ? 0x40 : 0;
    }

    // ---- conversions ----------------------------------------------------------------------------

    /** CVTSS2SD: exact; an SNaN is quieted (IE), a denormal sets DE. */
    static long s2d(Core c, int a) {
        a = dazS(c.mxcsr, a);
        if (nanS(a)) {
            if (snanS(a)) {
                raise(c, IE);
            }
            return (long) (a & S_SIGN) << 32 | D_EXP | D_QUIET | (long) (a & S_MANT) << 29;
        }
        if (denS(a)) {
            raise(c, DE);
        }
        return Double.doubleToRawLongBits(f(a));
    }

    /** CVTSD2SS: rounded by MXCSR; a NaN keeps its sign and top payload bits, quieted. */
    static int d2s(Core c, long a) {
        if (fast(c) && plainD(a)) {
            float r = (float) d(a);
            if (normalS(r)) {
                return Float.floatToRawIntBits(r);
            }
        }
        a = dazD(c.mxcsr, a);
        if (nanD(a)) {
            if (snanD(a)) {
                raise(c, IE);
            }
            return (int) (a >>> 32) & S_SIGN | S_EXP | S_QUIET | (int) ((a & D_MANT) >>> 29);
        }
        int sign = (int) (a >>> 32) & S_SIGN;
        if (infD(a)) {
            return sign | S_EXP;
        }
        if (zeroD(a)) {
            return sign;
        }
        if (denD(a)) {
            raise(c, DE);
        }
        return (int) round(c, a < 0, expD(a) - 52, mantD(a), false);
    }

    /** Integer v (signed 64) to single or double, rounded by MXCSR. */
    static long fromInt(Core c, long v, boolean dbl) {
        if (v == 0) {
            return 0;
        }
        if (fast(c)) {
            return dbl ? Double.doubleToRawLongBits(v) : Float.floatToRawIntBits(v) & M32;
        }
        long r = round(c, v < 0, 0, v < 0 ? -v : v, dbl);
        return dbl ? r : r & M32;
    }

    /**
     * Single (bits in the low 32 bits, {@code dbl} false) or double to a signed integer of
     * 32 or 64 bits ({@code is64}), rounded by MXCSR or truncated. NaN or out of range: IE
     * and the integer indefinite (the sign bit alone); inexact: PE.
     */
    static long toInt(Core c, long bits, boolean dbl, boolean truncate, boolean is64) {
        int m = c.mxcsr;
        double x;
        if (dbl) {
            bits = dazD(m, bits);
            if (nanD(bits)) {
                return indefiniteInt(c, is64);
            }
            x = d(bits);
        } else {
            int a = dazS(m, (int) bits);
            if (nanS(a)) {
                return indefiniteInt(c, is64);
            }
            x = f(a);
        }
        double r = switch (truncate ? RZ : rc(m)) {
            case RNE -> Math.rint(x);
            case RD -> Math.floor(x);
            case RU -> Math.ceil(x);
            default -> x < 0 ? Math.ceil(x) : Math.floor(x);
        };
        double lim = is64 ? 0x1p63 : 0x1p31;
        if (!(r >= -lim && r < lim)) {
            return indefiniteInt(c, is64);
        }
        if (r != x) {
            raise(c, PE);
        }
        return is64 ? (long) r : (int) r & M32;
    }

    private static long indefiniteInt(Core c, boolean is64) {
        raise(c, IE);
        return is64 ? Long.MIN_VALUE : 0x8000_0000L;
    }

    // ---- approximations ----------------------------------------------------------------------------

    /**
     * RCPSS (or RSQRTSS with {@code sqrt}): the reciprocal (of the square root) with 12 bits
     * of significand (relative error at most 2^-12, within Intel's 1.5 * 2^-12). No flags;
     * MXCSR is not used: denormal operands count as zeros (infinite results) and tiny
     * results are flushed to zero, as on Intel hardware. Not bit-identical to any hardware.
     */
    static int approx(int a, boolean sqrt) {
        if (nanS(a)) {
            return a | S_QUIET;
        }
        int sign = a & S_SIGN;
        if ((a & S_EXP) == 0) { // zero or denormal
            return sign | S_EXP;
        }
        if (sqrt && sign != 0) {
            return S_INDEFINITE;
        }
        if (infS(a)) {
            return sign;
        }
        double x = Math.abs(f(a));
        double r = sqrt ? 1 / Math.sqrt(x) : 1 / x;
        long rb = Double.doubleToRawLongBits(r);
        rb = (rb + (1L << 40)) & ~((1L << 41) - 1); // round to 11 fraction bits
        float q = (float) d(rb);
        if (Math.abs(q) < Float.MIN_NORMAL) {
            return sign;
        }
        return Float.floatToRawIntBits(q) | sign;
    }

    // ---- rounding --------------------------------------------------------------------------------

    static int rc(int mxcsr) {
        return (mxcsr >> 13) & 3;
    }

    /**
     * Rounds a positive double {@code mag} whose exact value differs from it in direction
     * {@code dir} (-1 below, 0 exact, +1 above, by less than half an ulp of mag) to single or
     * double. Precision 53 and two guard bits: the value sits strictly between mag and its
     * neighbour, so {@code 4 * significand + dir} with the low bit sticky rounds exactly like
     * it at any precision up to 53 bits.
     */
    static long packDir(Core c, boolean neg, double mag, int dir, boolean dbl) {
        return packDirScaled(c, neg, mag, dir, 0, dbl);
    }

    /** {@link #packDir} of mag * 2^scale (mag a positive normal double). */
    static long packDirScaled(Core c, boolean neg, double mag, int dir, int scale, boolean dbl) {
        long bits = Double.doubleToRawLongBits(mag);
        int e = (int) (bits >>> 52) - 1075;
        long sig = ((bits & D_MANT) | 1L << 52) << 2;
        return round(c, neg, e - 2 + scale, sig + dir, dbl);
    }

    /**
     * Rounds sig * 2^exp (sig an unsigned non-zero integer whose bit 0 may be sticky) to
     * single ({@code dbl} false; the bits are in the low 32) or double under MXCSR, raising
     * PE, UE and OE, and flushing tiny results to zero under FTZ. Returns the bits with the
     * sign of {@code neg}.
     */
    static long round(Core c, boolean neg, int exp, long sig, boolean dbl) {
        int m = c.mxcsr;
        int p = dbl ? 53 : 24, emin = dbl ? -1022 : -126, emax = dbl ? 1023 : 127;
        long signBit = neg ? (dbl ? D_SIGN : S_SIGN & M32) : 0;
        // normalize: the leading bit at 62
        int lz = Long.numberOfLeadingZeros(sig);
        if (lz == 0) {
            sig = sig >>> 1 | (sig & 1);
            exp++;
        } else {
            sig <<= lz - 1;
            exp -= lz - 1;
        }
        int e = exp + 62; // exponent of the leading bit
        int mode = rc(m);
        if (e >= emin) {
            int drop = 63 - p;
            long kept = roundBits(sig, drop, mode, neg);
            boolean inexact = (sig & ((1L << drop) - 1)) != 0;
            if (kept == 1L << p) {
                kept >>>= 1;
                e++;
            }
            if (e > emax) { // unmasked: PE only if the result with unbounded exponent is inexact
                raise(c, (m & 0x400) != 0 || inexact ? OE | PE : OE);
                boolean toInf = mode == RNE || (mode == RU && !neg) || (mode == RD && neg);
                long inf = dbl ? D_EXP : S_EXP;
                long max = dbl ? D_EXP - 1 : S_EXP - 1;
                return signBit | (toInf ? inf : max);
            }
            if (inexact) {
                raise(c, PE);
            }
            return signBit | ((long) (e + (dbl ? 1023 : 127) - 1) << (p - 1)) + kept;
        }
        // below the normal range: tiny unless rounding at full precision reaches 2^emin
        boolean tiny = e < emin - 1 || roundBits(sig, 63 - p, mode, neg) != 1L << p;
        int drop = 63 - (p - (emin - e));
        long kept;
        boolean inexact;
        if (drop > 63) { // less than half the smallest denormal
            kept = (mode == RU && !neg) || (mode == RD && neg) ? 1 : 0;
            inexact = true;
        } else {
            kept = roundBits(sig, drop, mode, neg);
            inexact = (sig & ((1L << drop) - 1)) != 0;
        }
        if (tiny) {
            if ((m & 0x800) == 0) { // unmasked: always; PE if inexact with unbounded exponent
                raise(c, (sig & ((1L << (63 - p)) - 1)) != 0 ? UE | PE : UE);
            } else if ((m & FTZ) != 0) {
                raise(c, UE | PE);
                return signBit;
            } else if (inexact) {
                raise(c, UE | PE);
            }
        } else if (inexact) {
            raise(c, PE);
        }
        return signBit | kept; // a carry into the exponent field gives the smallest normal
    }

    /** sig without its low {@code drop} bits (1..63), rounded by mode. */
    private static long roundBits(long sig, int drop, int mode, boolean neg) {
        long kept = sig >>> drop;
        long rem = sig & ((1L << drop) - 1);
        if (rem == 0) {
            return kept;
        }
        boolean up = switch (mode) {
            case RNE -> {
                long half = 1L << (drop - 1);
                yield rem > half || (rem == half && (kept & 1) != 0);
            }
            case RD -> neg;
            case RU -> !neg;
            default -> false;
        };
        return up ? kept + 1 : kept;
    }
}
