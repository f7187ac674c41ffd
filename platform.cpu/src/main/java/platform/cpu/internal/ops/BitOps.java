package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Bit instructions. Owns 0F A3/AB/B3/BB (BT BTS BTR BTC r/m, reg), 0F BA /4../7 (the same
 * with imm8), 0F BC/BD (BSF, BSR), F3 0F BD (LZCNT), F3 0F B8 (POPCNT).
 *
 * <p>Rules:
 * <ul>
 * <li>BT*: CF = the selected bit; ZF unchanged; OF SF AF PF are undefined and left
 *     unchanged. With a register operand the bit offset is taken modulo the operand width.
 *     With a memory operand and a register offset, the offset is a signed operand-size
 *     integer that may address outside the operand: the operand-size word at
 *     {@code ea + (offset >> log2(width)) * (width / 8)} is used (bit {@code offset mod
 *     width}). An immediate offset is taken modulo the width. BTS/BTR/BTC accept LOCK on
 *     memory ({@link Atomics#update}).
 * <li>BSF/BSR: a zero source sets ZF and leaves the destination unchanged (also its upper
 *     half for a 32-bit destination); otherwise ZF is clear and the destination is the
 *     index of the lowest/highest set bit. CF OF SF AF PF are undefined: here as the AMD
 *     host of the differential tests sets them (CF OF SF AF clear; PF of the index, set for
 *     a zero source).
 * <li>The emulated CPU announces LZCNT (CPUID 80000001h:ECX bit 5, "ABM") and POPCNT
 *     (CPUID 1:ECX bit 23), but not BMI1: F3 0F BC is BSF with an ignored REP prefix, as on
 *     a CPU without BMI1 (TZCNT and BSF agree for a non-zero source; software that wants
 *     TZCNT checks BMI1 first).
 * <li>LZCNT: the number of leading zero bits (the width for 0); CF = source is 0, ZF =
 *     result is 0; OF SF AF PF undefined (as on the AMD host: OF unchanged, SF AF PF clear).
 *     POPCNT: the number of set bits; ZF = source is 0; CF OF SF AF PF cleared.
 * </ul>
 */
final class BitOps {
    static final int BT = 0, BTS = 1, BTR = 2, BTC = 3;

    private BitOps() {}

    static void register(Opcodes t) {
        t.two(NP, 0xA3, MODRM, i -> btReg(i, BT));
        t.two(NP, 0xAB, MODRM, i -> btReg(i, BTS));
        t.two(NP, 0xB3, MODRM, i -> btReg(i, BTR));
        t.two(NP, 0xBB, MODRM, i -> btReg(i, BTC));
        t.two(NP, 0xBA, MODRM | IB, BitOps::btImm);
        t.two(NP, 0xBC, MODRM, i -> scan(i, true));
        t.two(NP, 0xBD, MODRM, i -> scan(i, false));
        t.two(PF3, 0xBD, MODRM, BitOps::lzcnt);
        t.two(PF3, 0xB8, MODRM, BitOps::popcnt);
    }

    // ---- BT BTS BTR BTC ----------------------------------------------------------------------

    /** Applies {@code kind} to bit {@code bit} of {@code v}; sets CF to the old bit; returns the new value. */
    static long apply(Core c, int kind, long v, int bit) {
        long m = 1L << bit;
        Flags.materialize(c);
        c.rf = (c.rf & ~Flags.CF) | ((v >>> bit) & 1);
        return switch (kind) {
            case BTS -> v | m;
            case BTR -> v & ~m;
            case BTC -> v ^ m;
            default -> v;
        };
    }

    private static Op btReg(Insn i, int kind) {
        int s = i.opsize;
        if (s == 1) {
            return null;
        }
        boolean lock = i.has(Insn.P_LOCK);
        if (lock && (!i.mem || kind == BT)) {
            return null;
        }
        int w = s * 8;
        int shift = Integer.numberOfTrailingZeros(w);
        if (!i.mem) {
            int rm = i.rm;
            if (kind == BT) {
                return (c, d) -> apply(c, BT, c.reg(rm, s), (int) c.readReg(d, s) & (w - 1));
            }
            return (c, d) -> c.setReg(rm, s, apply(c, kind, c.reg(rm, s), (int) c.readReg(d, s) & (w - 1)));
        }
        return (c, d) -> {
            long off = c.readReg(d, s);
            off = off << (64 - w) >> (64 - w); // signed offset
            long a = c.ea(d) + (off >> shift) * s;
            if (d.asize == 4) {
                a &= 0xFFFFFFFFL; // the adjusted address wraps like the effective address
            }
            int bit = (int) off & (w - 1);
            memory(c, a, s, kind, bit, lock);
        };
    }

    /** BT* on the operand-size word at {@code a}. */
    private static void memory(Core c, long a, int s, int kind, int bit, boolean lock) {
        if (kind == BT) {
            apply(c, BT, c.read(a, s), bit);
            return;
        }
        if (lock) {
            apply(c, kind, Atomics.update(c, a, s, 1L << bit, BT_FN[kind]), bit);
        } else {
            rmw(c, a, s, kind, bit);
        }
    }

    /** Locked BTS/BTR/BTC updates with a one-bit mask (pure: see Atomics.Fn). */
    private static final Atomics.Fn[] BT_FN = {null, (c, o, m) -> o | m, (c, o, m) -> o & ~m, (c, o, m) -> o ^ m};

    /** BTS/BTR/BTC on memory: read checked as a write, so the store cannot fault after CF changed. */
    private static void rmw(Core c, long a, int s, int kind, int bit) {
        c.write(a, s, apply(c, kind, c.readForWrite(a, s), bit));
    }

    /** 0F BA /4../7 r/m, imm8. */
    private static Op btImm(Insn i) {
        int ext = i.ext();
        int s = i.opsize;
        if (ext < 4 || s == 1) {
            return null;
        }
        int kind = ext - 4;
        boolean lock = i.has(Insn.P_LOCK);
        if (lock && (!i.mem || kind == BT)) {
            return null;
        }
        int bit = (int) i.imm & (s * 8 - 1);
        if (!i.mem) {
            int rm = i.rm;
            if (kind == BT) {
                return (c, d) -> apply(c, BT, c.reg(rm, s), bit);
            }
            return (c, d) -> c.setReg(rm, s, apply(c, kind, c.reg(rm, s), bit));
        }
        return (c, d) -> memory(c, c.ea(d), s, kind, bit, lock);
    }

    // ---- BSF BSR LZCNT POPCNT ----------------------------------------------------------------

    private static Op scan(Insn i, boolean forward) {
        if (i.has(Insn.P_LOCK) || i.opsize == 1) {
            return null;
        }
        int s = i.opsize, reg = i.reg;
        return (c, d) -> {
            long v = c.readRm(d, s);
            if (v == 0) {
                Flags.setArith(c, Flags.ZF | Flags.PF);
                return;
            }
            int r = forward ? Long.numberOfTrailingZeros(v) : 63 - Long.numberOfLeadingZeros(v);
            Flags.setArith(c, parity(r));
            c.setReg(reg, s, r);
        };
    }

    private static Op lzcnt(Insn i) {
        if (i.has(Insn.P_LOCK) || i.opsize == 1) {
            return null;
        }
        int s = i.opsize, reg = i.reg;
        int w = s * 8;
        return (c, d) -> {
            long v = c.readRm(d, s);
            int r = v == 0 ? w : Long.numberOfLeadingZeros(v) - (64 - w);
            Flags.setArith(c, (v == 0 ? Flags.CF : 0) | (r == 0 ? Flags.ZF : 0) | (Flags.of(c) ? Flags.OF : 0));
            c.setReg(reg, s, r);
        };
    }

    private static Op popcnt(Insn i) {
        if (i.has(Insn.P_LOCK) || i.opsize == 1) {
            return null;
        }
        int s = i.opsize, reg = i.reg;
        return (c, d) -> {
            long v = c.readRm(d, s);
            Flags.setArith(c, v == 0 ? Flags.ZF : 0);
            c.setReg(reg, s, Long.bitCount(v));
        };
    }

    /** PF for the low byte of {@code v}. */
    private static long parity(long v) {
        return (Integer.bitCount((int) v & 0xFF) & 1) == 0 ? Flags.PF : 0;
    }
}
