package platform.cpu.diff;

import java.util.Arrays;

/**
 * The architectural state a differential case starts from or ends in: the 16 GPRs, RFLAGS,
 * XMM0-15 and MXCSR, the x87 registers, and the contents of the data region at
 * {@link #DATA}. A plain mutable object; setters return {@code this} for chaining.
 *
 * <p>Rules: only the arithmetic flags and DF of {@link #rflags} are loaded (IF is always
 * set, TF/AC never). x87 registers are kept in physical order ({@link #fpuM}/{@link #fpuSE},
 * like {@code CpuState}); {@link #ftw} is the full tag word but only "empty or not" is
 * loaded and compared (as FXSAVE/FXRSTOR do). {@link #data} must be a multiple of 4 KiB,
 * at most 1 MiB; the page after it is unmapped.
 */
public final class MachineState {
    /** Fixed addresses, the same on the host and in the emulator (also nasm macros of the same names). */
    public static final long DATA = 0x1000_0000L, RODATA = 0x2000_0000L, CODE = 0x4000_0000L;
    public static final int DATA_MAX = 1 << 20;
    /** Default data size, and the default RSP (the middle of the default data, 16-byte aligned). */
    public static final int DEFAULT_DATA = 8192;
    public static final long DEFAULT_RSP = DATA + 0x1000;

    /** Register numbers by encoding. */
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
            R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
    static final String[] NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    public final long[] gpr = new long[16];
    public long rflags = 0x202;
    /** FS and GS bases (segment overrides FS:/GS:); 0 by default; the host can only use user addresses (below 2^47). */
    public long fsBase, gsBase;
    /** XMMn is xmm[2n] (low quadword) and xmm[2n+1] (high). */
    public final long[] xmm = new long[32];
    public int mxcsr = 0x1F80;
    public int fcw = 0x037F;
    /** x87 status word, TOP in bits 13..11. */
    public int fsw;
    /** Full x87 tag word, 2 bits per physical register; 3 = empty. */
    public int ftw = 0xFFFF;
    /** x87 registers in physical order: 64-bit significand and 16-bit sign/exponent. */
    public final long[] fpuM = new long[8];
    public final int[] fpuSE = new int[8];
    /** Contents of [DATA, DATA + data.length). */
    public byte[] data = new byte[DEFAULT_DATA];

    public MachineState() {
        gpr[RSP] = DEFAULT_RSP;
    }

    /** A deep copy. */
    public MachineState copy() {
        MachineState s = new MachineState();
        s.copyFrom(this);
        return s;
    }

    /** Copies every field of {@code o} (the data array too). */
    public void copyFrom(MachineState o) {
        System.arraycopy(o.gpr, 0, gpr, 0, 16);
        rflags = o.rflags;
        fsBase = o.fsBase;
        gsBase = o.gsBase;
        System.arraycopy(o.xmm, 0, xmm, 0, 32);
        mxcsr = o.mxcsr;
        fcw = o.fcw;
        fsw = o.fsw;
        ftw = o.ftw;
        System.arraycopy(o.fpuM, 0, fpuM, 0, 8);
        System.arraycopy(o.fpuSE, 0, fpuSE, 0, 8);
        data = o.data.clone();
    }

    // ---- setters for chaining ------------------------------------------------------------

    public MachineState set(int reg, long v) {
        gpr[reg] = v;
        return this;
    }

    public long get(int reg) {
        return gpr[reg];
    }

    public MachineState flags(long v) {
        rflags = v;
        return this;
    }

    /** Sets XMMn to {@code hi:lo}. */
    public MachineState xmm(int n, long lo, long hi) {
        xmm[2 * n] = lo;
        xmm[2 * n + 1] = hi;
        return this;
    }

    public MachineState mxcsr(int v) {
        mxcsr = v;
        return this;
    }

    /** Replaces the data region with {@code size} zero bytes (a multiple of 4 KiB). */
    public MachineState dataSize(int size) {
        if (size < 0 || size > DATA_MAX || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("data size must be a multiple of 4 KiB up to 1 MiB: " + size);
        }
        data = Arrays.copyOf(data, size);
        return this;
    }

    /** Little-endian {@code size}-byte value at data offset {@code off}. */
    public long peek(int off, int size) {
        long v = 0;
        for (int k = size - 1; k >= 0; k--) {
            v = v << 8 | (data[off + k] & 0xFF);
        }
        return v;
    }

    public MachineState poke(int off, int size, long v) {
        for (int k = 0; k < size; k++) {
            data[off + k] = (byte) (v >>> (8 * k));
        }
        return this;
    }

