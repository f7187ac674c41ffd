package platform.cpu.diff;

import static platform.cpu.diff.Differential.CF;
import static platform.cpu.diff.Differential.DF;
import static platform.cpu.diff.Differential.OF;
import static platform.cpu.diff.MachineState.RAX;
import static platform.cpu.diff.MachineState.RDX;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * MUL, IMUL (one, two and three operands), DIV, IDIV at every size, register and memory
 * sources, with #DE for a zero divisor and for quotients that do not fit, and full-width
 * (128-bit) dividends. After a multiplication only CF and OF are defined; after a division
 * no flag is.
 */
class DiffMulDivTest {
    static final int[] SIZES = {1, 2, 4, 8};
    private final Gen g = new Gen(0xD1_0001);
    private final Random rnd = g.rnd;

    @Test
    void oneOperandMultiply() {
        Differential.Batch b = Differential.batch();
        for (int size : SIZES) {
            for (String op : new String[] {"mul", "imul"}) {
                for (int k = 0; k < 4; k++) {
                    int r = 1 + rnd.nextInt(size == 1 ? 19 : 15);
                    if (r == 2 || r == 4 || r == 16 || r == 18) {
                        r = 3;
                    }
                    String asm = op + " " + Regs.name(r, size);
                    for (int j = 0; j < 40; j++) {
                        MachineState s = g.state();
                        Operands.set(s, RAX, size, g.value(size));
                        Operands.set(s, r, size, g.value(size));
                        b.add(asm, s, CF | OF | DF).name(asm);
                    }
                }
                String mem = op + " " + Regs.ptr(size) + " [rsi]";
                for (int j = 0; j < 40; j++) {
                    MachineState s = g.state();
                    Operands.set(s, RAX, size, g.value(size));
                    int off = Operands.offset(rnd, size);
                    s.poke(off, size, g.value(size));
                    s.gpr[MachineState.RSI] = MachineState.DATA + off;
                    b.add(mem, s, CF | OF | DF).name(mem);
                }
            }
        }
        b.run();
    }

    @Test
    void twoAndThreeOperandImul() {
        Differential.Batch b = Differential.batch();
        for (int size : new int[] {2, 4, 8}) {
            for (int k = 0; k < 4; k++) {
                int[] p = Regs.pair(rnd, size);
                String d = Regs.name(p[0], size), s2 = Regs.name(p[1], size);
                int iz = size == 2 ? 2 : 4;
                String[] forms = {"imul " + d + ", " + s2, "imul " + d + ", " + d,
                    Enc.rr(size, p[0], p[1], g.value(1), 1, 0x6B) + " ; imul r, r/m, imm8",
                    Enc.rr(size, p[0], p[1], g.value(iz), iz, 0x69) + " ; imul r, r/m, imm",
                    "imul " + d + ", " + Regs.ptr(size) + " [DATA + 0x100]",
                    "imul " + d + ", " + Regs.ptr(size) + " [DATA + 0xffd], -3"};
                for (String asm : forms) {
                    for (int j = 0; j < 30; j++) {
                        MachineState s = g.state();
                        Operands.set(s, p[0], size, g.value(size));
                        Operands.set(s, p[1], size, g.value(size));
                        s.poke(0x100, 8, g.bits(size));
                        s.poke(0xffd, 8, g.bits(size));
                        b.add(asm, s, CF | OF | DF).name(asm);
                    }
                }
            }
        }
        b.run();
    }

    /** A dividend and divisor for {@code size}: mostly quotients that fit, sometimes not, sometimes a zero divisor. */
    private void divCase(MachineState s, int size, int divisorReg, boolean signed) {
        long m = size == 8 ? -1L : (1L << (size * 8)) - 1;
        long d = g.value(size);
        int kind = rnd.nextInt(10);
        if (kind == 0) {
            d = 0;
        } else if (d == 0) {
            d = 1;
        }
        long lo = g.value(size);
        long hi;
        if (kind == 1) {
            hi = g.value(size); // often overflows
        } else if (!signed) {
            long ud = d & m;
            hi = ud == 0 ? 0 : (size == 8 ? Long.remainderUnsigned(rnd.nextLong(), ud) : Long.remainderUnsigned(rnd.nextLong() & m, ud));
        } else {
            // a dividend that is the sign extension of a value, or small beyond it
            hi = (lo << (64 - size * 8) >> 63) & m;
            if (rnd.nextInt(3) == 0) {
                hi = rnd.nextBoolean() ? 0 : m;
            }
        }
        if (size == 1) {
            Operands.set(s, RAX, 2, (hi & 0xFF) << 8 | (lo & 0xFF));
        } else {
            Operands.set(s, RAX, size, lo);
            Operands.set(s, RDX, size, hi);
        }
        Operands.set(s, divisorReg, size, d);
    }

    @Test
    void divideAndFaults() {
        Differential.Batch b = Differential.batch();
        for (int size : SIZES) {
            for (String op : new String[] {"div", "idiv"}) {
                int r = size == 1 ? 3 : 1 + rnd.nextInt(2) * 2; // bl / rcx / rbx
                String asm = op + " " + Regs.name(r, size);
                String mem = op + " " + Regs.ptr(size) + " [DATA + 0x200]";
                for (int j = 0; j < 150; j++) {
                    MachineState s = g.state();
                    divCase(s, size, r, op.equals("idiv"));
                    b.add(asm, s, DF).name(asm);
                    MachineState t = s.copy();
                    t.poke(0x200, size, s.gpr[r] >>> (size == 1 && r >= 16 ? 8 : 0));
                    b.add(mem, t, DF).name(mem);
                }
                // the most negative dividend by -1 overflows; by 1 it does not
                for (long d : new long[] {-1, 1, 2, -2}) {
                    MachineState s = g.state();
                    long min = 1L << (size * 8 - 1);
                    if (size == 1) {
                        Operands.set(s, RAX, 2, 0xFF80);
                    } else {
                        Operands.set(s, RAX, size, min);
                        Operands.set(s, RDX, size, -1);
                    }
                    Operands.set(s, r, size, d);
                    b.add(asm, s, DF).name(asm + " min");
                }
            }
        }
        b.run();
    }
}
