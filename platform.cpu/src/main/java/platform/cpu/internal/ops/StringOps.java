package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * String instructions. Owns A4/A5 (MOVS), A6/A7 (CMPS), AA/AB (STOS), AC/AD (LODS), AE/AF
 * (SCAS), at every operand size, with REP (F3; also F2 on MOVS/STOS/LODS), REPE (F3) and
 * REPNE (F2) on CMPS/SCAS.
 *
 * <p>Rules:
 * <ul>
 * <li>The source is [RSI] (segment-overridable: an FS/GS prefix adds that base), the
 *     destination [RDI] (never overridden). Each element moves RSI/RDI by the operand size,
 *     backwards when DF is set. With a 67 prefix ESI, EDI and ECX are used and written as
 *     32-bit registers (zero-extended).
 * <li>CMPS compares [RSI] with [RDI] (flags of [RSI] - [RDI]); SCAS compares rAX with [RDI].
 * <li>REP: while rCX != 0: one element, rCX -= 1, then for CMPS/SCAS stop if ZF is not as
 *     REPE/REPNE wants. rCX = 0 at the start does nothing. Registers are committed after
 *     every element, so a fault in the middle leaves RSI/RDI/RCX at the faulting element
 *     with RIP at the instruction, and re-executing it resumes the copy.
 * <li>A long REP gives up the vCPU after {@link #MAX_ELEMENTS} elements or
 *     {@link #MAX_PAGES} pages: it leaves the block with RIP at itself (restartable), so
 *     budgets and interrupts are honoured within bounded time.
 * <li>Fast paths: REP MOVS and REP STOS of any size, forward (DF clear), 64-bit addressing:
 *     a page at a time straight on RAM ({@link Core#ramForRead}/{@link Core#ramForWrite}),
 *     allocation-free. A destination page that holds decoded code, memory that is not RAM,
 *     and an element that crosses a page go element by element through the normal write
 *     path (which invalidates code). Overlap is handled as the element-by-element copy
 *     defines it (a destination just above the source replicates the pattern).
 * </ul>
 */
final class StringOps {
    static final int MOVS = 0, CMPS = 1, STOS = 2, LODS = 3, SCAS = 4;
    private static final int NOREP = 0, REP = 1, REPE = 2, REPNE = 3;
    /** Elements (slow path) or pages (fast paths) per execution before a REP yields. */
    static final int MAX_ELEMENTS = 4096, MAX_PAGES = 64;
    private static final long DF = 0x400;

    private StringOps() {}

    static void register(Opcodes t) {
        t.one(0xA4, BYTE, i -> bind(i, MOVS));
        t.one(0xA5, 0, i -> bind(i, MOVS));
        t.one(0xA6, BYTE, i -> bind(i, CMPS));
        t.one(0xA7, 0, i -> bind(i, CMPS));
        t.one(0xAA, BYTE, i -> bind(i, STOS));
        t.one(0xAB, 0, i -> bind(i, STOS));
        t.one(0xAC, BYTE, i -> bind(i, LODS));
        t.one(0xAD, 0, i -> bind(i, LODS));
        t.one(0xAE, BYTE, i -> bind(i, SCAS));
        t.one(0xAF, 0, i -> bind(i, SCAS));
    }

    private static Op bind(Insn i, int kind) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize;
        boolean a32 = i.asize == 4;
        boolean compare = kind == CMPS || kind == SCAS;
        int rep = NOREP;
        if (i.has(Insn.P_REP) || i.has(Insn.P_REPNE)) {
            // with both prefixes the order is not recorded; F2 is taken (REPNE)
            rep = !compare ? REP : i.has(Insn.P_REPNE) ? REPNE : REPE;
        }
        if (rep == NOREP) {
            return (c, d) -> one(c, d, kind, s, a32);
        }
        if (!a32 && kind == MOVS) {
            return (c, d) -> {
                if ((c.rf & DF) == 0) {
                    repMovsForward(c, d, s);
                } else {
                    repLoop(c, d, kind, s, false, REP);
                }
            };
        }
        if (!a32 && kind == STOS) {
            return (c, d) -> {
                if ((c.rf & DF) == 0) {
                    repStosForward(c, d, s);
                } else {
                    repLoop(c, d, kind, s, false, REP);
                }
            };
        }
        int r = rep;
        return (c, d) -> repLoop(c, d, kind, s, a32, r);
    }

    // ---- one element -------------------------------------------------------------------------

    /** The segment base the source ([RSI]) uses: FS or GS with an override, else 0. */
    private static long sourceBase(Core c, Insn d) {
        return d.seg == Insn.SEG_FS ? c.fsBase : d.seg == Insn.SEG_GS ? c.gsBase : 0;
    }

    /**
     * One element of {@code kind}: the memory accesses (which may fault, changing nothing),
     * then the register updates.
     */
    private static void one(Core c, Insn d, int kind, int s, boolean a32) {
        long mask = a32 ? 0xFFFFFFFFL : -1L;
        long step = (c.rf & DF) != 0 ? -s : s;
        long si = c.r[6] & mask, di = c.r[7] & mask;
        switch (kind) {
            case MOVS -> {
                c.write(di, s, c.read(si + sourceBase(c, d), s));
                c.r[6] = (si + step) & mask;
                c.r[7] = (di + step) & mask;
            }
            case CMPS -> {
                long x = c.read(si + sourceBase(c, d), s);
                long y = c.read(di, s);
                Flags.set(c, Flags.SUB, s, x, y, x - y);
                c.r[6] = (si + step) & mask;
                c.r[7] = (di + step) & mask;
            }
            case STOS -> {
                c.write(di, s, c.r[0]);
                c.r[7] = (di + step) & mask;
            }
            case LODS -> {
                long v = c.read(si + sourceBase(c, d), s);
                if (s == 1) {
                    c.setReg8(0, v);
                } else {
                    c.setReg(0, s, v);
                }
                c.r[6] = (si + step) & mask;
            }
            default -> { // SCAS
                long y = c.read(di, s);
                long x = c.r[0];
                Flags.set(c, Flags.SUB, s, x, y, x - y);
                c.r[7] = (di + step) & mask;
            }
        }
    }

    /** Leaves the block with RIP at this instruction, to continue a REP after the run loop had its say. */
    private static void yieldRep(Core c, Insn d) {
        c.rip -= d.len; // RIP is past the instruction during exec
        c.stop = true;
    }

    /** REP/REPE/REPNE, element by element. */
    private static void repLoop(Core c, Insn d, int kind, int s, boolean a32, int rep) {
        long mask = a32 ? 0xFFFFFFFFL : -1L;
        for (int budget = MAX_ELEMENTS;; budget--) {
            long n = c.r[1] & mask;
            if (n == 0) {
                return;
            }
            if (budget == 0) {
                yieldRep(c, d);
                return;
            }
            one(c, d, kind, s, a32);
            c.r[1] = (n - 1) & mask;
            if (rep == REPE && !Flags.zf(c) || rep == REPNE && Flags.zf(c)) {
                return;
            }
        }
    }

    // ---- fast paths --------------------------------------------------------------------------

    /** REP MOVS, DF clear, 64-bit addresses: page-sized chunks copied on RAM. */
    private static void repMovsForward(Core c, Insn d, int s) {
        MemorySegment ram = c.ram;
        long base = sourceBase(c, d);
        for (int pages = MAX_PAGES;; pages--) {
            long n = c.r[1];
            if (n == 0) {
                return;
            }
            if (pages == 0) {
                yieldRep(c, d);
                return;
            }
            long src = c.r[6] + base, dst = c.r[7];
            long k = Math.min((4096 - (src & 0xFFF)) / s, (4096 - (dst & 0xFFF)) / s);
            long so = k == 0 ? -1 : c.ramForRead(src);
            long dof = so < 0 ? -1 : c.ramForWrite(dst);
            if (dof < 0) { // an element crossing a page, memory that is not RAM, or code: one element
                one(c, d, MOVS, s, false);
                c.r[1] = n - 1;
                continue;
            }
            if (Long.compareUnsigned(n, k) < 0) {
                k = n;
            }
            long dist = dof - so;
            if (dist > 0 && dist < k * s) { // destination just above the source: copy at most dist bytes at once
                k = dist / s;
                if (k == 0) {
                    one(c, d, MOVS, s, false);
                    c.r[1] = n - 1;
                    continue;
                }
            }
            long bytes = k * s;
            MemorySegment.copy(ram, so, ram, dof, bytes);
            c.r[6] += bytes;
            c.r[7] += bytes;
            c.r[1] = n - k;
        }
    }

    /** REP STOS, DF clear, 64-bit addresses: page-sized fills on RAM. */
    private static void repStosForward(Core c, Insn d, int s) {
        MemorySegment ram = c.ram;
        long v = s == 8 ? c.r[0] : c.r[0] & ((1L << (s * 8)) - 1);
        long pattern = switch (s) { // v repeated over 8 bytes
            case 1 -> v * 0x0101_0101_0101_0101L;
            case 2 -> v * 0x0001_0001_0001_0001L;
            case 4 -> v | v << 32;
            default -> v;
        };
        for (int pages = MAX_PAGES;; pages--) {
            long n = c.r[1];
            if (n == 0) {
                return;
            }
            if (pages == 0) {
                yieldRep(c, d);
                return;
            }
            long dst = c.r[7];
            long k = (4096 - (dst & 0xFFF)) / s;
            long dof = k == 0 ? -1 : c.ramForWrite(dst);
            if (dof < 0) {
                c.write(dst, s, v);
                c.r[7] = dst + s;
                c.r[1] = n - 1;
                continue;
            }
            if (Long.compareUnsigned(n, k) < 0) {
                k = n;
            }
            long bytes = k * s;
            long o = dof, end = dof + bytes;
            for (; o + 8 <= end; o += 8) {
                ram.set(Core.LE64, o, pattern);
            }
            for (int b = 0; o < end; o++, b++) {
                ram.set(ValueLayout.JAVA_BYTE, o, (byte) (pattern >>> (8 * b)));
            }
            c.r[7] = dst + bytes;
            c.r[1] = n - k;
        }
    }
}
