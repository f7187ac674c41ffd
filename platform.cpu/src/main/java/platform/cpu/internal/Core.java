package platform.cpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import platform.cpu.Exit;
import platform.cpu.PhysicalMemory;
import platform.cpu.Vectors;

/**
 * The execution engine of one vCPU: the register file, lazily computed arithmetic flags,
 * linear memory access through the TLB, and the run loop over decoded blocks.
 *
 * <p>Layers, from the bottom: registers and flags (this file, {@link Flags}); linear memory
 * ({@code read*}/{@code write*} here, page walks in {@link Mmu}); decoding ({@link Decoder},
 * {@link Opcodes}, the instruction groups in {@code ops}); blocks and the code cache
 * ({@link Block}, {@link DecodedCode}); the run loop ({@link #run}).
 *
 * <p>Threading: a core is used by one thread at a time (its vCPU's). Only
 * {@link #interruptPending} may be set from another thread.
 *
 * <p>Fields are public for the instruction groups in {@code platform.cpu.internal.ops}; this
 * package is not exported.
 */
public final class Core {
    public static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // ---- registers -------------------------------------------------------------------
    /** General-purpose registers by encoding. */
    public final long[] r = new long[16];
    /** During execution: the address of the next instruction (the current one's end). */
    public long rip;
    /** The address of the instruction being fetched or decoded (for faults before execution). */
    long insnRip;
    public long fsBase, gsBase, kernelGsBase;
    public int cpl = 3;
    /** XMM registers: xmm[2n] low, xmm[2n+1] high quadword. */
    public final long[] xmm = new long[32];
    public int mxcsr = 0x1F80;
    public long cr0 = 0x80050033L, cr2, cr3, cr4 = 0x406A0, efer = 0xD01;
    public long lstar, star, fmask = 0x47700, tscAux;
    /** x87 state: significands and sign/exponents in physical order, control, status (with TOP), tags. */
    public final long[] fpuM = new long[8];
    public final int[] fpuSE = new int[8];
    public int fcw = 0x037F, fsw, ftw = 0xFFFF;
    /** x87 scratch registers and the transcendental unit (not thread-safe, hence one per core). */
    public final platform.cpu.internal.x87.F80.Reg[] fpuScratch = {
        new platform.cpu.internal.x87.F80.Reg(), new platform.cpu.internal.x87.F80.Reg(), new platform.cpu.internal.x87.F80.Reg()};
    public final platform.cpu.internal.x87.F80Transcendental fpuTrans = new platform.cpu.internal.x87.F80Transcendental();

    // ---- flags (see Flags) -----------------------------------------------------------
    /** RFLAGS bits that are not computed lazily, and the lazily computed ones when {@link #flagOp} says so. */
    public long rf = 0x202;
    /** Lazy flags: the operation kind and size that last set them, and its operands and result. */
    public int flagOp;
    public long flagDst, flagSrc, flagRes;

    // ---- memory ----------------------------------------------------------------------
    final PhysicalMemory phys;
    /** All of RAM. */
    public final MemorySegment ram;
    final Mmu mmu;
    final DecodedCode code;
    long codeEpoch;

    // ---- run state -------------------------------------------------------------------
    /** Set by an instruction to leave the current block after it (exit, SMC, mode change). */
    public boolean stop;
    /** The exit to report when {@link #stop} is set, or null to continue with the next block. */
    public Exit exit;
    /** Exception vector and error code of the last {@link Exit#EXCEPTION}. */
    public int vector, errorCode;
    /** True if the pending fault is a trap (RIP already points past the instruction). */
    boolean trap;
    /** Set from any thread to request an {@link Exit#INTERRUPT} once RFLAGS.IF allows. */
    public volatile boolean interruptPending;
    /** Instructions retired since the core was made. */
    public long retired;
    /** Time-stamp counter source: retired instructions scaled, or host time (see {@link #tsc()}). */
    public long tscOffset;
    public boolean deterministicTsc;
    /** If set, the TSC source: maps the retired-instruction count at the reading instruction to the TSC (see {@link #tsc(Insn)}). */
    public java.util.function.LongUnaryOperator tscSource;

