package platform.cpu.internal.ops;

import platform.cpu.Vectors;
import platform.cpu.internal.Core;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Opcodes;

/**
 * MMX, SSE and SSE2: registration of the groups, and what they share.
 *
 * <p>The groups (each file lists the opcodes it owns):
 * <pre>
 *   SseInt      packed integers on MMX and XMM registers (0F 60..6D, 70..76, C4/C5, D1..FE, D7)
 *   SseIntMath  the lane arithmetic of SseInt, on 64-bit words (pure functions)
 *   SseMove     data movement and shuffles (0F 10..17, 28/29, 2B, 50, 6E/7E/6F/7F, D6, E7, F7, C3, C6)
 *   SseFloat    floating-point arithmetic, logic, compares (0F 51..5F, C2, 2E/2F)
 *   SseConvert  conversions (0F 2A, 2C, 2D, 5A, 5B, E6)
 *   SseFpMath   IEEE-754 arithmetic with MXCSR rounding, DAZ/FTZ and exception flags (pure)
 *   SseState    0F AE (FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, XSAVE, XRSTOR, fences, CLFLUSH), 0F 77 (EMMS)
 * </pre>
 *
 * <p>Rules every group follows:
 * <ul>
 * <li>Availability: CR0.EM or CR4.OSFXSR clear is #UD, CR0.TS is #NM (see {@link #check}); a
 *     LOCK prefix is #UD (the binder returns null).
 * <li>MMX registers: MMn is the significand of x87 physical register n ({@code c.fpuM[n]}).
 *     An MMX instruction first raises #MF if an x87 exception is pending; when it completes
 *     it sets TOP to 0 and every tag to valid; writing MMn sets its sign/exponent to 0xFFFF.
 *     ModRM fields name MMX registers without REX extension.
 * <li>Memory: 16-byte operands of legacy SSE instructions must be 16-byte aligned (#GP(0))
 *     except for the explicitly unaligned moves; a 128-bit access is two 64-bit accesses, a
 *     store that may cross a page is probed first so a fault writes nothing.
 * <li>Faults before effects: operands are read (and may fault) before anything is written;
 *     floating-point exception flags are collected per instruction and either committed
 *     with the result or, if one is unmasked, raised as #XM (#UD if CR4.OSXMMEXCPT is clear)
 *     with the destination unchanged (see {@link #finish}).
 * </ul>
 */
final class Sse {
    private Sse() {}

    static final long M32 = 0xFFFF_FFFFL;

    /** MXCSR fields. */
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, FLAGS = 0x3F;
    static final int DAZ = 0x40, MASKS = 0x1F80, RC = 0x6000, FTZ = 0x8000;
    /** The MXCSR bits that exist (MXCSR_MASK); the others are reserved (#GP when set). */
    static final int MXCSR_MASK = 0xFFFF;
    /**
     * While a floating-point instruction computes, the exception flags it raises collect in
     * MXCSR bits 21..16 (architecturally reserved, so always zero between instructions); see
     * {@link SseFpMath#raise} and {@link #finish}. Whoever sets MXCSR from outside (Cpu.load)
     * must keep bits 31..16 zero, as LDMXCSR and FXRSTOR do.
     */
    static final int PENDING_SHIFT = 16;

    static void register(Opcodes t) {
        SseInt.register(t);
        SseMove.register(t);
        SseFloat.register(t);
        SseConvert.register(t);
        SseState.register(t);
    }

    // ---- availability ------------------------------------------------------------------

    /** #UD if CR0.EM is set or CR4.OSFXSR clear; #NM if CR0.TS is set. */
    static void check(Core c) {
        if ((c.cr0 & 0xC) != 0 || (c.cr4 & 0x200) == 0) {
            unavailable(c);
        }
    }

    private static void unavailable(Core c) {
        if ((c.cr0 & 4) != 0 || (c.cr4 & 0x200) == 0) {
            throw c.fault(Vectors.UD, 0);
        }
        throw c.fault(Vectors.NM, 0);
    }

    /** True if the instruction has a LOCK prefix (all of these instructions are then #UD). */
    static boolean locked(Insn i) {
        return i.has(Insn.P_LOCK);
    }

    // ---- MMX state ---------------------------------------------------------------------

    /** The checks that open every MMX instruction: #UD if CR0.EM, #NM if CR0.TS, #MF if an x87 exception is pending. */
    static void mmxBegin(Core c) {
        if ((c.cr0 & 0xC) != 0) {
            throw c.fault((c.cr0 & 4) != 0 ? Vectors.UD : Vectors.NM, 0);
        }
        if ((c.fsw & 0x80) != 0) {
            throw c.fault(Vectors.MF, 0);
        }
    }

    /** The x87 side effects of a completed MMX instruction: TOP = 0, all tags valid. */
    static void mmxEnd(Core c) {
        c.fsw &= ~0x3800;
        c.ftw = 0;
    }

    /** Writes MMn (n in 0..7) and completes the instruction ({@link #mmxEnd}). */
    static void setMm(Core c, int n, long v) {
        c.fpuM[n] = v;
        c.fpuSE[n] = 0xFFFF;
        c.fsw &= ~0x3800;
        c.ftw = 0;
    }

    // ---- memory ------------------------------------------------------------------------

    /** The effective address of a 16-byte operand that must be aligned: #GP(0) otherwise. */
    static long ea16(Core c, Insn d) {
        long a = c.ea(d);
        if ((a & 15) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        return a;
    }

    /** Stores 16 bytes at a 16-byte aligned address (one page: both halves fault or neither). */
    static void store16Aligned(Core c, long a, long lo, long hi) {
        c.write64(a, lo);
        c.write64(a + 8, hi);
    }

    /** Stores 16 bytes at any address; a store that crosses a page is checked whole first. */
    static void store16(Core c, long a, long lo, long hi) {
        if ((a & 0xFFF) > 0xFF0) {
            c.probeWrite(a, 16);
        }
        c.write64(a, lo);
        c.write64(a + 8, hi);
    }

    // ---- floating-point exceptions -------------------------------------------------------

    /**
     * Ends the computing part of a floating-point instruction: takes the flags it raised
     * (the pending bits, see {@link #PENDING_SHIFT}) and either sets them in MXCSR, after
     * which the caller commits its result, or, if one of them is unmasked, sets the flags the
     * SDM says and raises #XM (or #UD when CR4.OSXMMEXCPT is clear). An unmasked invalid,
     * denormal or divide-by-zero exception (detected before computing) reports only those
     * three flags; otherwise every raised flag is reported.
     */
    static void finish(Core c) {
        int m = c.mxcsr;
        int raised = (m >>> PENDING_SHIFT) & FLAGS;
        if (raised == 0) {
            return;
        }
        m &= MXCSR_MASK;
        int unmasked = raised & ~(m >> 7) & FLAGS;
        if (unmasked != 0) {
            if ((unmasked & (IE | DE | ZE)) != 0) {
                raised &= IE | DE | ZE;
            }
            c.mxcsr = m | raised;
            throw c.fault((c.cr4 & 0x400) != 0 ? Vectors.XM : Vectors.UD, 0);
        }
        c.mxcsr = m | raised;
    }
}
