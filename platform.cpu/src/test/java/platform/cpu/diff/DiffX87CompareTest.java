package platform.cpu.diff;

import org.junit.jupiter.api.Test;

/**
 * x87 comparisons and classification: FCOM FCOMP FCOMPP FUCOM FUCOMP FUCOMPP (C0 C2 C3),
 * FCOMI FCOMIP FUCOMI FUCOMIP (ZF PF CF; C1 untouched), the memory forms FCOM/FCOMP m32/m64
 * and FICOM/FICOMP m16/m32, FTST and FXAM, with operands of every class (equal values,
 * zeros of both signs, infinities, QNaNs and SNaNs, denormals, unsupported encodings) and
 * empty registers (stack underflow: unordered, IE and SF; with IE unmasked nothing is popped),
 * FXAM of an empty register (C1 the sign of its stale contents), and FCMOVcc under every
 * condition with random CF ZF PF.
 */
class DiffX87CompareTest {
    static final int N = 120;
    private final Gen g = new Gen(0x87_0005);
    private final X87Values x = new X87Values(g);

    /** A value to compare with {@code a}: equal, negated, the other zero, close, or anything. */
    long[] other(long[] a) {
        return switch (g.rnd.nextInt(6)) {
            case 0 -> a.clone();
            case 1 -> X87Values.v(a[0], (int) a[1] ^ 0x8000);
            case 2 -> X87Values.v(a[0] + (g.rnd.nextBoolean() ? 1 : -1), (int) a[1]);
            default -> x.ext();
        };
    }

    /** A stack with ST(0) = a and ST(i) = c (i >= 1), sometimes one of them empty, padded with random values. */
    long[][] stackWith(int i, long[] a, long[] c) {
        long[][] st = new long[i + 1 + g.rnd.nextInt(3)][];
        for (int k = 0; k < st.length; k++) {
            st[k] = x.ext();
        }
        st[0] = a;
        st[i] = c;
        if (g.rnd.nextInt(12) == 0) {
            st[g.rnd.nextBoolean() ? 0 : i] = null;
        }
        return st;
    }

    @Test
    void registerCompares() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fcom st%d", "fcomp st%d", "fucom st%d", "fucomp st%d", "fcomi st0, st%d", "fcomip st0, st%d",
            "fucomi st0, st%d", "fucomip st0, st%d", "fcompp", "fucompp"};
        for (String op : ops) {
            for (int k = 0; k < N; k++) {
                int i = op.contains("pp") ? 1 : 1 + g.rnd.nextInt(7);
                long[] a = x.ext();
                String asm = String.format(op, i);
                X87Values.add(b, asm, x.state(x.fcw(), stackWith(i, a, other(a))), null);
            }
        }
        // compared with itself
        for (String op : new String[] {"fcom st0", "fucom st0", "fcomi st0, st0", "fucomip st0, st0"}) {
            for (int k = 0; k < 30; k++) {
                X87Values.add(b, op, x.state(x.fcw(), g.rnd.nextInt(8) == 0 ? null : x.ext()), null);
            }
        }
        b.run();
    }

    /** FCOMI and a conditional branch or SETcc on the result, the way compilers use it. */
    @Test
    void compareAndBranch() {
        Differential.Batch b = Differential.batch();
        String[] tails = {"seta al\nsetae bl\nsetb cl\nsetbe dl\nsete sil\nsetp dil", "jp $+4\nmov al, 1"};
        for (String tail : tails) {
            for (String op : new String[] {"fcomip st0, st1\nfstp st0", "fucomip st0, st1\nfstp st0", "fucomi st0, st1"}) {
                for (int k = 0; k < 60; k++) {
                    long[] a = x.ext();
                    X87Values.add(b, op + "\n" + tail, x.state(x.fcw(), a, other(a)), null);
                }
            }
        }
        b.run();
    }

    @Test
    void memoryCompares() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fcom dword", "fcomp dword", "fcom qword", "fcomp qword", "ficom word", "ficomp word",
            "ficom dword", "ficomp dword"};
        for (String op : ops) {
            for (int k = 0; k < N; k++) {
                long[] a = x.ext();
                MachineState s = x.state(x.fcw(), g.rnd.nextInt(12) == 0 ? null : a, x.ext());
                int size = op.endsWith("qword") ? 8 : op.endsWith("word") && !op.endsWith("dword") ? 2 : 4;
                long v;
                if (op.startsWith("fi")) {
                    v = g.value(size);
                } else if (g.rnd.nextBoolean() && X87Values.classOf(a) == X87Values.NORMAL) {
                    double d = DiffX87ArithTest.toDouble(a); // the same value, rounded to the operand's format
                    v = size == 4 ? Float.floatToRawIntBits((float) d) & 0xFFFF_FFFFL : Double.doubleToRawLongBits(d);
                } else {
                    v = size == 4 ? x.f32() : x.f64();
                }
                s.poke(0x100, size, v);
                X87Values.add(b, op + " [DATA + 0x100]", s, String.format("mem=%x", v));
            }
        }
        b.run();
    }

    @Test
    void testAndExamine() {
        Differential.Batch b = Differential.batch();
        for (String op : new String[] {"ftst", "fxam"}) {
            for (int k = 0; k < 2 * N; k++) {
                MachineState s = x.state(x.fcw(), x.ext(), x.ext());
                if (g.rnd.nextInt(6) == 0) { // empty ST(0) with stale contents of either sign
                    long[] stale = x.ext();
                    int p = s.phys(0);
                    s.fpuM[p] = stale[0];
                    s.fpuSE[p] = (int) stale[1];
                    s.ftw |= 3 << 2 * p;
                }
                X87Values.add(b, op, s, null);
            }
        }
        b.run();
    }

    @Test
    void conditionalMoves() {
        Differential.Batch b = Differential.batch();
        String[] conds = {"b", "e", "be", "u", "nb", "ne", "nbe", "nu"};
        for (String cc : conds) {
            for (int k = 0; k < 60; k++) {
                int i = g.rnd.nextInt(8);
                long[][] st = new long[Math.max(2, i + 1)][];
                for (int j = 0; j < st.length; j++) {
                    st[j] = x.ext();
                }
                if (g.rnd.nextInt(10) == 0) {
                    st[g.rnd.nextBoolean() ? 0 : i] = null;
                }
                MachineState s = x.state(x.fcw(), st);
                s.rflags = g.rnd.nextInt(0x1000) & 0x8D5; // CF PF ZF in every combination
                X87Values.add(b, "fcmov" + cc + " st0, st" + i, s, "flags=" + Long.toHexString(s.rflags));
            }
        }
        b.run();
    }
}
