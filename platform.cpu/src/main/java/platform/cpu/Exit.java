package platform.cpu;

/**
 * Why {@link Cpu#run(long)} returned. In every case the register file is in the state the
 * architecture defines for the event, and {@link Cpu#retired()} counts the instructions
 * that completed.
 */
public enum Exit {
    /**
     * A SYSCALL instruction completed: RCX holds the address of the next instruction, R11
     * the RFLAGS before the instruction, RIP is IA32_LSTAR, RFLAGS was masked with
     * IA32_FMASK and the CPU is at CPL 0. {@link Cpu#sysret()} returns to the caller.
     */
    SYSCALL,
    /**
     * An exception: {@link Cpu#vector()} and {@link Cpu#errorCode()} say which. RIP is the
     * faulting instruction for faults (#DE, #UD, #GP, #PF, #NM, #XM, #AC, ...) and the next
     * instruction for traps (#BP from INT3, #OF from INTO); CR2 holds the linear address of
     * a #PF. Nothing of the faulting instruction has been committed.
     */
    EXCEPTION,
    /** An interrupt is pending and RFLAGS.IF is set; RIP is the next instruction to run. */
    INTERRUPT,
    /** HLT ran (at CPL 0; at CPL 3 it raises #GP instead); RIP is the next instruction. */
    HLT,
    /** The instruction budget ran out; RIP is the next instruction to run. */
    BUDGET
}