    private final Decoder decoder;
    private final Block[] jumpCache = new Block[4096];
    /**
     * A 4096-bit filter of the pages that may have blocks in {@link #jumpCache} (a block lies in
     * one page): INVLPG of a page whose bit is clear, such as a data page, keeps the jump cache.
     * Bits are set when a block enters the cache and cleared when the cache is emptied.
     */
    private final long[] jumpPages = new long[64];
    private final Insn[] scratch = new Insn[Block.MAX];
    private final byte[] fetch = new byte[32];

    public Core(PhysicalMemory phys, DecodedCode code, Opcodes tables) {
        this.phys = phys;
        this.ram = phys.ram();
        this.code = code;
        this.mmu = new Mmu(this);
        this.decoder = new Decoder(tables);
        for (int k = 0; k < scratch.length; k++) {
            scratch[k] = new Insn();
        }
    }

    // ---- registers -------------------------------------------------------------------

    /** Reads register {@code n} at operand size {@code size}, zero-extended. */
    public long reg(int n, int size) {
        long v = r[n];
        return switch (size) {
            case 8 -> v;
            case 4 -> v & 0xFFFFFFFFL;
            case 2 -> v & 0xFFFF;
            default -> v & 0xFF;
        };
    }

    /** Writes register {@code n} at operand size 2, 4 (zero-extending to 64) or 8. */
    public void setReg(int n, int size, long v) {
        switch (size) {
            case 8 -> r[n] = v;
            case 4 -> r[n] = v & 0xFFFFFFFFL;
            case 2 -> r[n] = (r[n] & ~0xFFFFL) | (v & 0xFFFF);
            default -> throw new IllegalArgumentException("use setReg8");
        }
    }

    /** Reads byte register {@code n} (0..15 low bytes, 16..19 AH, CH, DH, BH). */
    public int reg8(int n) {
        return n < 16 ? (int) r[n] & 0xFF : (int) (r[n - 16] >>> 8) & 0xFF;
    }

    /** Writes byte register {@code n} (see {@link #reg8}). */
    public void setReg8(int n, long v) {
        if (n < 16) {
            r[n] = (r[n] & ~0xFFL) | (v & 0xFF);
        } else {
            r[n - 16] = (r[n - 16] & ~0xFF00L) | ((v & 0xFF) << 8);
        }
    }

    /** The effective (linear) address of {@code i}'s memory operand. */
    public long ea(Insn i) {
        long a = i.disp;
        int b = i.base;
        if (b >= 0) {
            a += b == Insn.RIP ? rip : r[b];
        }
        if (i.index >= 0) {
            a += r[i.index] << i.scale;
        }
        if (i.asize == 4) {
            a &= 0xFFFFFFFFL;
        }
        if (i.seg != 0) {
            a += i.seg == Insn.SEG_FS ? fsBase : gsBase;
        }
        return a;
    }

    /** Reads the r/m operand of {@code i} at size {@code size}, zero-extended. */
    public long readRm(Insn i, int size) {
        if (!i.mem) {
            return size == 1 ? reg8(i.rm8) : reg(i.rm, size);
        }
        return read(ea(i), size);
    }

    /** Writes the r/m operand of {@code i} (register writes of size 4 zero-extend). */
    public void writeRm(Insn i, int size, long v) {
        if (!i.mem) {
            if (size == 1) {
                setReg8(i.rm8, v);
            } else {
                setReg(i.rm, size, v);
            }
        } else {
            write(ea(i), size, v);
        }
    }

    /** Reads the ModRM.reg operand at {@code size}. */
    public long readReg(Insn i, int size) {
        return size == 1 ? reg8(i.reg8) : reg(i.reg, size);
    }

