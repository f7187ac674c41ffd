package platform.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static platform.cpu.diff.Differential.ALL;
import static platform.cpu.diff.Differential.CF;
import static platform.cpu.diff.Differential.DF;
import static platform.cpu.diff.Differential.ZF;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * BT/BTS/BTR/BTC with register and immediate offsets, register and memory operands (signed
 * offsets that reach outside the operand, LOCK), BSF/BSR (zero source), LZCNT, POPCNT.
 * Compared flags: CF and ZF for BT* (OF SF AF PF are undefined), ZF for BSF/BSR, all for
 * LZCNT/POPCNT except the undefined OF SF AF PF of LZCNT.
 */
class DiffBitOpsTest {
    static final int[] SIZES = {2, 4, 8};
    static final String[] BT = {"bt", "bts", "btr", "btc"};
    private final Gen g = new Gen(0xB1_0001);
    private final Random rnd = g.rnd;

    @Test
    void bitTests() {
        Differential.Batch b = Differential.batch();
        for (String op : BT) {
            for (int size : SIZES) {
                for (int k = 0; k < 3; k++) {
                    int[] p = Regs.pair(rnd, size);
                    while (p[0] == 3 || p[1] == 3) {
                        p = Regs.pair(rnd, size);
                    }
                    String a = Regs.name(p[0], size), o = Regs.name(p[1], size);
                    String[] forms = {op + " " + a + ", " + o, op + " " + a + ", " + rnd.nextInt(256),
                        op + " " + Regs.ptr(size) + " [rbx], " + o, op + " " + Regs.ptr(size) + " [rbx + 3], " + rnd.nextInt(256),
                        op.equals("bt") ? "bt " + a + ", " + o : "lock " + op + " " + Regs.ptr(size) + " [rbx], " + o};
                    for (String asm : forms) {
                        for (int j = 0; j < 16; j++) {
                            MachineState s = g.state();
                            Operands.set(s, p[0], size, g.value(size));
                            // offsets that stay within +-2 KiB of rbx = DATA + 4 KiB, sometimes beyond the data
                            long off = j < 12 ? rnd.nextInt(1 << 15) - (1 << 14) : g.value(size);
                            Operands.set(s, p[1], size, off);
                            s.gpr[3] = MachineState.DATA + 0x1000 + rnd.nextInt(64);
                            b.add(asm, s, CF | ZF | DF).name(asm);
                        }
                    }
                }
            }
        }
        // LOCK with a register operand or on BT is #UD; 0F BA /0../3 are #UD
        for (String asm : new String[] {"db 0xf0\nbts eax, ebx", "db 0xf0\nbt dword [DATA], ebx", "db 0x0f, 0xba, 0xe0, 3 ; bt eax, 3",
            "db 0x0f, 0xba, 0xc0, 3 ; /0"}) {
            b.add(asm, g.state(), ALL);
        }
        b.run();
    }

    @Test
    void scansAndCounts() {
        Differential.Batch b = Differential.batch();
        for (int size : SIZES) {
            for (int k = 0; k < 3; k++) {
                int[] p = Regs.pair(rnd, size);
                String d = Regs.name(p[0], size), s = Regs.name(p[1], size);
                String mem = Regs.ptr(size) + " [DATA + 0x40]";
                String[][] forms = {{"bsf " + d + ", " + s, "z"}, {"bsr " + d + ", " + s, "z"}, {"bsf " + d + ", " + mem, "z"},
                    {"bsr " + d + ", " + mem, "z"}, {"lzcnt " + d + ", " + s, "l"}, {"lzcnt " + d + ", " + mem, "l"},
                    {"popcnt " + d + ", " + s, "a"}, {"popcnt " + d + ", " + mem, "a"}, {"bsr " + d + ", " + d, "z"}};
                for (String[] f : forms) {
                    long flags = f[1].equals("z") ? ZF | DF : f[1].equals("l") ? CF | ZF | DF : ALL;
                    for (int j = 0; j < 24; j++) {
                        MachineState st = g.state();
                        long v = j < 4 ? 0 : g.value(size);
                        Operands.set(st, p[1], size, v);
                        st.poke(0x40, size, v);
                        b.add(f[0], st, flags).name(f[0]);
                    }
                }
            }
        }
        b.run();
    }

    /** F3 0F BC runs as BSF (BMI1 is not announced), unlike on this host, which has TZCNT: emulator only. */
    @Test
    void repBsfIsBsf() {
        for (long v : new long[] {0, 1, 0x80, 0x8000_0000_0000_0000L, 0x1234_0000L}) {
            MachineState s = g.state().set(1, v).set(0, 0x5555);
            Outcome o = Differential.emulate("rep bsf rax, rcx", s);
            assertEquals(v == 0 ? 0x5555 : Long.numberOfTrailingZeros(v), o.state.gpr[0]);
            assertEquals(v == 0 ? ZF : 0, o.state.rflags & ZF);
        }
    }
}
