package kernel.sched.internal;

import kernel.core.hal.PhysMem;
import kernel.sched.Sched;
import platform.cpu.CpuState;
import platform.cpu.Exit;

/**
 * CPU-bound user code for scheduler tests: a real x86-64 loop in a page of emulated RAM under
 * a minimal page table (the low 4 GiB identity-mapped with 1 GiB user pages):
 * {@code l: dec rcx; jnz l; syscall}. {@link #burn} runs it in user mode (CPL 3) for
 * {@code 2n + 1} instructions through {@link Sched#runUser}, so the LAPIC timer really
 * preempts it.
 */
public final class UserLoop {
    static final byte[] CODE = {
        0x48, (byte) 0xFF, (byte) 0xC9, // dec rcx
        0x75, (byte) 0xFB,              // jnz -5
        0x0F, 0x05,                     // syscall
    };

    private final long pml4;
    private final long code;

    /** Writes the page tables and the code into three pages below 4 GiB: {@code pml4}, {@code pdpt}, {@code code}. */
    public UserLoop(PhysMem mem, long pml4, long pdpt, long code) {
        this.pml4 = pml4;
        this.code = code;
        for (int i = 0; i < 512; i++) {
            mem.write64(pml4 + 8L * i, 0);
            mem.write64(pdpt + 8L * i, 0);
        }
        mem.write64(pml4, pdpt | 0x7);
        for (int g = 0; g < 4; g++) {
            mem.write64(pdpt + 8L * g, ((long) g << 30) | 0x87); // present, writable, user, 1 GiB
        }
        mem.write(code, CODE, 0, CODE.length);
    }

    /** A fresh user context for this loop. */
    public CpuState newState() {
        CpuState s = new CpuState();
        s.cr3 = pml4;
        return s;
    }

    /** Runs {@code n} iterations (about 2n instructions, so 2n ns on the deterministic clock) in user mode. */
    public void burn(CpuState s, long n) {
        s.rip = code;
        s.cpl = 3;
        s.rflags = 0x202;
        s.gpr[CpuState.RCX] = Math.max(1, n);
        s.cr3 = pml4;
        Exit e = Sched.runUser(s);
        if (e != Exit.SYSCALL) {
            throw new IllegalStateException("user loop ended with " + e + " vector " + Sched.lastVector()
                    + " at rip " + Long.toHexString(s.rip));
        }
    }
}
