package platform.cpu.internal.x87;

import static platform.cpu.internal.x87.F80.BIAS;
import static platform.cpu.internal.x87.F80.C2;
import static platform.cpu.internal.x87.F80.DE;
import static platform.cpu.internal.x87.F80.DENORMAL;
import static platform.cpu.internal.x87.F80.INF;
import static platform.cpu.internal.x87.F80.INT_BIT;
import static platform.cpu.internal.x87.F80.PE;
import static platform.cpu.internal.x87.F80.QNAN;
import static platform.cpu.internal.x87.F80.ZE;
import static platform.cpu.internal.x87.F80.ZERO;
import static platform.cpu.internal.x87.F80.expOf;
import static platform.cpu.internal.x87.F80.sigOf;
import static platform.cpu.internal.x87.F80.signOf;

import java.math.BigDecimal;
import java.math.MathContext;

import platform.cpu.internal.x87.F80.Reg;

/*
 * The x87 transcendental instructions: FSIN, FCOS, FSINCOS, FPTAN, FPATAN,
 * F2XM1, FYL2X, FYL2XP1. Not bit-exact (real x87s differ among themselves
 * here), but accurate: results are computed in double-double arithmetic (a
 * pair of doubles, about 106 significant bits) and rounded once to 64 bits
 * by RC, so they are within 1 ulp of the true value and almost always the
 * correctly rounded one. Against the host x87 (an AMD EPYC) 97% to 99.7%
 * of the results are bit-identical, depending on the instruction, and none
 * is off by more than 1 ulp (F80TranscendentalTest checks this).
 *
 * Argument reduction for FSIN/FCOS/FSINCOS/FPTAN is done as the x87 does
 * it: exactly, modulo pi/2 approximated by the 66-bit pi of the x87, so
 * large arguments give the same (mathematically "wrong") results as the
 * hardware, e.g. sin(pi rounded to 64 bits) = -2^-64 exactly. Operands
 * with |x| >= 2^63 are out of range: C2 is set and nothing is written.
 *
 * Outside their documented domains the instructions behave as the x87
 * checked against does: F2XM1 returns x unchanged for |x| > 1; FYL2XP1
 * returns x unchanged for -inf < x <= -1 when y is finite and nonzero (and
 * -0 / -inf times the sign of y when y is zero / infinite), and computes the
 * true value for any x > -1.
 *
 * Flags: IE, DE, ZE as the x87 (see each method). PE is reported for every
 * computed (non-special) result and UE for every denormal one, as the x87
 * does even when the result happens to be exact; OE and C1 follow the final
 * rounding (C1 can differ from the hardware's, whose internal value may lie
 * on the other side of the result). Precision control does not apply.
 *
 * Each instance holds scratch registers for the double-double arithmetic,
 * so it is not thread-safe: the x87 unit owns one. Nothing allocates after
 * construction.
 */
public final class F80Transcendental {
    // Double-double constants, computed once from decimal expansions.
    private static final double PI_H, PI_L, PIO2_H, PIO2_L, LN2_H, LN2_L, INVLN2_H, INVLN2_L;
    /** (-1)^j / (2j+1)! for sin, (-1)^j / (2j)! for cos, j = 0..15. */
    private static final double[] SIN_H = new double[16], SIN_L = new double[16];
    private static final double[] COS_H = new double[16], COS_L = new double[16];
    /** 1 / n! for n = 1..30 (index n - 1), for expm1. */
    private static final double[] EXP_H = new double[30], EXP_L = new double[30];
    /** 1 / (2j+1) for j = 0..22, for atanh. */
    private static final double[] ATANH_H = new double[23], ATANH_L = new double[23];

    /** The x87's 66-bit pi over 2, as the integer P with pi66 / 2 = P * 2^-65. */
    private static final long P_HI = 0x3L, P_LO = 0x243F6A8885A308D3L;

