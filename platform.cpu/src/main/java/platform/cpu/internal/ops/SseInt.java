package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;
import static platform.cpu.internal.ops.SseIntMath.*;

import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Packed-integer instructions, each in its MMX form (no prefix: MMn, mm/m64) and its SSE2
 * form (66: XMMn, xmm/m128, aligned). Owns:
 * <pre>
 *   0F 60..6B   PUNPCKL{BW,WD,DQ} PACKSSWB PCMPGT{B,W,D} PACKUSWB PUNPCKH{BW,WD,DQ} PACKSSDW
 *   66 0F 6C/6D PUNPCKLQDQ PUNPCKHQDQ
 *   0F 70       PSHUFW (NP), PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2)
 *   0F 71..73   shift groups by imm8: /2 PSRL, /4 PSRA, /6 PSLL (W, D, Q); 66 0F 73 /3 PSRLDQ, /7 PSLLDQ
 *   0F 74..76   PCMPEQ{B,W,D}
 *   0F C4/C5    PINSRW, PEXTRW (register form)
 *   0F D1..FE   PSRL/PSRA/PSLL by register, PADD/PSUB (B W D Q, US/S saturating), PMULLW PMULHW
 *               PMULHUW PMULUDQ PMADDWD PMIN/PMAX (UB, SW) PAVG{B,W} PSADBW PAND PANDN POR PXOR
 *   0F D7       PMOVMSKB
 * </pre>
 * Rules: the MMX forms of PUNPCKL* read 32 bits of memory; the XMM forms read 128 aligned
 * bits. Shifts by a register take the whole low 64 bits of the count operand as an unsigned
 * count; counts of the lane width or more give 0 (logical) or copies of the sign (PSRA).
 * Lane arithmetic is in {@link SseIntMath}.
 */
final class SseInt {
    private SseInt() {}

    /** The opcodes that exist in both forms and take one (mm/xmm, mm/xmm/mem) operand pair. */
    private static final int[] BINARY = {
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x74, 0x75, 0x76,
        0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
        0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF,
        0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE};

    static void register(Opcodes t) {
        for (int op : BINARY) {
            final int k = op;
            t.two(NP, op, MODRM, i -> mmx(i, k));
            t.two(P66, op, MODRM, i -> xmm(i, k));
        }
        t.two(P66, 0x6C, MODRM, i -> xmm(i, K_PUNPCKLQDQ));
        t.two(P66, 0x6D, MODRM, i -> xmm(i, K_PUNPCKHQDQ));
        t.two(NP, 0x70, MODRM | IB, SseInt::pshufw);
        t.two(P66, 0x70, MODRM | IB, SseInt::pshufd);
        t.two(PF3, 0x70, MODRM | IB, i -> pshufHalf(i, true));
        t.two(PF2, 0x70, MODRM | IB, i -> pshufHalf(i, false));
        for (int op = 0x71; op <= 0x73; op++) {
            final int o = op;
            t.two(NP, op, MODRM | IB, i -> shiftImm(i, o, false));
            t.two(P66, op, MODRM | IB, i -> shiftImm(i, o, true));
        }
        t.two(NP, 0xC4, MODRM | IB, i -> pinsrw(i, false));
        t.two(P66, 0xC4, MODRM | IB, i -> pinsrw(i, true));
        t.two(NP, 0xC5, MODRM | IB, i -> pextrw(i, false));
        t.two(P66, 0xC5, MODRM | IB, i -> pextrw(i, true));
        t.two(NP, 0xD7, MODRM, i -> pmovmskb(i, false));
        t.two(P66, 0xD7, MODRM, i -> pmovmskb(i, true));
    }

    // ---- the computations ------------------------------------------------------------------

    /** MMX form of {@code kind}: destination a, source b (64 bits each). */
    static long mmxCompute(int kind, long a, long b) {
        return switch (kind) {
            case K_PUNPCKLBW, K_PUNPCKLWD, K_PUNPCKLDQ -> unpack(kind, a, b);
            case K_PUNPCKHBW, K_PUNPCKHWD, K_PUNPCKHDQ -> unpack(kind, a >>> 32, b >>> 32);
            case K_PACKSSWB, K_PACKUSWB, K_PACKSSDW -> pack(kind, a) | pack(kind, b) << 32;
            case K_PSRLW, K_PSRLD, K_PSRLQ, K_PSRAW, K_PSRAD, K_PSLLW, K_PSLLD, K_PSLLQ -> shift(kind, a, b);
            default -> lane(kind, a, b);
        };
    }

