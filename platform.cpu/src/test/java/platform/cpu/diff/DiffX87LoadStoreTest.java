package platform.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import platform.cpu.Vectors;

/**
 * x87 loads and stores of every memory format: FLD m32/m64/m80, FILD m16/m32/m64, FBLD, FST
 * and FSTP m32/m64, FSTP m80, FIST and FISTP m16/m32, FISTP m64, FBSTP. Operands of every
 * class (zeros, denormals, infinities, QNaNs, SNaNs, the unsupported 80-bit encodings,
 * values on rounding boundaries, values that overflow or underflow float32/float64,
 * integers and halves near the int16/int32/int64 and 18-digit BCD limits) under each
 * rounding control, with the exceptions masked and unmasked (an unmasked IE, OE or UE
 * stores nothing and does not pop), stack overflow on loads and underflow on stores, and
 * faults: a store that crosses into an unmapped page or hits a read-only page raises #PF
 * with the x87 state unchanged (no pop, no flags). FISTTP (SSE3, which the emulated CPU does
 * not announce) is #UD in the emulator, checked without the host (which has SSE3).
 */
class DiffX87LoadStoreTest {
    static final int N = 240;
    private final Gen g = new Gen(0x87_0002);
    private final X87Values x = new X87Values(g);

    /** A stack of depth 0..7 of random values (8 sometimes: then a load overflows). */
    private long[][] stack(boolean allowFull) {
        int depth = allowFull && g.rnd.nextInt(8) == 0 ? 8 : g.rnd.nextInt(4) == 0 ? 0 : 1 + g.rnd.nextInt(6);
        long[][] v = new long[depth][];
        for (int k = 0; k < depth; k++) {
            v[k] = x.ext();
        }
        return v;
    }

    /** Control word with rounding {@code rc}, random precision, exceptions usually masked. */
    private int fcw(int rc) {
        return (x.fcw() & ~0xC00) | rc << 10;
    }

