package platform.cpu;

import platform.cpu.internal.Core;
import platform.cpu.internal.DecodedCode;
import platform.cpu.internal.Opcodes;

/**
 * One x86-64 vCPU in 64-bit mode: runs user code (CPL 3) until an event hands control to the
 * kernel ({@link Exit}). The kernel is Java ("ring 0 is Java"): it handles the event, changes
 * the register file through {@link #save}/{@link #load} or the accessors, and calls
 * {@link #run} again.
 *
 * <p>Threading: one thread runs a CPU at a time. {@link #interrupt()} may be called from any
 * thread. CPUs of one machine share a {@link CodeCache} (see {@link #Cpu(PhysicalMemory, CodeCache)}).
 */
public final class Cpu {
    private static volatile Opcodes tables;

    private final Core core;

    /** A CPU with its own code cache. */
    public Cpu(PhysicalMemory memory) {
        this(memory, CodeCache.create());
    }

    /** A CPU sharing {@code code} with the other CPUs on {@code memory}. */
    public Cpu(PhysicalMemory memory, CodeCache code) {
        this.core = new Core(memory, (DecodedCode) code, tables());
    }

    private static Opcodes tables() {
        Opcodes t = tables;
        if (t == null) {
            synchronized (Cpu.class) {
                t = tables;
                if (t == null) {
                    t = Opcodes.build();
                    tables = t;
                }
            }
        }
        return t;
    }

    /**
     * Runs at most {@code budget} instructions; returns why it stopped. The register file is
     * then in the state the architecture defines for the event (see {@link Exit}).
     */
    public Exit run(long budget) {
        return core.run(budget);
    }

    /** Vector of the last {@link Exit#EXCEPTION} (see {@link Vectors}). */
    public int vector() {
        return core.vector;
    }

    /** Error code of the last {@link Exit#EXCEPTION} (0 if the exception has none). */
    public int errorCode() {
        return core.errorCode;
    }

    /** Instructions retired since the CPU was made. */
    public long retired() {
        return core.retired;
    }

    /** Requests an {@link Exit#INTERRUPT}: {@link #run} returns at the next instruction boundary where RFLAGS.IF is set. */
    public void interrupt() {
        core.interruptPending = true;
    }

    /** Withdraws an interrupt request. */
    public void clearInterrupt() {
        core.interruptPending = false;
    }

    /** Copies the register file into {@code s}. */
    public void save(CpuState s) {
        Core c = core;
        System.arraycopy(c.r, 0, s.gpr, 0, 16);
        s.rip = c.rip;
        s.rflags = c.rflags();
        s.fsBase = c.fsBase;
        s.gsBase = c.gsBase;
        s.kernelGsBase = c.kernelGsBase;
        s.cpl = c.cpl;
        System.arraycopy(c.xmm, 0, s.xmm, 0, 32);
        s.mxcsr = c.mxcsr;
        System.arraycopy(c.fpuM, 0, s.fpuMantissa, 0, 8);
        System.arraycopy(c.fpuSE, 0, s.fpuSignExp, 0, 8);
        s.fcw = c.fcw;
        s.fsw = c.fsw;
        s.ftw = c.ftw;
        s.cr0 = c.cr0;
        s.cr2 = c.cr2;
        s.cr3 = c.cr3;
        s.cr4 = c.cr4;
        s.efer = c.efer;
    }

