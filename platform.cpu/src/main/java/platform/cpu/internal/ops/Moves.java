package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Data movement. Owns 88..8E (MOV, LEA, MOV Sreg), 63 (MOVSXD), 86/87 and 90..97 (XCHG,
 * NOP, PAUSE), 98/99 (CBW.., CWD..), 9E/9F (SAHF, LAHF), A0..A3 (MOV moffs), B0..BF
 * (MOV r, imm), C6/C7 (MOV r/m, imm), 0F B6/B7/BE/BF (MOVZX, MOVSX), 0F 40..4F (CMOVcc),
 * 0F 90..9F (SETcc), 0F C8..CF (BSWAP), 0F 0D and 0F 18..1F (hint NOPs), D7 (XLAT).
 */
final class Moves {
    private Moves() {}

    static void register(Opcodes t) {
        t.one(0x88, MODRM | BYTE, Moves::movRmReg);
        t.one(0x89, MODRM, Moves::movRmReg);
        t.one(0x8A, MODRM | BYTE, Moves::movRegRm);
        t.one(0x8B, MODRM, Moves::movRegRm);
        t.one(0x8C, MODRM, Moves::movFromSreg);
        t.one(0x8D, MODRM, Moves::lea);
        t.one(0x8E, MODRM, Moves::movToSreg);
        t.one(0x63, MODRM, Moves::movsxd);
        t.one(0x86, MODRM | BYTE, Moves::xchgRm);
        t.one(0x87, MODRM, Moves::xchgRm);
        t.oneRange(0x90, 8, OPREG, Moves::xchgAcc);
        t.one(0x98, 0, i -> Alu.noLock(i, cbw(i.opsize)));
        t.one(0x99, 0, i -> Alu.noLock(i, cwd(i.opsize)));
        t.one(0x9E, 0, i -> Alu.noLock(i, (c, d) -> {
            Flags.materialize(c);
            long ah = (c.r[0] >>> 8) & (Flags.SF | Flags.ZF | Flags.AF | Flags.PF | Flags.CF);
            c.rf = (c.rf & ~(Flags.SF | Flags.ZF | Flags.AF | Flags.PF | Flags.CF)) | ah;
        }));
        t.one(0x9F, 0, i -> Alu.noLock(i, (c, d) -> c.setReg8(16, (c.rflags() & 0xD5) | 2)));
        t.one(0xA0, MOFFS | BYTE, i -> Alu.noLock(i, (c, d) -> c.setReg8(0, c.read8(c.ea(d)))));
        t.one(0xA1, MOFFS, i -> { int s = i.opsize; return Alu.noLock(i, (c, d) -> c.setReg(0, s, c.read(c.ea(d), s))); });
        t.one(0xA2, MOFFS | BYTE, i -> Alu.noLock(i, (c, d) -> c.write8(c.ea(d), c.r[0])));
        t.one(0xA3, MOFFS, i -> { int s = i.opsize; return Alu.noLock(i, (c, d) -> c.write(c.ea(d), s, c.r[0])); });
        t.oneRange(0xB0, 8, OPREG | IB | BYTE, i -> { int r = i.reg8; long v = i.imm; return Alu.noLock(i, (c, d) -> c.setReg8(r, v)); });
        t.oneRange(0xB8, 8, OPREG | IV, Moves::movRegImm);
        t.one(0xC6, MODRM | IB | BYTE, Moves::movRmImm);
        t.one(0xC7, MODRM | IZ, Moves::movRmImm);
        t.two(NP, 0xB6, MODRM, i -> movx(i, 1, false));
        t.two(NP, 0xB7, MODRM, i -> movx(i, 2, false));
        t.two(NP, 0xBE, MODRM, i -> movx(i, 1, true));
        t.two(NP, 0xBF, MODRM, i -> movx(i, 2, true));
        for (int cc = 0; cc < 16; cc++) {
            t.two(NP, 0x40 + cc, MODRM, Moves::cmov);
            t.two(NP, 0x90 + cc, MODRM | BYTE, Moves::setcc);
        }
        for (int r = 0; r < 8; r++) {
            t.two(NP, 0xC8 + r, OPREG, Moves::bswap);
        }
        t.one(0xD7, 0, Moves::xlat);
        t.two(NP, 0x0D, MODRM, Moves::hintNop);
        for (int op = 0x18; op <= 0x1F; op++) {
            t.two(NP, op, MODRM, Moves::hintNop);
        }
    }

