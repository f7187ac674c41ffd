package platform.cpu.diff;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of 3 to 14 x87 instructions (every exact kind: stack moves, constants,
 * arithmetic in all encodings, memory loads, stores and arithmetic, compares and FCOMI with
 * branches, FCMOVcc, unary operations, FPREM, FSCALE, FXTRACT, control word changes,
 * FNSTSW, FNCLEX, FWAIT) from random stacks and control words: the interplay of TOP, the
 * tags, the sticky flags and condition codes, the masked responses, and #MF raised in the
 * middle of a sequence by an exception unmasked in the control word or by FLDCW.
 */
class DiffX87SequenceTest {
    static final int SEQUENCES = 1500;
    private final Gen g = new Gen(0x87_0009);
    private final X87Values x = new X87Values(g);
    private final Random rnd = g.rnd;

    private static final String[] ARITH = {"fadd", "fmul", "fsub", "fsubr", "fdiv", "fdivr"};
    private static final String[] CMOV = {"b", "e", "be", "u", "nb", "ne", "nbe", "nu"};

    /** A memory slot in DATA + 0x100 .. 0x1F0 (16 bytes each). */
    private String slot() {
        return String.format("[DATA + 0x%x]", 0x100 + 16 * rnd.nextInt(16));
    }

    private int i() {
        return rnd.nextInt(8);
    }

    private String instruction() {
        return switch (rnd.nextInt(34)) {
            case 0 -> "fld st" + i();
            case 1 -> "fxch st" + i();
            case 2 -> "fst st" + i();
            case 3 -> "fstp st" + i();
            case 4 -> "ffree st" + i();
            case 5 -> rnd.nextBoolean() ? "fincstp" : "fdecstp";
            case 6 -> new String[] {"fld1", "fldz", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2"}[rnd.nextInt(7)];
            case 7, 8 -> ARITH[rnd.nextInt(6)] + " st0, st" + i();
            case 9, 10 -> ARITH[rnd.nextInt(6)] + " st" + i() + ", st0";
            case 11 -> ARITH[rnd.nextInt(6)] + "p st" + i() + ", st0";
            case 12 -> "fld " + new String[] {"dword", "qword", "tword"}[rnd.nextInt(3)] + " " + slot();
            case 13 -> "fild " + new String[] {"word", "dword", "qword"}[rnd.nextInt(3)] + " " + slot();
            case 14 -> new String[] {"fst dword", "fstp dword", "fst qword", "fstp qword", "fstp tword"}[rnd.nextInt(5)] + " " + slot();
            case 15 -> new String[] {"fist word", "fistp word", "fist dword", "fistp dword", "fistp qword"}[rnd.nextInt(5)] + " " + slot();
            case 16 -> ARITH[rnd.nextInt(6)] + " " + (rnd.nextBoolean() ? "dword " : "qword ") + slot();
            case 17 -> "fi" + ARITH[rnd.nextInt(6)].substring(1) + " " + (rnd.nextBoolean() ? "word " : "dword ") + slot();
            case 18 -> new String[] {"fcom st", "fcomp st", "fucom st", "fucomp st"}[rnd.nextInt(4)] + i();
            case 19 -> new String[] {"fcompp", "fucompp", "ftst", "fxam"}[rnd.nextInt(4)];
            case 20 -> new String[] {"fcomi", "fcomip", "fucomi", "fucomip"}[rnd.nextInt(4)] + " st0, st" + i();
            case 21 -> "fcmov" + CMOV[rnd.nextInt(8)] + " st0, st" + i();
            case 22 -> new String[] {"fchs", "fabs", "fsqrt", "frndint"}[rnd.nextInt(4)];
            case 23 -> new String[] {"fprem", "fprem1", "fscale", "fxtract"}[rnd.nextInt(4)];
            case 24 -> "fldcw [DATA + 0x" + Integer.toHexString(0x80 + 2 * rnd.nextInt(8)) + "]";
            case 25 -> rnd.nextBoolean() ? "fnstsw ax" : "fnstsw " + slot();
            case 26 -> rnd.nextBoolean() ? "fnclex" : "fwait";
            case 27 -> "fbstp " + slot();
            case 28 -> "fbld " + slot();
            case 29 -> (rnd.nextBoolean() ? "fcom " : "fcomp ") + (rnd.nextBoolean() ? "dword " : "qword ") + slot();
            case 30 -> "fnstcw " + slot();
            case 31 -> "fcomi st0, st" + i() + "\nsetbe al";
            case 32 -> "db 0xd9, 0x" + Integer.toHexString(0xd8 + i()) + " ; fstp1";
            default -> "fnop";
        };
    }

    @Test
    void randomSequences() {
        Differential.Batch b = Differential.batch();
        for (int k = 0; k < SEQUENCES; k++) {
            int n = 3 + rnd.nextInt(12);
            StringBuilder asm = new StringBuilder();
            for (int j = 0; j < n; j++) {
                asm.append(j == 0 ? "" : "\n").append(instruction());
            }
            long[][] st = new long[rnd.nextInt(9)][];
            for (int j = 0; j < st.length; j++) {
                st[j] = rnd.nextInt(12) == 0 ? null : rnd.nextBoolean() ? x.finite() : x.ext();
            }
            MachineState s = x.state(x.fcw(), st);
            for (int j = 0; j < 8; j++) { // control words for FLDCW: mostly masked, any RC and PC
                int cw = 0x40 | (rnd.nextInt(4) == 0 ? rnd.nextInt(64) : 0x3F) | rnd.nextInt(4) << 8 | rnd.nextInt(4) << 10;
                s.poke(0x80 + 2 * j, 2, cw);
            }
            for (int j = 0; j < 16; j++) {
                int off = 0x100 + 16 * j;
                switch (rnd.nextInt(4)) {
                    case 0 -> s.poke(off, 4, x.f32());
                    case 1 -> s.poke(off, 8, x.f64());
                    case 2 -> X87Values.poke80(s, off, x.ext());
                    default -> s.poke(off, 8, g.value(8));
                }
            }
            X87Values.add(b, asm.toString(), s, null);
        }
        b.run();
    }
}
