package platform.cpu.internal.x87;

/*
 * F80: x87 double-extended ("80-bit") floating point in software, bit-exact
 * with a real x87 FPU for the basic operations.
 *
 * Representation. A value is two primitives:
 *
 *     se  bit 15 = sign, bits 14..0 = biased exponent (bias 16383)
 *     m   64-bit significand with an explicit integer bit (bit 63)
 *
 * so a normal number is (-1)^sign * m * 2^(exp - 16383 - 63). The classes
 * the x87 distinguishes (see classify):
 *
 *     exp 0,       m = 0             zero
 *     exp 0,       bit 63 = 0        denormal: m * 2^(1 - 16383 - 63)
 *     exp 0,       bit 63 = 1        pseudo-denormal: same value formula,
 *                                    accepted as an operand (raises DE)
 *     exp 1..7FFE, bit 63 = 1        normal
 *     exp 1..7FFE, bit 63 = 0        unnormal: unsupported, raises IE
 *     exp 7FFF,    m = 8000..0       infinity
 *     exp 7FFF,    bit 63,62 = 1,1   quiet NaN (QNaN)
 *     exp 7FFF,    bit 63,62 = 1,0   signalling NaN (SNaN), m != 8000..0
 *     exp 7FFF,    bit 63 = 0        pseudo-NaN / pseudo-infinity:
 *                                    unsupported, raises IE
 *
 * Results are written into a caller-owned holder (F80.Reg) and every
 * operation returns the x87 status-word bits it produced: exception flags
 * IE DE ZE OE UE PE, C1 ("rounded up") and, for comparisons and FPREM,
 * the condition codes C0 C2 C3. The caller ORs the exception flags into
 * its FSW (they are sticky) and replaces the condition codes. Nothing
 * allocates: the x87 unit keeps its stack as Reg holders (or as parallel
 * int/long arrays and one scratch Reg).
 *
 * Rounding (roundPack, the heart of all arithmetic). Each operation first
 * computes its exact result as sign, a biased exponent e (an int that may lie
 * outside 1..7FFE) and a 128-bit significand hi:lo with bit 63 of hi set;
 * bits that do not fit in lo are ORed into its bit 0 ("sticky" or "jam"
 * bit). roundPack then
 *   1. if e < 1 (the value is below the normal range), shifts hi:lo right
 *      by 1 - e so the exponent becomes the minimum (gradual underflow);
 *   2. keeps the top p bits of hi (p = 64, 53 or 24 by precision control;
 *      the exponent range stays the extended one, as on the x87), and
 *      rounds by RC using the first dropped bit (half) and the OR of all
 *      lower ones (sticky): nearest-even, down (-inf), up (+inf), to zero;
 *   3. on a carry out of bit 63 shifts back and increments e; a denormal
 *      whose rounding reaches bit 63 becomes the smallest normal;
 *   4. flags PE when anything was dropped, C1 when the magnitude was
 *      incremented, OE when e ends above 7FFE (masked response: infinity or
 *      the largest finite number, by RC and sign), UE when the result is
 *      tiny and inexact. "Tiny" is decided after rounding, as the x87 does:
 *      the value rounded to p bits with an unbounded exponent is below
 *      2^-16382.
 *
 * Unmasked exceptions (mask bit clear in the control word) get the x87's
 * unmasked responses for a register destination. IE, DE and ZE stop the
 * operation: out is not written (pass the destination register as out
 * and it stays unchanged, as on the x87) and the status holds just that
 * flag. OE and UE (UE then also when the result is exact) write the
 * rounded result with its exponent adjusted by -/+ 24576, or an infinity
 * or zero if even that does not fit. Setting ES and raising #MF is the
 * caller's job: it compares the returned flags with the masks. Stores to
 * memory (F80Convert) write nothing on an unmasked IE, OE or UE.
 *
 * Operands are passed by value (se, m), so out may be the register that
 * held an operand. Overloads taking Reg operands are conveniences.
 *
 * Precision control only affects add, sub, mul, div and sqrt (as on the
 * x87, where it affects FADD/FSUB/FMUL/FDIV/FSQRT and their variants).
 * PC = 1 is reserved; the x87 this was checked against rounds it to 64
 * bits, and so does this code.
 *
 * This class holds the representation, the rounding core and add, sub, mul,
 * div, sqrt, compare, examine, abs, chs. F80Misc has fprem, fprem1, frndint,
 * fscale, fxtract; F80Convert the conversions; F80Transcendental fsin & co.
 */
