package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Data movement between XMM registers, MMX registers, GPRs and memory, and the shuffles that
 * raise no floating-point exception. Owns:
 * <pre>
 *   0F 10/11   MOVUPS MOVUPD (unaligned) MOVSS MOVSD (F3, F2: a load zeroes the rest, a register move merges)
 *   0F 12/13   MOVLPS MOVLPD (m64), MOVHLPS (NP, registers)
 *   0F 16/17   MOVHPS MOVHPD (m64), MOVLHPS (NP, registers)
 *   0F 14/15   UNPCKLPS UNPCKLPD UNPCKHPS UNPCKHPD         0F C6  SHUFPS SHUFPD
 *   0F 28/29   MOVAPS MOVAPD (aligned)                     0F 2B  MOVNTPS MOVNTPD (aligned, memory only)
 *   0F 50      MOVMSKPS MOVMSKPD                           0F C3  MOVNTI
 *   0F 6E/7E   MOVD/MOVQ between GPR or memory and MMX (NP) or XMM (66); F3 0F 7E MOVQ xmm, xmm/m64
 *   0F 6F/7F   MOVQ mm (NP), MOVDQA (66, aligned), MOVDQU (F3)
 *   0F D6      MOVQ xmm/m64, xmm (66), MOVQ2DQ (F3), MOVDQ2Q (F2)
 *   0F E7      MOVNTQ (NP), MOVNTDQ (66, aligned)          0F F7  MASKMOVQ (NP), MASKMOVDQU (66)
 *   F2/F3 0F 12, F3 0F 16: SSE3 moves, not implemented: #UD
 * </pre>
 * Non-temporal hints are ignored (the stores are ordinary stores).
 */
final class SseMove {
    private SseMove() {}

    static void register(Opcodes t) {
        t.two(NP, 0x10, MODRM, i -> load128(i, false));
        t.two(P66, 0x10, MODRM, i -> load128(i, false));
        t.two(PF3, 0x10, MODRM, i -> movScalarLoad(i, 4));
        t.two(PF2, 0x10, MODRM, i -> movScalarLoad(i, 8));
        t.two(NP, 0x11, MODRM, i -> store128(i, false, false));
        t.two(P66, 0x11, MODRM, i -> store128(i, false, false));
        t.two(PF3, 0x11, MODRM, i -> movScalarStore(i, 4));
        t.two(PF2, 0x11, MODRM, i -> movScalarStore(i, 8));
        t.two(NP, 0x12, MODRM, i -> i.mem ? loadHalf(i, 0) : movHalves(i, 0, 1));
        t.two(P66, 0x12, MODRM, i -> i.mem ? loadHalf(i, 0) : null);
        t.two(PF3, 0x12, MODRM, i -> null);
        t.two(PF2, 0x12, MODRM, i -> null);
        t.two(NP, 0x13, MODRM, i -> storeHalf(i, 0));
        t.two(P66, 0x13, MODRM, i -> storeHalf(i, 0));
        t.two(NP, 0x14, MODRM, i -> shuffle(i, UNPCKLPS));
        t.two(P66, 0x14, MODRM, i -> shuffle(i, UNPCKLPD));
        t.two(NP, 0x15, MODRM, i -> shuffle(i, UNPCKHPS));
        t.two(P66, 0x15, MODRM, i -> shuffle(i, UNPCKHPD));
        t.two(NP, 0x16, MODRM, i -> i.mem ? loadHalf(i, 1) : movHalves(i, 1, 0));
        t.two(P66, 0x16, MODRM, i -> i.mem ? loadHalf(i, 1) : null);
        t.two(PF3, 0x16, MODRM, i -> null);
        t.two(NP, 0x17, MODRM, i -> storeHalf(i, 1));
        t.two(P66, 0x17, MODRM, i -> storeHalf(i, 1));
        t.two(NP, 0x28, MODRM, i -> load128(i, true));
        t.two(P66, 0x28, MODRM, i -> load128(i, true));
        t.two(NP, 0x29, MODRM, i -> store128(i, true, false));
        t.two(P66, 0x29, MODRM, i -> store128(i, true, false));
        t.two(NP, 0x2B, MODRM, i -> store128(i, true, true));
        t.two(P66, 0x2B, MODRM, i -> store128(i, true, true));
        t.two(NP, 0x50, MODRM, i -> movmsk(i, false));
        t.two(P66, 0x50, MODRM, i -> movmsk(i, true));
        t.two(NP, 0x6E, MODRM, SseMove::movdToMmx);
        t.two(P66, 0x6E, MODRM, SseMove::movdToXmm);
        t.two(NP, 0x7E, MODRM, SseMove::movdFromMmx);
        t.two(P66, 0x7E, MODRM, SseMove::movdFromXmm);
        t.two(PF3, 0x7E, MODRM, SseMove::movqLoad);
        t.two(NP, 0x6F, MODRM, SseMove::movqMmxLoad);
        t.two(P66, 0x6F, MODRM, i -> load128(i, true));
        t.two(PF3, 0x6F, MODRM, i -> load128(i, false));
        t.two(NP, 0x7F, MODRM, SseMove::movqMmxStore);
        t.two(P66, 0x7F, MODRM, i -> store128(i, true, false));
        t.two(PF3, 0x7F, MODRM, i -> store128(i, false, false));
        t.two(P66, 0xD6, MODRM, SseMove::movqStore);
        t.two(PF3, 0xD6, MODRM, SseMove::movq2dq);
        t.two(PF2, 0xD6, MODRM, SseMove::movdq2q);
        t.two(NP, 0xE7, MODRM, SseMove::movntq);
        t.two(P66, 0xE7, MODRM, i -> store128(i, true, true));
        t.two(NP, 0xF7, MODRM, i -> maskmov(i, false));
        t.two(P66, 0xF7, MODRM, i -> maskmov(i, true));
        t.two(NP, 0xC3, MODRM, SseMove::movnti);
        t.two(NP, 0xC6, MODRM | IB, i -> shuffle(i, SHUFPS));
        t.two(P66, 0xC6, MODRM | IB, i -> shuffle(i, SHUFPD));
    }