    static {
        MathContext mc = new MathContext(60);
        BigDecimal pi = new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494459");
        BigDecimal ln2 = new BigDecimal("0.693147180559945309417232121458176568075500134360255254120680009");
        double[] d = new double[2];
        split(pi, d);
        PI_H = d[0];
        PI_L = d[1];
        split(pi.divide(BigDecimal.valueOf(2), mc), d);
        PIO2_H = d[0];
        PIO2_L = d[1];
        split(ln2, d);
        LN2_H = d[0];
        LN2_L = d[1];
        split(BigDecimal.ONE.divide(ln2, mc), d);
        INVLN2_H = d[0];
        INVLN2_L = d[1];
        BigDecimal f = BigDecimal.ONE; // n!
        for (int n = 1; n <= 31; n++) {
            f = f.multiply(BigDecimal.valueOf(n));
            BigDecimal inv = BigDecimal.ONE.divide(f, mc);
            if (n <= 30) {
                split(inv, d);
                EXP_H[n - 1] = d[0];
                EXP_L[n - 1] = d[1];
            }
            BigDecimal signed = ((n / 2) % 2 == 0) ? inv : inv.negate();
            split(signed, d);
            if (n % 2 == 1 && n / 2 < 16) {
                SIN_H[n / 2] = d[0];
                SIN_L[n / 2] = d[1];
            } else if (n % 2 == 0 && n / 2 < 16) {
                COS_H[n / 2] = d[0];
                COS_L[n / 2] = d[1];
            }
        }
        COS_H[0] = 1;
        COS_L[0] = 0;
        for (int j = 0; j < 23; j++) {
            split(BigDecimal.ONE.divide(BigDecimal.valueOf(2 * j + 1), mc), d);
            ATANH_H[j] = d[0];
            ATANH_L[j] = d[1];
        }
    }

    private static void split(BigDecimal v, double[] d) {
        d[0] = v.doubleValue();
        d[1] = v.subtract(new BigDecimal(d[0])).doubleValue();
    }

    // Result register of the double-double operations below.
    private double h;
    private double l;
    // Second result of sinCosCore (cos), and the quadrant of reduce().
    private double ch;
    private double cl;

    public F80Transcendental() {
    }

    // ---- FSIN, FCOS, FSINCOS, FPTAN -----------------------------------------

    /** FSIN: out = sin(a). Returns C2 (out untouched) when |a| >= 2^63. */
    public int sin(int aSe, long aM, int cw, Reg out) {
        return trig(aSe, aM, cw, out, null, 0);
    }

    /** FCOS: out = cos(a). Returns C2 (out untouched) when |a| >= 2^63. */
    public int cos(int aSe, long aM, int cw, Reg out) {
        return trig(aSe, aM, cw, null, out, 0);
    }

    /**
     * FSINCOS: sin = sin(a) (replaces ST(0)), cos = cos(a) (then pushed).
     * Returns C2 (nothing written) when |a| >= 2^63.
     */
    public int sinCos(int aSe, long aM, int cw, Reg sin, Reg cos) {
        return trig(aSe, aM, cw, sin, cos, 0);
    }

    /**
     * FPTAN: tan = tan(a) (replaces ST(0)) and one = 1.0 (then pushed); for
     * a NaN or invalid operand both get the NaN, as on the x87. Returns C2
     * (nothing written, nothing to push) when |a| >= 2^63.
     */
    public int tan(int aSe, long aM, int cw, Reg tan, Reg one) {
        int f = trig(aSe, aM, cw, tan, one, 1);
        if ((f & (C2 | F80.IE)) == 0 && F80.classify(tan.se, tan.m) != QNAN) {
            one.set(BIAS, INT_BIT);
        }
        return f;
    }

