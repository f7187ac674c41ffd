package platform.cpu.internal.ops;

import platform.cpu.Vectors;
import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;

/**
 * MUL, IMUL and DIV, IDIV arithmetic for {@link Alu}. Flags after MUL/IMUL: CF = OF = "the
 * high half is significant"; SF, ZF, PF from the low half and AF clear (architecturally
 * undefined). DIV/IDIV leave the flags unchanged (undefined) and raise #DE on a zero divisor
 * or a quotient that does not fit.
 */
final class MulDiv {
    private MulDiv() {}

    private static long cfof(boolean b) {
        return b ? Flags.CF | Flags.OF : 0;
    }

    /** MUL r/m: rDX:rAX = rAX * v (AX = AL * v for bytes). */
    static void mul(Core c, int s, long v) {
        switch (s) {
            case 1 -> {
                long p = (c.r[0] & 0xFF) * v;
                c.setReg(0, 2, p);
                Flags.result(c, 1, p, cfof((p & 0xFF00) != 0));
            }
            case 2 -> {
                long p = (c.r[0] & 0xFFFF) * v;
                c.setReg(0, 2, p);
                c.setReg(2, 2, p >>> 16);
                Flags.result(c, 2, p, cfof((p >>> 16) != 0));
            }
            case 4 -> {
                long p = (c.r[0] & 0xFFFFFFFFL) * v;
                c.setReg(0, 4, p);
                c.setReg(2, 4, p >>> 32);
                Flags.result(c, 4, p, cfof((p >>> 32) != 0));
            }
            default -> {
                long a = c.r[0];
                long lo = a * v;
                long hi = Math.unsignedMultiplyHigh(a, v);
                c.r[0] = lo;
                c.r[2] = hi;
                Flags.result(c, 8, lo, cfof(hi != 0));
            }
        }
    }

    /** IMUL r/m (one operand): rDX:rAX = rAX * v, signed. */
    static void imul1(Core c, int s, long v) {
        switch (s) {
            case 1 -> {
                long p = (long) (byte) c.r[0] * (byte) v;
                c.setReg(0, 2, p);
                Flags.result(c, 1, p, cfof(p != (byte) p));
            }
            case 2 -> {
                long p = (long) (short) c.r[0] * (short) v;
                c.setReg(0, 2, p);
                c.setReg(2, 2, p >>> 16);
                Flags.result(c, 2, p, cfof(p != (short) p));
            }
            case 4 -> {
                long p = (long) (int) c.r[0] * (int) v;
                c.setReg(0, 4, p);
                c.setReg(2, 4, p >>> 32);
                Flags.result(c, 4, p, cfof(p != (int) p));
            }
            default -> {
                long a = c.r[0];
                long lo = a * v;
                long hi = Math.multiplyHigh(a, v);
                c.r[0] = lo;
                c.r[2] = hi;
                Flags.result(c, 8, lo, cfof(hi != (lo >> 63)));
            }
        }
    }

    /** Truncated signed product for the two- and three-operand IMUL; sets CF = OF = overflow. */
    static long imulTrunc(Core c, int s, long a, long b) {
        switch (s) {
            case 2 -> {
                long p = (long) (short) a * (short) b;
                Flags.result(c, 2, p, cfof(p != (short) p));
                return p;
            }
            case 4 -> {
                long p = (long) (int) a * (int) b;
                Flags.result(c, 4, p, cfof(p != (int) p));
                return p;
            }
            default -> {
                long lo = a * b;
                long hi = Math.multiplyHigh(a, b);
                Flags.result(c, 8, lo, cfof(hi != (lo >> 63)));
                return lo;
            }
        }
    }

