package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.Vectors;
import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Integer arithmetic and logic. Owns opcodes 00..3D (ADD OR ADC SBB AND SUB XOR CMP in their
 * six forms), 80/81/83 (group 1), 84/85/A8/A9 (TEST), F6/F7 (group 3: TEST NOT NEG MUL IMUL
 * DIV IDIV), FE/FF (group 4/5: INC DEC CALL JMP PUSH), 69/6B/0F AF (IMUL), F5 F8 F9 (CMC CLC
 * STC).
 *
 * <p>LOCK: accepted on the memory forms of ADD OR ADC SBB AND SUB XOR NOT NEG INC DEC, which
 * then run as one atomic read-modify-write ({@link Atomics#update}); anywhere else it is #UD.
 */
final class Alu {
    static final int ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;
    static final long M32 = 0xFFFF_FFFFL;

    private Alu() {}

    static void register(Opcodes t) {
        for (int op = 0; op < 8; op++) {
            final int o = op;
            int base = op << 3;
            t.one(base, MODRM | BYTE, i -> rmReg(i, o));
            t.one(base + 1, MODRM, i -> rmReg(i, o));
            t.one(base + 2, MODRM | BYTE, i -> regRm(i, o));
            t.one(base + 3, MODRM, i -> regRm(i, o));
            t.one(base + 4, IB | BYTE, i -> accImm(i, o));
            t.one(base + 5, IZ, i -> accImm(i, o));
        }
        t.one(0x80, MODRM | IB | BYTE, i -> rmImm(i, i.ext()));
        t.one(0x81, MODRM | IZ, i -> rmImm(i, i.ext()));
        t.one(0x83, MODRM | IB, i -> rmImm(i, i.ext()));
        t.one(0x84, MODRM | BYTE, Alu::test);
        t.one(0x85, MODRM, Alu::test);
        t.one(0xA8, IB | BYTE, Alu::testAcc);
        t.one(0xA9, IZ, Alu::testAcc);
        t.one(0xF6, MODRM | BYTE | GRP3, Alu::group3);
        t.one(0xF7, MODRM | GRP3, Alu::group3);
        t.one(0xFE, MODRM | BYTE, Alu::group4);
        t.one(0xFF, MODRM, Alu::group5);
        t.one(0x69, MODRM | IZ, i -> noLock(i, (c, d) -> imul3(c, d, d.imm)));
        t.one(0x6B, MODRM | IB, i -> noLock(i, (c, d) -> imul3(c, d, d.imm)));
        t.two(NP, 0xAF, MODRM, i -> noLock(i, (c, d) -> imul2(c, d)));
        t.one(0xF5, 0, i -> noLock(i, (c, d) -> { Flags.materialize(c); c.rf ^= Flags.CF; }));
        t.one(0xF8, 0, i -> noLock(i, (c, d) -> { Flags.materialize(c); c.rf &= ~Flags.CF; }));
        t.one(0xF9, 0, i -> noLock(i, (c, d) -> { Flags.materialize(c); c.rf |= Flags.CF; }));
    }

    /** The op, unless the instruction carries a LOCK prefix (then #UD). */
    static Op noLock(Insn i, Op op) {
        return i.has(Insn.P_LOCK) ? null : op;
    }

    /** Computes {@code op} on dst and src at {@code size} bytes, records flags, returns the result. */
    static long alu(Core c, int op, int size, long dst, long src) {
        long r;
        switch (op) {
            case ADD -> { r = dst + src; Flags.set(c, Flags.ADD, size, dst, src, r); }
            case OR -> { r = dst | src; Flags.logic(c, size, r); }
            case ADC -> {
                boolean cin = Flags.cf(c);
                r = dst + src + (cin ? 1 : 0);
                Flags.set(c, cin ? Flags.ADC : Flags.ADD, size, dst, src, r);
            }
            case SBB -> {
                boolean cin = Flags.cf(c);
                r = dst - src - (cin ? 1 : 0);
                Flags.set(c, cin ? Flags.SBB : Flags.SUB, size, dst, src, r);
            }
            case AND -> { r = dst & src; Flags.logic(c, size, r); }
            case SUB, CMP -> { r = dst - src; Flags.set(c, Flags.SUB, size, dst, src, r); }
            default -> { r = dst ^ src; Flags.logic(c, size, r); }
        }
        return r;
    }

    /** op r/m, reg */
    private static Op rmReg(Insn i, int op) {
        int s = i.opsize;
        if (i.has(Insn.P_LOCK)) {
            if (!i.mem || op == CMP) {
                return null;
            }
            return (c, d) -> {
                long a = c.ea(d);
                long src = c.readReg(d, s);
                lockedAlu(c, a, op, s, src);
            };
        }
        if (!i.mem && s == 8) { // the common register-register case, without size dispatch
            int rm = i.rm, reg = i.reg;
            if (op == CMP) {
                return (c, d) -> { long x = c.r[rm], y = c.r[reg]; Flags.set(c, Flags.SUB, 8, x, y, x - y); };
            }
            return (c, d) -> c.r[rm] = alu(c, op, 8, c.r[rm], c.r[reg]);
        }
        if (!i.mem && s == 4) { // 32-bit register-register: results zero-extend
            int rm = i.rm, reg = i.reg;
            if (op == CMP) {
                return (c, d) -> { long x = c.r[rm] & M32, y = c.r[reg] & M32; Flags.set(c, Flags.SUB, 4, x, y, x - y); };
            }
            return (c, d) -> c.r[rm] = alu(c, op, 4, c.r[rm] & M32, c.r[reg] & M32) & M32;
        }
        if (op == CMP) {
            return (c, d) -> alu(c, op, s, c.readRm(d, s), c.readReg(d, s));
        }
        if (i.mem) {
            return (c, d) -> aluMem(c, c.ea(d), op, s, c.readReg(d, s));
        }
        return (c, d) -> c.writeRm(d, s, alu(c, op, s, c.readRm(d, s), c.readReg(d, s)));
    }

    /** op reg, r/m */
    private static Op regRm(Insn i, int op) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize;
        if (op == CMP) {
            return (c, d) -> alu(c, op, s, c.readReg(d, s), c.readRm(d, s));
        }
        if (s == 8 && !i.mem) {
            int rm = i.rm, reg = i.reg;
            return (c, d) -> c.r[reg] = alu(c, op, 8, c.r[reg], c.r[rm]);
        }
        if (s == 4 && !i.mem) {
            int rm = i.rm, reg = i.reg;
            return (c, d) -> c.r[reg] = alu(c, op, 4, c.r[reg] & M32, c.r[rm] & M32) & M32;
        }
        if (s == 4) {
            int reg = i.reg;
            return (c, d) -> c.r[reg] = alu(c, op, 4, c.r[reg] & M32, c.read32(c.ea(d)) & M32) & M32;
        }
        if (s == 8) {
            int reg = i.reg;
            return (c, d) -> c.r[reg] = alu(c, op, 8, c.r[reg], c.read64(c.ea(d)));
        }
        return (c, d) -> c.writeReg(d, s, alu(c, op, s, c.readReg(d, s), c.readRm(d, s)));
    }

    /** op AL/AX/EAX/RAX, imm */
    private static Op accImm(Insn i, int op) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize;
        long imm = i.imm;
        if (s == 1) {
            return (c, d) -> {
                long r = alu(c, op, 1, c.r[0] & 0xFF, imm);
                if (op != CMP) {
                    c.setReg8(0, r);
                }
            };
        }
        return (c, d) -> {
            long r = alu(c, op, s, c.reg(0, s), imm);
            if (op != CMP) {
                c.setReg(0, s, r);
            }
        };
    }

    /** group 1: op r/m, imm */
    private static Op rmImm(Insn i, int op) {
        int s = i.opsize;
        long imm = i.imm;
        if (i.has(Insn.P_LOCK)) {
            if (!i.mem || op == CMP) {
                return null;
            }
            return (c, d) -> {
                long a = c.ea(d);
                lockedAlu(c, a, op, s, imm);
            };
        }
        if (!i.mem && s == 8) {
            int rm = i.rm;
            if (op == CMP) {
                return (c, d) -> { long x = c.r[rm]; Flags.set(c, Flags.SUB, 8, x, imm, x - imm); };
            }
            if (op == ADD) {
                return (c, d) -> { long x = c.r[rm], r = x + imm; Flags.set(c, Flags.ADD, 8, x, imm, r); c.r[rm] = r; };
            }
            if (op == SUB) {
                return (c, d) -> { long x = c.r[rm], r = x - imm; Flags.set(c, Flags.SUB, 8, x, imm, r); c.r[rm] = r; };
            }
            return (c, d) -> c.r[rm] = alu(c, op, 8, c.r[rm], imm);
        }
        if (!i.mem && s == 4) {
            int rm = i.rm;
            long imm32 = imm & M32;
            if (op == CMP) {
                return (c, d) -> { long x = c.r[rm] & M32; Flags.set(c, Flags.SUB, 4, x, imm32, x - imm32); };
            }
            return (c, d) -> c.r[rm] = alu(c, op, 4, c.r[rm] & M32, imm32) & M32;
        }
        if (op == CMP) {
            return (c, d) -> alu(c, op, s, c.readRm(d, s), imm);
        }
        if (i.mem) {
            return (c, d) -> aluMem(c, c.ea(d), op, s, imm);
        }
        return (c, d) -> c.writeRm(d, s, alu(c, op, s, c.readRm(d, s), imm));
    }

    private static Op test(Insn i) {
        int s = i.opsize;
        return noLock(i, (c, d) -> Flags.logic(c, s, c.readRm(d, s) & c.readReg(d, s)));
    }

    private static Op testAcc(Insn i) {
        int s = i.opsize;
        long imm = i.imm;
        return noLock(i, (c, d) -> Flags.logic(c, s, c.reg(0, s) & imm));
    }

    /** F6/F7: TEST NOT NEG MUL IMUL DIV IDIV */
    private static Op group3(Insn i) {
        int s = i.opsize;
        int ext = i.ext();
        if (i.has(Insn.P_LOCK) && !(i.mem && (ext == 2 || ext == 3))) {
            return null;
        }
        boolean lock = i.has(Insn.P_LOCK);
        return switch (ext) {
            case 0, 1 -> {
                long imm = i.imm;
                yield (c, d) -> Flags.logic(c, s, c.readRm(d, s) & imm);
            }
            case 2 -> lock
                    ? (c, d) -> Atomics.update(c, c.ea(d), s, 0, NOT_FN)
                    : i.mem ? (c, d) -> notMem(c, c.ea(d), s) : (c, d) -> c.writeRm(d, s, ~c.readRm(d, s));
            case 3 -> lock
                    ? (c, d) -> neg(c, s, Atomics.update(c, c.ea(d), s, 0, NEG_FN))
                    : i.mem ? (c, d) -> negMem(c, c.ea(d), s) : (c, d) -> c.writeRm(d, s, neg(c, s, c.readRm(d, s)));
            case 4 -> (c, d) -> MulDiv.mul(c, s, c.readRm(d, s));
            case 5 -> (c, d) -> MulDiv.imul1(c, s, c.readRm(d, s));
            case 6 -> (c, d) -> MulDiv.div(c, s, c.readRm(d, s));
            default -> (c, d) -> MulDiv.idiv(c, s, c.readRm(d, s));
        };
    }

    /*
     * Memory read-modify-write: the operand is read with Core.readForWrite, which checks the
     * access as a write (the error code of a #PF has W set, as on the hardware), so the store
     * cannot fault after the flags were recorded.
     */

    /** Locked read-modify-write functions (pure: see Atomics.Fn), by ALU operation. */
    private static final Atomics.Fn[] ALU_FN = {
        (c, o, x) -> o + x, (c, o, x) -> o | x, (c, o, x) -> o + x + (Flags.cf(c) ? 1 : 0),
        (c, o, x) -> o - x - (Flags.cf(c) ? 1 : 0), (c, o, x) -> o & x, (c, o, x) -> o - x, (c, o, x) -> o ^ x, null};
    private static final Atomics.Fn NOT_FN = (c, o, x) -> ~o, NEG_FN = (c, o, x) -> -o,
            INC_FN = (c, o, x) -> o + 1, DEC_FN = (c, o, x) -> o - 1;

    /** LOCK op [a], src: the memory update is atomic, then the flags are recorded from the old value. */
    static void lockedAlu(Core c, long a, int op, int s, long src) {
        alu(c, op, s, Atomics.update(c, a, s, src, ALU_FN[op]), src);
    }

    /** op [a], src */
    static void aluMem(Core c, long a, int op, int s, long src) {
        c.write(a, s, alu(c, op, s, c.readForWrite(a, s), src));
    }

    private static void negMem(Core c, long a, int s) {
        c.write(a, s, neg(c, s, c.readForWrite(a, s)));
    }

    private static void notMem(Core c, long a, int s) {
        c.write(a, s, ~c.readForWrite(a, s));
    }

    private static void incDecMem(Core c, long a, int s, boolean inc) {
        c.write(a, s, incDec(c, s, c.readForWrite(a, s), inc));
    }

    static long neg(Core c, int s, long v) {
        long r = -v;
        Flags.set(c, Flags.SUB, s, 0, v, r);
        return r;
    }

    /** INC/DEC: CF is preserved. */
    static long incDec(Core c, int s, long v, boolean inc) {
        boolean cf = Flags.cf(c);
        long r = inc ? v + 1 : v - 1;
        c.rf = (c.rf & ~Flags.CF) | (cf ? Flags.CF : 0);
        Flags.set(c, inc ? Flags.INC : Flags.DEC, s, v, 1, r);
        return r;
    }

    /** FE: INC/DEC r/m8 */
    private static Op group4(Insn i) {
        int ext = i.ext();
        if (ext > 1 || (i.has(Insn.P_LOCK) && !i.mem)) {
            return null;
        }
        return incDecOp(i, ext == 0);
    }

    private static Op incDecOp(Insn i, boolean inc) {
        int s = i.opsize;
        if (i.has(Insn.P_LOCK)) {
            Atomics.Fn fn = inc ? INC_FN : DEC_FN;
            return (c, d) -> incDec(c, s, Atomics.update(c, c.ea(d), s, 0, fn), inc);
        }
        if (i.mem) {
            return (c, d) -> incDecMem(c, c.ea(d), s, inc);
        }
        if (!i.mem && s == 8) {
            int rm = i.rm;
            return (c, d) -> c.r[rm] = incDec(c, 8, c.r[rm], inc);
        }
        return (c, d) -> c.writeRm(d, s, incDec(c, s, c.readRm(d, s), inc));
    }

    /** FF: INC DEC CALL JMP PUSH (far forms are not supported: #UD) */
    private static Op group5(Insn i) {
        int ext = i.ext();
        if (i.has(Insn.P_LOCK) && !(i.mem && ext < 2)) {
            return null;
        }
        switch (ext) {
            case 0, 1:
                return incDecOp(i, ext == 0);
            case 2: {
                i.opsize = 8;
                i.ends = true;
                return (c, d) -> {
                    long target = Branch.canonical(c, c.readRm(d, 8));
                    c.push(c.rip, 8);
                    c.rip = target;
                };
            }
            case 4: {
                i.opsize = 8;
                i.ends = true;
                return (c, d) -> c.rip = Branch.canonical(c, c.readRm(d, 8));
            }
            case 6: {
                int s = i.has(Insn.P_OPSIZE) ? 2 : 8;
                i.opsize = s;
                return (c, d) -> c.push(c.readRm(d, s), s);
            }
            default:
                return null;
        }
    }

    /** IMUL reg, r/m, imm */
    private static void imul3(Core c, Insn d, long imm) {
        int s = d.opsize;
        c.writeReg(d, s, MulDiv.imulTrunc(c, s, c.readRm(d, s), imm));
    }

    /** IMUL reg, r/m */
    private static void imul2(Core c, Insn d) {
        int s = d.opsize;
        c.writeReg(d, s, MulDiv.imulTrunc(c, s, c.readReg(d, s), c.readRm(d, s)));
    }

    static void divideError(Core c) {
        throw c.fault(Vectors.DE, 0);
    }
}
