package platform.cpu.internal.x87;

import static platform.cpu.internal.x87.F80.BIAS;
import static platform.cpu.internal.x87.F80.C0;
import static platform.cpu.internal.x87.F80.C1;
import static platform.cpu.internal.x87.F80.C2;
import static platform.cpu.internal.x87.F80.C3;
import static platform.cpu.internal.x87.F80.DE;
import static platform.cpu.internal.x87.F80.DENORMAL;
import static platform.cpu.internal.x87.F80.INF;
import static platform.cpu.internal.x87.F80.PE;
import static platform.cpu.internal.x87.F80.QNAN;
import static platform.cpu.internal.x87.F80.ZE;
import static platform.cpu.internal.x87.F80.ZERO;
import static platform.cpu.internal.x87.F80.expOf;
import static platform.cpu.internal.x87.F80.rc;
import static platform.cpu.internal.x87.F80.setInf;
import static platform.cpu.internal.x87.F80.setZero;
import static platform.cpu.internal.x87.F80.sigOf;
import static platform.cpu.internal.x87.F80.signOf;

import platform.cpu.internal.x87.F80.Reg;

/*
 * The x87 operations besides the four basic ones: FPREM, FPREM1, FRNDINT,
 * FSCALE, FXTRACT. Representation, flags and rounding are described in
 * F80. None of these is affected by precision control (FSCALE rounds, when
 * it must, to 64 bits).
 */
public final class F80Misc {
    private F80Misc() {
    }

    /** Full 64-bit precision for roundPack. */
    private static final int P64 = 64;

    // ---- FPREM, FPREM1 ------------------------------------------------------

    /**
     * FPREM (ieee = false) and FPREM1 (ieee = true): out = the partial
     * remainder of a = ST(0) by b = ST(1). The result is always exact.
     *
     * With D = exponent(a) - exponent(b) (of the normalized values): if
     * D < 64 the remainder is complete, a - q * b with q = a / b truncated
     * (FPREM) or rounded to nearest-even (FPREM1); C2 = 0 and the low three
     * bits of q are reported as C0 = q2, C3 = q1, C1 = q0. If D >= 64 the
     * operation is partial, as on the x87: b is scaled by 2^(D - N) with
     * N = 32 + D mod 32, the truncated remainder by that is returned, C2 = 1
     * and C0, C1, C3 are 0; the program loops until C2 is clear.
     *
     * Returns the status bits: C0..C3 as above, IE (a = inf, b = 0, NaNs,
     * unsupported), DE; never PE, the result being exact (UE only when
     * unmasked and the remainder is denormal).
     */
    public static int prem(int aSe, long aM, int bSe, long bM, boolean ieee, int cw, Reg out) {
        int ca = F80.classify(aSe, aM);
        int cb = F80.classify(bSe, bM);
        if (ca >= QNAN || cb >= QNAN) {
            return F80.propagateNaN(cw, aSe, aM, ca, bSe, bM, cb, out);
        }
        if (ca == INF || cb == ZERO) {
            return F80.invalid(cw, out); // checked before the operands: no DE
        }
        int flags = (ca == DENORMAL || cb == DENORMAL) ? DE : 0;
        if (F80.denormalTrap(flags, cw)) {
            return DE;
        }
        int sa = signOf(aSe);
        if (ca == ZERO) {
            setZero(out, sa);
            return flags;
        }
        int ea = expOf(aSe, aM);
        long ma = sigOf(aM);
        if (cb == INF) {
            return flags | F80.roundPack(sa, ea, ma, 0, cw, P64, out);
        }
        int eb = expOf(bSe, bM);
        long mb = sigOf(bM);
        int d = ea - eb;
        if (d < 0) {
            if (ieee && d == -1 && Long.compareUnsigned(ma, mb) > 0) {
                // |a| / |b| is in (1/2, 1): q = 1, remainder a - b, which in
                // units of a's last place is -(2 * mb - ma), below mb.
                long r = mb - (ma - mb);
                return flags | C1 | pack(sa ^ 1, ea, r, cw, out);
            }
            return flags | F80.roundPack(sa, ea, ma, 0, cw, P64, out);
        }
        boolean partial = d >= 64;
        int k = partial ? 32 + d % 32 : d; // exponent difference reduced now
        // q = floor(ma * 2^k / mb), r = ma * 2^k - q * mb (q < 2^64 since k < 64)
        long nHi = k == 0 ? 0 : ma >>> (64 - k);
        long nLo = ma << k;
        long q = F80.div128(nHi, nLo, mb);
        long r = nLo - q * mb;
        int rs = sa;
        if (ieee && !partial) {
            long rest = mb - r; // distance to the next multiple
            int c = Long.compareUnsigned(r, rest);
            if (c > 0 || (c == 0 && (q & 1) != 0)) {
                q++;
                r = rest;
                rs ^= 1;
            }
        }
        int e = ea - k; // exponent of r's unit scale: r * 2^(e - BIAS - 63)
        if (partial) {
            return flags | C2 | pack(rs, e, r, cw, out);
        }
        int cc = ((q & 1) != 0 ? C1 : 0) | ((q & 2) != 0 ? C3 : 0) | ((q & 4) != 0 ? C0 : 0);
        if (r == 0) {
            setZero(out, sa);
            return flags | cc;
        }
        return flags | cc | pack(rs, e, r, cw, out);
    }

