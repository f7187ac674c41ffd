package platform.cpu.diff;

import static platform.cpu.diff.Differential.ALL;
import static platform.cpu.diff.Differential.DF;
import static platform.cpu.diff.Differential.ZF;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * CMPXCHG (equal and not equal, register and memory, locked and not), XADD, CMPXCHG8B and
 * CMPXCHG16B (alignment #GP), at every size, with memory at aligned, unaligned, page-crossing,
 * read-only and unmapped addresses.
 */
class DiffAtomicsTest {
    static final int[] SIZES = {1, 2, 4, 8};
    private final Gen g = new Gen(0xA7_0001);
    private final Random rnd = g.rnd;

    private static final int[] OFFSETS = {0x100, 0x101, 0x106, 0x0ffd, 0x0ffe, 0x0fff, 0x1ff0};

    @Test
    void compareExchangeAndExchangeAdd() {
        Differential.Batch b = Differential.batch();
        for (int size : SIZES) {
            for (int k = 0; k < 3; k++) {
                int[] p = Regs.pair(rnd, size);
                while (Regs.full(p[0]) == 0 || Regs.full(p[1]) == 0 || p[0] == 3 || p[1] == 3) {
                    p = Regs.pair(rnd, size);
                }
                String r = Regs.name(p[0], size), src = Regs.name(p[1], size);
                String mem = Regs.ptr(size) + " [rbx]";
                String[] forms = {"cmpxchg " + r + ", " + src, "cmpxchg " + mem + ", " + src, "lock cmpxchg " + mem + ", " + src,
                    "xadd " + r + ", " + src, "xadd " + mem + ", " + src, "lock xadd " + mem + ", " + src,
                    "cmpxchg " + Regs.name(0, size) + ", " + src, "xadd " + r + ", " + r};
                for (String asm : forms) {
                    for (int j = 0; j < 24; j++) {
                        MachineState s = g.state();
                        int off = OFFSETS[rnd.nextInt(OFFSETS.length)];
                        s.gpr[3] = MachineState.DATA + off;
                        long v = g.value(size);
                        s.poke(off, size, v);
                        Operands.set(s, p[0], size, g.value(size));
                        Operands.set(s, p[1], size, g.value(size));
                        if (rnd.nextBoolean()) { // accumulator equal to the destination
                            Operands.set(s, 0, size, asm.contains("[") ? v : s.gpr[Regs.full(p[0])] >>> (p[0] >= 16 ? 8 : 0));
                        }
                        b.add(asm, s, ALL).name(asm);
                    }
                }
                // read-only and unmapped destinations
                for (String base : new String[] {"RODATA + 8", "DATA + 0x2000", "DATA - 2"}) {
                    for (String asm : new String[] {"lock cmpxchg " + Regs.ptr(size) + " [" + base + "], " + src,
                        "cmpxchg " + Regs.ptr(size) + " [" + base + "], " + src, "lock xadd " + Regs.ptr(size) + " [" + base + "], " + src}) {
                        MachineState s = g.state();
                        s.gpr[0] = rnd.nextBoolean() ? 0x1f1b1815120f0c09L : g.any(); // RODATA + 8 holds bytes k*37+11
                        b.add(asm, s, ALL).name(asm);
                    }
                }
            }
        }
        // LOCK on a register form is #UD
        b.add("db 0xf0\ncmpxchg eax, ebx", g.state(), ALL);
        b.add("db 0xf0\nxadd eax, ebx", g.state(), ALL);
        b.run();
    }

    @Test
    void compareExchange8And16Bytes() {
        Differential.Batch b = Differential.batch();
        for (String op : new String[] {"cmpxchg8b", "lock cmpxchg8b", "cmpxchg16b", "lock cmpxchg16b"}) {
            boolean wide = op.endsWith("16b");
            String asm = op + " [rsi]";
            for (int j = 0; j < 60; j++) {
                MachineState s = g.state();
                int off = j < 40 ? 0x100 + 16 * rnd.nextInt(200) : OFFSETS[rnd.nextInt(OFFSETS.length)] & ~(wide ? 0 : 0);
                if (j >= 50) {
                    off = 0x200 + rnd.nextInt(16); // unaligned: #GP for 16 bytes
                }
                s.gpr[6] = MachineState.DATA + off;
                if (rnd.nextBoolean()) {
                    s.gpr[0] = s.peek(off, 8);
                    if (rnd.nextInt(4) != 0) {
                        s.gpr[2] = wide ? s.peek(off + 8, 8) : s.peek(off + 4, 4) | (g.any() & 0xFFFF_FFFF_0000_0000L);
                        if (!wide) {
                            s.gpr[0] = s.peek(off, 4) | (g.any() & 0xFFFF_FFFF_0000_0000L);
                        }
                    }
                }
                b.add(asm, s, ZF | DF).name(asm + " +" + Integer.toHexString(off));
            }
            for (String base : new String[] {"RODATA", "DATA + 0x2000", "DATA + 0x1ff8"}) {
                String a = op + " [" + base + "]";
                b.add(a, g.state(), ZF | DF).name(a);
            }
        }
        b.add("db 0x0f, 0xc7, 0xc8 ; cmpxchg8b with a register operand", g.state(), ALL);
        b.add("db 0x0f, 0xc7, 0x0e ; cmpxchg8b [rsi]", g.state().set(6, MachineState.DATA + 8), ZF | DF);
        b.run();
    }
}
