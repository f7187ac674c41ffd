package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.Vectors;
import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;
import platform.cpu.internal.x87.F80;
import platform.cpu.internal.x87.F80.Reg;
import platform.cpu.internal.x87.F80Convert;

/**
 * The x87 FPU instructions: opcodes D8..DF and 9B (FWAIT). The arithmetic is
 * {@link F80} (bit-exact 80-bit floating point); this class is the register stack, the
 * tags, the status word and the memory forms.
 *
 * <p>State (in {@link Core}): physical registers {@code fpuM/fpuSE[0..7]}; ST(i) is physical
 * register (TOP + i) mod 8, TOP being FSW bits 13..11; {@code ftw} holds two tag bits per
 * physical register (00 valid, 01 zero, 10 special, 11 empty).
 *
 * <p>Exceptions: flags are sticky in FSW. With an exception masked (the default) the
 * instruction delivers the masked response (e.g. the indefinite QNaN). An unmasked IE, DE or
 * ZE leaves the destination unchanged (and does not pop); any unmasked exception sets FSW.ES
 * and B, and the next waiting x87 instruction raises #MF before it does anything. Stack
 * overflow and underflow are IE with SF (C1 = 1 for overflow). CR0.EM or CR0.TS raise #NM.
 *
 * <p>Not kept: the last instruction and data pointers (FIP/FDP/FOP read as 0).
 *
 * <p>Checked against the host x87 by the differential tests (platform.cpu.diff.DiffX87*Test,
 * an AMD host). Where the SDM leaves a detail undefined, or where that host differs from what
 * Intel documents, this follows the host: FCOMI/FUCOMI leave C1 alone and set ZF PF CF even
 * when IE is unmasked; FCMOVcc leaves C1 alone; FFREE/FFREEP clear C1; FPREM/FPREM1 without
 * a remainder (NaN, invalid, unmasked DE, underflow) and FSIN..FSINCOS keep C0 and C3;
 * the masked underflow of FXTRACT/FPTAN/FSINCOS pushes a second indefinite; FSTP1 (D9 D8+i)
 * pops an empty ST(0) without an exception; a FNSTENV/FNSAVE/FLDENV/FRSTOR image that crosses
 * into an unmapped page faults at its last byte (see {@link X87Mem#probe}). The undocumented
 * aliases FCOM2 FCOMP3 FCOMP5 FXCH4 FXCH7 FSTP1 FSTP8 FSTP9 FFREEP and the 8087/287 no-ops
 * FENI FDISI FSETPM execute; the other reserved register forms are #UD, as on the host.
 */
final class X87 {
    private X87() {}

    static final int SF = 0x40, ES = 0x80, B = 0x8000;
    static final int C0 = F80.C0, C1 = F80.C1, C2 = F80.C2, C3 = F80.C3;
    static final int TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3;
    static final int INVALID_OPS = F80.IE | F80.DE | F80.ZE;

    static void register(Opcodes t) {
        t.one(0xD8, MODRM, i -> bind(i, 0xD8));
        t.one(0xD9, MODRM, i -> bind(i, 0xD9));
        t.one(0xDA, MODRM, i -> bind(i, 0xDA));
        t.one(0xDB, MODRM, i -> bind(i, 0xDB));
        t.one(0xDC, MODRM, i -> bind(i, 0xDC));
        t.one(0xDD, MODRM, i -> bind(i, 0xDD));
        t.one(0xDE, MODRM, i -> bind(i, 0xDE));
        t.one(0xDF, MODRM, i -> bind(i, 0xDF));
        t.one(0x9B, 0, i -> Alu.noLock(i, (c, d) -> waitCheck(c)));
    }

    // ---- the register stack ------------------------------------------------------------

    static int top(Core c) {
        return (c.fsw >> 11) & 7;
    }

    static void setTop(Core c, int t) {
        c.fsw = (c.fsw & ~0x3800) | ((t & 7) << 11);
    }

    static int phys(Core c, int i) {
        return (top(c) + i) & 7;
    }

    static int tag(Core c, int p) {
        return (c.ftw >> (2 * p)) & 3;
    }

