package platform.cpu.internal.x87;

import static platform.cpu.internal.x87.F80.BIAS;
import static platform.cpu.internal.x87.F80.DE;
import static platform.cpu.internal.x87.F80.DENORMAL;
import static platform.cpu.internal.x87.F80.EXP_MAX;
import static platform.cpu.internal.x87.F80.IE;
import static platform.cpu.internal.x87.F80.INF;
import static platform.cpu.internal.x87.F80.INT_BIT;
import static platform.cpu.internal.x87.F80.QNAN;
import static platform.cpu.internal.x87.F80.QUIET_BIT;
import static platform.cpu.internal.x87.F80.RC_ZERO;
import static platform.cpu.internal.x87.F80.SNAN;
import static platform.cpu.internal.x87.F80.UNSUPPORTED;
import static platform.cpu.internal.x87.F80.ZERO;
import static platform.cpu.internal.x87.F80.expOf;
import static platform.cpu.internal.x87.F80.rc;
import static platform.cpu.internal.x87.F80.sigOf;
import static platform.cpu.internal.x87.F80.signOf;

import platform.cpu.internal.x87.F80.Reg;

/*
 * Conversions between the extended format and the memory formats the x87
 * loads and stores: float32 (FLD/FST m32), float64 (m64), two's-complement
 * integers (FILD, FIST/FISTP, FISTTP on m16/m32/m64) and the 10-byte
 * extended format itself (FLD/FSTP m80).
 *
 * Loads widen exactly; only an SNaN (IE, loaded quiet) and a denormal
 * (DE, loaded normalized) are flagged. Integer loads are always exact.
 * FLD m80 and FSTP m80 copy the bits unchanged and raise nothing (also for
 * pseudo-denormals, unnormals and pseudo-NaNs; those raise IE when an
 * arithmetic instruction uses them).
 *
 * Stores to a narrower format round by RC to its precision and exponent
 * range (F80.round with the format's bounds, gradual underflow included)
 * and raise PE, UE, OE and C1 like the x87; precision control does not
 * apply. A NaN keeps its sign and top significand bits and is made quiet;
 * an unsupported operand stores the format's indefinite (IE). The result
 * is returned in out.m as the memory image: float bits zero-extended,
 * integers as a sign-extended long; out.se is set to 0.
 *
 * Unmasked exceptions: a store whose IE, OE or UE is unmasked writes
 * nothing to memory on the x87 (and FSTP does not pop); the status then
 * holds just that flag, and the caller checks it against the control word
 * before it stores. A load with an unmasked IE (SNaN) pushes nothing; one
 * with an unmasked DE still pushes the value (checked on the host x87).
 */
public final class F80Convert {
    private F80Convert() {
    }

    // ---- float32 / float64 --------------------------------------------------

    /** FLD m32: out = the float32 with the given bits. Returns IE (SNaN) or DE (denormal). */
    public static int fromFloat32(int bits, Reg out) {
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        long frac = bits & 0x7FFFFFL;
        return widen(sign, exp, frac, 0xFF, 127, 23, out);
    }

    /** FLD m64: out = the float64 with the given bits. Returns IE (SNaN) or DE (denormal). */
    public static int fromFloat64(long bits, Reg out) {
        int sign = (int) (bits >>> 48) & 0x8000;
        int exp = (int) (bits >>> 52) & 0x7FF;
        long frac = bits & 0xFFFFFFFFFFFFFL;
        return widen(sign, exp, frac, 0x7FF, 1023, 52, out);
    }

    /** Widens a binary format with fracBits fraction bits and the given bias. */
    private static int widen(int sign, int exp, long frac, int expAll, int bias, int fracBits, Reg out) {
        int shift = 63 - fracBits;
        if (exp == expAll) {
            out.se = sign | EXP_MAX;
            if (frac == 0) {
                out.m = INT_BIT;
                return 0;
            }
            boolean signalling = (frac >>> (fracBits - 1)) == 0;
            out.m = INT_BIT | QUIET_BIT | (frac << shift);
            return signalling ? IE : 0;
        }
        if (exp == 0) {
            if (frac == 0) {
                out.se = sign;
                out.m = 0;
                return 0;
            }
            // frac * 2^(1 - bias - fracBits), normalized
            int n = Long.numberOfLeadingZeros(frac);
            out.se = sign | (BIAS + 1 - bias - fracBits + 63 - n);
            out.m = frac << n;
            return DE;
        }
        out.se = sign | (exp - bias + BIAS);
        out.m = INT_BIT | (frac << shift);
        return 0;
    }

    /** FST m32: out.m = the float32 bits of a rounded by RC. Returns the status bits. */
    public static int toFloat32(int se, long m, int cw, Reg out) {
        return narrow(se, m, cw, 24, 127, 0x7FC00000L, out);
    }

    /** FST m64: out.m = the float64 bits of a rounded by RC. Returns the status bits. */
    public static int toFloat64(int se, long m, int cw, Reg out) {
        return narrow(se, m, cw, 53, 1023, 0x7FF8000000000000L, out);
    }

    public static int toFloat32(Reg a, int cw, Reg out) {
        return toFloat32(a.se, a.m, cw, out);
    }

    public static int toFloat64(Reg a, int cw, Reg out) {
        return toFloat64(a.se, a.m, cw, out);
    }

