package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;
import static platform.cpu.internal.ops.SseFpMath.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Conversions between int32/int64, single and double. Owns:
 * <pre>
 *   0F 2A   CVTPI2PS (NP, mm/m64)  CVTPI2PD (66, mm/m64)  CVTSI2SS (F3)  CVTSI2SD (F2): r/m32, r/m64 with REX.W
 *   0F 2C   CVTTPS2PI CVTTPD2PI (to mm)  CVTTSS2SI CVTTSD2SI (to r32/r64): truncating
 *   0F 2D   CVTPS2PI  CVTPD2PI           CVTSS2SI  CVTSD2SI: rounded by MXCSR.RC
 *   0F 5A   CVTPS2PD (NP, xmm/m64)  CVTPD2PS (66)  CVTSS2SD (F3)  CVTSD2SS (F2)
 *   0F 5B   CVTDQ2PS (NP)  CVTPS2DQ (66)  CVTTPS2DQ (F3)
 *   0F E6   CVTTPD2DQ (66)  CVTDQ2PD (F3, xmm/m64)  CVTPD2DQ (F2)
 * </pre>
 * Rules: float to integer gives the integer indefinite (sign bit only) with IE for NaNs and
 * out-of-range values, PE when inexact; integer to float rounds by MXCSR.RC (PE); the
 * narrowing PD forms zero the high half of the destination; CVTPI2PS keeps it. Forms with
 * an MMX register operand, or an MMX destination, make the MMX transition (Sse.mmxBegin,
 * TOP = 0, tags valid). 16-byte memory operands are aligned, narrower ones are not.
 */
final class SseConvert {
    private SseConvert() {}

    // kinds
    static final int CVTPI2PS = 1, CVTPI2PD = 2, CVTPS2PI = 3, CVTTPS2PI = 4, CVTPD2PI = 5, CVTTPD2PI = 6,
            CVTPS2PD = 7, CVTPD2PS = 8, CVTSS2SD = 9, CVTSD2SS = 10, CVTDQ2PS = 11, CVTPS2DQ = 12, CVTTPS2DQ = 13,
            CVTTPD2DQ = 14, CVTDQ2PD = 15, CVTPD2DQ = 16;

    static void register(Opcodes t) {
        t.two(NP, 0x2A, MODRM, i -> fromMmx(i, CVTPI2PS));
        t.two(P66, 0x2A, MODRM, i -> fromMmx(i, CVTPI2PD));
        t.two(PF3, 0x2A, MODRM, i -> fromGpr(i, false));
        t.two(PF2, 0x2A, MODRM, i -> fromGpr(i, true));
        t.two(NP, 0x2C, MODRM, i -> toMmx(i, CVTTPS2PI, 8));
        t.two(P66, 0x2C, MODRM, i -> toMmx(i, CVTTPD2PI, 16));
        t.two(PF3, 0x2C, MODRM, i -> toGpr(i, false, true));
        t.two(PF2, 0x2C, MODRM, i -> toGpr(i, true, true));
        t.two(NP, 0x2D, MODRM, i -> toMmx(i, CVTPS2PI, 8));
        t.two(P66, 0x2D, MODRM, i -> toMmx(i, CVTPD2PI, 16));
        t.two(PF3, 0x2D, MODRM, i -> toGpr(i, false, false));
        t.two(PF2, 0x2D, MODRM, i -> toGpr(i, true, false));
        t.two(NP, 0x5A, MODRM, i -> toXmm(i, CVTPS2PD, 8));
        t.two(P66, 0x5A, MODRM, i -> toXmm(i, CVTPD2PS, 16));
        t.two(PF3, 0x5A, MODRM, i -> toXmm(i, CVTSS2SD, 4));
        t.two(PF2, 0x5A, MODRM, i -> toXmm(i, CVTSD2SS, 8));
        t.two(NP, 0x5B, MODRM, i -> toXmm(i, CVTDQ2PS, 16));
        t.two(P66, 0x5B, MODRM, i -> toXmm(i, CVTPS2DQ, 16));
        t.two(PF3, 0x5B, MODRM, i -> toXmm(i, CVTTPS2DQ, 16));
        t.two(P66, 0xE6, MODRM, i -> toXmm(i, CVTTPD2DQ, 16));
        t.two(PF3, 0xE6, MODRM, i -> toXmm(i, CVTDQ2PD, 8));
        t.two(PF2, 0xE6, MODRM, i -> toXmm(i, CVTPD2DQ, 16));
    }

    // ---- binders -----------------------------------------------------------------------------