    /** Writes the ModRM.reg operand at {@code size}. */
    public void writeReg(Insn i, int size, long v) {
        if (size == 1) {
            setReg8(i.reg8, v);
        } else {
            setReg(i.reg, size, v);
        }
    }

    // ---- faults ----------------------------------------------------------------------

    /** Abandons the current instruction with exception {@code vector}. Never returns normally. */
    public RuntimeException fault(int vector, int errorCode) {
        this.vector = vector;
        this.errorCode = errorCode;
        this.trap = false;
        throw CpuFault.INSTANCE;
    }

    /** Raises a trap: the instruction completed and RIP stays past it (INT3, INT n). */
    public RuntimeException trap(int vector) {
        this.vector = vector;
        this.errorCode = 0;
        this.trap = true;
        throw CpuFault.INSTANCE;
    }

    // ---- linear memory ---------------------------------------------------------------
    // The TLB is direct-mapped with separate entries for reads, writes and fetches. A tag is
    // the page's linear address (low 12 bits zero), or -1 when empty. host = RAM offset of the
    // page minus its linear address, so the RAM offset of va is host + va.

    static final int TLB_SIZE = 512;
    final long[] tagR = new long[TLB_SIZE], hostR = new long[TLB_SIZE];
    final long[] tagW = new long[TLB_SIZE], hostW = new long[TLB_SIZE];
    final long[] tagX = new long[TLB_SIZE], hostX = new long[TLB_SIZE];
    final boolean[] globalR = new boolean[TLB_SIZE], globalW = new boolean[TLB_SIZE], globalX = new boolean[TLB_SIZE];

    {
        Arrays.fill(tagR, -1);
        Arrays.fill(tagW, -1);
        Arrays.fill(tagX, -1);
    }

    static int tlbIndex(long va) {
        return (int) (va >>> 12) & (TLB_SIZE - 1);
    }

    public int read8(long va) {
        int t = tlbIndex(va);
        if (tagR[t] == (va & ~0xFFFL)) {
            return ram.get(ValueLayout.JAVA_BYTE, hostR[t] + va) & 0xFF;
        }
        return (int) mmu.readSlow(va, 1);
    }

    public int read16(long va) {
        int t = tlbIndex(va);
        if (tagR[t] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFFE) {
            return ram.get(LE16, hostR[t] + va) & 0xFFFF;
        }
        return (int) mmu.readSlow(va, 2);
    }

    public int read32(long va) {
        int t = tlbIndex(va);
        if (tagR[t] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFFC) {
            return ram.get(LE32, hostR[t] + va);
        }
        return (int) mmu.readSlow(va, 4);
    }

    public long read64(long va) {
        int t = tlbIndex(va);
        if (tagR[t] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFF8) {
            return ram.get(LE64, hostR[t] + va);
        }
        return mmu.readSlow(va, 8);
    }

    /** Reads {@code size} (1, 2, 4, 8) bytes at linear address {@code va}, zero-extended. */
    public long read(long va, int size) {
        return switch (size) {
            case 8 -> read64(va);
            case 4 -> read32(va) & 0xFFFFFFFFL;
            case 2 -> read16(va);
            default -> read8(va);
        };
    }

    public void write8(long va, long v) {
        int t = tlbIndex(va);
        if (tagW[t] == (va & ~0xFFFL)) {
            ram.set(ValueLayout.JAVA_BYTE, hostW[t] + va, (byte) v);
        } else {
            mmu.writeSlow(va, 1, v);
        }
    }

    public void write16(long va, long v) {
        int t = tlbIndex(va);
        if (tagW[t] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFFE) {
            ram.set(LE16, hostW[t] + va, (short) v);
        } else {
            mmu.writeSlow(va, 2, v);
        }
    }