    /**
     * Rounds to a binary format with p significand bits (p - 1 stored) and
     * exponent bias `bias`; qnan is its positive default QNaN pattern.
     */
    private static int narrow(int se, long m, int cw, int p, int bias, long qnan, Reg out) {
        int fracBits = p - 1;
        int signShift = fracBits + (p == 24 ? 8 : 11);
        long sign = (long) signOf(se) << signShift;
        long expAll = (qnan >>> fracBits) & (p == 24 ? 0xFF : 0x7FF);
        long fracMask = (1L << fracBits) - 1;
        int flags = 0;
        long bits;
        switch (F80.classify(se, m)) {
            case ZERO:
                bits = sign;
                break;
            case INF:
                bits = sign | (expAll << fracBits);
                break;
            case SNAN:
            case QNAN:
                flags = (m & QUIET_BIT) == 0 ? IE : 0;
                bits = sign | (expAll << fracBits) | (((m | QUIET_BIT) >>> (63 - fracBits)) & fracMask);
                break;
            case UNSUPPORTED:
                bits = (1L << signShift) | qnan;
                flags = IE;
                break;
            default: // NORMAL, DENORMAL
                flags = F80.round(signOf(se), expOf(se, m), sigOf(m), 0, cw, p, BIAS + 1 - bias,
                        BIAS + bias, false, out);
                int e = out.se & EXP_MAX;
                long frac = (out.m >>> (63 - fracBits)) & fracMask;
                if (e == EXP_MAX) {
                    bits = sign | (expAll << fracBits);
                } else if (e == 0) {
                    bits = sign | (out.m >>> (63 - fracBits)); // denormal: exponent field 0
                } else {
                    bits = sign | ((long) (e - BIAS + bias) << fracBits) | frac;
                }
        }
        out.se = 0;
        out.m = bits;
        int trap = flags & ~cw & (F80.OE | F80.UE);
        return trap != 0 ? trap : flags; // unmasked OE/UE: nothing stored, only that flag
    }

    // ---- integers -----------------------------------------------------------

    /** FILD m16/m32/m64: out = v exactly (pass int16/int32 sign-extended). */
    public static void fromInt64(long v, Reg out) {
        if (v == 0) {
            out.se = 0;
            out.m = 0;
            return;
        }
        int sign = v < 0 ? 0x8000 : 0;
        long mag = v < 0 ? -v : v; // Long.MIN_VALUE stays 2^63 as unsigned
        int n = Long.numberOfLeadingZeros(mag);
        out.se = sign | (BIAS + 63 - n);
        out.m = mag << n;
    }

    /**
     * FIST/FISTP to an integer of `width` bits (16, 32 or 64): out.m = a
     * rounded by the RC of cw, sign-extended. NaN, infinity, unsupported
     * operands and results out of range store the integer indefinite
     * (the most negative value) and return IE only. Otherwise returns PE
     * and C1 (rounded up) as usual; never DE, as on the x87.
     */
    public static int toInt(int se, long m, int cw, int width, Reg out) {
        return convertInt(se, m, rc(cw), width, out);
    }

    /** FISTTP: like toInt but always truncating (ignores RC). */
    public static int toIntTruncate(int se, long m, int width, Reg out) {
        return convertInt(se, m, RC_ZERO, width, out);
    }

    public static int toInt(Reg a, int cw, int width, Reg out) {
        return toInt(a.se, a.m, cw, width, out);
    }

    public static int toIntTruncate(Reg a, int width, Reg out) {
        return toIntTruncate(a.se, a.m, width, out);
    }

    private static int convertInt(int se, long m, int rc, int width, Reg out) {
        long indefinite = Long.MIN_VALUE >> (64 - width);
        out.se = 0;
        int c = F80.classify(se, m);
        if (c == ZERO) {
            out.m = 0;
            return 0;
        }
        if (c != F80.NORMAL && c != DENORMAL) {
            out.m = indefinite;
            return IE;
        }
        int flags = 0; // no DE: integer stores do not report denormal operands
        int sign = signOf(se);
        int x = expOf(se, m) - BIAS;
        if (x >= 64) {
            out.m = indefinite;
            return flags | IE;
        }
        long mag;
        if (x == 63) {
            mag = sigOf(m);
        } else {
            flags |= F80Misc.integerPart(sign, x, sigOf(m), rc, out);
            mag = out.m;
        }
        long limit = 1L << (width - 1); // unsigned: 2^(width-1)
        int cmp = Long.compareUnsigned(mag, limit);
        if (cmp > 0 || (cmp == 0 && sign == 0)) {
            out.m = indefinite;
            return IE;
        }
        out.m = sign != 0 ? -mag : mag;
        return flags;
    }

    // ---- the 10-byte memory format ------------------------------------------

    /** FLD m80: reads 8 bytes of significand then 2 of sign/exponent, little-endian. */
    public static void load80(byte[] mem, int off, Reg out) {
        long m = 0;
        for (int i = 7; i >= 0; i--) {
            m = (m << 8) | (mem[off + i] & 0xFF);
        }
        out.m = m;
        out.se = (mem[off + 8] & 0xFF) | (mem[off + 9] & 0xFF) << 8;
    }

    /** FSTP m80: writes the register image unchanged, little-endian. */
    public static void store80(int se, long m, byte[] mem, int off) {
        for (int i = 0; i < 8; i++) {
            mem[off + i] = (byte) (m >>> (8 * i));
        }
        mem[off + 8] = (byte) se;
        mem[off + 9] = (byte) (se >>> 8);
    }
}
