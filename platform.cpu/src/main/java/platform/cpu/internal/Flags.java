package platform.cpu.internal;

/**
 * Lazily computed arithmetic flags. An instruction that sets flags records what it did
 * ({@code Core.flagOp} = kind * 4 + size index, plus destination, source and result); a flag
 * is computed only when something reads it. Sizes: index 0 = 8 bits, 1 = 16, 2 = 32, 3 = 64.
 *
 * <p>Kinds and where each flag comes from:
 * <pre>
 *   NONE   all six flags are in Core.rf
 *   ADD    res = dst + src          ADC: res = dst + src + 1 (carry in was 1)
 *   SUB    res = dst - src          SBB: res = dst - src - 1 (borrow in was 1); CMP, NEG (dst 0) too
 *   LOGIC  CF = OF = AF = 0; ZF, SF, PF from res
 *   INC    like ADD with src 1, but CF in Core.rf       DEC: like SUB with src 1, CF in Core.rf
 *   RES    ZF, SF, PF from res; CF, OF, AF in Core.rf (shifts, rotates, multiplies)
 * </pre>
 * Core.rf always holds the non-arithmetic bits (DF, IF, ...).
 */
public final class Flags {
    public static final int NONE = 0, ADD = 1, ADC = 2, SUB = 3, SBB = 4, LOGIC = 5, INC = 6, DEC = 7, RES = 8;
    public static final long CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
    public static final long ARITH = CF | PF | AF | ZF | SF | OF;

    private Flags() {}

    /** Size index of an operand size in bytes. */
    public static int sz(int size) {
        return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
    }

    static long mask(int szIndex) {
        return szIndex == 3 ? -1L : (1L << (8 << szIndex)) - 1;
    }

    static long sign(int szIndex) {
        return 1L << ((8 << szIndex) - 1);
    }

    /** Records an operation: {@code kind} at operand size {@code size} bytes. */
    public static void set(Core c, int kind, int size, long dst, long src, long res) {
        c.flagOp = kind << 2 | sz(size);
        c.flagDst = dst;
        c.flagSrc = src;
        c.flagRes = res;
    }

    /** Records a logical operation's result. */
    public static void logic(Core c, int size, long res) {
        c.flagOp = LOGIC << 2 | sz(size);
        c.flagRes = res;
    }

    /** Sets flags directly: ZF, SF, PF from {@code res}; CF, OF, AF as given (mask of CF|OF|AF). */
    public static void result(Core c, int size, long res, long cfOfAf) {
        c.rf = (c.rf & ~ARITH) | (cfOfAf & (CF | OF | AF));
        c.flagOp = RES << 2 | sz(size);
        c.flagRes = res;
    }

    /** Materializes the six arithmetic flags into Core.rf (kind becomes NONE). */
    public static void materialize(Core c) {
        if (c.flagOp != NONE) {
            long f = compute(c);
            c.rf = (c.rf & ~ARITH) | f;
            c.flagOp = NONE;
        }
    }

    /** RFLAGS with the arithmetic flags computed. */
    static long get(Core c) {
        if (c.flagOp == NONE) {
            return c.rf;
        }
        return (c.rf & ~ARITH) | compute(c);
    }

    /** Replaces the arithmetic flags with {@code bits} (others unchanged). */
    public static void setArith(Core c, long bits) {
        c.rf = (c.rf & ~ARITH) | (bits & ARITH);
        c.flagOp = NONE;
    }

    private static long compute(Core c) {
        return (cf(c) ? CF : 0) | (pf(c) ? PF : 0) | (af(c) ? AF : 0) | (zf(c) ? ZF : 0) | (sf(c) ? SF : 0) | (of(c) ? OF : 0);
    }

