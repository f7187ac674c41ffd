package platform.cpu.diff;

import org.junit.jupiter.api.Test;

/**
 * x87 arithmetic: FADD FMUL FSUB FSUBR FDIV FDIVR in every register encoding (D8: ST(0) op=
 * ST(i); DC: ST(i) op= ST(0), where the hardware's E0/E8 and F0/F8 rows are FSUBR/FSUB and
 * FDIVR/FDIV, the reverse of D8; DE: the same and pop) and every memory form (m32fp D8,
 * m64fp DC, m32int DA, m16int DE), FSQRT FABS FCHS FRNDINT FSCALE FXTRACT FPREM FPREM1
 * (quotient bits in C0 C3 C1, C2 for a partial remainder, and the loop a compiler writes
 * around them). Operands of every class, pairs with close exponents (cancellation, carries
 * and ties) and far ones, under each rounding control and precision control (24, 53, 64
 * bits and the reserved PC=01), with some exceptions unmasked (the destination stays, ES
 * and B set) and empty registers (masked underflow: the indefinite).
 */
class DiffX87ArithTest {
    static final String[] NAMES = {"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"};
    static final int[] ARITH = {0, 1, 4, 5, 6, 7};
    private final Gen g = new Gen(0x87_0003);
    private final X87Values x = new X87Values(g);

    /** A second operand for {@code a}: related (close exponent, equal, negated) or independent. */
    long[] partner(long[] a) {
        int cls = X87Values.classOf(a);
        int r = g.rnd.nextInt(8);
        if (cls != X87Values.NORMAL || r < 2) {
            return x.ext();
        }
        int e = (int) a[1] & 0x7FFF;
        int sign = g.rnd.nextBoolean() ? 0x8000 : 0;
        return switch (r) {
            case 2 -> X87Values.v(a[0], (int) a[1] ^ 0x8000);                             // -a
            case 3 -> a.clone();                                                          // a
            case 4 -> X87Values.v(a[0] ^ (1L << g.rnd.nextInt(12)), (int) a[1] ^ (g.rnd.nextBoolean() ? 0x8000 : 0)); // a +- few ulps
            case 5 -> X87Values.v(x.roundingSig(), sign | clampExp(e + g.rnd.nextInt(130) - 65));
            default -> X87Values.v(x.normalSig(), sign | clampExp(e + g.rnd.nextInt(9) - 4));
        };
    }

    static int clampExp(int e) {
        return Math.max(1, Math.min(0x7FFE, e));
    }

    /** Control words: every RC and PC (the reserved PC=01 too), usually masked. */
    int fcw(int k) {
        int masks = g.rnd.nextInt(5) == 0 ? g.rnd.nextInt(64) : 0x3F;
        return 0x40 | masks | (k & 3) << 8 | (k >> 2 & 3) << 10;
    }

    @Test
    void registerForms() {
        Differential.Batch b = Differential.batch();
        for (int op : ARITH) {
            for (int form = 0; form < 3; form++) {
                for (int k = 0; k < 96; k++) {
                    int sti = g.rnd.nextInt(4) == 0 ? 0 : 1 + g.rnd.nextInt(7);
                    int opcode = new int[] {0xD8, 0xDC, 0xDE}[form];
                    String asm = String.format("db 0x%x, 0x%x ; %s%s", opcode, 0xC0 | op << 3 | sti,
                            NAMES[form == 0 ? op : op ^ (op >= 4 ? 1 : 0)] + (form == 2 ? "p" : ""),
                            form == 0 ? " st0, st" + sti : " st" + sti + ", st0");
                    long[] a = x.ext();
                    long[] c = partner(a);
                    long[][] st = new long[Math.max(2, sti + 1 + g.rnd.nextInt(2))][];
                    for (int i = 0; i < st.length; i++) {
                        st[i] = x.ext();
                    }
                    st[0] = a;
                    st[sti] = sti == 0 ? a : c;
                    if (g.rnd.nextInt(16) == 0) {
                        st[g.rnd.nextBoolean() ? 0 : sti] = null; // underflow
                    }
                    X87Values.add(b, asm, x.state(fcw(k & 15), st), null);
                }
            }
        }
        b.run();
    }

    @Test
    void memoryForms() {
        Differential.Batch b = Differential.batch();
        String[] types = {"dword", "qword", "dword", "word"};
        for (int t = 0; t < 4; t++) {
            for (int op = 0; op < 8; op++) {
                String asm = (t >= 2 ? "fi" + NAMES[op].substring(1) : NAMES[op]) + " " + types[t] + " [DATA + 0x100]";
                for (int k = 0; k < 64; k++) {
                    long[] a = x.ext();
                    MachineState s;
                    if (g.rnd.nextInt(16) == 0) {
                        s = x.state(fcw(k & 15), null, a); // empty ST(0)
                    } else {
                        s = x.state(fcw(k & 15), a, x.ext());
                    }
                    long v = switch (t) {
                        case 0 -> x.f32();
                        case 1 -> x.f64();
                        case 2 -> g.value(4);
                        default -> g.value(2);
                    };
                    s.poke(0x100, t == 1 ? 8 : t == 3 ? 2 : 4, v);
                    X87Values.add(b, asm, s, String.format("mem=%x", v));
                }
            }
        }
        b.run();
    }