    /** sin into s and/or cos into c, or (tan = 1) tan into s. */
    private int trig(int aSe, long aM, int cw, Reg s, Reg c, int tan) {
        int ca = F80.classify(aSe, aM);
        if (ca >= QNAN) {
            int f = F80.propagateNaN(cw, aSe, aM, ca, s != null ? s : c);
            if (s != null && c != null && (f & ~cw & F80.IE) == 0) {
                c.set(s);
            }
            return f;
        }
        if (ca == INF) {
            int f = F80.invalid(cw, s != null ? s : c);
            if (s != null && c != null && (cw & F80.IE) != 0) {
                c.set(s);
            }
            return f;
        }
        int flags = ca == DENORMAL ? DE : 0;
        if (F80.denormalTrap(flags, cw)) {
            return DE;
        }
        int sign = signOf(aSe);
        if (ca == ZERO) {
            if (s != null) {
                s.set(aSe, 0);
            }
            if (c != null && tan == 0) {
                c.set(BIAS, INT_BIT);
            }
            return flags;
        }
        int x = expOf(aSe, aM) - BIAS;
        long m = sigOf(aM);
        if (x >= 63) {
            return flags | C2;
        }
        if (x < -900) { // sin x = x - x^3/6, tan x = x + x^3/3, cos x = 1 - x^2/2
            if (s != null) {
                sigToDD(m);
                flags |= pack(sign == 0 ? h : -h, sign == 0 ? l : -l, x, tan == 1 ? 1 : -1, cw, s);
            }
            if (c != null && tan == 0) {
                flags |= pack(1, 0, 0, -1, cw, c);
            }
            return flags | PE;
        }
        int q = 0;
        if (x >= -2) {
            q = reduce(m, x); // h:l = r, |r| <= pi/4
        } else {
            sigToDD(m);
            h = Math.scalb(h, x);
            l = Math.scalb(l, x);
        }
        double rh = h;
        double rl = l;
        sinCosCore(rh, rl); // h:l = sin r, ch:cl = cos r
        double sh = h;
        double sl = l;
        double kh = ch;
        double kl = cl;
        int neg = sign; // sin and tan are odd
        if (tan == 1) {
            if ((q & 1) == 0) {
                div(sh, sl, kh, kl);
            } else {
                div(kh, kl, sh, sl);
                neg ^= 1;
            }
            return flags | PE | pack(neg == 0 ? h : -h, neg == 0 ? l : -l, 0, 0, cw, s);
        }
        if (s != null) { // sin(r + q pi/2)
            double vh = (q & 1) == 0 ? sh : kh;
            double vl = (q & 1) == 0 ? sl : kl;
            int n = neg ^ ((q >>> 1) & 1);
            flags |= pack(n == 0 ? vh : -vh, n == 0 ? vl : -vl, 0, 0, cw, s);
        }
        if (c != null) { // cos(r + q pi/2)
            double vh = (q & 1) == 0 ? kh : sh;
            double vl = (q & 1) == 0 ? kl : sl;
            int n = (((q + 1) >>> 1) & 1);
            flags |= pack(n == 0 ? vh : -vh, n == 0 ? vl : -vl, 0, 0, cw, c);
        }
        return flags | PE;
    }

    /**
     * Reduces |x| = m * 2^(x - 63), -2 <= x <= 62, modulo the x87's pi/2:
     * r = |x| - q * P * 2^-65 exactly, q rounded to nearest. Leaves r in
     * h:l and returns q mod 4.
     */
    private int reduce(long m, int x) {
        int sh = x + 2; // N = m * 2^sh, |x| = N * 2^-65
        long nHi = sh == 0 ? 0 : m >>> (64 - sh);
        long nLo = sh == 64 ? 0 : m << sh;
        if (sh == 64) {
            nHi = m;
        }
        long remHi = 0;
        long remLo = 0;
        long q = 0;
        for (int i = 63 + sh; i >= 0; i--) { // restoring division, one bit at a time
            long bit = i >= 64 ? (nHi >>> (i - 64)) & 1 : (nLo >>> i) & 1;
            remHi = (remHi << 1) | (remLo >>> 63);
            remLo = (remLo << 1) | bit;
            q <<= 1;
            if (remHi > P_HI || (remHi == P_HI && Long.compareUnsigned(remLo, P_LO) >= 0)) {
                long borrow = Long.compareUnsigned(remLo, P_LO) < 0 ? 1 : 0;
                remLo -= P_LO;
                remHi -= P_HI + borrow;
                q |= 1;
            }
        }
        // Round the quotient to nearest: if rem > P - rem, use rem - P.
        long dLo = P_LO - remLo;
        long dHi = P_HI - remHi - (Long.compareUnsigned(P_LO, remLo) < 0 ? 1 : 0);
        boolean up = remHi > dHi || (remHi == dHi && Long.compareUnsigned(remLo, dLo) > 0);
        if (up) {
            remHi = dHi;
            remLo = dLo;
            q++;
        }
        // rem has at most 66 bits: two exact doubles, then scaled by 2^-65.
        double a = (remHi * 0x1p64 + (remLo >>> 32) * 0x1p32) * 0x1p-65;
        double b = (remLo & 0xFFFFFFFFL) * 0x1p-65;
        quickTwoSum(a, b);
        if (up) {
            h = -h;
            l = -l;
        }
        return (int) (q & 3);
    }