    public void write32(long va, long v) {
        int t = tlbIndex(va);
        if (tagW[t] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFFC) {
            ram.set(LE32, hostW[t] + va, (int) v);
        } else {
            mmu.writeSlow(va, 4, v);
        }
    }

    public void write64(long va, long v) {
        int t = tlbIndex(va);
        if (tagW[t] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFF8) {
            ram.set(LE64, hostW[t] + va, v);
        } else {
            mmu.writeSlow(va, 8, v);
        }
    }

    /** Writes the low {@code size} (1, 2, 4, 8) bytes of {@code v} at linear address {@code va}. */
    public void write(long va, int size, long v) {
        switch (size) {
            case 8 -> write64(va, v);
            case 4 -> write32(va, v);
            case 2 -> write16(va, v);
            default -> write8(va, v);
        }
    }

    /**
     * Checks that {@code len} bytes at {@code va} can be written, setting accessed and dirty
     * bits, or faults; for instructions that must not commit part of a store (e.g. a 16-byte
     * store crossing into an unmapped page).
     */
    public void probeWrite(long va, int len) {
        mmu.probe(va, len, Mmu.WRITE);
    }

    /** Like {@link #probeWrite} for reads. */
    public void probeRead(long va, int len) {
        mmu.probe(va, len, Mmu.READ);
    }

    /**
     * Reads {@code size} (1, 2, 4, 8) bytes at {@code va} for a read-modify-write
     * instruction: the access is checked as a write, as the hardware does (a not-present page
     * faults with W in the error code, a read-only page faults before anything changes), so
     * the store that follows cannot fault.
     */
    public long readForWrite(long va, int size) {
        int t = tlbIndex(va);
        if (tagW[t] == (va & ~0xFFFL) && (va & 0xFFF) <= 4096 - size) {
            long o = hostW[t] + va;
            return switch (size) {
                case 8 -> ram.get(LE64, o);
                case 4 -> ram.get(LE32, o) & 0xFFFFFFFFL;
                case 2 -> ram.get(LE16, o) & 0xFFFF;
                default -> ram.get(ValueLayout.JAVA_BYTE, o) & 0xFF;
            };
        }
        mmu.probe(va, size, Mmu.WRITE);
        return read(va, size);
    }

    /**
     * For bulk operations (REP MOVS/STOS) on RAM: the RAM offset of linear {@code va}, valid
     * for reads up to the end of its page; -1 if the page is not RAM (then use
     * {@code read*}). Faults (#PF, #GP) as a read of {@code va} would.
     */
    public long ramForRead(long va) {
        int t = tlbIndex(va);
        if (tagR[t] == (va & ~0xFFFL)) {
            return hostR[t] + va;
        }
        return phys.ramOffset(mmu.translate(va, Mmu.READ));
    }

    /**
     * Like {@link #ramForRead} for writes (sets the dirty bit); -1 also if the page holds
     * decoded code, whose stores must go through {@code write*} so that the code is
     * invalidated.
     */
    public long ramForWrite(long va) {
        int t = tlbIndex(va);
        if (tagW[t] == (va & ~0xFFFL)) {
            return hostW[t] + va;
        }
        long off = phys.ramOffset(mmu.translate(va, Mmu.WRITE));
        return off < 0 || code.isCode(off) ? -1 : off;
    }

    /** Pushes {@code size} (8 or 2) bytes. */
    public void push(long v, int size) {
        long sp = r[4] - size;
        write(sp, size, v);
        r[4] = sp;
    }

    /** Pops {@code size} (8 or 2) bytes. */
    public long pop(int size) {
        long v = read(r[4], size);
        r[4] += size;
        return v;
    }

    // ---- TLB maintenance -------------------------------------------------------------

