package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;
import static platform.cpu.internal.ops.SseFpMath.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Floating-point arithmetic, logic and compares on XMM registers, each opcode in four
 * forms by mandatory prefix: PS (none, 4 singles), PD (66, 2 doubles), SS (F3, the low
 * single), SD (F2, the low double); the scalar forms keep the rest of the destination.
 * Owns:
 * <pre>
 *   0F 51       SQRT{PS,PD,SS,SD}      0F 52/53  RSQRT{PS,SS} RCP{PS,SS}
 *   0F 54..57   AND ANDN OR XOR {PS,PD}
 *   0F 58 59 5C 5D 5E 5F   ADD MUL SUB MIN DIV MAX {PS,PD,SS,SD}
 *   0F C2 ib    CMP{PS,PD,SS,SD} (predicate imm8 bits 2..0)
 *   0F 2E/2F    UCOMISS COMISS (NP), UCOMISD COMISD (66): ZF PF CF, OF SF AF cleared
 * </pre>
 * Rules: packed memory operands are 16 bytes, aligned; scalar ones are 4 or 8 bytes with no
 * alignment. Every lane is computed, then {@link Sse#finish} commits the flags or raises
 * #XM before the destination (or RFLAGS) is written. The arithmetic is {@link SseFpMath}.
 */
final class SseFloat {
    private SseFloat() {}

    static final int PS = 0, PD = 1, SS = 2, SD = 3;
    /** Operation kinds beyond SseFpMath's: compare, reciprocal, reciprocal square root. */
    static final int CMP = 0xC2, RSQRT = 0x52, RCP = 0x53;
    private static final int[] PREFIX = {NP, P66, PF3, PF2};

    static void register(Opcodes t) {
        for (int op : new int[] {SQRT, ADD, MUL, SUB, MIN, DIV, MAX}) {
            for (int form = PS; form <= SD; form++) {
                final int f = form, o = op;
                t.two(PREFIX[form], op, MODRM, i -> arith(i, f, o));
            }
        }
        for (int form = PS; form <= SD; form++) {
            final int f = form;
            t.two(PREFIX[form], 0xC2, MODRM | IB, i -> arith(i, f, CMP));
        }
        t.two(NP, RSQRT, MODRM, i -> arith(i, PS, RSQRT));
        t.two(PF3, RSQRT, MODRM, i -> arith(i, SS, RSQRT));
        t.two(NP, RCP, MODRM, i -> arith(i, PS, RCP));
        t.two(PF3, RCP, MODRM, i -> arith(i, SS, RCP));
        for (int op = 0x54; op <= 0x57; op++) {
            final int o = op;
            t.two(NP, op, MODRM, i -> logic(i, o));
            t.two(P66, op, MODRM, i -> logic(i, o));
        }
        t.two(NP, 0x2E, MODRM, i -> comi(i, false, false));
        t.two(NP, 0x2F, MODRM, i -> comi(i, false, true));
        t.two(P66, 0x2E, MODRM, i -> comi(i, true, false));
        t.two(P66, 0x2F, MODRM, i -> comi(i, true, true));
    }

    // ---- arithmetic and compares ---------------------------------------------------------------

    private static Op arith(Insn i, int form, int op) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg, imm = (int) i.imm & 7;
        if (!i.mem) {
            int src = 2 * i.rm;
            return (c, d) -> {
                Sse.check(c);
                compute(c, form, op, imm, dst, c.xmm[src], c.xmm[src + 1]);
            };
        }
        return switch (form) {
            case SS -> (c, d) -> {
                Sse.check(c);
                compute(c, SS, op, imm, dst, c.read32(c.ea(d)), 0);
            };
            case SD -> (c, d) -> {
                Sse.check(c);
                compute(c, SD, op, imm, dst, c.read64(c.ea(d)), 0);
            };
            default -> (c, d) -> {
                Sse.check(c);
                long a = Sse.ea16(c, d);
                long s0 = c.read64(a), s1 = c.read64(a + 8);
                compute(c, form, op, imm, dst, s0, s1);
            };
        };
    }

    /** XMM{@code dst} = XMM{@code dst} op s1:s0 in {@code form}; all memory operands already read. */
    static void compute(Core c, int form, int op, int imm, int dst, long s0, long s1) {
        long[] x = c.xmm;
        long d0 = x[dst], d1 = x[dst + 1];
        switch (form) {
            case PS -> {
                long r0 = laneS(c, op, imm, (int) d0, (int) s0);
                long r1 = laneS(c, op, imm, (int) (d0 >>> 32), (int) (s0 >>> 32));
                long r2 = laneS(c, op, imm, (int) d1, (int) s1);
                long r3 = laneS(c, op, imm, (int) (d1 >>> 32), (int) (s1 >>> 32));
                Sse.finish(c);
                x[dst] = r0 | r1 << 32;
                x[dst + 1] = r2 | r3 << 32;
            }
            case PD -> {
                long r0 = laneD(c, op, imm, d0, s0);
                long r1 = laneD(c, op, imm, d1, s1);
                Sse.finish(c);
                x[dst] = r0;
                x[dst + 1] = r1;
            }
            case SS -> {
                long r0 = laneS(c, op, imm, (int) d0, (int) s0);
                Sse.finish(c);
                x[dst] = (d0 & ~Sse.M32) | r0;
            }
            default -> {
                long r0 = laneD(c, op, imm, d0, s0);
                Sse.finish(c);
                x[dst] = r0;
            }
        }
    }

    /** One single-precision lane, zero-extended. */
    private static long laneS(Core c, int op, int imm, int a, int b) {
        int r = switch (op) {
            case CMP -> cmpS(c, imm, a, b) ? -1 : 0;
            case RCP -> approx(b, false);
            case RSQRT -> approx(b, true);
            default -> opS(c, op, a, b);
        };
        return r & Sse.M32;
    }

    private static long laneD(Core c, int op, int imm, long a, long b) {
        return op == CMP ? (cmpD(c, imm, a, b) ? -1L : 0) : opD(c, op, a, b);
    }

    // ---- logic -----------------------------------------------------------------------------------

    /** ANDPS ANDNPS ORPS XORPS (and PD): bitwise, no exceptions. */
    private static Op logic(Insn i, int op) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg;
        if (!i.mem) {
            int src = 2 * i.rm;
            if (op == 0x57 && src == dst) { // XORPS x, x: the zeroing idiom
                return (c, d) -> {
                    Sse.check(c);
                    c.xmm[dst] = 0;
                    c.xmm[dst + 1] = 0;
                };
            }
            return (c, d) -> {
                Sse.check(c);
                long[] x = c.xmm;
                x[dst] = logic(op, x[dst], x[src]);
                x[dst + 1] = logic(op, x[dst + 1], x[src + 1]);
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long a = Sse.ea16(c, d);
            long s0 = c.read64(a), s1 = c.read64(a + 8);
            long[] x = c.xmm;
            x[dst] = logic(op, x[dst], s0);
            x[dst + 1] = logic(op, x[dst + 1], s1);
        };
    }

    private static long logic(int op, long a, long b) {
        return switch (op) {
            case 0x54 -> a & b;
            case 0x55 -> ~a & b;
            case 0x56 -> a | b;
            default -> a ^ b;
        };
    }

    // ---- COMIS -----------------------------------------------------------------------------------

    /** (U)COMISS / (U)COMISD xmm, xmm/m32/m64: ZF PF CF from the comparison, OF SF AF cleared. */
    private static Op comi(Insn i, boolean dbl, boolean signalQnan) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg, src = 2 * i.rm;
        boolean mem = i.mem;
        return (c, d) -> {
            Sse.check(c);
            long b = mem ? (dbl ? c.read64(c.ea(d)) : c.read32(c.ea(d))) : c.xmm[src];
            long a = c.xmm[dst];
            long f = dbl ? comiD(c, a, b, signalQnan) : comiS(c, (int) a, (int) b, signalQnan);
            Sse.finish(c);
            Flags.setArith(c, f);
        };
    }
}