    /** sin(r) into h:l and cos(r) into ch:cl, for |r| <= ~0.8, by Taylor series. */
    private void sinCosCore(double rh, double rl) {
        mul(rh, rl, rh, rl);
        double zh = h;
        double zl = l; // r^2
        double ah = SIN_H[15];
        double al = SIN_L[15];
        for (int j = 14; j >= 0; j--) {
            mul(ah, al, zh, zl);
            add(h, l, SIN_H[j], SIN_L[j]);
            ah = h;
            al = l;
        }
        double bh = COS_H[15];
        double bl = COS_L[15];
        for (int j = 14; j >= 0; j--) {
            mul(bh, bl, zh, zl);
            add(h, l, COS_H[j], COS_L[j]);
            bh = h;
            bl = l;
        }
        ch = bh;
        cl = bl;
        mul(ah, al, rh, rl);
    }

    // ---- FPATAN -------------------------------------------------------------

    /**
     * FPATAN: out = arctan(y / x) with the quadrant of (x, y), where
     * x = ST(0) and y = ST(1); the result replaces ST(1) and the caller
     * pops. Signed zeros and infinities follow the x87 table (the same as
     * C's atan2); IE only for NaN/unsupported operands.
     */
    public int atan2(int ySe, long yM, int xSe, long xM, int cw, Reg out) {
        int cy = F80.classify(ySe, yM);
        int cx = F80.classify(xSe, xM);
        if (cx >= QNAN || cy >= QNAN) {
            return F80.propagateNaN(cw, xSe, xM, cx, ySe, yM, cy, out);
        }
        int flags = (cx == DENORMAL || cy == DENORMAL) ? DE : 0;
        if (F80.denormalTrap(flags, cw)) {
            return DE;
        }
        int sy = signOf(ySe);
        int sx = signOf(xSe);
        // Angle as a multiple of pi/4 for the exact special cases.
        int eighths = -1;
        if (cy == ZERO) {
            if (sx == 0) { // +x (or +0): +-0
                out.set(ySe & 0x8000, 0);
                return flags;
            }
            eighths = 4; // -x: +-pi
        } else if (cx == ZERO) {
            eighths = 2; // +-pi/2
        } else if (cy == INF) {
            eighths = cx != INF ? 2 : sx == 0 ? 1 : 3;
        } else if (cx == INF) {
            if (sx == 0) {
                out.set(ySe & 0x8000, 0);
                return flags;
            }
            eighths = 4;
        }
        if (eighths >= 0) { // k * pi/4
            mul(PI_H, PI_L, eighths * 0.25, 0);
            return flags | PE | pack(sy == 0 ? h : -h, sy == 0 ? l : -l, 0, 0, cw, out);
        }
        int ex = expOf(xSe, xM);
        int ey = expOf(ySe, yM);
        long mx = sigOf(xM);
        long my = sigOf(yM);
        boolean swap = ey > ex || (ey == ex && Long.compareUnsigned(my, mx) > 0); // |y| > |x|
        int d = swap ? ex - ey : ey - ex; // z = small / large = (ms / ml) * 2^d, d <= 0
        sigToDD(swap ? mx : my);
        double nh = h;
        double nl = l;
        sigToDD(swap ? my : mx);
        div(nh, nl, h, l);
        double zh = h;
        double zl = l;
        if (d < -900) { // atan z = z - z^3/3: z itself, or pi/2 -+ z, pi - z
            if (!swap && sx == 0) {
                return flags | PE | pack(sy == 0 ? zh : -zh, sy == 0 ? zl : -zl, d, -1, cw, out);
            }
            int tail = swap && sx != 0 ? 1 : -1;
            double ph = swap ? PIO2_H : PI_H;
            double pl = swap ? PIO2_L : PI_L;
            return flags | PE | pack(sy == 0 ? ph : -ph, sy == 0 ? pl : -pl, 0, tail, cw, out);
        }
        zh = Math.scalb(zh, d);
        zl = Math.scalb(zl, d);
        // atan z = t + atan(u), t = atan(z) in double, u = (z cos t - sin t) / (cos t + z sin t), |u| < 2^-52
        double t = Math.atan(zh);
        sinCosCore(t, 0);
        double sh = h;
        double sl = l;
        double kh = ch;
        double kl = cl;
        mul(zh, zl, kh, kl);
        add(h, l, -sh, -sl);
        double uh = h;
        double ul = l;
        mul(zh, zl, sh, sl);
        add(h, l, kh, kl);
        div(uh, ul, h, l);
        add(t, 0, h, l);
        if (swap) { // pi/2 - atan z
            add(PIO2_H, PIO2_L, -h, -l);
        }
        if (sx != 0) { // pi - angle
            add(PI_H, PI_L, -h, -l);
        }
        return flags | PE | pack(sy == 0 ? h : -h, sy == 0 ? l : -l, 0, 0, cw, out);
    }