    /** Drops every TLB entry (keeping global pages if {@code keepGlobal}) and the jump cache. */
    public void flushTlb(boolean keepGlobal) {
        for (int k = 0; k < TLB_SIZE; k++) {
            if (!keepGlobal || !globalR[k]) {
                tagR[k] = -1;
            }
            if (!keepGlobal || !globalW[k]) {
                tagW[k] = -1;
            }
            if (!keepGlobal || !globalX[k]) {
                tagX[k] = -1;
            }
        }
        clearJumpCache();
    }

    private void clearJumpCache() {
        Arrays.fill(jumpCache, null);
        Arrays.fill(jumpPages, 0);
    }

    /** The bit of {@link #jumpPages} for the page containing {@code va}. */
    private static int jumpPageBit(long va) {
        long p = va >>> 12;
        return (int) (p ^ (p >>> 12)) & 4095;
    }

    /** Drops the TLB entries of the page containing {@code va} (INVLPG), global or not. */
    public void invlpg(long va) {
        int t = tlbIndex(va);
        long page = va & ~0xFFFL;
        if (tagR[t] == page) {
            tagR[t] = -1;
        }
        if (tagW[t] == page) {
            tagW[t] = -1;
        }
        if (tagX[t] == page) {
            tagX[t] = -1;
        }
        int bit = jumpPageBit(va);
        if ((jumpPages[bit >>> 6] & 1L << bit) != 0) { // blocks of this page may be cached
            clearJumpCache();
        }
    }

    /** Drops the write entries (a page may have become a code page). */
    void flushWriteTlb() {
        Arrays.fill(tagW, -1);
    }

    /** Writes CR3: new address space; the TLB keeps global pages when CR4.PGE is set. */
    public void setCr3(long v) {
        cr3 = v;
        flushTlb((cr4 & 0x80) != 0);
    }

    // ---- flags -----------------------------------------------------------------------

    /** RFLAGS with the lazily computed bits materialized. */
    public long rflags() {
        return Flags.get(this);
    }

    /** Sets RFLAGS (all bits; bit 1 forced to 1, reserved bits to 0). */
    public void setRflags(long v) {
        rf = (v & 0x3F7FD5L) | 2;
        flagOp = Flags.NONE;
    }

    // ---- time ------------------------------------------------------------------------

    /** The time-stamp counter between instructions (see {@link #tscAt}). */
    public long tsc() {
        return tscAt(retired);
    }

    /**
     * The time-stamp counter as read by instruction {@code i} of the running block: the
     * instructions before it in its block count as retired, so RDTSC is exact per instruction.
     */
    public long tsc(Insn i) {
        return tscAt(retired + i.pos);
    }

    /**
     * The TSC when {@code retiredNow} instructions have retired: from {@link #tscSource} if set,
     * else host nanoseconds, or the retired count in deterministic mode; plus the offset.
     */
    private long tscAt(long retiredNow) {
        java.util.function.LongUnaryOperator s = tscSource;
        long t = s != null ? s.applyAsLong(retiredNow) : deterministicTsc ? retiredNow : System.nanoTime();
        return t + tscOffset;
    }

    // ---- the run loop ----------------------------------------------------------------

    /**
     * Runs until an exit (see {@link Exit}); at most {@code budget} more instructions.
     * RIP is in {@link #rip} before and after.
     */
    public Exit run(long budget) {
        long end = retired + budget;
        exit = null;
        for (;;) {
            if (code.epoch() != codeEpoch) {
                codeEpoch = code.epoch();
                flushWriteTlb();
            }
            if (interruptPending && (rf & 0x200) != 0) {
                return Exit.INTERRUPT;
            }
            long left = end - retired;
            if (left <= 0) {
                return Exit.BUDGET;
            }
            Insn[] insns = null;
            long base = rip; // the block's first instruction: RIP of insns[k] is base + end - len
            int k = 0;
            try {
                insns = block(base).insns;
                int n = insns.length < left ? insns.length : (int) left;
                while (k < n) {
                    Insn i = insns[k];
                    rip = base + i.end; // only a block's last instruction changes RIP
                    i.op.exec(this, i);
                    k++;
                    if (stop) {
                        break;
                    }
                }
            } catch (CpuFault f) {
                retired += k + (trap ? 1 : 0);
                if (!trap) {
                    rip = insns == null ? insnRip : base + insns[k].end - insns[k].len;
                }
                stop = false;
                return Exit.EXCEPTION;
            } catch (RuntimeException | Error e) {
                rip = insns == null ? base : base + insns[k].end - insns[k].len;
                throw e;
            }
            retired += k;
            if (stop) {
                stop = false;
                if (exit != null) {
                    Exit x = exit;
                    exit = null;
                    return x;
                }
            }
        }
    }