    /** Memory operands that are the float32/float64 rounding of ST(0) +- a little (close values, cancellation). */
    @Test
    void memoryFormsCloseValues() {
        Differential.Batch b = Differential.batch();
        for (int op : ARITH) {
            for (String type : new String[] {"dword", "qword"}) {
                String asm = NAMES[op] + " " + type + " [DATA + 0x100]";
                for (int k = 0; k < 40; k++) {
                    double d = (g.rnd.nextDouble() - 0.5) * Math.scalb(1.0, g.rnd.nextInt(40) - 20);
                    long[] a = ext(d);
                    a[0] ^= g.rnd.nextInt(1 << 12);
                    double m = d * (1 + (g.rnd.nextInt(5) - 2) * 0x1p-30);
                    MachineState s = x.state(fcw(k & 15), a, x.ext());
                    s.poke(0x100, type.equals("dword") ? 4 : 8,
                            type.equals("dword") ? Float.floatToRawIntBits((float) m) & 0xFFFF_FFFFL : Double.doubleToRawLongBits(m));
                    X87Values.add(b, asm, s, null);
                }
            }
        }
        b.run();
    }

    /** The 80-bit value of a (normal, nonzero) double. */
    static long[] ext(double d) {
        long bits = Double.doubleToRawLongBits(d);
        int exp = (int) (bits >>> 52) & 0x7FF;
        return X87Values.v(1L << 63 | (bits & 0xF_FFFF_FFFF_FFFFL) << 11, (bits < 0 ? 0x8000 : 0) | (exp - 1023 + 16383));
    }

    /** A normal 80-bit value as a double (rounded to nearest; may overflow to infinity or underflow to 0). */
    static double toDouble(long[] a) {
        double m = (a[0] >>> 11) * 0x1p-52; // top 53 bits, in [1, 2)
        double d = Math.scalb(m, ((int) a[1] & 0x7FFF) - 16383);
        return ((int) a[1] & 0x8000) != 0 ? -d : d;
    }

    @Test
    void unaryOperations() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fsqrt", "fabs", "fchs", "frndint", "fxtract"};
        for (String op : ops) {
            for (int k = 0; k < 200; k++) {
                long[] a = switch (g.rnd.nextInt(4)) {
                    case 0 -> x.integral(g.rnd.nextBoolean() ? 0x8000 : 0);
                    case 1 -> X87Values.v(x.normalSig(), (int) x.ext()[1] & 0x7FFF); // positive, for fsqrt
                    default -> g.rnd.nextInt(12) == 0 ? null : x.ext();
                };
                long[][] st = new long[1 + g.rnd.nextInt(8)][];
                for (int i = 1; i < st.length; i++) {
                    st[i] = x.ext();
                }
                st[0] = a;
                X87Values.add(b, op, x.state(fcw(k & 15), st), null);
            }
        }
        b.run();
    }

    @Test
    void scale() {
        Differential.Batch b = Differential.batch();
        for (int k = 0; k < 400; k++) {
            long[] a = x.ext();
            long[] n = switch (g.rnd.nextInt(5)) {
                case 0, 1 -> x.integral(g.rnd.nextBoolean() ? 0x8000 : 0);       // small integers and halves
                case 2 -> x.normal(g.rnd.nextInt(18));                           // up to 2^17: overflow, underflow
                case 3 -> X87Values.v(Long.MIN_VALUE | (long) g.rnd.nextInt(1 << 14) << 49, // +-16383 or so
                        (g.rnd.nextBoolean() ? 0x8000 : 0) | (X87Values.BIAS + 13));
                default -> x.ext();
            };
            X87Values.add(b, "fscale", x.state(fcw(k & 15), g.rnd.nextInt(20) == 0 ? null : a, n), null);
        }
        b.run();
    }

    @Test
    void partialRemainder() {
        Differential.Batch b = Differential.batch();
        for (String op : new String[] {"fprem", "fprem1"}) {
            for (int k = 0; k < 300; k++) {
                long[] a = x.ext();
                long[] d = switch (g.rnd.nextInt(4)) {
                    case 0 -> partner(a);
                    case 1 -> X87Values.v(x.normalSig(), (g.rnd.nextBoolean() ? 0x8000 : 0) // 1 .. 2^100 smaller
                            | clampExp(((int) a[1] & 0x7FFF) - g.rnd.nextInt(100)));
                    case 2 -> X87Values.v(0xC90F_DAA2_2168_C235L, X87Values.BIAS + 1);         // pi: argument reduction
                    default -> x.ext();
                };
                X87Values.add(b, op, x.state(fcw(k & 15), g.rnd.nextInt(30) == 0 ? null : a, d), null);
            }
            // the loop around it, as fmodl compiles (until C2 is clear)
            String loop = op + "\nfnstsw ax\ntest ah, 4\njnz $-7";
            for (int k = 0; k < 100; k++) {
                long[] a = x.normal(g.rnd.nextInt(2000));
                long[] d = x.normal(-g.rnd.nextInt(40));
                X87Values.add(b, loop, x.state(X87Values.fcw(0, 3), a, d), "loop");
            }
        }
        b.run();
    }
}