    /** DIV r/m: unsigned rDX:rAX / v. */
    static void div(Core c, int s, long v) {
        if (v == 0) {
            throw c.fault(Vectors.DE, 0);
        }
        switch (s) {
            case 1 -> {
                long n = c.r[0] & 0xFFFF;
                long q = n / v;
                if (q > 0xFF) {
                    throw c.fault(Vectors.DE, 0);
                }
                c.setReg(0, 2, (n % v) << 8 | q);
            }
            case 2 -> {
                long n = (c.r[2] & 0xFFFF) << 16 | (c.r[0] & 0xFFFF);
                long q = n / v;
                if (q > 0xFFFF) {
                    throw c.fault(Vectors.DE, 0);
                }
                c.setReg(0, 2, q);
                c.setReg(2, 2, n % v);
            }
            case 4 -> {
                long n = (c.r[2] & 0xFFFFFFFFL) << 32 | (c.r[0] & 0xFFFFFFFFL);
                long q = Long.divideUnsigned(n, v);
                if ((q >>> 32) != 0) {
                    throw c.fault(Vectors.DE, 0);
                }
                c.setReg(0, 4, q);
                c.setReg(2, 4, Long.remainderUnsigned(n, v));
            }
            default -> {
                long hi = c.r[2], lo = c.r[0];
                if (Long.compareUnsigned(hi, v) >= 0) {
                    throw c.fault(Vectors.DE, 0);
                }
                if (hi == 0) {
                    c.r[0] = Long.divideUnsigned(lo, v);
                    c.r[2] = Long.remainderUnsigned(lo, v);
                } else {
                    long q = divide128(hi, lo, v);
                    c.r[0] = q;
                    c.r[2] = lo - q * v;
                }
            }
        }
    }

    /**
     * Unsigned 128/64 division with hi < v (so the quotient fits in 64 bits), by restoring
     * shift-and-subtract, one quotient bit per step. Returns the quotient; the remainder is
     * {@code lo - q * v} (it fits in 64 bits).
     */
    private static long divide128(long hi, long lo, long v) {
        long rem = hi;
        long q = 0;
        for (int k = 0; k < 64; k++) {
            boolean carry = rem < 0; // the bit shifted out of rem
            rem = rem << 1 | (lo >>> 63);
            lo <<= 1;
            q <<= 1;
            if (carry || Long.compareUnsigned(rem, v) >= 0) {
                rem -= v;
                q |= 1;
            }
        }
        return q;
    }

    /** IDIV r/m: signed rDX:rAX / v, quotient truncated toward zero. */
    static void idiv(Core c, int s, long v) {
        if (v == 0) {
            throw c.fault(Vectors.DE, 0);
        }
        switch (s) {
            case 1 -> {
                long n = (short) c.r[0];
                long d = (byte) v;
                long q = n / d;
                if (q != (byte) q) {
                    throw c.fault(Vectors.DE, 0);
                }
                c.setReg(0, 2, ((n % d) & 0xFF) << 8 | (q & 0xFF));
            }
            case 2 -> {
                long n = (long) (short) c.r[2] << 16 | (c.r[0] & 0xFFFF);
                long d = (short) v;
                long q = n / d;
                if (q != (short) q) {
                    throw c.fault(Vectors.DE, 0);
                }
                c.setReg(0, 2, q);
                c.setReg(2, 2, n % d);
            }
            case 4 -> {
                long n = c.r[2] << 32 | (c.r[0] & 0xFFFFFFFFL);
                long d = (int) v;
                if (n == Long.MIN_VALUE && d == -1) {
                    throw c.fault(Vectors.DE, 0);
                }
                long q = n / d;
                if (q != (int) q) {
                    throw c.fault(Vectors.DE, 0);
                }
                c.setReg(0, 4, q);
                c.setReg(2, 4, n % d);
            }
            default -> idiv128(c, v);
        }
    }

    private static void idiv128(Core c, long d) {
        long hi = c.r[2], lo = c.r[0];
        if (hi == (lo >> 63)) { // the dividend fits in 64 bits
            if (lo == Long.MIN_VALUE && d == -1) {
                throw c.fault(Vectors.DE, 0);
            }
            c.r[0] = lo / d;
            c.r[2] = lo % d;
            return;
        }
        boolean negN = hi < 0, negD = d < 0;
        if (negN) { // negate the 128-bit dividend
            lo = -lo;
            hi = ~hi + (lo == 0 ? 1 : 0);
        }
        long ud = negD ? -d : d;
        if (Long.compareUnsigned(hi, ud) >= 0) {
            throw c.fault(Vectors.DE, 0);
        }
        long q = divide128(hi, lo, ud);
        long r = lo - q * ud;
        boolean negQ = negN != negD;
        // |quotient| must fit: at most 2^63 - 1, or 2^63 when negative
        if (negQ ? Long.compareUnsigned(q, Long.MIN_VALUE) > 0 : q < 0) {
            throw c.fault(Vectors.DE, 0);
        }
        c.r[0] = negQ ? -q : q;
        c.r[2] = negN ? -r : r;
    }
}