    public static int prem(Reg a, Reg b, boolean ieee, int cw, Reg out) {
        return prem(a.se, a.m, b.se, b.m, ieee, cw, out);
    }

    /** Packs the exact value r * 2^(e - BIAS - 63) (r unnormalized, may be 0). */
    private static int pack(int sign, int e, long r, int cw, Reg out) {
        if (r == 0) {
            setZero(out, sign);
            return 0;
        }
        int n = Long.numberOfLeadingZeros(r);
        return F80.roundPack(sign, e - n, r << n, 0, cw, P64, out);
    }

    // ---- FRNDINT ------------------------------------------------------------

    /**
     * FRNDINT: out = a rounded to an integer by the RC of cw (precision
     * control does not apply). Returns PE and C1 when inexact / rounded up,
     * DE for a denormal operand, IE for an SNaN or unsupported operand.
     */
    public static int roundToInt(int aSe, long aM, int cw, Reg out) {
        int ca = F80.classify(aSe, aM);
        if (ca >= QNAN) {
            return F80.propagateNaN(cw, aSe, aM, ca, out);
        }
        int flags = ca == DENORMAL ? DE : 0;
        if (F80.denormalTrap(flags, cw)) {
            return DE;
        }
        if (ca == ZERO || ca == INF) {
            out.se = aSe;
            out.m = aM;
            return flags;
        }
        int sign = signOf(aSe);
        int e = expOf(aSe, aM);
        long m = sigOf(aM);
        if (e - BIAS >= 63) { // no fraction bits
            out.se = aSe;
            out.m = aM;
            return flags;
        }
        flags |= integerPart(sign, e - BIAS, m, rc(cw), out);
        long mag = out.m;
        if (mag == 0) {
            setZero(out, sign);
        } else {
            int n = Long.numberOfLeadingZeros(mag);
            out.se = (sign << 15) | (BIAS + 63 - n);
            out.m = mag << n;
        }
        return flags;
    }

    public static int roundToInt(Reg a, int cw, Reg out) {
        return roundToInt(a.se, a.m, cw, out);
    }

    /**
     * Rounds |x| = m * 2^(x - 63) (m normalized, x <= 63 unbiased) to an
     * integer by rc (sign matters for RC up/down). Sets out.m to the
     * magnitude (at most 2^63, unsigned) and returns PE (inexact) and C1
     * (incremented). Shared with the integer conversions.
     */
    static int integerPart(int sign, int x, long m, int rc, Reg out) {
        int f = 63 - x; // number of fraction bits, >= 0
        long ip;
        long frac; // fraction, left-aligned: bit 63 is the half bit
        if (f == 0) {
            ip = m;
            frac = 0;
        } else if (f < 64) {
            ip = m >>> f;
            frac = m << (64 - f);
        } else if (f == 64) {
            ip = 0;
            frac = m;
        } else {
            ip = 0;
            frac = 1; // below one half, nonzero
        }
        int rb = F80.roundBits(ip, frac, 0, rc, sign);
        if ((rb & 2) != 0) {
            ip++;
        }
        out.m = ip;
        return ((rb & 1) != 0 ? PE : 0) | ((rb & 2) != 0 ? C1 : 0);
    }