    private static Op movRmReg(Insn i) {
        int s = i.opsize;
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        if (s == 8) {
            int reg = i.reg;
            if (!i.mem) {
                int rm = i.rm;
                return (c, d) -> c.r[rm] = c.r[reg];
            }
            return (c, d) -> c.write64(c.ea(d), c.r[reg]);
        }
        if (s == 4) {
            int reg = i.reg;
            if (!i.mem) {
                int rm = i.rm;
                return (c, d) -> c.r[rm] = c.r[reg] & Alu.M32;
            }
            return (c, d) -> c.write32(c.ea(d), c.r[reg]);
        }
        return (c, d) -> c.writeRm(d, s, c.readReg(d, s));
    }

    private static Op movRegRm(Insn i) {
        int s = i.opsize;
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        if (s == 8) {
            int reg = i.reg;
            if (!i.mem) {
                int rm = i.rm;
                return (c, d) -> c.r[reg] = c.r[rm];
            }
            return (c, d) -> c.r[reg] = c.read64(c.ea(d));
        }
        if (s == 4) {
            int reg = i.reg;
            if (i.mem) {
                return (c, d) -> c.r[reg] = c.read32(c.ea(d)) & 0xFFFFFFFFL;
            }
            int rm = i.rm;
            return (c, d) -> c.r[reg] = c.r[rm] & 0xFFFFFFFFL;
        }
        return (c, d) -> c.writeReg(d, s, c.readRm(d, s));
    }

    /** Selector values in 64-bit user mode (the GDT layout Linux uses): ES, CS, SS, DS, FS, GS. */
    private static final int[] SELECTORS = {0, 0x33, 0x2B, 0, 0, 0};

    private static Op movFromSreg(Insn i) {
        int sreg = (i.modrm >> 3) & 7;
        if (sreg > 5 || i.has(Insn.P_LOCK)) {
            return null;
        }
        int sel = SELECTORS[sreg];
        int s = i.mem ? 2 : i.opsize;
        return (c, d) -> c.writeRm(d, s, sel);
    }

    /** MOV Sreg, r/m: loading CS is #UD; data segments have no effect in 64-bit mode beyond the read. */
    private static Op movToSreg(Insn i) {
        int sreg = (i.modrm >> 3) & 7;
        if (sreg == 1 || sreg > 5 || i.has(Insn.P_LOCK)) {
            return null;
        }
        return (c, d) -> c.readRm(d, 2);
    }

    private static Op lea(Insn i) {
        if (!i.mem || i.has(Insn.P_LOCK)) {
            return null;
        }
        i.seg = Insn.SEG_NONE; // LEA computes an offset: no segment base
        int s = i.opsize;
        if (s == 8) {
            int reg = i.reg;
            return (c, d) -> c.r[reg] = c.ea(d);
        }
        return (c, d) -> c.setReg(d.reg, s, c.ea(d));
    }

    private static Op movsxd(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        if (i.opsize == 8) {
            int reg = i.reg;
            return (c, d) -> c.r[reg] = (int) c.readRm(d, 4);
        }
        int s = i.opsize;
        return (c, d) -> c.setReg(d.reg, s, c.readRm(d, s));
    }

    private static final Atomics.Fn XCHG_FN = (c, old, src) -> src;

    /** XCHG r/m, reg: with a memory operand it is always locked. */
    private static Op xchgRm(Insn i) {
        int s = i.opsize;
        if (!i.mem) {
            if (i.has(Insn.P_LOCK)) {
                return null;
            }
            return (c, d) -> {
                long a = c.readRm(d, s), b = c.readReg(d, s);
                c.writeRm(d, s, b);
                c.writeReg(d, s, a);
            };
        }
        return (c, d) -> {
            long ea = c.ea(d);
            long b = c.readReg(d, s);
            long a = Atomics.update(c, ea, s, b, XCHG_FN);
            c.writeReg(d, s, a);
        };
    }

    /** 90..97: XCHG rAX, reg; 90 without REX.B is NOP (PAUSE with F3). */
    private static Op xchgAcc(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        if (i.reg == 0) {
            return (c, d) -> { };
        }
        int s = i.opsize, reg = i.reg;
        return (c, d) -> {
            long a = c.reg(0, s), b = c.reg(reg, s);
            c.setReg(0, s, b);
            c.setReg(reg, s, a);
        };
    }