public final class F80 {
    private F80() {
    }

    /** A mutable 80-bit value: the x87 register image. */
    public static final class Reg {
        /** Sign (bit 15) and biased exponent (bits 14..0). */
        public int se;
        /** Significand with explicit integer bit 63. */
        public long m;

        public Reg() {
        }

        public Reg(int se, long m) {
            this.se = se & 0xFFFF;
            this.m = m;
        }

        public Reg set(int se, long m) {
            this.se = se & 0xFFFF;
            this.m = m;
            return this;
        }

        public Reg set(Reg o) {
            this.se = o.se;
            this.m = o.m;
            return this;
        }

        @Override
        public String toString() {
            return String.format("%04x:%016x", se, m);
        }
    }

    // Status word bits.
    public static final int IE = 0x0001; // invalid operation
    public static final int DE = 0x0002; // denormal operand
    public static final int ZE = 0x0004; // zero divide
    public static final int OE = 0x0008; // overflow
    public static final int UE = 0x0010; // underflow
    public static final int PE = 0x0020; // precision (inexact)
    public static final int C0 = 0x0100;
    public static final int C1 = 0x0200;
    public static final int C2 = 0x0400;
    public static final int C3 = 0x4000;
    /** The exception flag bits (IE..PE). */
    public static final int EXCEPTIONS = 0x003F;
    /** The condition code bits C0..C3. */
    public static final int CONDITION = C0 | C1 | C2 | C3;

    /** Control word after FNINIT: all exceptions masked, PC = 64 bits, RC = nearest. */
    public static final int FCW_DEFAULT = 0x037F;
    /** Rounding control values (FCW bits 11..10). */
    public static final int RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

    /** The "real indefinite" QNaN, the masked response to an invalid operation. */
    public static final int INDEFINITE_SE = 0xFFFF;
    public static final long INDEFINITE_M = 0xC000000000000000L;

    static final int BIAS = 16383;
    static final int EXP_MAX = 0x7FFF;
    static final long INT_BIT = 0x8000000000000000L;
    static final long QUIET_BIT = 0x4000000000000000L;
    /** Exponent adjustment for unmasked overflow/underflow responses. */
    static final int WRAP = 24576;

    // Operand classes, ordered so that "c >= QNAN" means NaN or unsupported.
    public static final int ZERO = 0, NORMAL = 1, DENORMAL = 2, INF = 3, QNAN = 4, SNAN = 5, UNSUPPORTED = 6;

    /** Classifies a value. Pseudo-denormals count as DENORMAL. */
    public static int classify(int se, long m) {
        int exp = se & EXP_MAX;
        if (exp == 0) {
            return m == 0 ? ZERO : DENORMAL;
        }
        if (m >= 0) {
            return UNSUPPORTED; // unnormal, pseudo-zero, pseudo-NaN, pseudo-infinity
        }
        if (exp != EXP_MAX) {
            return NORMAL;
        }
        if (m == INT_BIT) {
            return INF;
        }
        return (m & QUIET_BIT) != 0 ? QNAN : SNAN;
    }

    // ---- small helpers ------------------------------------------------------

    /** Precision in bits selected by the control word's PC field. */
    static int precision(int cw) {
        switch ((cw >>> 8) & 3) {
            case 0:
                return 24;
            case 2:
                return 53;
            default:
                return 64;
        }
    }

    static int rc(int cw) {
        return (cw >>> 10) & 3;
    }

    /** Normalized biased exponent of a finite nonzero value (may be < 1 for denormals). */
    static int expOf(int se, long m) {
        int exp = se & EXP_MAX;
        return (exp == 0 ? 1 : exp) - Long.numberOfLeadingZeros(m);
    }

    /** Normalized significand (bit 63 set) of a finite nonzero value. */
    static long sigOf(long m) {
        return m << Long.numberOfLeadingZeros(m);
    }

    static int signOf(int se) {
        return (se >>> 15) & 1;
    }