    /**
     * Loads the register file from {@code s} (a task switch). A CR3 different from the
     * current one flushes the TLB as a MOV to CR3 does.
     */
    public void load(CpuState s) {
        Core c = core;
        System.arraycopy(s.gpr, 0, c.r, 0, 16);
        c.rip = s.rip;
        c.setRflags(s.rflags);
        c.fsBase = s.fsBase;
        c.gsBase = s.gsBase;
        c.kernelGsBase = s.kernelGsBase;
        c.cpl = s.cpl;
        System.arraycopy(s.xmm, 0, c.xmm, 0, 32);
        c.mxcsr = s.mxcsr;
        System.arraycopy(s.fpuMantissa, 0, c.fpuM, 0, 8);
        System.arraycopy(s.fpuSignExp, 0, c.fpuSE, 0, 8);
        c.fcw = s.fcw;
        c.fsw = s.fsw;
        c.ftw = s.ftw;
        c.cr0 = s.cr0;
        c.cr2 = s.cr2;
        c.cr4 = s.cr4;
        c.efer = s.efer;
        if (c.cr3 != s.cr3) {
            c.setCr3(s.cr3);
        }
    }

    /** SYSRET to 64-bit user mode: RIP = RCX, RFLAGS = R11 (RF, VM cleared), CPL 3. */
    public void sysret() {
        Core c = core;
        c.rip = c.r[1];
        c.setRflags((c.r[11] & ~0x30000L) | 2);
        c.cpl = 3;
    }

    public long rip() {
        return core.rip;
    }

    public void setRip(long rip) {
        core.rip = rip;
    }

    /** General-purpose register {@code n} (see {@link CpuState} for numbering). */
    public long reg(int n) {
        return core.r[n];
    }

    public void setReg(int n, long v) {
        core.r[n] = v;
    }

    public long rflags() {
        return core.rflags();
    }

    public void setRflags(long v) {
        core.setRflags(v);
    }

    public long fsBase() {
        return core.fsBase;
    }

    /** Sets the FS base (ARCH_SET_FS). */
    public void setFsBase(long v) {
        core.fsBase = v;
    }

    public long gsBase() {
        return core.gsBase;
    }

    public void setGsBase(long v) {
        core.gsBase = v;
    }

    public long cr2() {
        return core.cr2;
    }

    public long cr3() {
        return core.cr3;
    }

    /** Writes CR3 (flushes non-global TLB entries). */
    public void setCr3(long v) {
        core.setCr3(v);
    }

    public int cpl() {
        return core.cpl;
    }

    public void setCpl(int cpl) {
        core.cpl = cpl;
    }

    /** INVLPG: drops the TLB entries for the page containing {@code va}. */
    public void invlpg(long va) {
        core.invlpg(va);
    }

    /** Flushes the whole TLB, global pages included. */
    public void flushTlb() {
        core.flushTlb(false);
    }

    /** IA32_LSTAR: where SYSCALL goes (only reported to the kernel; the kernel is Java). */
    public void setLstar(long v) {
        core.lstar = v;
    }

    /** IA32_FMASK: RFLAGS bits SYSCALL clears. */
    public void setFmask(long v) {
        core.fmask = v;
    }

    /** IA32_TSC_AUX, returned by RDTSCP in ECX. */
    public void setTscAux(long v) {
        core.tscAux = v;
    }

    /** The TSC value RDTSC would read now. */
    public long tsc() {
        return core.tsc();
    }

    /**
     * Sets where the TSC comes from (null: the default, host time or, with
     * {@link #setDeterministicTsc}, retired instructions). RDTSC and RDTSCP read
     * {@code source.applyAsLong(n)} plus the TSC offset, {@code n} being the number of
     * instructions retired before the reading instruction (exact inside a run, not rounded to
     * a block); {@link #tsc()} passes {@link #retired()}. Called on the running thread; it
     * must not allocate or block, and must not call back into this CPU.
     */
    public void setTscSource(java.util.function.LongUnaryOperator source) {
        core.tscSource = source;
    }

    /**
     * Makes the TSC advance with retired instructions (one tick per instruction) instead of
     * host time, so runs are reproducible.
     */
    public void setDeterministicTsc(boolean on) {
        core.deterministicTsc = on;
    }

    /** The code cache (shared with the machine's other CPUs). */
    public CodeCache codeCache() {
        return core.codeCache();
    }

    /** The engine, for the instruction tests in this module. */
    public Core core() {
        return core;
    }
}