    private static Op cbw(int s) {
        return switch (s) {
            case 2 -> (c, d) -> c.setReg(0, 2, (byte) c.r[0]);
            case 4 -> (c, d) -> c.setReg(0, 4, (short) c.r[0]);
            default -> (c, d) -> c.r[0] = (int) c.r[0];
        };
    }

    private static Op cwd(int s) {
        return switch (s) {
            case 2 -> (c, d) -> c.setReg(2, 2, ((short) c.r[0]) >> 15);
            case 4 -> (c, d) -> c.setReg(2, 4, ((int) c.r[0]) >> 31);
            default -> (c, d) -> c.r[2] = c.r[0] >> 63;
        };
    }

    private static Op movRegImm(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize, reg = i.reg;
        long v = s == 4 ? i.imm & 0xFFFFFFFFL : i.imm;
        if (s == 2) {
            return (c, d) -> c.setReg(reg, 2, v);
        }
        return (c, d) -> c.r[reg] = v;
    }

    private static Op movRmImm(Insn i) {
        if (i.ext() != 0 || i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize;
        long v = i.imm;
        if (i.mem && s == 8) {
            return (c, d) -> c.write64(c.ea(d), v);
        }
        if (i.mem && s == 4) {
            return (c, d) -> c.write32(c.ea(d), v);
        }
        return (c, d) -> c.writeRm(d, s, v);
    }

    /** MOVZX/MOVSX reg, r/m8 or r/m16. */
    private static Op movx(Insn i, int from, boolean signed) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize;
        int reg = i.reg;
        if (from == 1) {
            if (!signed && !i.mem && s >= 4) {
                int rm8 = i.rm8;
                return (c, d) -> c.r[reg] = c.reg8(rm8);
            }
            if (!signed) {
                return (c, d) -> c.setReg(reg, s, c.readRm(d, 1));
            }
            return (c, d) -> c.setReg(reg, s, (byte) c.readRm(d, 1));
        }
        if (!signed) {
            return (c, d) -> c.setReg(reg, s, c.readRm(d, 2));
        }
        return (c, d) -> c.setReg(reg, s, (short) c.readRm(d, 2));
    }

    /** CMOVcc: the source is read (and may fault) whatever the condition; a 32-bit form always zero-extends. */
    private static Op cmov(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize, cc = i.cc, reg = i.reg;
        if (s == 8) {
            return (c, d) -> {
                long v = c.readRm(d, 8);
                if (Flags.cond(c, cc)) {
                    c.r[reg] = v;
                }
            };
        }
        return (c, d) -> {
            long v = c.readRm(d, s);
            if (Flags.cond(c, cc)) {
                c.setReg(reg, s, v);
            } else if (s == 4) {
                c.r[reg] &= 0xFFFFFFFFL;
            }
        };
    }

    private static Op setcc(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int cc = i.cc;
        return (c, d) -> c.writeRm(d, 1, Flags.cond(c, cc) ? 1 : 0);
    }

    private static Op bswap(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int reg = i.reg;
        return switch (i.opsize) {
            case 8 -> (c, d) -> c.r[reg] = Long.reverseBytes(c.r[reg]);
            case 4 -> (c, d) -> c.r[reg] = Integer.reverseBytes((int) c.r[reg]) & 0xFFFFFFFFL;
            default -> (c, d) -> c.r[reg] &= ~0xFFFFL; // 16-bit BSWAP is undefined; hardware clears the word
        };
    }

    /** XLAT: AL = [RBX + AL] (EBX with a 67 prefix; FS/GS overrides apply). */
    private static Op xlat(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        long amask = i.asize == 4 ? 0xFFFFFFFFL : -1L;
        int seg = i.seg;
        return (c, d) -> {
            long a = ((c.r[3] + (c.r[0] & 0xFF)) & amask) + (seg == Insn.SEG_FS ? c.fsBase : seg == Insn.SEG_GS ? c.gsBase : 0);
            c.setReg8(0, c.read8(a));
        };
    }

    private static Op hintNop(Insn i) {
        return i.has(Insn.P_LOCK) ? null : (c, d) -> { };
    }
}
