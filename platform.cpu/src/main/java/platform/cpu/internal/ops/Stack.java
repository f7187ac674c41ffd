package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * The stack. Owns 50..5F (PUSH/POP reg), 68/6A (PUSH imm), 8F (POP r/m), 9C/9D (PUSHF,
 * POPF), C8/C9 (ENTER, LEAVE). Operand size is 64 bits, or 16 with a 66 prefix.
 */
final class Stack {
    private Stack() {}

    /** RFLAGS bits POPF may change at CPL 3 with IOPL 0: CF PF AF ZF SF TF DF OF NT AC ID. */
    static final long POPF_USER = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4000 | 0x40000 | 0x200000;

    static void register(Opcodes t) {
        t.oneRange(0x50, 8, OPREG | DEF64, Stack::pushReg);
        t.oneRange(0x58, 8, OPREG | DEF64, Stack::popReg);
        t.one(0x68, IZ | DEF64, Stack::pushImm);
        t.one(0x6A, IB | DEF64, Stack::pushImm);
        t.one(0x8F, MODRM | DEF64, Stack::popRm);
        t.one(0x9C, DEF64, i -> {
            int s = i.opsize;
            return Alu.noLock(i, (c, d) -> c.push(c.rflags() & ~0x30000L, s)); // VM and RF read as 0
        });
        t.one(0x9D, DEF64 | END, i -> {
            int s = i.opsize;
            return Alu.noLock(i, (c, d) -> popf(c, c.pop(s), s));
        });
        t.one(0xC8, IW_IB | DEF64, Stack::enter);
        t.one(0xC9, DEF64, i -> {
            int s = i.opsize;
            return Alu.noLock(i, (c, d) -> {
                long v = c.read(c.r[5], s); // may fault before anything changes
                c.r[4] = c.r[5] + s;
                if (s == 8) {
                    c.r[5] = v;
                } else {
                    c.setReg(5, 2, v);
                }
            });
        });
    }

    static void popf(Core c, long v, int s) {
        long mask = c.cpl == 0 ? POPF_USER | 0x200 | 0x3000 : POPF_USER;
        if (s == 2) {
            mask &= 0xFFFF;
        }
        long old = c.rflags();
        c.setRflags((old & ~mask) | (v & mask));
    }

    private static Op pushReg(Insn i) {
        int s = i.opsize, reg = i.reg;
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        if (s == 8) {
            return (c, d) -> {
                long sp = c.r[4] - 8;
                c.write64(sp, c.r[reg]);
                c.r[4] = sp;
            };
        }
        return (c, d) -> c.push(c.r[reg], 2);
    }

    private static Op popReg(Insn i) {
        int s = i.opsize, reg = i.reg;
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        if (s == 8) {
            return (c, d) -> {
                long sp = c.r[4];
                long v = c.read64(sp);
                c.r[4] = sp + 8;
                c.r[reg] = v; // POP RSP loads the popped value
            };
        }
        return (c, d) -> {
            long v = c.read16(c.r[4]);
            c.r[4] += 2;
            c.setReg(reg, 2, v);
        };
    }

    private static Op pushImm(Insn i) {
        int s = i.opsize;
        long v = i.imm;
        return Alu.noLock(i, (c, d) -> c.push(v, s));
    }

    /** POP r/m: RSP is incremented before the destination address is computed. */
    private static Op popRm(Insn i) {
        if (i.ext() != 0 || i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize;
        return (c, d) -> {
            long sp = c.r[4];
            long v = c.read(sp, s);
            c.r[4] = sp + s;
            try {
                c.writeRm(d, s, v);
            } catch (RuntimeException fault) {
                c.r[4] = sp;
                throw fault;
            }
        };
    }

    /**
     * ENTER size, level (level taken modulo 32), as the hardware does it: push RBP, for each
     * outer frame read its pointer and push it, push the frame pointer, then check that the
     * new top of stack is writable; RBP and RSP change only at the end. A fault leaves the
     * registers unchanged but keeps the pushes that were already done (the host CPU does the
     * same).
     */
    private static Op enter(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize;
        long size = i.imm & 0xFFFF;
        int level = i.imm2 & 31;
        return (c, d) -> {
            long bp = c.r[5];
            long t = c.r[4] - s;
            c.write(t, s, bp);
            long frame = t;
            for (int k = 1; k < level; k++) {
                bp -= s;
                t -= s;
                c.write(t, s, c.read(bp, s));
            }
            if (level > 0) {
                t -= s;
                c.write(t, s, frame);
            }
            c.probeWrite(t - size, s);
            if (s == 8) {
                c.r[5] = frame;
            } else {
                c.setReg(5, 2, frame);
            }
            c.r[4] = t - size;
        };
    }
}