    // ---- F2XM1 --------------------------------------------------------------

    /**
     * F2XM1: out = 2^a - 1 for -1 <= a <= 1; a itself (with PE) for |a| > 1,
     * as the x87; -inf gives -1, +inf gives +inf, zeros are exact.
     */
    public int exp2m1(int aSe, long aM, int cw, Reg out) {
        int ca = F80.classify(aSe, aM);
        if (ca >= QNAN) {
            return F80.propagateNaN(cw, aSe, aM, ca, out);
        }
        int flags = ca == DENORMAL ? DE : 0;
        if (F80.denormalTrap(flags, cw)) {
            return DE;
        }
        int sign = signOf(aSe);
        if (ca == ZERO) {
            out.set(aSe, 0);
            return 0;
        }
        if (ca == INF) {
            out.set(sign == 0 ? aSe : (0x8000 | BIAS), INT_BIT);
            return 0;
        }
        int x = expOf(aSe, aM) - BIAS;
        long m = sigOf(aM);
        if (x > 0 || (x == 0 && m != INT_BIT)) { // |a| > 1: undefined, the x87 returns a
            flags |= F80.roundPack(sign, x + BIAS, m, 0, cw, 64, out);
            return flags | PE;
        }
        sigToDD(m);
        mul(h, l, LN2_H, LN2_L); // t = a ln2 (scaled by 2^-x)
        if (x < -900) { // 2^a - 1 = t (1 + t/2 + ...)
            return flags | PE | pack(sign == 0 ? h : -h, sign == 0 ? l : -l, x, sign == 0 ? 1 : -1, cw, out);
        }
        double th = Math.scalb(sign == 0 ? h : -h, x);
        double tl = Math.scalb(sign == 0 ? l : -l, x);
        double ah = EXP_H[29];
        double al = EXP_L[29];
        for (int n = 28; n >= 0; n--) { // sum t^n / n!, n = 1..30, by Horner
            mul(ah, al, th, tl);
            add(h, l, EXP_H[n], EXP_L[n]);
            ah = h;
            al = l;
        }
        mul(ah, al, th, tl);
        return flags | PE | pack(h, l, 0, 0, cw, out);
    }

    // ---- FYL2X, FYL2XP1 -----------------------------------------------------

    /**
     * FYL2X: out = y * log2(x), with x = ST(0) and y = ST(1); the result
     * replaces ST(1) and the caller pops. x < 0, 0 * inf-like cases are
     * invalid (IE); x = 0 with finite nonzero y divides by zero (ZE).
     */
    public int ylog2x(int xSe, long xM, int ySe, long yM, int cw, Reg out) {
        return ylog2(xSe, xM, ySe, yM, cw, out, false);
    }