    static int setIndefinite(Reg out) {
        out.se = INDEFINITE_SE;
        out.m = INDEFINITE_M;
        return IE;
    }

    /** Invalid operation: the indefinite if IE is masked, else out is left alone. Returns IE. */
    static int invalid(int cw, Reg out) {
        if ((cw & IE) != 0) {
            setIndefinite(out);
        }
        return IE;
    }

    /** True if the denormal-operand flag is raised (nonzero) and unmasked: the x87 stops there. */
    static boolean denormalTrap(int flags, int cw) {
        return flags != 0 && (cw & DE) == 0;
    }

    static void setInf(Reg out, int sign) {
        out.se = (sign << 15) | EXP_MAX;
        out.m = INT_BIT;
    }

    static void setZero(Reg out, int sign) {
        out.se = sign << 15;
        out.m = 0;
    }

    /** High 64 bits of the 128-bit value hi:lo shifted right by n >= 0. */
    static long shrHi(long hi, int n) {
        return n >= 64 ? 0 : hi >>> n;
    }

    /** Low 64 bits of hi:lo shifted right by n >= 0, lost bits ORed into bit 0. */
    static long shrLoJam(long hi, long lo, int n) {
        if (n == 0) {
            return lo;
        }
        if (n < 64) {
            return (hi << (64 - n)) | (lo >>> n) | ((lo << (64 - n)) != 0 ? 1 : 0);
        }
        if (n == 64) {
            return hi | (lo != 0 ? 1 : 0);
        }
        if (n < 128) {
            return (hi >>> (n - 64)) | (((hi << (128 - n)) | lo) != 0 ? 1 : 0);
        }
        return (hi | lo) != 0 ? 1 : 0;
    }

    /**
     * Quotient of the unsigned 128-bit nHi:nLo by d, where d has bit 63 set
     * and nHi < d (so the quotient fits in 64 bits). The remainder is
     * nLo - q * d (mod 2^64). Long division in two 32-bit digits, each
     * estimated from the divisor's top half and corrected at most twice.
     */
    static long div128(long nHi, long nLo, long d) {
        final long mask = 0xFFFFFFFFL;
        long dh = d >>> 32;
        long dl = d & mask;
        long n1 = nLo >>> 32;
        long n0 = nLo & mask;
        // First digit: divide nHi:n1 (96 bits, top 64 in nHi) by d.
        long qh = Long.divideUnsigned(nHi, dh);
        long r = nHi - qh * dh;
        while (qh > mask || Long.compareUnsigned(qh * dl, (r << 32) | n1) > 0) {
            qh--;
            r += dh;
            if (r > mask) {
                break;
            }
        }
        long mid = (nHi << 32 | n1) - qh * d; // partial remainder, < d
        // Second digit: divide mid:n0 by d.
        long ql = Long.divideUnsigned(mid, dh);
        r = mid - ql * dh;
        while (ql > mask || Long.compareUnsigned(ql * dl, (r << 32) | n0) > 0) {
            ql--;
            r += dh;
            if (r > mask) {
                break;
            }
        }
        return (qh << 32) | ql;
    }

    // ---- rounding -----------------------------------------------------------

    /**
     * Rounding decision for hi:lo kept to its top (64 - drop) bits.
     * Returns bit 0 = inexact, bit 1 = increment the kept part by one unit.
     */
    static int roundBits(long hi, long lo, int drop, int rc, int sign) {
        boolean half;
        boolean sticky;
        long lsb;
        if (drop == 0) {
            half = lo < 0;
            sticky = (lo << 1) != 0;
            lsb = hi & 1;
        } else {
            long h = 1L << (drop - 1);
            half = (hi & h) != 0;
            sticky = (hi & (h - 1)) != 0 || lo != 0;
            lsb = (hi >>> drop) & 1;
        }
        boolean inexact = half || sticky;
        boolean inc;
        switch (rc) {
            case RC_NEAREST:
                inc = half && (sticky || lsb != 0);
                break;
            case RC_DOWN:
                inc = inexact && sign != 0;
                break;
            case RC_UP:
                inc = inexact && sign == 0;
                break;
            default:
                inc = false;
        }
        return (inexact ? 1 : 0) | (inc ? 2 : 0);
    }