    static void setTag(Core c, int p, int tag) {
        c.ftw = (c.ftw & ~(3 << (2 * p))) | (tag << (2 * p));
    }

    static boolean empty(Core c, int i) {
        return tag(c, phys(c, i)) == TAG_EMPTY;
    }

    /** The tag a value gets when loaded into a register. */
    static int tagOf(int se, long m) {
        int exp = se & 0x7FFF;
        if (exp == 0x7FFF) {
            return TAG_SPECIAL;
        }
        if (exp == 0) {
            return m == 0 ? TAG_ZERO : TAG_SPECIAL;
        }
        return m < 0 ? TAG_VALID : TAG_SPECIAL;
    }

    static void setSt(Core c, int i, int se, long m) {
        int p = phys(c, i);
        c.fpuSE[p] = se & 0xFFFF;
        c.fpuM[p] = m;
        setTag(c, p, tagOf(se, m));
    }

    static int stSe(Core c, int i) {
        return c.fpuSE[phys(c, i)];
    }

    static long stM(Core c, int i) {
        return c.fpuM[phys(c, i)];
    }

    /** Pushes a value; on overflow (ST(7) in use) reports IE|SF|C1 and, if masked, pushes the indefinite. */
    static int push(Core c, int se, long m) {
        int t = (top(c) - 1) & 7;
        if (tag(c, t) != TAG_EMPTY) {
            if ((c.fcw & F80.IE) == 0) {
                return F80.IE | SF | C1; // unmasked: nothing changes
            }
            setTop(c, t);
            setSt(c, 0, F80.INDEFINITE_SE, F80.INDEFINITE_M);
            return F80.IE | SF | C1;
        }
        setTop(c, t);
        setSt(c, 0, se, m);
        return 0;
    }

    static void pop(Core c) {
        int t = top(c);
        setTag(c, t, TAG_EMPTY);
        setTop(c, t + 1);
    }

    /** Merges an instruction's status bits into FSW: sticky exceptions, new C1, ES/B if unmasked. */
    static void status(Core c, int st) {
        int fsw = c.fsw | (st & (F80.EXCEPTIONS | SF));
        fsw = (fsw & ~C1) | (st & C1);
        if ((fsw & ~c.fcw & F80.EXCEPTIONS) != 0) {
            fsw |= ES | B;
        }
        c.fsw = fsw;
    }

    /** Like {@link #status} but also replaces C0, C2, C3 (comparisons, FXAM, FPREM). */
    static void statusCc(Core c, int st) {
        c.fsw = (c.fsw & ~(C0 | C2 | C3)) | (st & (C0 | C2 | C3));
        status(c, st);
    }

    /** True if the status bits hold an unmasked invalid, denormal or divide-by-zero exception. */
    static boolean blocked(Core c, int st) {
        return (st & ~c.fcw & INVALID_OPS) != 0;
    }

    /** The checks every x87 instruction makes first: #NM if CR0.EM or TS. */
    static void deviceCheck(Core c) {
        if ((c.cr0 & 0xC) != 0) {
            throw c.fault(Vectors.NM, 0);
        }
    }

    /** The checks of a waiting instruction: #NM, then #MF if an unmasked exception is pending. */
    static void waitCheck(Core c) {
        deviceCheck(c);
        if ((c.fsw & ES) != 0) {
            throw c.fault(Vectors.MF, 0);
        }
    }

    /** The core's x87 scratch registers. */
    static Reg[] scratch(Core c) {
        return c.fpuScratch;
    }

    // ---- binding ---------------------------------------------------------------------