    /**
     * FYL2XP1: out = y * log2(x + 1), with x = ST(0) and y = ST(1), accurate
     * near x = 0. For x <= -1 (outside the documented domain) returns x, as
     * the x87 does.
     */
    public int ylog2xp1(int xSe, long xM, int ySe, long yM, int cw, Reg out) {
        return ylog2(xSe, xM, ySe, yM, cw, out, true);
    }

    private int ylog2(int xSe, long xM, int ySe, long yM, int cw, Reg out, boolean p1) {
        int cx = F80.classify(xSe, xM);
        int cy = F80.classify(ySe, yM);
        if (cx >= QNAN || cy >= QNAN) {
            return F80.propagateNaN(cw, xSe, xM, cx, ySe, yM, cy, out);
        }
        int sx = signOf(xSe);
        int sy = signOf(ySe);
        int x = cx == ZERO || cx == INF ? 0 : expOf(xSe, xM) - BIAS;
        long mx = cx == ZERO || cx == INF ? 0 : sigOf(xM);
        boolean belowMinusOne = p1 && sx != 0 && cx != INF && cx != ZERO && x >= 0; // -inf < x <= -1
        if (sx != 0 && (cx == INF || (!p1 && cx != ZERO))) {
            return F80.invalid(cw, out); // log of a negative number
        }
        // The sign of log2 (x [+1]) and whether it is 0 or infinite.
        int logSign;
        boolean logZero;
        boolean logInf;
        if (p1) {
            logSign = sx;
            logZero = cx == ZERO;
            logInf = cx == INF;
        } else {
            logSign = (cx == ZERO || x < 0) ? 1 : 0;
            logZero = cx != ZERO && cx != INF && x == 0 && mx == INT_BIT;
            logInf = cx == ZERO || cx == INF;
        }
        int flags = (cx == DENORMAL || cy == DENORMAL) ? DE : 0;
        if (!belowMinusOne) {
            if ((logZero && cy == INF) || (logInf && cy == ZERO)) {
                return F80.invalid(cw, out); // 0 * inf
            }
            if (!p1 && cx == ZERO && cy != INF) {
                if ((cw & ZE) != 0) {
                    F80.setInf(out, sy ^ 1);
                }
                return ZE; // log2(0) = -inf, checked before the operands
            }
        }
        if (F80.denormalTrap(flags, cw)) {
            return DE;
        }
        if (belowMinusOne) { // undefined: the x87 returns x, or y * (a negative) for y = 0 or inf
            if (cy == ZERO || cy == INF) {
                out.set((sy ^ 1) << 15 | (cy == INF ? F80.EXP_MAX : 0), cy == INF ? INT_BIT : 0);
                return flags;
            }
            return flags | PE | F80.roundPack(sx, x + BIAS, mx, 0, cw, 64, out);
        }
        int rs = sy ^ logSign;
        if (logZero || cy == ZERO) {
            out.set(rs << 15, 0);
            return flags;
        }
        if (logInf || cy == INF) {
            F80.setInf(out, rs);
            return flags;
        }
        int y = expOf(ySe, yM) - BIAS;
        long my = sigOf(yM);
        int offset = y; // result = (log2 value) * my * 2^offset
        if (p1 && x < -900) { // log2(1 + x) = x / ln2 * (1 - x/2 + ...)
            sigToDD(mx);
            mul(h, l, INVLN2_H, INVLN2_L);
            offset += x;
            double lh = h;
            double ll = l;
            sigToDD(my);
            mul(lh, ll, h, l);
            return flags | PE | pack(rs == 0 ? h : -h, rs == 0 ? l : -l, offset, sx == 0 ? -1 : 1, cw, out);
        }
        if (p1 && x <= -3) { // s = x / (2 + x), log(1 + x) = 2 atanh s, |s| < 0.15
            sigToDD(mx);
            double ah = Math.scalb(sx == 0 ? h : -h, x);
            double al = Math.scalb(sx == 0 ? l : -l, x);
            add(2, 0, ah, al);
            div(ah, al, h, l);
            atanh2(h, l);
            mul(h, l, INVLN2_H, INVLN2_L);
            return flags | PE | scaleByY(my, offset, rs, cw, out);
        }
        if (p1 && x < 64) { // 1 + x is exact in double-double
            sigToDD(mx);
            double ah = Math.scalb(sx == 0 ? h : -h, x);
            double al = Math.scalb(sx == 0 ? l : -l, x);
            add(1, 0, ah, al);
            log2Of(h, l);
            return flags | PE | scaleByY(my, offset, rs, cw, out);
        }
        // log2 x (also log2(1 + x) for x >= 2^64, where the 1 is below the precision)
        sigToDD(mx); // in [1, 2)
        double ah = h;
        double al = l;
        if (Long.compareUnsigned(mx, 0xB504F333F9DE6484L) > 0) { // m > sqrt 2: use m/2
            ah *= 0.5;
            al *= 0.5;
            x++;
        }
        add(ah, al, -1, 0);
        double nh = h;
        double nl = l;
        add(ah, al, 1, 0);
        div(nh, nl, h, l);
        atanh2(h, l);
        mul(h, l, INVLN2_H, INVLN2_L);
        add(h, l, x, 0);
        return flags | PE | scaleByY(my, offset, rs, cw, out);
    }