    /** Rounds to extended range and precision p; see round(). */
    static int roundPack(int sign, int e, long hi, long lo, int cw, int p, Reg out) {
        return round(sign, e, hi, lo, cw, p, 1, EXP_MAX - 1, true, out);
    }

    /**
     * Rounds (-1)^sign * hi:lo * 2^(e - 16383 - 63) (hi has bit 63 set, lo
     * holds the further bits with a sticky bit 0) to p bits and the
     * exponent range eMin..eMax (biased as in the extended format), by the
     * RC of cw, as described at the top of this file.
     *
     * Writes out.se = sign | exponent and out.m = the rounded significand;
     * a denormal or zero result gets exponent 0 (also for the narrower
     * formats: F80Convert repacks them). An overflow gets the masked
     * response (exponent 7FFF for infinity, eMax for the largest finite).
     * When wrap is set and OE or UE is unmasked in cw, the unmasked
     * register response (exponent adjusted by 24576) is written instead.
     * Returns the PE, UE, OE and C1 bits.
     */
    static int round(int sign, int e, long hi, long lo, int cw, int p, int eMin, int eMax, boolean wrap,
            Reg out) {
        int rc = rc(cw);
        int drop = 64 - p;
        long keep = drop == 0 ? -1L : -1L << drop; // mask of the kept bits
        long unit = drop == 0 ? 1L : 1L << drop;
        int flags = 0;
        if (e < eMin) {
            // Tiny before rounding; still tiny after rounding unless rounding
            // the normalized value (exponent eMin - 1) carries up to eMin.
            int rb = roundBits(hi, lo, drop, rc, sign);
            boolean tiny = e < eMin - 1 || (rb & 2) == 0 || (hi & keep) != keep;
            if (tiny && (cw & UE) == 0) {
                // Unmasked underflow (even when exact). To a register: the
                // full-precision result scaled up by 2^24576, or a zero if
                // even that is tiny (FSCALE). To memory: nothing is stored.
                if (!wrap) {
                    return UE;
                }
                if (e + WRAP < eMin) {
                    setZero(out, sign);
                    return UE | PE;
                }
                return UE | roundNormal(sign, e + WRAP, hi, lo, cw, p, eMax, false, out);
            }
            int n = eMin - e;
            lo = shrLoJam(hi, lo, n);
            hi = shrHi(hi, n);
            rb = roundBits(hi, lo, drop, rc, sign);
            hi &= keep;
            if ((rb & 2) != 0) {
                hi += unit;
                flags |= C1;
            }
            if ((rb & 1) != 0) {
                flags |= PE;
                if (tiny) {
                    flags |= UE;
                }
            }
            out.se = (sign << 15) | (hi < 0 ? eMin : 0);
            out.m = hi;
            return flags;
        }
        return roundNormal(sign, e, hi, lo, cw, p, eMax, wrap, out);
    }

    /** round() for e >= eMin: no denormalization, handles overflow. */
    private static int roundNormal(int sign, int e, long hi, long lo, int cw, int p, int eMax, boolean wrap,
            Reg out) {
        int rc = rc(cw);
        int drop = 64 - p;
        long keep = drop == 0 ? -1L : -1L << drop;
        long unit = drop == 0 ? 1L : 1L << drop;
        int flags = 0;
        int rb = roundBits(hi, lo, drop, rc, sign);
        hi &= keep;
        if ((rb & 2) != 0) {
            hi += unit;
            flags |= C1;
            if (hi == 0) { // carry out of bit 63
                hi = INT_BIT;
                e++;
            }
        }
        if ((rb & 1) != 0) {
            flags |= PE;
        }
        if (e > eMax) {
            if (wrap && (cw & OE) == 0) {
                // Unmasked overflow to a register: the rounded result scaled
                // down by 2^24576, or an infinity if even that is too large.
                if (e - WRAP > eMax) {
                    setInf(out, sign);
                    return OE | PE | C1;
                }
                out.se = (sign << 15) | (e - WRAP);
                out.m = hi;
                return flags | OE;
            }
            boolean toInf = rc == RC_NEAREST || (rc == RC_DOWN && sign != 0) || (rc == RC_UP && sign == 0);
            if (toInf) {
                setInf(out, sign);
                return OE | PE | C1;
            }
            out.se = (sign << 15) | eMax;
            out.m = keep;
            return OE | PE;
        }
        out.se = (sign << 15) | e;
        out.m = hi;
        return flags;
    }