    @Test
    void floatLoads() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fld dword [DATA + 0x100]", "fld qword [DATA + 0x100]", "fld tword [DATA + 0x100]"};
        for (int k = 0; k < N * 3; k++) {
            int f = k % 3;
            MachineState s = x.state(x.fcw(), stack(true));
            long[] v = f == 2 ? x.ext() : null;
            switch (f) {
                case 0 -> s.poke(0x100, 4, x.f32());
                case 1 -> s.poke(0x100, 8, x.f64());
                default -> X87Values.poke80(s, 0x100, v);
            }
            X87Values.add(b, ops[f], s, String.format("mem=%04x:%016x", s.peek(0x108, 2), s.peek(0x100, 8)));
        }
        // a load followed by a store of the same format gives the bits back (FLD/FSTP m80 keep everything)
        for (int k = 0; k < N; k++) {
            MachineState s = x.state(x.fcw(), stack(false));
            X87Values.poke80(s, 0x100, x.ext());
            X87Values.add(b, "fld tword [DATA + 0x100]\nfstp tword [DATA + 0x200]", s, "m80 round trip");
        }
        b.run();
    }

    @Test
    void integerAndBcdLoads() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fild word [DATA + 0x100]", "fild dword [DATA + 0x100]", "fild qword [DATA + 0x100]", "fbld [DATA + 0x100]"};
        int[] sizes = {2, 4, 8};
        for (int k = 0; k < N * 4; k++) {
            int f = k % 4;
            MachineState s = x.state(x.fcw(), stack(true));
            if (f < 3) {
                s.poke(0x100, sizes[f], g.value(sizes[f]));
            } else {
                long[] d = x.bcd();
                s.poke(0x100, 8, d[0]);
                s.poke(0x108, 2, d[1]);
            }
            X87Values.add(b, ops[f], s, String.format("mem=%04x:%016x", s.peek(0x108, 2), s.peek(0x100, 8)));
        }
        b.run();
    }

    @Test
    void floatStores() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fst dword [DATA + 0x100]", "fstp dword [DATA + 0x100]", "fst qword [DATA + 0x100]",
            "fstp qword [DATA + 0x100]", "fstp tword [DATA + 0x100]"};
        for (String op : ops) {
            for (int k = 0; k < N; k++) {
                long[][] st = stack(false);
                if (st.length == 0 || g.rnd.nextInt(12) == 0) {
                    st = new long[][] {null, x.ext()}; // empty ST(0): underflow
                }
                X87Values.add(b, op, x.state(fcw(k & 3), st), "rc=" + (k & 3));
            }
        }
        b.run();
    }

    @Test
    void integerStores() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fist word [DATA + 0x100]", "fistp word [DATA + 0x100]", "fist dword [DATA + 0x100]",
            "fistp dword [DATA + 0x100]", "fistp qword [DATA + 0x100]", "fbstp [DATA + 0x100]"};
        for (String op : ops) {
            for (int k = 0; k < N; k++) {
                long[] v = switch (g.rnd.nextInt(4)) {
                    case 0, 1 -> x.integral(g.rnd.nextBoolean() ? 0x8000 : 0);
                    case 2 -> x.normal(g.rnd.nextInt(70) - 3);
                    default -> g.rnd.nextInt(10) == 0 ? null : x.ext();
                };
                X87Values.add(b, op, x.state(fcw(k & 3), v, x.ext()), "rc=" + (k & 3));
            }
        }
        b.run();
    }

    /** A fault on the memory operand leaves the x87 state as it was: no push, no pop, no flags. */
    @Test
    void faultingOperands() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fld dword [X]", "fld qword [X]", "fld tword [X]", "fild word [X]", "fild dword [X]",
            "fild qword [X]", "fbld [X]", "fst dword [X]", "fstp dword [X]", "fst qword [X]", "fstp qword [X]",
            "fstp tword [X]", "fist word [X]", "fistp word [X]", "fist dword [X]", "fistp dword [X]",
            "fistp qword [X]", "fbstp [X]", "fadd dword [X]", "fmul qword [X]", "fiadd word [X]", "fidivr dword [X]",
            "fcom dword [X]", "fcomp qword [X]", "ficomp word [X]", "fldcw [X]", "fnstcw [X]", "fnstsw [X]",
            "fnstenv [X]", "fldenv [X]", "fnsave [X]", "frstor [X]", "o16 fnstenv [X]", "o16 fldenv [X]",
            "o16 fnsave [X]", "o16 frstor [X]"};
        // crossing from the last data page into the unmapped one; the read-only page; an unmapped address
        String[] where = {"DATA + 0x1fff", "DATA + 0x1ffe", "DATA + 0x1ffd", "DATA + 0x1ffc", "DATA + 0x1ff9",
            "DATA + 0x1ff5", "DATA + 0x1fa0", "RODATA + 0x10", "0x30000000"};
        for (String op : ops) {
            for (String w : where) {
                for (int k = 0; k < 2; k++) {
                    X87Values.add(b, op.replace("X", w), x.state(x.fcw(), stack(false)), null);
                }
            }
        }
        b.run();
    }

    /** FISTTP m16/m32/m64 (DF /1, DB /1, DD /1) is SSE3: #UD with nothing changed. */
    @Test
    void fisttpIsUndefined() {
        for (String op : new String[] {"fisttp word [DATA + 0x100]", "fisttp dword [DATA + 0x100]", "fisttp qword [DATA + 0x100]"}) {
            MachineState s = x.state(0x37F, x.ext(), x.ext());
            Outcome o = Differential.emulate(op, s);
            assertEquals(Vectors.UD, o.vector, op + ": " + o.event());
            assertEquals(MachineState.CODE, o.rip, op);
            assertEquals(s.fsw, o.state.fsw, op);
            assertEquals(s.abridgedTag(), o.state.abridgedTag(), op);
            assertEquals(s.peek(0x100, 8), o.state.peek(0x100, 8), op);
        }
    }
}