    // ---- FSCALE -------------------------------------------------------------

    /**
     * FSCALE: out = a * 2^trunc(b), with a = ST(0) and b = ST(1), rounded
     * to 64 bits by RC when the result is denormal (OE/UE as for any
     * arithmetic). Special cases: 0 * 2^+inf and inf * 2^-inf are invalid.
     */
    public static int scale(int aSe, long aM, int bSe, long bM, int cw, Reg out) {
        int ca = F80.classify(aSe, aM);
        int cb = F80.classify(bSe, bM);
        if (ca >= QNAN || cb >= QNAN) {
            return F80.propagateNaN(cw, aSe, aM, ca, bSe, bM, cb, out);
        }
        int flags = (ca == DENORMAL || cb == DENORMAL) ? DE : 0;
        if (F80.denormalTrap(flags, cw)) {
            return DE;
        }
        int sa = signOf(aSe);
        int sb = signOf(bSe);
        if (cb == INF) {
            if (sb == 0) {
                if (ca == ZERO) {
                    return flags | F80.invalid(cw, out);
                }
                setInf(out, sa);
            } else {
                if (ca == INF) {
                    return flags | F80.invalid(cw, out);
                }
                setZero(out, sa);
            }
            return flags;
        }
        if (ca == ZERO || ca == INF) {
            out.se = aSe;
            out.m = aM;
            return flags;
        }
        int n = 0; // trunc(b), clamped well beyond the exponent range
        if (cb != ZERO) {
            int x = expOf(bSe, bM) - BIAS;
            if (x >= 20) {
                n = 1 << 20;
            } else if (x >= 0) {
                n = (int) (sigOf(bM) >>> (63 - x));
            }
            if (sb != 0) {
                n = -n;
            }
        }
        return flags | F80.roundPack(sa, expOf(aSe, aM) + n, sigOf(aM), 0, cw, P64, out);
    }

    public static int scale(Reg a, Reg b, int cw, Reg out) {
        return scale(a.se, a.m, b.se, b.m, cw, out);
    }

    // ---- FXTRACT ------------------------------------------------------------

    /**
     * FXTRACT: splits a into its unbiased exponent (written to exp, which
     * becomes ST(1)) and its significand with exponent 0 and a's sign
     * (written to sig, the new ST(0)). A zero gives ZE, exponent -inf and
     * the zero; an infinity gives +inf and the infinity; a NaN is copied
     * (quieted) to both; a denormal is normalized first (DE).
     */
    public static int extract(int aSe, long aM, int cw, Reg exp, Reg sig) {
        int ca = F80.classify(aSe, aM);
        if (ca >= QNAN) {
            int flags = F80.propagateNaN(cw, aSe, aM, ca, sig);
            if ((flags & ~cw & F80.IE) == 0) {
                exp.set(sig);
            }
            return flags;
        }
        if (ca == ZERO) {
            if ((cw & ZE) == 0) {
                return ZE;
            }
            setInf(exp, 1);
            sig.se = aSe;
            sig.m = 0;
            return ZE;
        }
        int flags = ca == DENORMAL ? DE : 0;
        if (F80.denormalTrap(flags, cw)) {
            return DE;
        }
        if (ca == INF) {
            setInf(exp, 0);
            sig.se = aSe;
            sig.m = aM;
            return flags;
        }
        int x = expOf(aSe, aM) - BIAS;
        sig.se = (aSe & 0x8000) | BIAS;
        sig.m = sigOf(aM);
        F80Convert.fromInt64(x, exp);
        return flags;
    }

    public static int extract(Reg a, int cw, Reg exp, Reg sig) {
        return extract(a.se, a.m, cw, exp, sig);
    }
}