    /**
     * Result for operands of which at least one is a NaN or unsupported:
     * an unsupported operand gives the indefinite (IE); otherwise the NaN
     * with the larger significand (raw, so a QNaN beats any SNaN; on a tie
     * the positive one), made quiet; IE if either is an SNaN. With IE
     * unmasked and raised, out is left alone.
     */
    static int propagateNaN(int cw, int aSe, long aM, int ca, int bSe, long bM, int cb, Reg out) {
        if (ca == UNSUPPORTED || cb == UNSUPPORTED) {
            return invalid(cw, out);
        }
        int flags = (ca == SNAN || cb == SNAN) ? IE : 0;
        if (flags != 0 && (cw & IE) == 0) {
            return flags;
        }
        boolean pickA;
        if (ca < QNAN) {
            pickA = false;
        } else if (cb < QNAN) {
            pickA = true;
        } else {
            int c = Long.compareUnsigned(aM, bM);
            pickA = c > 0 || (c == 0 && (aSe & 0x8000) == 0);
        }
        if (pickA) {
            out.se = aSe;
            out.m = aM | QUIET_BIT;
        } else {
            out.se = bSe;
            out.m = bM | QUIET_BIT;
        }
        return flags;
    }

    /** propagateNaN for a one-operand instruction. */
    static int propagateNaN(int cw, int se, long m, int c, Reg out) {
        if (c == UNSUPPORTED) {
            return invalid(cw, out);
        }
        if (c == SNAN && (cw & IE) == 0) {
            return IE;
        }
        out.se = se;
        out.m = m | QUIET_BIT;
        return c == SNAN ? IE : 0;
    }

    // ---- add, sub -----------------------------------------------------------

    /** FADD: out = a + b rounded by cw (PC and RC). Returns the status bits. */
    public static int add(int aSe, long aM, int bSe, long bM, int cw, Reg out) {
        return addSub(aSe, aM, bSe, bM, 0, cw, out);
    }

    /** FSUB: out = a - b rounded by cw (PC and RC). Returns the status bits. */
    public static int sub(int aSe, long aM, int bSe, long bM, int cw, Reg out) {
        return addSub(aSe, aM, bSe, bM, 1, cw, out);
    }

    public static int add(Reg a, Reg b, int cw, Reg out) {
        return add(a.se, a.m, b.se, b.m, cw, out);
    }

    public static int sub(Reg a, Reg b, int cw, Reg out) {
        return sub(a.se, a.m, b.se, b.m, cw, out);
    }

    private static int addSub(int aSe, long aM, int bSe, long bM, int negB, int cw, Reg out) {
        int ca = classify(aSe, aM);
        int cb = classify(bSe, bM);
        if (ca >= QNAN || cb >= QNAN) {
            return propagateNaN(cw, aSe, aM, ca, bSe, bM, cb, out);
        }
        int flags = (ca == DENORMAL || cb == DENORMAL) ? DE : 0;
        if (denormalTrap(flags, cw)) {
            return DE;
        }
        int sa = signOf(aSe);
        int sb = signOf(bSe) ^ negB;
        if (ca == INF || cb == INF) {
            if (ca == INF && cb == INF && sa != sb) {
                return flags | invalid(cw, out);
            }
            setInf(out, ca == INF ? sa : sb);
            return flags;
        }
        if (ca == ZERO && cb == ZERO) {
            setZero(out, sa == sb ? sa : (rc(cw) == RC_DOWN ? 1 : 0));
            return flags;
        }
        int p = precision(cw);
        if (cb == ZERO) {
            return flags | roundPack(sa, expOf(aSe, aM), sigOf(aM), 0, cw, p, out);
        }
        if (ca == ZERO) {
            return flags | roundPack(sb, expOf(bSe, bM), sigOf(bM), 0, cw, p, out);
        }
        int ea = expOf(aSe, aM);
        int eb = expOf(bSe, bM);
        long ma = sigOf(aM);
        long mb = sigOf(bM);
        if (ea < eb || (ea == eb && Long.compareUnsigned(ma, mb) < 0)) { // make |a| >= |b|
            int t = ea;
            ea = eb;
            eb = t;
            long u = ma;
            ma = mb;
            mb = u;
            t = sa;
            sa = sb;
            sb = t;
        }
        int d = ea - eb;
        long bl = shrLoJam(mb, 0, d);
        long bh = shrHi(mb, d);
        long hi;
        long lo;
        if (sa == sb) {
            lo = bl;
            hi = ma + bh;
            if (Long.compareUnsigned(hi, ma) < 0) { // carry: shift right one
                lo = (lo >>> 1) | (hi << 63) | (lo & 1);
                hi = (hi >>> 1) | INT_BIT;
                ea++;
            }
        } else {
            lo = -bl;
            hi = ma - bh - (bl != 0 ? 1 : 0);
            if (hi == 0 && lo == 0) { // exact cancellation
                setZero(out, rc(cw) == RC_DOWN ? 1 : 0);
                return flags;
            }
            if (hi == 0) {
                hi = lo;
                lo = 0;
                ea -= 64;
            }
            int n = Long.numberOfLeadingZeros(hi);
            if (n > 0) {
                hi = (hi << n) | (lo >>> (64 - n));
                lo <<= n;
                ea -= n;
            }
        }
        return flags | roundPack(sa, ea, hi, lo, cw, p, out);
    }