    private static Op bind(Insn i, int opcode) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int ext = i.ext();
        if (i.mem) {
            return switch (opcode) {
                case 0xD8 -> memArith(ext, 32, true);
                case 0xDC -> memArith(ext, 64, true);
                case 0xDA -> memArith(ext, 32, false);
                case 0xDE -> memArith(ext, 16, false);
                case 0xD9 -> X87Mem.d9(ext);
                case 0xDB -> X87Mem.db(ext);
                case 0xDD -> X87Mem.dd(ext);
                default -> X87Mem.df(ext);
            };
        }
        int sti = i.modrm & 7;
        return switch (opcode) {
            case 0xD8 -> regArith(ext, sti, false, false);
            case 0xDC -> regArith(ext, sti, true, false);
            // DE D0+i: FCOMP5, an undocumented alias of FCOMP ST(i); DE D9: FCOMPP
            case 0xDE -> ext == 2 ? compare(sti, false, 1, false)
                    : ext == 3 ? (sti == 1 ? compare(1, false, 2, false) : null) : regArith(ext, sti, true, true);
            case 0xD9 -> X87Reg.d9(i.modrm);
            case 0xDA -> X87Reg.da(i.modrm);
            case 0xDB -> X87Reg.db(i.modrm);
            case 0xDD -> X87Reg.dd(i.modrm);
            default -> X87Reg.df(i.modrm);
        };
    }

    /**
     * The arithmetic of an /ext: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr on (d, s) into out.
     * Returns the status bits.
     */
    static int arith(int ext, int dSe, long dM, int sSe, long sM, int cw, Reg out) {
        return switch (ext) {
            case 0 -> F80.add(dSe, dM, sSe, sM, cw, out);
            case 1 -> F80.mul(dSe, dM, sSe, sM, cw, out);
            case 4 -> F80.sub(dSe, dM, sSe, sM, cw, out);
            case 5 -> F80.sub(sSe, sM, dSe, dM, cw, out);
            case 6 -> F80.div(dSe, dM, sSe, sM, cw, out);
            default -> F80.div(sSe, sM, dSe, dM, cw, out);
        };
    }

    /**
     * ST(0) op= memory operand (float of {@code bits}, or integer of {@code bits} if !fp); /2 /3
     * compare. The operand is read first (a page fault comes before anything else) but an empty
     * ST(0) is reported alone (no DE or IE from the operand), and an unmasked exception of the
     * operand (denormal, SNaN) stops the instruction.
     */
    private static Op memArith(int ext, int bits, boolean fp) {
        if (ext == 2 || ext == 3) {
            boolean popAfter = ext == 3;
            return (c, d) -> {
                waitCheck(c);
                Reg[] s = scratch(c);
                int st = loadArithOperand(c, c.ea(d), bits, fp, s[1]);
                st = empty(c, 0) ? compareSt0(c, 0, 0, false) : st | compareSt0(c, s[1].se, s[1].m, false);
                statusCc(c, st);
                if (popAfter && !blocked(c, st)) {
                    pop(c);
                }
            };
        }
        return (c, d) -> {
            waitCheck(c);
            Reg[] s = scratch(c);
            int st = loadArithOperand(c, c.ea(d), bits, fp, s[1]);
            if (empty(c, 0)) {
                underflowResult(c, 0, 0);
                return;
            }
            if (blocked(c, st)) {
                status(c, st);
                return;
            }
            st |= arith(ext, stSe(c, 0), stM(c, 0), s[1].se, s[1].m, c.fcw, s[0]);
            if (!blocked(c, st)) {
                setSt(c, 0, s[0].se, s[0].m);
            }
            status(c, st);
        };
    }

    /**
     * The memory operand of an arithmetic or compare instruction: an SNaN stays signalling (so that
     * a QNaN in ST(0) wins, as between registers), and a denormal operand is not reported when
     * ST(0) is a NaN or unsupported.
     */
    private static int loadArithOperand(Core c, long ea, int bits, boolean fp, Reg out) {
        int st = loadOperand(c, ea, bits, fp, out);
        if (st != 0) {
            if ((st & F80.IE) != 0) {
                out.m &= ~0x4000_0000_0000_0000L;
            }
            if (!empty(c, 0) && F80.classify(stSe(c, 0), stM(c, 0)) >= F80.QNAN) {
                st &= ~F80.DE;
            }
        }
        return st;
    }

    /** Reads a memory operand into {@code out}: float32/64 (IE for SNaN, DE for denormal) or int16/32. */
    static int loadOperand(Core c, long ea, int bits, boolean fp, Reg out) {
        if (fp) {
            return bits == 32 ? F80Convert.fromFloat32(c.read32(ea), out) : F80Convert.fromFloat64(c.read64(ea), out);
        }
        long v = bits == 16 ? (short) c.read16(ea) : bits == 32 ? c.read32(ea) : c.read64(ea);
        F80Convert.fromInt64(v, out);
        return 0;
    }

    /** Stack underflow for a result into ST(dst): IE|SF; the masked response stores the indefinite. */
    static void underflowResult(Core c, int dst, int st) {
        st |= F80.IE | SF;
        if ((c.fcw & F80.IE) != 0) {
            setSt(c, dst, F80.INDEFINITE_SE, F80.INDEFINITE_M);
        }
        status(c, st & ~C1);
    }

    /** FCOM-style comparison of ST(0) with a value; empty ST(0) is an underflow (unordered). */
    static int compareSt0(Core c, int se, long m, boolean quiet) {
        if (empty(c, 0)) {
            return F80.IE | SF | C3 | C2 | C0;
        }
        return F80.compare(stSe(c, 0), stM(c, 0), se, m, quiet);
    }

    /**
     * Register arithmetic. D8: ST(0) = ST(0) op ST(i). DC/DE ("toST"): ST(i) = ST(i) op ST(0),
     * where the encodings of sub/subr and div/divr are swapped (E0 is FSUBR ST(i), ST(0) which
     * computes ST(0) - ST(i)). DE pops afterwards. /2 /3 are FCOM/FCOMP (D8, DC aliases).
     */
    private static Op regArith(int ext, int sti, boolean toSt, boolean popAfter) {
        if (ext == 2 || ext == 3) {
            return compare(sti, false, ext == 3 ? 1 : 0, false);
        }
        int op = toSt && ext >= 4 ? ext ^ 1 : ext;
        int dst = toSt ? sti : 0, src = toSt ? 0 : sti;
        return (c, d) -> {
            waitCheck(c);
            if (empty(c, dst) || empty(c, src)) {
                underflowResult(c, dst, 0);
                if (popAfter && (c.fcw & F80.IE) != 0) {
                    pop(c);
                }
                return;
            }
            Reg out = scratch(c)[0];
            int st = arith(op, stSe(c, dst), stM(c, dst), stSe(c, src), stM(c, src), c.fcw, out);
            if (blocked(c, st)) {
                status(c, st);
                return;
            }
            setSt(c, dst, out.se, out.m);
            status(c, st);
            if (popAfter) {
                pop(c);
            }
        };
    }

    /**
     * FCOM/FUCOM ST(0), ST(i) popping {@code pops} times (0, 1, 2); {@code quiet} for FUCOM;
     * {@code eflags} for FCOMI/FUCOMI (ZF, PF, CF instead of C3, C2, C0).
     */
    static Op compare(int sti, boolean quiet, int pops, boolean eflags) {
        return (c, d) -> {
            waitCheck(c);
            int st = empty(c, sti) ? F80.IE | SF | C3 | C2 | C0 : compareSt0(c, stSe(c, sti), stM(c, sti), quiet);
            if (eflags) { // FCOMI: C1 is left alone unless the stack underflows; EFLAGS set even if IE is unmasked
                long f = ((st & C3) != 0 ? Flags.ZF : 0) | ((st & C2) != 0 ? Flags.PF : 0) | ((st & C0) != 0 ? Flags.CF : 0);
                Flags.setArith(c, f);
                status(c, (st & ~(C0 | C1 | C2 | C3)) | ((st & SF) != 0 ? 0 : c.fsw & C1));
            } else {
                statusCc(c, st);
            }
            if (!blocked(c, st)) {
                for (int k = 0; k < pops; k++) {
                    pop(c);
                }
            }
        };
    }

    /** Rounds the result of F80Misc-style helpers into ST(0) unless blocked. */
    static void result0(Core c, int st, Reg out) {
        if (!blocked(c, st)) {
            setSt(c, 0, out.se, out.m);
        }
        status(c, st);
    }

}