    /** XMM form of {@code kind}: XMM{@code dst} = XMM{@code dst} op s1:s0. */
    static void xmmCompute(int kind, long[] x, int dst, long s0, long s1) {
        long d0 = x[dst], d1 = x[dst + 1];
        long r0, r1;
        switch (kind) {
            case K_PUNPCKLBW, K_PUNPCKLWD, K_PUNPCKLDQ -> {
                r0 = unpack(kind, d0, s0);
                r1 = unpack(kind, d0 >>> 32, s0 >>> 32);
            }
            case K_PUNPCKHBW, K_PUNPCKHWD, K_PUNPCKHDQ -> {
                r0 = unpack(kind, d1, s1);
                r1 = unpack(kind, d1 >>> 32, s1 >>> 32);
            }
            case K_PUNPCKLQDQ -> {
                r0 = d0;
                r1 = s0;
            }
            case K_PUNPCKHQDQ -> {
                r0 = d1;
                r1 = s1;
            }
            case K_PACKSSWB, K_PACKUSWB, K_PACKSSDW -> {
                r0 = pack(kind, d0) | pack(kind, d1) << 32;
                r1 = pack(kind, s0) | pack(kind, s1) << 32;
            }
            case K_PSRLW, K_PSRLD, K_PSRLQ, K_PSRAW, K_PSRAD, K_PSLLW, K_PSLLD, K_PSLLQ -> {
                r0 = shift(kind, d0, s0);
                r1 = shift(kind, d1, s0);
            }
            default -> {
                r0 = lane(kind, d0, s0);
                r1 = lane(kind, d1, s1);
            }
        }
        x[dst] = r0;
        x[dst + 1] = r1;
    }

    // ---- binders ---------------------------------------------------------------------------