    /** XMM destination, xmm or memory source of {@code memSize} bytes (16: aligned). */
    private static Op toXmm(Insn i, int kind, int memSize) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg;
        if (!i.mem) {
            int src = 2 * i.rm;
            return (c, d) -> {
                Sse.check(c);
                toXmm(c, kind, dst, c.xmm[src], c.xmm[src + 1]);
            };
        }
        return switch (memSize) {
            case 4 -> (c, d) -> {
                Sse.check(c);
                toXmm(c, kind, dst, c.read32(c.ea(d)), 0);
            };
            case 8 -> (c, d) -> {
                Sse.check(c);
                toXmm(c, kind, dst, c.read64(c.ea(d)), 0);
            };
            default -> (c, d) -> {
                Sse.check(c);
                long a = Sse.ea16(c, d);
                long s0 = c.read64(a), s1 = c.read64(a + 8);
                toXmm(c, kind, dst, s0, s1);
            };
        };
    }

    /** CVTPI2PS / CVTPI2PD xmm, mm/m64. */
    private static Op fromMmx(Insn i, int kind) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg, src = i.rm & 7;
        if (!i.mem) {
            return (c, d) -> {
                Sse.check(c);
                Sse.mmxBegin(c);
                Sse.mmxEnd(c); // the transition happens even if the conversion raises #XM
                toXmm(c, kind, dst, c.fpuM[src], 0);
            };
        }
        return (c, d) -> {
            Sse.check(c);
            toXmm(c, kind, dst, c.read64(c.ea(d)), 0);
        };
    }

    /** CVTSI2SS / CVTSI2SD xmm, r/m32 (r/m64 with REX.W): the low lane, the rest kept. */
    private static Op fromGpr(Insn i, boolean dbl) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg, size = i.opsize == 8 ? 8 : 4;
        return (c, d) -> {
            Sse.check(c);
            long v = c.readRm(d, size);
            if (size == 4) {
                v = (int) v;
            }
            long r = fromInt(c, v, dbl);
            Sse.finish(c);
            c.xmm[dst] = dbl ? r : (c.xmm[dst] & ~Sse.M32) | r;
        };
    }

    /** CVT(T)PS2PI mm, xmm/m64 and CVT(T)PD2PI mm, xmm/m128 (aligned). */
    private static Op toMmx(Insn i, int kind, int memSize) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = i.reg & 7, src = 2 * i.rm;
        boolean mem = i.mem;
        return (c, d) -> {
            Sse.check(c);
            Sse.mmxBegin(c);
            long s0, s1 = 0;
            if (!mem) {
                s0 = c.xmm[src];
                s1 = c.xmm[src + 1];
            } else if (memSize == 8) {
                s0 = c.read64(c.ea(d));
            } else {
                long a = Sse.ea16(c, d);
                s0 = c.read64(a);
                s1 = c.read64(a + 8);
            }
            boolean dbl = kind == CVTPD2PI || kind == CVTTPD2PI;
            boolean trunc = kind == CVTTPS2PI || kind == CVTTPD2PI;
            long r0 = toInt(c, dbl ? s0 : s0 & Sse.M32, dbl, trunc, false);
            long r1 = toInt(c, dbl ? s1 : s0 >>> 32, dbl, trunc, false);
            Sse.mmxEnd(c); // the transition happens even if the conversion raises #XM
            Sse.finish(c);
            Sse.setMm(c, dst, r0 | r1 << 32);
        };
    }

    /** CVT(T)SS2SI / CVT(T)SD2SI r32/r64, xmm/m32/m64 (REX.W: 64-bit result). */
    private static Op toGpr(Insn i, boolean dbl, boolean trunc) {
        if (Sse.locked(i)) {
            return null;
        }
        int gpr = i.reg, src = 2 * i.rm;
        boolean is64 = i.opsize == 8, mem = i.mem;
        return (c, d) -> {
            Sse.check(c);
            long s = !mem ? c.xmm[src] : dbl ? c.read64(c.ea(d)) : c.read32(c.ea(d)) & Sse.M32;
            long r = toInt(c, dbl ? s : s & Sse.M32, dbl, trunc, is64);
            Sse.finish(c);
            c.r[gpr] = r;
        };
    }

    // ---- the conversions -----------------------------------------------------------------------

    /** XMM{@code dst} = kind(s1:s0), with finish before the write. */
    static void toXmm(Core c, int kind, int dst, long s0, long s1) {
        long[] x = c.xmm;
        long r0, r1;
        switch (kind) {
            case CVTPI2PS -> {
                r0 = fromInt(c, (int) s0, false) | fromInt(c, (int) (s0 >>> 32), false) << 32;
                r1 = x[dst + 1];
            }
            case CVTPI2PD, CVTDQ2PD -> {
                r0 = Double.doubleToRawLongBits((int) s0);
                r1 = Double.doubleToRawLongBits((int) (s0 >>> 32));
            }
            case CVTPS2PD -> {
                r0 = s2d(c, (int) s0);
                r1 = s2d(c, (int) (s0 >>> 32));
            }
            case CVTPD2PS -> {
                r0 = (d2s(c, s0) & Sse.M32) | (long) d2s(c, s1) << 32;
                r1 = 0;
            }
            case CVTSS2SD -> {
                r0 = s2d(c, (int) s0);
                r1 = x[dst + 1];
            }
            case CVTSD2SS -> {
                r0 = (x[dst] & ~Sse.M32) | (d2s(c, s0) & Sse.M32);
                r1 = x[dst + 1];
            }
            case CVTDQ2PS -> {
                r0 = fromInt(c, (int) s0, false) | fromInt(c, (int) (s0 >>> 32), false) << 32;
                r1 = fromInt(c, (int) s1, false) | fromInt(c, (int) (s1 >>> 32), false) << 32;
            }
            case CVTPS2DQ, CVTTPS2DQ -> {
                boolean t = kind == CVTTPS2DQ;
                r0 = toInt(c, s0 & Sse.M32, false, t, false) | toInt(c, s0 >>> 32, false, t, false) << 32;
                r1 = toInt(c, s1 & Sse.M32, false, t, false) | toInt(c, s1 >>> 32, false, t, false) << 32;
            }
            default -> { // CVTPD2DQ, CVTTPD2DQ
                boolean t = kind == CVTTPD2DQ;
                r0 = toInt(c, s0, true, t, false) | toInt(c, s1, true, t, false) << 32;
                r1 = 0;
            }
        }
        Sse.finish(c);
        x[dst] = r0;
        x[dst + 1] = r1;
    }
}
