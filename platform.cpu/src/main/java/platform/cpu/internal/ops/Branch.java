package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.Vectors;
import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Near control transfers. A target that is not canonical raises #GP(0) at the branch (before
 * anything is pushed or popped), as the hardware does, not at the fetch. Owns 70..7F and 0F 80..8F (Jcc), E0..E3 (LOOPcc, JrCXZ), E8
 * (CALL), E9/EB (JMP), C2/C3 (RET). Operand size is always 64 bits (Intel ignores 66 on
 * near branches in 64-bit mode). CALL/JMP through r/m are in {@link Alu} (group 5).
 */
final class Branch {
    private Branch() {}

    static void register(Opcodes t) {
        for (int cc = 0; cc < 16; cc++) {
            t.one(0x70 + cc, IB | F64 | END, Branch::jcc);
            t.two(NP, 0x80 + cc, IZ | F64 | END, Branch::jcc);
        }
        t.one(0xE8, IZ | F64 | END, i -> {
            long rel = i.imm;
            return Alu.noLock(i, (c, d) -> {
                long ret = c.rip;
                long target = canonical(c, ret + rel);
                long sp = c.r[4] - 8;
                c.write64(sp, ret);
                c.r[4] = sp;
                c.rip = target;
            });
        });
        t.one(0xE9, IZ | F64 | END, Branch::jmp);
        t.one(0xEB, IB | F64 | END, Branch::jmp);
        t.one(0xC3, F64 | END, i -> Alu.noLock(i, (c, d) -> {
            long sp = c.r[4];
            c.rip = canonical(c, c.read64(sp));
            c.r[4] = sp + 8;
        }));
        t.one(0xC2, IW | F64 | END, i -> {
            long n = i.imm & 0xFFFF;
            return Alu.noLock(i, (c, d) -> {
                long sp = c.r[4];
                c.rip = canonical(c, c.read64(sp));
                c.r[4] = sp + 8 + n;
            });
        });
        t.one(0xE0, IB | F64 | END, i -> loop(i, 0));
        t.one(0xE1, IB | F64 | END, i -> loop(i, 1));
        t.one(0xE2, IB | F64 | END, i -> loop(i, 2));
        t.one(0xE3, IB | F64 | END, i -> {
            long rel = i.imm;
            boolean a32 = i.asize == 4;
            return Alu.noLock(i, (c, d) -> {
                if ((a32 ? c.r[1] & 0xFFFFFFFFL : c.r[1]) == 0) {
                    c.rip = canonical(c, c.rip + rel);
                }
            });
        });
    }

    /** {@code t} if it is a canonical address; otherwise #GP(0). */
    static long canonical(Core c, long t) {
        if ((t << 16 >> 16) != t) {
            throw c.fault(Vectors.GP, 0);
        }
        return t;
    }

    private static Op jcc(Insn i) {
        long rel = i.imm;
        int cc = i.cc;
        return Alu.noLock(i, (c, d) -> {
            if (Flags.cond(c, cc)) {
                c.rip = canonical(c, c.rip + rel);
            }
        });
    }

    private static Op jmp(Insn i) {
        long rel = i.imm;
        return Alu.noLock(i, (c, d) -> c.rip = canonical(c, c.rip + rel));
    }

    /** LOOPNE (0), LOOPE (1), LOOP (2): decrement rCX (ECX with 67) without touching flags. */
    private static Op loop(Insn i, int kind) {
        long rel = i.imm;
        boolean a32 = i.asize == 4;
        return Alu.noLock(i, (c, d) -> {
            // a 32-bit count register write zero-extends; nothing changes if the target faults
            long n = a32 ? (c.r[1] - 1) & 0xFFFFFFFFL : c.r[1] - 1;
            boolean take = n != 0 && (kind == 2 || Flags.zf(c) == (kind == 1));
            if (take) {
                c.rip = canonical(c, c.rip + rel);
            }
            c.r[1] = n;
        });
    }
}