    public static boolean cf(Core c) {
        int op = c.flagOp;
        int s = op & 3;
        long m = mask(s);
        return switch (op >> 2) {
            case ADD -> Long.compareUnsigned(c.flagRes & m, c.flagDst & m) < 0;
            case ADC -> Long.compareUnsigned(c.flagRes & m, c.flagDst & m) <= 0;
            case SUB -> Long.compareUnsigned(c.flagDst & m, c.flagSrc & m) < 0;
            case SBB -> Long.compareUnsigned(c.flagDst & m, c.flagSrc & m) <= 0;
            case LOGIC -> false;
            default -> (c.rf & CF) != 0; // NONE, INC, DEC, RES
        };
    }

    public static boolean zf(Core c) {
        int op = c.flagOp;
        if (op == NONE) {
            return (c.rf & ZF) != 0;
        }
        return (c.flagRes & mask(op & 3)) == 0;
    }

    public static boolean sf(Core c) {
        int op = c.flagOp;
        if (op == NONE) {
            return (c.rf & SF) != 0;
        }
        return (c.flagRes & sign(op & 3)) != 0;
    }

    public static boolean pf(Core c) {
        int op = c.flagOp;
        if (op == NONE) {
            return (c.rf & PF) != 0;
        }
        return (Integer.bitCount((int) c.flagRes & 0xFF) & 1) == 0;
    }

    public static boolean of(Core c) {
        int op = c.flagOp;
        long sg = sign(op & 3);
        return switch (op >> 2) {
            case ADD, ADC -> ((c.flagDst ^ c.flagRes) & (c.flagSrc ^ c.flagRes) & sg) != 0;
            case INC -> ((c.flagDst ^ c.flagRes) & (1 ^ c.flagRes) & sg) != 0;
            case SUB, SBB -> ((c.flagDst ^ c.flagSrc) & (c.flagDst ^ c.flagRes) & sg) != 0;
            case DEC -> ((c.flagDst ^ 1) & (c.flagDst ^ c.flagRes) & sg) != 0;
            case LOGIC -> false;
            default -> (c.rf & OF) != 0;
        };
    }

    public static boolean af(Core c) {
        int op = c.flagOp;
        return switch (op >> 2) {
            case ADD, ADC, SUB, SBB -> ((c.flagDst ^ c.flagSrc ^ c.flagRes) & 0x10) != 0;
            case INC, DEC -> ((c.flagDst ^ 1 ^ c.flagRes) & 0x10) != 0;
            case LOGIC -> false;
            default -> (c.rf & AF) != 0;
        };
    }

    /** Evaluates condition code {@code cc} (0 O, 1 NO, 2 B, 3 AE, 4 E, 5 NE, 6 BE, 7 A, 8 S, 9 NS, A P, B NP, C L, D GE, E LE, F G). */
    public static boolean cond(Core c, int cc) {
        int op = c.flagOp;
        if (op >> 2 == SUB) { // fast path after CMP/SUB
            int s = op & 3;
            long m = mask(s);
            long d = c.flagDst & m, src = c.flagSrc & m;
            int sh = 64 - (8 << s);
            long sd = c.flagDst << sh >> sh, ss = c.flagSrc << sh >> sh;
            switch (cc) {
                case 2: return Long.compareUnsigned(d, src) < 0;
                case 3: return Long.compareUnsigned(d, src) >= 0;
                case 4: return d == src;
                case 5: return d != src;
                case 6: return Long.compareUnsigned(d, src) <= 0;
                case 7: return Long.compareUnsigned(d, src) > 0;
                case 12: return sd < ss;
                case 13: return sd >= ss;
                case 14: return sd <= ss;
                case 15: return sd > ss;
                default: break;
            }
        }
        boolean r = switch (cc >> 1) {
            case 0 -> of(c);
            case 1 -> cf(c);
            case 2 -> zf(c);
            case 3 -> cf(c) || zf(c);
            case 4 -> sf(c);
            case 5 -> pf(c);
            case 6 -> sf(c) != of(c);
            default -> zf(c) || sf(c) != of(c);
        };
        return ((cc & 1) != 0) != r;
    }
}