    private static Op mmx(Insn i, int kind) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = i.reg & 7;
        if (!i.mem) {
            int src = i.rm & 7;
            return (c, d) -> {
                Sse.mmxBegin(c);
                Sse.setMm(c, dst, mmxCompute(kind, c.fpuM[dst], c.fpuM[src]));
            };
        }
        if (kind == K_PUNPCKLBW || kind == K_PUNPCKLWD || kind == K_PUNPCKLDQ) {
            return (c, d) -> {
                Sse.mmxBegin(c);
                long s = c.read32(c.ea(d)) & M32;
                Sse.setMm(c, dst, mmxCompute(kind, c.fpuM[dst], s));
            };
        }
        return (c, d) -> {
            Sse.mmxBegin(c);
            long s = c.read64(c.ea(d));
            Sse.setMm(c, dst, mmxCompute(kind, c.fpuM[dst], s));
        };
    }

    private static Op xmm(Insn i, int kind) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg;
        if (!i.mem) {
            int src = 2 * i.rm;
            return switch (kind) { // the string routines' favourites, inlined
                case K_PCMPEQB -> (c, d) -> {
                    Sse.check(c);
                    long[] x = c.xmm;
                    x[dst] = eq8(x[dst], x[src]);
                    x[dst + 1] = eq8(x[dst + 1], x[src + 1]);
                };
                case K_PMINUB -> (c, d) -> {
                    Sse.check(c);
                    long[] x = c.xmm;
                    x[dst] = minu8(x[dst], x[src]);
                    x[dst + 1] = minu8(x[dst + 1], x[src + 1]);
                };
                case K_POR -> (c, d) -> {
                    Sse.check(c);
                    long[] x = c.xmm;
                    x[dst] |= x[src];
                    x[dst + 1] |= x[src + 1];
                };
                case K_PXOR -> dst == src
                        ? (c, d) -> {
                            Sse.check(c);
                            c.xmm[dst] = 0;
                            c.xmm[dst + 1] = 0;
                        }
                        : (c, d) -> {
                            Sse.check(c);
                            long[] x = c.xmm;
                            x[dst] ^= x[src];
                            x[dst + 1] ^= x[src + 1];
                        };
                case K_PAND -> (c, d) -> {
                    Sse.check(c);
                    long[] x = c.xmm;
                    x[dst] &= x[src];
                    x[dst + 1] &= x[src + 1];
                };
                default -> (c, d) -> {
                    Sse.check(c);
                    long[] x = c.xmm;
                    xmmCompute(kind, x, dst, x[src], x[src + 1]);
                };
            };
        }
        if (kind == K_PCMPEQB) {
            return (c, d) -> {
                Sse.check(c);
                long a = Sse.ea16(c, d);
                long s0 = c.read64(a), s1 = c.read64(a + 8);
                long[] x = c.xmm;
                x[dst] = eq8(x[dst], s0);
                x[dst + 1] = eq8(x[dst + 1], s1);
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long a = Sse.ea16(c, d);
            long s0 = c.read64(a), s1 = c.read64(a + 8);
            xmmCompute(kind, c.xmm, dst, s0, s1);
        };
    }

    /** NP 0F 70: PSHUFW mm, mm/m64, imm8. */
    private static Op pshufw(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = i.reg & 7, src = i.rm & 7, imm = (int) i.imm & 0xFF;
        if (!i.mem) {
            return (c, d) -> {
                Sse.mmxBegin(c);
                Sse.setMm(c, dst, shufw(c.fpuM[src], imm));
            };
        }
        return (c, d) -> {
            Sse.mmxBegin(c);
            long v = c.read64(c.ea(d));
            Sse.setMm(c, dst, shufw(v, imm));
        };
    }

    /** 66 0F 70: PSHUFD xmm, xmm/m128, imm8. */
    private static Op pshufd(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg, src = 2 * i.rm, imm = (int) i.imm & 0xFF;
        if (!i.mem) {
            return (c, d) -> {
                Sse.check(c);
                long[] x = c.xmm;
                pshufd(x, dst, x[src], x[src + 1], imm);
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long a = Sse.ea16(c, d);
            long lo = c.read64(a), hi = c.read64(a + 8);
            pshufd(c.xmm, dst, lo, hi, imm);
        };
    }

    private static void pshufd(long[] x, int dst, long lo, long hi, int imm) {
        x[dst] = dword(lo, hi, imm & 3) | dword(lo, hi, (imm >> 2) & 3) << 32;
        x[dst + 1] = dword(lo, hi, (imm >> 4) & 3) | dword(lo, hi, (imm >> 6) & 3) << 32;
    }

    /** F3 0F 70 PSHUFHW ({@code high}) and F2 0F 70 PSHUFLW: shuffle the words of one half, copy the other. */
    private static Op pshufHalf(Insn i, boolean high) {
        if (Sse.locked(i)) {
            return null;
        }
        int dst = 2 * i.reg, src = 2 * i.rm, imm = (int) i.imm & 0xFF;
        if (!i.mem) {
            return (c, d) -> {
                Sse.check(c);
                long[] x = c.xmm;
                long lo = x[src], hi = x[src + 1];
                x[dst] = high ? lo : shufw(lo, imm);
                x[dst + 1] = high ? shufw(hi, imm) : hi;
            };
        }
        return (c, d) -> {
            Sse.check(c);
            long a = Sse.ea16(c, d);
            long lo = c.read64(a), hi = c.read64(a + 8);
            c.xmm[dst] = high ? lo : shufw(lo, imm);
            c.xmm[dst + 1] = high ? shufw(hi, imm) : hi;
        };
    }

    /**
     * 0F 71/72/73 groups (register operand only): /2 PSRLW/D/Q, /4 PSRAW/D, /6 PSLLW/D/Q by
     * imm8; with 66, 0F 73 /3 PSRLDQ and /7 PSLLDQ shift the whole register by bytes.
     */
    private static Op shiftImm(Insn i, int opcode, boolean xmmForm) {
        if (Sse.locked(i) || i.mem) {
            return null;
        }
        int ext = i.ext();
        long n = i.imm & 0xFF;
        int kind;
        switch (opcode << 4 | ext) {
            case 0x712 -> kind = K_PSRLW;
            case 0x714 -> kind = K_PSRAW;
            case 0x716 -> kind = K_PSLLW;
            case 0x722 -> kind = K_PSRLD;
            case 0x724 -> kind = K_PSRAD;
            case 0x726 -> kind = K_PSLLD;
            case 0x732 -> kind = K_PSRLQ;
            case 0x736 -> kind = K_PSLLQ;
            case 0x733, 0x737 -> {
                if (!xmmForm) {
                    return null;
                }
                int r = 2 * i.rm;
                boolean left = ext == 7;
                return (c, d) -> {
                    Sse.check(c);
                    byteShift(c.xmm, r, (int) n, left);
                };
            }
            default -> {
                return null;
            }
        }
        final int k = kind;
        if (!xmmForm) {
            int r = i.rm & 7;
            return (c, d) -> {
                Sse.mmxBegin(c);
                Sse.setMm(c, r, shift(k, c.fpuM[r], n));
            };
        }
        int r = 2 * i.rm;
        return (c, d) -> {
            Sse.check(c);
            long[] x = c.xmm;
            x[r] = shift(k, x[r], n);
            x[r + 1] = shift(k, x[r + 1], n);
        };
    }

    /** PSRLDQ/PSLLDQ: XMM{@code r} shifted by {@code bytes} (more than 15 clears it). */
    static void byteShift(long[] x, int r, int bytes, boolean left) {
        long lo = x[r], hi = x[r + 1];
        if (bytes > 15) {
            lo = 0;
            hi = 0;
        } else if (bytes >= 8) {
            int b = (bytes - 8) * 8;
            if (left) {
                hi = lo << b;
                lo = 0;
            } else {
                lo = hi >>> b;
                hi = 0;
            }
        } else if (bytes > 0) {
            int b = bytes * 8;
            if (left) {
                hi = hi << b | lo >>> (64 - b);
                lo <<= b;
            } else {
                lo = lo >>> b | hi << (64 - b);
                hi >>>= b;
            }
        }
        x[r] = lo;
        x[r + 1] = hi;
    }

    /** 0F C4: PINSRW mm/xmm, r32/m16, imm8 (word index imm mod 4 or mod 8). */
    private static Op pinsrw(Insn i, boolean xmmForm) {
        if (Sse.locked(i)) {
            return null;
        }
        int imm = (int) i.imm;
        int gpr = i.rm;
        boolean mem = i.mem;
        if (!xmmForm) {
            int dst = i.reg & 7, sh = 16 * (imm & 3);
            return (c, d) -> {
                Sse.mmxBegin(c);
                long w = mem ? c.read16(c.ea(d)) : c.r[gpr] & 0xFFFF;
                Sse.setMm(c, dst, (c.fpuM[dst] & ~(0xFFFFL << sh)) | w << sh);
            };
        }
        int dst = 2 * i.reg + ((imm >> 2) & 1), sh = 16 * (imm & 3);
        return (c, d) -> {
            Sse.check(c);
            long w = mem ? c.read16(c.ea(d)) : c.r[gpr] & 0xFFFF;
            c.xmm[dst] = (c.xmm[dst] & ~(0xFFFFL << sh)) | w << sh;
        };
    }

    /** 0F C5: PEXTRW r32, mm/xmm, imm8 (register operand only); the GPR is zero-extended. */
    private static Op pextrw(Insn i, boolean xmmForm) {
        if (Sse.locked(i) || i.mem) {
            return null;
        }
        int imm = (int) i.imm;
        int gpr = i.reg;
        if (!xmmForm) {
            int src = i.rm & 7, sh = 16 * (imm & 3);
            return (c, d) -> {
                Sse.mmxBegin(c);
                long v = (c.fpuM[src] >>> sh) & 0xFFFF;
                Sse.mmxEnd(c);
                c.r[gpr] = v;
            };
        }
        int src = 2 * i.rm + ((imm >> 2) & 1), sh = 16 * (imm & 3);
        return (c, d) -> {
            Sse.check(c);
            c.r[gpr] = (c.xmm[src] >>> sh) & 0xFFFF;
        };
    }

    /** 0F D7: PMOVMSKB r32, mm/xmm (register operand only); the GPR is zero-extended. */
    private static Op pmovmskb(Insn i, boolean xmmForm) {
        if (Sse.locked(i) || i.mem) {
            return null;
        }
        int gpr = i.reg;
        if (!xmmForm) {
            int src = i.rm & 7;
            return (c, d) -> {
                Sse.mmxBegin(c);
                long v = movmskb(c.fpuM[src]);
                Sse.mmxEnd(c);
                c.r[gpr] = v;
            };
        }
        int src = 2 * i.rm;
        return (c, d) -> {
            Sse.check(c);
            long[] x = c.xmm;
            c.r[gpr] = movmskb(x[src]) | movmskb(x[src + 1]) << 8;
        };
    }
}