    /** log2 of the double-double v (v > 0, in double range) into h:l. */
    private void log2Of(double vh, double vl) {
        int k = Math.getExponent(vh);
        double mh = Math.scalb(vh, -k);
        double ml = Math.scalb(vl, -k);
        if (mh + ml > 1.4142135623730951) {
            mh *= 0.5;
            ml *= 0.5;
            k++;
        }
        add(mh, ml, -1, 0);
        double nh = h;
        double nl = l;
        add(mh, ml, 1, 0);
        div(nh, nl, h, l);
        atanh2(h, l);
        mul(h, l, INVLN2_H, INVLN2_L);
        add(h, l, k, 0);
    }

    /** h:l = |h:l| * my * 2^offset, rounded and signed rs, into out. */
    private int scaleByY(long my, int offset, int rs, int cw, Reg out) {
        double vh = Math.abs(h);
        double vl = h < 0 ? -l : l;
        sigToDD(my);
        mul(vh, vl, h, l);
        return pack(rs == 0 ? h : -h, rs == 0 ? l : -l, offset, 0, cw, out);
    }

    /** 2 atanh(s) = log((1 + s) / (1 - s)) into h:l, for |s| <= 0.18. */
    private void atanh2(double sh, double sl) {
        mul(sh, sl, sh, sl);
        double zh = h;
        double zl = l;
        double ah = ATANH_H[22];
        double al = ATANH_L[22];
        for (int j = 21; j >= 0; j--) {
            mul(ah, al, zh, zl);
            add(h, l, ATANH_H[j], ATANH_L[j]);
            ah = h;
            al = l;
        }
        mul(ah, al, sh, sl);
        h *= 2;
        l *= 2;
    }

    // ---- double-double arithmetic (results in h:l) --------------------------

    /** h:l = the 64-bit significand m (bit 63 set) scaled to [1, 2), exactly. */
    private void sigToDD(long m) {
        quickTwoSum((m >>> 11) * 0x1p-52, (m & 0x7FF) * 0x1p-63);
    }

    private void quickTwoSum(double a, double b) {
        double s = a + b;
        l = b - (s - a);
        h = s;
    }

    private void add(double ah, double al, double bh, double bl) {
        double s = ah + bh;
        double v = s - ah;
        double e = (ah - (s - v)) + (bh - v);
        double t = al + bl;
        double w = t - al;
        double f = (al - (t - w)) + (bl - w);
        e += t;
        double s2 = s + e;
        e -= s2 - s;
        e += f;
        h = s2 + e;
        l = e - (h - s2);
    }