    /**
     * The decoded block at linear address {@code va}: from the jump cache, the code cache, or
     * decoded now. Faults (#PF, #GP) if {@code va} cannot be fetched.
     */
    private Block block(long va) {
        int j = (int) (va ^ (va >>> 12)) & (jumpCache.length - 1);
        Block b = jumpCache[j];
        if (b != null && b.va == va && b.valid) {
            return b;
        }
        insnRip = va;
        long off = mmu.fetchOffset(va); // RAM offset; faults if not executable
        long pa = off; // the code cache is keyed by RAM offset, which identifies physical memory
        b = code.find(pa);
        if (b == null || !b.valid) {
            b = decodeBlock(va, off);
            if (b == null) {
                return crossing;
            }
        }
        // a stale block with the same physical address but another linear address is fine
        if (b.va != va) {
            b = new Block(va, b.pa, b.insns);
        }
        jumpCache[j] = b;
        int bit = jumpPageBit(va);
        jumpPages[bit >>> 6] |= 1L << bit;
        return b;
    }

    /** The one-instruction block of an instruction that crosses a page: decoded each time, never cached. */
    private final Insn crossingInsn = new Insn();
    private final Block crossing = new Block(-1, -1, new Insn[] {crossingInsn});

    /** Decodes a block at RAM offset {@code off} (linear {@code va}); null if the first instruction crosses into the next page. */
    private Block decodeBlock(long va, long off) {
        int n = 0;
        long o = off;
        int inPage = (int) (4096 - (off & 0xFFF));
        while (n < Block.MAX && inPage > 0) {
            int avail = Math.min(inPage, Decoder.MAX_LEN);
            MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, o, fetch, 0, avail);
            int len = decoder.decode(fetch, 0, avail, scratch[n]);
            if (len == Decoder.NEED_MORE) {
                if (n == 0) {
                    decodeCrossing(va, avail);
                    return null;
                }
                break;
            }
            n++;
            o += len;
            inPage -= len;
            if (scratch[n - 1].ends) {
                break;
            }
        }
        Insn[] insns = new Insn[n];
        int end = 0;
        for (int k = 0; k < n; k++) {
            insns[k] = new Insn();
            insns[k].copyFrom(scratch[k]);
            end += insns[k].len;
            insns[k].end = end;
            insns[k].pos = k;
        }
        Block b = new Block(va, off, insns);
        code.add(b);
        if (code.epoch() != codeEpoch) {
            codeEpoch = code.epoch();
            flushWriteTlb();
        }
        return b;
    }

    /** Decodes an instruction whose bytes continue on the next page into {@link #crossing}; not cached. */
    private void decodeCrossing(long va, int first) {
        MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, mmu.fetchOffset(va), fetch, 0, first);
        long next = (va + 4096) & ~0xFFFL;
        insnRip = va;
        long off2 = mmu.fetchOffsetAt(next, va);
        MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, off2, fetch, first, Decoder.MAX_LEN - first);
        decoder.decode(fetch, 0, Decoder.MAX_LEN, crossingInsn);
        crossingInsn.end = crossingInsn.len;
    }

    /** The code cache shared with the machine's other CPUs. */
    public DecodedCode codeCache() {
        return code;
    }
}