    public MachineState poke(int off, byte[] bytes) {
        System.arraycopy(bytes, 0, data, off, bytes.length);
        return this;
    }

    // ---- x87 by stack position -------------------------------------------------------------

    /** TOP, the physical number of ST(0). */
    public int top() {
        return (fsw >> 11) & 7;
    }

    public MachineState top(int top) {
        fsw = (fsw & ~0x3800) | (top & 7) << 11;
        return this;
    }

    /** Physical register number of ST(i). */
    public int phys(int i) {
        return (top() + i) & 7;
    }

    /** Sets ST(i) (relative to the current TOP) and marks it non-empty. */
    public MachineState st(int i, long significand, int signExp) {
        int p = phys(i);
        fpuM[p] = significand;
        fpuSE[p] = signExp & 0xFFFF;
        ftw = (ftw & ~(3 << (2 * p))) | tagOf(significand, signExp) << (2 * p);
        return this;
    }

    /** Pushes a value as FLD would (TOP decremented, then ST(0) set). */
    public MachineState push(long significand, int signExp) {
        top(top() - 1);
        return st(0, significand, signExp);
    }

    /** True if physical register {@code p} is empty. */
    public boolean empty(int p) {
        return ((ftw >> (2 * p)) & 3) == 3;
    }

    /** The FXSAVE-style abridged tag byte: bit p set when physical register p is not empty. */
    public int abridgedTag() {
        int t = 0;
        for (int p = 0; p < 8; p++) {
            if (!empty(p)) {
                t |= 1 << p;
            }
        }
        return t;
    }

    /** The full tag of a non-empty register computed from its contents, as FXRSTOR does: 0 valid, 1 zero, 2 special. */
    static int tagOf(long m, int se) {
        int exp = se & 0x7FFF;
        if (exp == 0x7FFF) {
            return 2;
        }
        if (exp == 0) {
            return m == 0 ? 1 : 2;
        }
        return m < 0 ? 0 : 2;
    }

    /** The full tag word for abridged tag {@code abridged} and the current register contents. */
    int fullTag(int abridged) {
        int t = 0;
        for (int p = 0; p < 8; p++) {
            t |= ((abridged >> p & 1) == 0 ? 3 : tagOf(fpuM[p], fpuSE[p])) << (2 * p);
        }
        return t;
    }

    // ---- FXSAVE image ----------------------------------------------------------------------

    /** The 512-byte FXSAVE image of the x87/SSE state (FOP, FIP, FDP zero). */
    byte[] fxsave() {
        byte[] b = new byte[512];
        put(b, 0, 2, fcw);
        put(b, 2, 2, fsw);
        b[4] = (byte) abridgedTag();
        put(b, 24, 4, mxcsr);
        put(b, 28, 4, 0xFFFF);
        int top = top();
        for (int i = 0; i < 8; i++) {
            int p = (top + i) & 7;
            put(b, 32 + 16 * i, 8, fpuM[p]);
            put(b, 40 + 16 * i, 2, fpuSE[p]);
        }
        for (int k = 0; k < 32; k++) {
            put(b, 160 + 8 * k, 8, xmm[k]);
        }
        return b;
    }

    /** Loads the x87/SSE fields from a 512-byte FXSAVE image. */
    void fxrstor(byte[] b) {
        fcw = (int) get(b, 0, 2);
        fsw = (int) get(b, 2, 2);
        mxcsr = (int) get(b, 24, 4);
        int top = top();
        for (int i = 0; i < 8; i++) {
            int p = (top + i) & 7;
            fpuM[p] = get(b, 32 + 16 * i, 8);
            fpuSE[p] = (int) get(b, 40 + 16 * i, 2);
        }
        ftw = fullTag(b[4] & 0xFF);
        for (int k = 0; k < 32; k++) {
            xmm[k] = get(b, 160 + 8 * k, 8);
        }
    }

    static void put(byte[] b, int off, int n, long v) {
        for (int k = 0; k < n; k++) {
            b[off + k] = (byte) (v >>> (8 * k));
        }
    }

    static long get(byte[] b, int off, int n) {
        long v = 0;
        for (int k = n - 1; k >= 0; k--) {
            v = v << 8 | (b[off + k] & 0xFF);
        }
        return v;
    }

    /** The GPRs and flags, four registers a line. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < 16; k++) {
            sb.append(String.format("%-3s=%016x%s", NAMES[k], gpr[k], k % 4 == 3 ? "\n" : " "));
        }
        sb.append(String.format("rflags=%x mxcsr=%x fcw=%x fsw=%x ftw=%x", rflags, mxcsr, fcw, fsw, ftw));
        return sb.toString();
    }
}