    // ---- mul, div -----------------------------------------------------------

    /** FMUL: out = a * b rounded by cw (PC and RC). Returns the status bits. */
    public static int mul(int aSe, long aM, int bSe, long bM, int cw, Reg out) {
        int ca = classify(aSe, aM);
        int cb = classify(bSe, bM);
        if (ca >= QNAN || cb >= QNAN) {
            return propagateNaN(cw, aSe, aM, ca, bSe, bM, cb, out);
        }
        int flags = (ca == DENORMAL || cb == DENORMAL) ? DE : 0;
        if (denormalTrap(flags, cw)) {
            return DE;
        }
        int s = signOf(aSe) ^ signOf(bSe);
        if (ca == INF || cb == INF) {
            if (ca == ZERO || cb == ZERO) {
                return flags | invalid(cw, out);
            }
            setInf(out, s);
            return flags;
        }
        if (ca == ZERO || cb == ZERO) {
            setZero(out, s);
            return flags;
        }
        long ma = sigOf(aM);
        long mb = sigOf(bM);
        int e = expOf(aSe, aM) + expOf(bSe, bM) - BIAS + 1;
        long hi = Math.unsignedMultiplyHigh(ma, mb);
        long lo = ma * mb;
        if (hi >= 0) { // product below 2^127: normalize
            hi = (hi << 1) | (lo >>> 63);
            lo <<= 1;
            e--;
        }
        return flags | roundPack(s, e, hi, lo, cw, precision(cw), out);
    }

    public static int mul(Reg a, Reg b, int cw, Reg out) {
        return mul(a.se, a.m, b.se, b.m, cw, out);
    }

    /** FDIV: out = a / b rounded by cw (PC and RC). Returns the status bits. */
    public static int div(int aSe, long aM, int bSe, long bM, int cw, Reg out) {
        int ca = classify(aSe, aM);
        int cb = classify(bSe, bM);
        if (ca >= QNAN || cb >= QNAN) {
            return propagateNaN(cw, aSe, aM, ca, bSe, bM, cb, out);
        }
        int s = signOf(aSe) ^ signOf(bSe);
        if (cb == ZERO && ca != INF) { // checked before the operands: no DE
            if (ca == ZERO) {
                return invalid(cw, out);
            }
            if ((cw & ZE) != 0) {
                setInf(out, s);
            }
            return ZE;
        }
        int flags = (ca == DENORMAL || cb == DENORMAL) ? DE : 0;
        if (denormalTrap(flags, cw)) {
            return DE;
        }
        if (ca == INF) {
            if (cb == INF) {
                return flags | invalid(cw, out);
            }
            setInf(out, s);
            return flags;
        }
        if (cb == INF || ca == ZERO) {
            setZero(out, s);
            return flags;
        }
        long ma = sigOf(aM);
        long mb = sigOf(bM);
        int e = expOf(aSe, aM) - expOf(bSe, bM) + BIAS;
        long nHi;
        long nLo;
        if (Long.compareUnsigned(ma, mb) >= 0) { // quotient of ma * 2^63 is in [2^63, 2^64)
            nHi = ma >>> 1;
            nLo = ma << 63;
        } else { // use ma * 2^64 instead
            nHi = ma;
            nLo = 0;
            e--;
        }
        long q = div128(nHi, nLo, mb);
        long r = nLo - q * mb;
        // The bits below q: one half (r = mb/2), more, less, or none (r = 0).
        int c = Long.compareUnsigned(r, mb - r);
        long lo = c > 0 ? INT_BIT | 1 : c == 0 ? INT_BIT : r != 0 ? 1 : 0;
        return flags | roundPack(s, e, q, lo, cw, precision(cw), out);
    }