    private void mul(double ah, double al, double bh, double bl) {
        double p = ah * bh;
        double e = Math.fma(ah, bh, -p) + (ah * bl + al * bh);
        h = p + e;
        l = e - (h - p);
    }

    private void div(double ah, double al, double bh, double bl) {
        double q1 = ah / bh;
        mul(q1, 0, bh, bl);
        add(ah, al, -h, -l);
        double rh = h;
        double rl = l;
        double q2 = rh / bh;
        mul(q2, 0, bh, bl);
        add(rh, rl, -h, -l);
        double q3 = h / bh;
        quickTwoSum(q1, q2);
        add(h, l, q3, 0);
    }

    // ---- double-double to extended ------------------------------------------

    /**
     * Rounds the exact value (vh + vl) * 2^offset to 64 bits by RC into out
     * (F80.roundPack, so OE/UE/C1 as usual; PE always, and UE for any
     * denormal result, as the x87 reports). tail = +1 or -1 says the
     * true value is a hair larger or smaller in magnitude than vh + vl
     * (beyond its precision); 0 if unknown or exact.
     */
    private static int pack(double vh, double vl, int offset, int tail, int cw, Reg out) {
        if (vh == 0) {
            vh = vl;
            vl = 0;
        }
        if (vh == 0) {
            out.set(Double.doubleToRawLongBits(vh) < 0 ? 0x8000 : 0, 0);
            return 0;
        }
        int sign = vh < 0 ? 1 : 0;
        long hb = Double.doubleToRawLongBits(vh);
        int eh = (int) ((hb >>> 52) & 0x7FF) - 1023; // vh is normal
        long hi = (hb & 0xFFFFFFFFFFFFFL | 0x10000000000000L) << 11; // |vh| = hi:lo * 2^(eh - 127)
        long lo = 0;
        if (vl != 0) {
            long lb = Double.doubleToRawLongBits(vl);
            int le = (int) ((lb >>> 52) & 0x7FF);
            long ml = le == 0 ? lb & 0xFFFFFFFFFFFFFL : (lb & 0xFFFFFFFFFFFFFL) | 0x10000000000000L;
            int q = le == 0 ? -1074 : le - 1075; // |vl| = ml * 2^q
            int shift = q - eh + 127; // position of ml's bit 0 in hi:lo
            long bHi;
            long bLo;
            boolean sticky = false;
            if (shift >= 64) {
                bHi = ml << (shift - 64);
                bLo = 0;
            } else if (shift > 0) {
                bHi = ml >>> (64 - shift);
                bLo = ml << shift;
            } else if (shift == 0) {
                bHi = 0;
                bLo = ml;
            } else {
                int n = -shift;
                bHi = 0;
                bLo = n >= 64 ? 0 : ml >>> n;
                sticky = n >= 64 || (ml << (64 - n)) != 0;
            }
            if ((vl < 0) == (vh < 0)) {
                long s = lo + bLo;
                hi += bHi + (Long.compareUnsigned(s, lo) < 0 ? 1 : 0);
                lo = s | (sticky ? 1 : 0);
            } else {
                long borrow = Long.compareUnsigned(lo, bLo) < 0 ? 1 : 0;
                lo -= bLo;
                hi -= bHi + borrow;
                if (sticky) {
                    tail = -1;
                }
            }
        }
        if (tail < 0) { // a hair less: step down one unit, mark inexact
            if (lo == 0) {
                hi--;
            }
            lo = (lo - 1) | 1;
        } else if (tail > 0) {
            lo |= 1;
        }
        int e = eh + BIAS + offset;
        int n = Long.numberOfLeadingZeros(hi);
        if (n > 0) {
            hi = (hi << n) | (lo >>> (64 - n));
            lo <<= n;
            e -= n;
        }
        int f = F80.roundPack(sign, e, hi, lo, cw, 64, out);
        // The x87 reports these results as inexact even when they are not,
        // so a denormal result also underflows.
        if ((out.se & F80.EXP_MAX) == 0 && out.m != 0 && (cw & F80.UE) != 0) {
            f |= F80.UE;
        }
        return f | PE;
    }
}
