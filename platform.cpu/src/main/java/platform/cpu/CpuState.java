package platform.cpu;

import java.util.Arrays;

/**
 * The architectural state of one task's CPU: what the kernel saves on a switch and restores
 * later with {@link Cpu#save(CpuState)} and {@link Cpu#load(CpuState)}. A plain mutable
 * object; it holds no reference to a CPU or to memory.
 *
 * <p>General-purpose registers are indexed by their encoding: 0 RAX, 1 RCX, 2 RDX, 3 RBX,
 * 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8..15 R8..R15 (constants below).
 */
public final class CpuState {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    public static final int R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    /** RFLAGS bits. */
    public static final long CF = 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8,
            IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, AC = 1 << 18, ID = 1 << 21;

    /** General-purpose registers, by encoding. */
    public final long[] gpr = new long[16];
    public long rip;
    /** RFLAGS; bit 1 always reads as 1. */
    public long rflags = 0x202;
    public long fsBase, gsBase, kernelGsBase;
    /** Current privilege level: 3 for user code, 0 after SYSCALL. */
    public int cpl = 3;

    /** XMM0..XMM15: xmm[2n] is the low quadword of XMMn, xmm[2n+1] the high one. */
    public final long[] xmm = new long[32];
    public int mxcsr = 0x1F80;

    /** x87 data registers in physical order: significand and sign/exponent (16 bits). */
    public final long[] fpuMantissa = new long[8];
    public final int[] fpuSignExp = new int[8];
    public int fcw = 0x037F;
    /** x87 status word, TOP included (bits 13..11). */
    public int fsw;
    /** x87 tag word, two bits per physical register (11 = empty). */
    public int ftw = 0xFFFF;

    public long cr0 = 0x80050033L, cr2, cr3, cr4 = 0x406A0, efer = 0xD01;

    /** Copies every field of {@code other} into this state. */
    public void copyFrom(CpuState other) {
        System.arraycopy(other.gpr, 0, gpr, 0, 16);
        rip = other.rip;
        rflags = other.rflags;
        fsBase = other.fsBase;
        gsBase = other.gsBase;
        kernelGsBase = other.kernelGsBase;
        cpl = other.cpl;
        System.arraycopy(other.xmm, 0, xmm, 0, 32);
        mxcsr = other.mxcsr;
        System.arraycopy(other.fpuMantissa, 0, fpuMantissa, 0, 8);
        System.arraycopy(other.fpuSignExp, 0, fpuSignExp, 0, 8);
        fcw = other.fcw;
        fsw = other.fsw;
        ftw = other.ftw;
        cr0 = other.cr0;
        cr2 = other.cr2;
        cr3 = other.cr3;
        cr4 = other.cr4;
        efer = other.efer;
    }

    private static final String[] NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    /** The name of general-purpose register {@code r} ("rax", ..., "r15"). */
    public static String name(int r) {
        return NAMES[r];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sb.append(String.format("%-3s=%016x%s", NAMES[i], gpr[i], i % 4 == 3 ? "\n" : " "));
        }
        sb.append(String.format("rip=%016x rflags=%08x cpl=%d fs=%x gs=%x cr2=%x cr3=%x", rip, rflags, cpl, fsBase, gsBase, cr2, cr3));
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuState s && Arrays.equals(gpr, s.gpr) && rip == s.rip && rflags == s.rflags
                && fsBase == s.fsBase && gsBase == s.gsBase && kernelGsBase == s.kernelGsBase && cpl == s.cpl
                && Arrays.equals(xmm, s.xmm) && mxcsr == s.mxcsr && Arrays.equals(fpuMantissa, s.fpuMantissa)
                && Arrays.equals(fpuSignExp, s.fpuSignExp) && fcw == s.fcw && fsw == s.fsw && ftw == s.ftw
                && cr0 == s.cr0 && cr2 == s.cr2 && cr3 == s.cr3 && cr4 == s.cr4 && efer == s.efer;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(gpr) * 31 + Long.hashCode(rip);
    }
}