    public static int div(Reg a, Reg b, int cw, Reg out) {
        return div(a.se, a.m, b.se, b.m, cw, out);
    }

    // ---- sqrt ---------------------------------------------------------------

    /** FSQRT: out = sqrt(a) rounded by cw (PC and RC). Returns the status bits. */
    public static int sqrt(int aSe, long aM, int cw, Reg out) {
        int ca = classify(aSe, aM);
        if (ca >= QNAN) {
            return propagateNaN(cw, aSe, aM, ca, out);
        }
        if (ca == ZERO) {
            out.se = aSe;
            out.m = 0;
            return 0;
        }
        if (signOf(aSe) != 0) { // checked before the operand: no DE
            return invalid(cw, out);
        }
        int flags = ca == DENORMAL ? DE : 0;
        if (denormalTrap(flags, cw)) {
            return DE;
        }
        if (ca == INF) {
            setInf(out, 0);
            return flags;
        }
        long m = sigOf(aM);
        int x = expOf(aSe, aM) - BIAS; // value = m * 2^(x - 63)
        // Radicand S = m * 2^64 (x odd) or m * 2^63 (x even), so that
        // S * 2^(x - 127 or x - 126) has an even power of two.
        long sHi;
        long sLo;
        int e;
        if ((x & 1) != 0) {
            sHi = m;
            sLo = 0;
            e = BIAS + 63 + ((x - 127) >> 1);
        } else {
            sHi = m >>> 1;
            sLo = m << 63;
            e = BIAS + 63 + ((x - 126) >> 1);
        }
        long r = isqrt128(sHi, sLo);
        // rem = S - r^2, 0 <= rem <= 2r (65 bits).
        long sqLo = r * r;
        long sqHi = Math.unsignedMultiplyHigh(r, r);
        long remLo = sLo - sqLo;
        long remHi = sHi - sqHi - (Long.compareUnsigned(sLo, sqLo) < 0 ? 1 : 0);
        long lo;
        if (remHi != 0 || Long.compareUnsigned(remLo, r) > 0) {
            lo = INT_BIT | 1; // sqrt(S) - r > 1/2 (it is never exactly 1/2)
        } else {
            lo = remLo != 0 ? 1 : 0;
        }
        return flags | roundPack(0, e, r, lo, cw, precision(cw), out);
    }

    public static int sqrt(Reg a, int cw, Reg out) {
        return sqrt(a.se, a.m, cw, out);
    }

    /** floor(sqrt(sHi:sLo)) for 2^126 <= sHi:sLo < 2^128; the result has bit 63 set. */
    static long isqrt128(long sHi, long sLo) {
        // A double estimate is within 2^12 of the root; one Newton step
        // r = (r + S / r) / 2 brings it within one; then fix up exactly.
        double approx = Math.sqrt((sHi >>> 1) * 0x1p65);
        long r = approx >= 0x1p64 ? -1L : ((long) (approx * 0.5)) << 1;
        if (Long.compareUnsigned(r, INT_BIT) < 0) {
            r = INT_BIT;
        }
        if (Long.compareUnsigned(sHi, r) >= 0) {
            r = -1L; // the root is within 2^12 of 2^64; start from above
        }
        if (Long.compareUnsigned(sHi, r) < 0) {
            long q = div128(sHi, sLo, r);
            r = (r >>> 1) + (q >>> 1) + (r & q & 1);
        }
        while (cmpSquare(r, sHi, sLo) > 0) {
            r--;
        }
        while (r != -1L && cmpSquare(r + 1, sHi, sLo) <= 0) {
            r++;
        }
        return r;
    }