    // ---- 128-bit moves -----------------------------------------------------------------------

    /** MOVUPS/MOVUPD/MOVDQU ({@code aligned} false) and MOVAPS/MOVAPD/MOVDQA: xmm, xmm/m128. */
    private static Op load128(Insn i, boolean aligned) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg;
        if (!i.mem) {
            int src = 2 * i.rm;
            return (c, d) -> {
                Sse.check(c);
                long[] x = c.xmm;
                x[dst] = x[src];
                x[dst + 1] = x[src + 1];
            };
        }
        if (aligned) {
            return (c, d) -> {
                Sse.check(c);
                long a = Sse.ea16(c, d);
                long lo = c.read64(a), hi = c.read64(a + 8);
                c.xmm[dst] = lo;
                c.xmm[dst + 1] = hi;
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long a = c.ea(d);
            long lo = c.read64(a), hi = c.read64(a + 8);
            c.xmm[dst] = lo;
            c.xmm[dst + 1] = hi;
        };
    }

    /** The store forms: xmm/m128, xmm; {@code memOnly} for the non-temporal stores (a register operand is #UD). */
    private static Op store128(Insn i, boolean aligned, boolean memOnly) {
        if (Sse.locked(i) || (memOnly && !i.mem)) {
            return null;
        }
        int src = 2 * i.reg;
        if (!i.mem) {
            int dst = 2 * i.rm;
            return (c, d) -> {
                Sse.check(c);
                long[] x = c.xmm;
                x[dst] = x[src];
                x[dst + 1] = x[src + 1];
            };
        }
        if (aligned) {
            return (c, d) -> {
                Sse.check(c);
                long a = Sse.ea16(c, d);
                Sse.store16Aligned(c, a, c.xmm[src], c.xmm[src + 1]);
            };
        }
        return (c, d) -> {
            Sse.check(c);
            Sse.store16(c, c.ea(d), c.xmm[src], c.xmm[src + 1]);
        };
    }

    // ---- scalar and half moves ---------------------------------------------------------------

    /** MOVSS/MOVSD xmm, xmm/m32/m64: from memory the rest of the register is zeroed; between registers it is kept. */
    private static Op movScalarLoad(Insn i, int size) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg;
        long keep = size == 4 ? ~Sse.M32 : 0;
        if (!i.mem) {
            int src = 2 * i.rm;
            return (c, d) -> {
                Sse.check(c);
                long[] x = c.xmm;
                x[dst] = (x[dst] & keep) | (x[src] & ~keep);
            };
        }
        if (size == 4) {
            return (c, d) -> {
                Sse.check(c);
                long v = c.read32(c.ea(d)) & Sse.M32;
                c.xmm[dst] = v;
                c.xmm[dst + 1] = 0;
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long v = c.read64(c.ea(d));
            c.xmm[dst] = v;
            c.xmm[dst + 1] = 0;
        };
    }