    /** Compares r^2 with the unsigned 128-bit sHi:sLo. */
    private static int cmpSquare(long r, long sHi, long sLo) {
        long hi = Math.unsignedMultiplyHigh(r, r);
        int c = Long.compareUnsigned(hi, sHi);
        return c != 0 ? c : Long.compareUnsigned(r * r, sLo);
    }

    // ---- compare, examine, abs, chs -----------------------------------------

    /**
     * FCOM / FUCOM of a with b. Returns the condition codes (a > b: none,
     * a < b: C0, equal: C3, unordered: C3|C2|C0) plus IE and DE: IE for an
     * unsupported operand, for an SNaN, and (when quiet is false, i.e. FCOM
     * rather than FUCOM) for a QNaN; DE for a denormal operand when neither
     * is a NaN. For FCOMI/FUCOMI map C0 -> CF, C2 -> PF, C3 -> ZF.
     */
    public static int compare(int aSe, long aM, int bSe, long bM, boolean quiet) {
        int ca = classify(aSe, aM);
        int cb = classify(bSe, bM);
        if (ca >= QNAN || cb >= QNAN) {
            boolean invalid = ca == UNSUPPORTED || cb == UNSUPPORTED || ca == SNAN || cb == SNAN || !quiet;
            return C3 | C2 | C0 | (invalid ? IE : 0);
        }
        int flags = (ca == DENORMAL || cb == DENORMAL) ? DE : 0;
        if (ca == ZERO && cb == ZERO) {
            return flags | C3;
        }
        int sa = ca == ZERO ? signOf(bSe) : signOf(aSe); // a zero takes the sign of the other
        int sb = cb == ZERO ? signOf(aSe) : signOf(bSe);
        if (sa != sb) {
            return flags | (sa == 0 ? 0 : C0);
        }
        int c = compareMagnitude(aSe, aM, ca, bSe, bM, cb);
        if (sa != 0) {
            c = -c;
        }
        return flags | (c == 0 ? C3 : c < 0 ? C0 : 0);
    }

    public static int compare(Reg a, Reg b, boolean quiet) {
        return compare(a.se, a.m, b.se, b.m, quiet);
    }

    /** |a| vs |b| for classes ZERO..INF: negative, zero or positive. */
    static int compareMagnitude(int aSe, long aM, int ca, int bSe, long bM, int cb) {
        if (ca == ZERO || cb == ZERO) {
            return (ca == ZERO ? 0 : 1) - (cb == ZERO ? 0 : 1);
        }
        if (ca == INF || cb == INF) {
            return (ca == INF ? 1 : 0) - (cb == INF ? 1 : 0);
        }
        int ea = expOf(aSe, aM);
        int eb = expOf(bSe, bM);
        if (ea != eb) {
            return ea < eb ? -1 : 1;
        }
        return Long.compareUnsigned(sigOf(aM), sigOf(bM));
    }

    /**
     * FXAM for a non-empty register: C3,C2,C0 = 000 unsupported, 001 NaN,
     * 010 normal, 011 infinity, 100 zero, 110 denormal (pseudo-denormals
     * included); C1 = sign. (Empty, 101, is the caller's business.)
     */
    public static int examine(int se, long m) {
        int sign = (se & 0x8000) != 0 ? C1 : 0;
        switch (classify(se, m)) {
            case ZERO:
                return sign | C3;
            case NORMAL:
                return sign | C2;
            case DENORMAL:
                return sign | C3 | C2;
            case INF:
                return sign | C2 | C0;
            case QNAN:
            case SNAN:
                return sign | C0;
            default:
                return sign;
        }
    }

    /** FABS: clears the sign; never raises anything (not even for NaNs). */
    public static void abs(Reg r) {
        r.se &= 0x7FFF;
    }

    /** FCHS: flips the sign; never raises anything. */
    public static void chs(Reg r) {
        r.se ^= 0x8000;
    }
}