    /** MOVSS/MOVSD xmm/m32/m64, xmm. */
    private static Op movScalarStore(Insn i, int size) {
        if (Sse.locked(i)) {
            return null;
        }
        int src = 2 * i.reg;
        long keep = size == 4 ? ~Sse.M32 : 0;
        if (!i.mem) {
            int dst = 2 * i.rm;
            return (c, d) -> {
                Sse.check(c);
                long[] x = c.xmm;
                x[dst] = (x[dst] & keep) | (x[src] & ~keep);
            };
        }
        return (c, d) -> {
            Sse.check(c);
            c.write(c.ea(d), size, c.xmm[src]);
        };
    }

    /** MOVLPS/MOVLPD ({@code half} 0) and MOVHPS/MOVHPD (1): xmm, m64 into one half. */
    private static Op loadHalf(Insn i, int half) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg + half;
        return (c, d) -> {
            Sse.check(c);
            c.xmm[dst] = c.read64(c.ea(d));
        };
    }

    /** MOVLPS/MOVLPD/MOVHPS/MOVHPD m64, xmm (memory only). */
    private static Op storeHalf(Insn i, int half) {
        if (Sse.locked(i) || !i.mem) {
            return null;
        }
        int src = 2 * i.reg + half;
        return (c, d) -> {
            Sse.check(c);
            c.write64(c.ea(d), c.xmm[src]);
        };
    }

    /** MOVHLPS (dst half 0 = src half 1) and MOVLHPS (dst half 1 = src half 0). */
    private static Op movHalves(Insn i, int dstHalf, int srcHalf) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg + dstHalf, src = 2 * i.rm + srcHalf;
        return (c, d) -> {
            Sse.check(c);
            c.xmm[dst] = c.xmm[src];
        };
    }

    // ---- shuffles ----------------------------------------------------------------------------

    static final int UNPCKLPS = 0, UNPCKHPS = 1, UNPCKLPD = 2, UNPCKHPD = 3, SHUFPS = 4, SHUFPD = 5;

    /** UNPCK{L,H}P{S,D} and SHUFP{S,D} xmm, xmm/m128 (aligned) [, imm8]. */
    private static Op shuffle(Insn i, int kind) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg, src = 2 * i.rm, imm = (int) i.imm & 0xFF;
        if (!i.mem) {
            return (c, d) -> {
                Sse.check(c);
                long[] x = c.xmm;
                shuffle(x, kind, imm, dst, x[src], x[src + 1]);
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long a = Sse.ea16(c, d);
            long lo = c.read64(a), hi = c.read64(a + 8);
            shuffle(c.xmm, kind, imm, dst, lo, hi);
        };
    }

    private static void shuffle(long[] x, int kind, int imm, int dst, long s0, long s1) {
        long d0 = x[dst], d1 = x[dst + 1];
        long r0, r1;
        switch (kind) {
            case UNPCKLPS -> {
                r0 = (d0 & Sse.M32) | s0 << 32;
                r1 = (d0 >>> 32) | (s0 & ~Sse.M32);
            }
            case UNPCKHPS -> {
                r0 = (d1 & Sse.M32) | s1 << 32;
                r1 = (d1 >>> 32) | (s1 & ~Sse.M32);
            }
            case UNPCKLPD -> {
                r0 = d0;
                r1 = s0;
            }
            case UNPCKHPD -> {
                r0 = d1;
                r1 = s1;
            }
            case SHUFPS -> {
                r0 = SseIntMath.dword(d0, d1, imm & 3) | SseIntMath.dword(d0, d1, (imm >> 2) & 3) << 32;
                r1 = SseIntMath.dword(s0, s1, (imm >> 4) & 3) | SseIntMath.dword(s0, s1, (imm >> 6) & 3) << 32;
            }
            default -> { // SHUFPD
                r0 = (imm & 1) == 0 ? d0 : d1;
                r1 = (imm & 2) == 0 ? s0 : s1;
            }
        }
        x[dst] = r0;
        x[dst + 1] = r1;
    }

    // ---- masks -------------------------------------------------------------------------------

    /** MOVMSKPS/MOVMSKPD r32/r64, xmm: the sign bits, zero-extended. */
    private static Op movmsk(Insn i, boolean pd) {
        if (Sse.locked(i) || i.mem) {
            return null;
        }
        int gpr = i.reg, src = 2 * i.rm;
        if (pd) {
            return (c, d) -> {
                Sse.check(c);
                c.r[gpr] = (c.xmm[src] >>> 63) | (c.xmm[src + 1] >>> 63) << 1;
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long lo = c.xmm[src], hi = c.xmm[src + 1];
            c.r[gpr] = (lo >>> 31 & 1) | (lo >>> 63) << 1 | (hi >>> 31 & 1) << 2 | (hi >>> 63) << 3;
        };
    }

    // ---- MOVD / MOVQ ---------------------------------------------------------------------------

    /** NP 0F 6E: MOVD mm, r/m32; with REX.W MOVQ mm, r/m64. */
    private static Op movdToMmx(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = i.reg & 7, size = i.opsize == 8 ? 8 : 4;
        return (c, d) -> {
            Sse.mmxBegin(c);
            long v = c.readRm(d, size);
            Sse.setMm(c, dst, v);
        };
    }

    /** 66 0F 6E: MOVD xmm, r/m32 (zero-extended to 128 bits); with REX.W MOVQ xmm, r/m64. */
    private static Op movdToXmm(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg, size = i.opsize == 8 ? 8 : 4;
        if (!i.mem) {
            int gpr = i.rm;
            long m = size == 8 ? -1L : Sse.M32;
            return (c, d) -> {
                Sse.check(c);
                c.xmm[dst] = c.r[gpr] & m;
                c.xmm[dst + 1] = 0;
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long v = c.read(c.ea(d), size);
            c.xmm[dst] = v;
            c.xmm[dst + 1] = 0;
        };
    }

    /** NP 0F 7E: MOVD r/m32, mm; with REX.W MOVQ r/m64, mm (a 32-bit register write zero-extends). */
    private static Op movdFromMmx(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int src = i.reg & 7, size = i.opsize == 8 ? 8 : 4;
        return (c, d) -> {
            Sse.mmxBegin(c);
            c.writeRm(d, size, c.fpuM[src]);
            Sse.mmxEnd(c);
        };
    }

    /** 66 0F 7E: MOVD r/m32, xmm; with REX.W MOVQ r/m64, xmm. */
    private static Op movdFromXmm(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int src = 2 * i.reg, size = i.opsize == 8 ? 8 : 4;
        if (!i.mem) {
            int gpr = i.rm;
            long m = size == 8 ? -1L : Sse.M32;
            return (c, d) -> {
                Sse.check(c);
                c.r[gpr] = c.xmm[src] & m;
            };
        }
        return (c, d) -> {
            Sse.check(c);
            c.write(c.ea(d), size, c.xmm[src]);
        };
    }

    /** F3 0F 7E: MOVQ xmm, xmm/m64 (the high half is zeroed). */
    private static Op movqLoad(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg;
        if (!i.mem) {
            int src = 2 * i.rm;
            return (c, d) -> {
                Sse.check(c);
                c.xmm[dst] = c.xmm[src];
                c.xmm[dst + 1] = 0;
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long v = c.read64(c.ea(d));
            c.xmm[dst] = v;
            c.xmm[dst + 1] = 0;
        };
    }

    /** 66 0F D6: MOVQ xmm/m64, xmm (a register destination gets its high half zeroed). */
    private static Op movqStore(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int src = 2 * i.reg;
        if (!i.mem) {
            int dst = 2 * i.rm;
            return (c, d) -> {
                Sse.check(c);
                c.xmm[dst] = c.xmm[src];
                c.xmm[dst + 1] = 0;
            };
        }
        return (c, d) -> {
            Sse.check(c);
            c.write64(c.ea(d), c.xmm[src]);
        };
    }

    /** NP 0F 6F: MOVQ mm, mm/m64. */
    private static Op movqMmxLoad(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = i.reg & 7;
        if (!i.mem) {
            int src = i.rm & 7;
            return (c, d) -> {
                Sse.mmxBegin(c);
                Sse.setMm(c, dst, c.fpuM[src]);
            };
        }
        return (c, d) -> {
            Sse.mmxBegin(c);
            long v = c.read64(c.ea(d));
            Sse.setMm(c, dst, v);
        };
    }

    /** NP 0F 7F: MOVQ mm/m64, mm. */
    private static Op movqMmxStore(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int src = i.reg & 7;
        if (!i.mem) {
            int dst = i.rm & 7;
            return (c, d) -> {
                Sse.mmxBegin(c);
                Sse.setMm(c, dst, c.fpuM[src]);
            };
        }
        return (c, d) -> {
            Sse.mmxBegin(c);
            c.write64(c.ea(d), c.fpuM[src]);
            Sse.mmxEnd(c);
        };
    }

    /** NP 0F E7: MOVNTQ m64, mm (memory only). */
    private static Op movntq(Insn i) {
        if (Sse.locked(i) || !i.mem) {
            return null;
        }
        return movqMmxStore(i);
    }

    /** F3 0F D6: MOVQ2DQ xmm, mm (registers only; high half zeroed). */
    private static Op movq2dq(Insn i) {
        if (Sse.locked(i) || i.mem) {
            return null;
        }
        int dst = 2 * i.reg, src = i.rm & 7;
        return (c, d) -> {
            Sse.check(c);
            Sse.mmxBegin(c);
            c.xmm[dst] = c.fpuM[src];
            c.xmm[dst + 1] = 0;
            Sse.mmxEnd(c);
        };
    }

    /** F2 0F D6: MOVDQ2Q mm, xmm (registers only). */
    private static Op movdq2q(Insn i) {
        if (Sse.locked(i) || i.mem) {
            return null;
        }
        int dst = i.reg & 7, src = 2 * i.rm;
        return (c, d) -> {
            Sse.check(c);
            Sse.mmxBegin(c);
            Sse.setMm(c, dst, c.xmm[src]);
        };
    }

    /** NP 0F C3: MOVNTI m32/m64, r32/r64 (memory only). */
    private static Op movnti(Insn i) {
        if (Sse.locked(i) || !i.mem || i.opsize == 2) {
            return null;
        }
        int size = i.opsize, src = i.reg;
        return (c, d) -> c.write(c.ea(d), size, c.r[src]);
    }

    // ---- masked stores -----------------------------------------------------------------------

    /**
     * MASKMOVQ mm1, mm2 and MASKMOVDQU xmm1, xmm2 (registers only): stores the bytes of the
     * first operand whose mask byte (second operand) has its top bit set, at [RDI] (EDI with
     * 67; FS/GS overrides apply). The whole 8 or 16 bytes are checked for writing first,
     * whatever the mask, and MASKMOVQ makes the MMX transition before that check, as the
     * host CPU does (the SDM leaves both to the implementation).
     */
    private static Op maskmov(Insn i, boolean xmmForm) {
        if (Sse.locked(i) || i.mem) {
            return null;
        }
        boolean a32 = i.asize == 4;
        int seg = i.seg;
        if (!xmmForm) {
            int data = i.reg & 7, mask = i.rm & 7;
            return (c, d) -> {
                Sse.mmxBegin(c);
                Sse.mmxEnd(c);
                maskStore(c, rdi(c, a32, seg), 8, c.fpuM[data], SseIntMath.movmskb(c.fpuM[mask]), 0);
            };
        }
        int data = 2 * i.reg, mask = 2 * i.rm;
        return (c, d) -> {
            Sse.check(c);
            long[] x = c.xmm;
            int bits = SseIntMath.movmskb(x[mask]) | SseIntMath.movmskb(x[mask + 1]) << 8;
            maskStore(c, rdi(c, a32, seg), 16, x[data], bits, x[data + 1]);
        };
    }

    private static long rdi(Core c, boolean a32, int seg) {
        long a = a32 ? c.r[7] & Sse.M32 : c.r[7];
        if (seg == Insn.SEG_FS) {
            a += c.fsBase;
        } else if (seg == Insn.SEG_GS) {
            a += c.gsBase;
        }
        return a;
    }

    /** Writes byte k of hi:lo at a + k for each bit k of {@code bits}, after checking all {@code len} bytes. */
    private static void maskStore(Core c, long a, int len, long lo, int bits, long hi) {
        c.probeWrite(a, len);
        for (int k = 0; k < len; k++) {
            if ((bits >> k & 1) != 0) {
                c.write8(a + k, (k < 8 ? lo >>> (8 * k) : hi >>> (8 * (k - 8))) & 0xFF);
            }
        }
    }
}
