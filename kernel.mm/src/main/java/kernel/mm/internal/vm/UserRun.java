package kernel.mm.internal.vm;

import java.util.ArrayList;
import java.util.List;
import kernel.mm.AddressSpace;
import kernel.mm.FaultResult;
import platform.cpu.Cpu;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.Vectors;
import platform.pc.Vcpu;

/**
 * Runs user code of an address space on a vCPU, as the kernel's return-to-user loop will:
 * activate the space (CR3), run at CPL 3, resolve page faults with
 * {@link AddressSpace#handleFault} and restart the instruction, take interrupts, and stop at a
 * SYSCALL, an unresolved fault, another exception or the budget. The vCPU's previous register
 * file is restored afterwards. For self-tests and benchmarks.
 */
public final class UserRun {
    /** How a run ended; {@code regs} are the 16 GPRs at the end. */
    public record Outcome(Exit exit, int vector, int errorCode, long cr2, long rip, long[] regs,
                          List<FaultResult> faults, FaultResult unresolved) {
        public long reg(int r) {
            return regs[r];
        }
    }

    private UserRun() {
    }

    /**
     * On {@code vcpu}'s thread (call it through {@link Vcpu#call} from elsewhere): runs from
     * {@code rip} with the given registers ({@code regs[r]} for GPR r, shorter arrays allowed).
     * With {@code handleFaults} false a #PF ends the run, so the caller sees the raw CR2 and
     * error code.
     */
    public static Outcome run(Vcpu vcpu, AddressSpace as, long rip, long[] regs, long budget, boolean handleFaults) {
        Cpu cpu = vcpu.cpu();
        CpuState saved = new CpuState();
        cpu.save(saved);
        List<FaultResult> faults = new ArrayList<>();
        try {
            CpuState s = new CpuState();
            s.cr3 = as.cr3();
            s.rip = rip;
            s.cpl = 3;
            s.rflags = 0x202;
            System.arraycopy(regs, 0, s.gpr, 0, Math.min(regs.length, 16));
            as.activate(vcpu);
            cpu.load(s);
            long left = budget;
            while (true) {
                long before = cpu.retired();
                Exit e = vcpu.runUser(left);
                left -= cpu.retired() - before;
                if (e == Exit.INTERRUPT) {
                    vcpu.serviceInterrupts();
                    if (left > 0) {
                        continue;
                    }
                    e = Exit.BUDGET;
                }
                if (e == Exit.EXCEPTION && cpu.vector() == Vectors.PF && handleFaults) {
                    FaultResult r = as.handleFault(cpu.cr2(), cpu.errorCode());
                    faults.add(r);
                    if (r.resolved() && left > 0) {
                        continue;
                    }
                    return end(cpu, e, faults, r.resolved() ? null : r);
                }
                return end(cpu, e, faults, null);
            }
        } finally {
            as.deactivate(vcpu);
            cpu.load(saved);
        }
    }

    private static Outcome end(Cpu cpu, Exit e, List<FaultResult> faults, FaultResult unresolved) {
        long[] r = new long[16];
        for (int i = 0; i < 16; i++) {
            r[i] = cpu.reg(i);
        }
        return new Outcome(e, e == Exit.EXCEPTION ? cpu.vector() : -1, e == Exit.EXCEPTION ? cpu.errorCode() : 0,
                cpu.cr2(), cpu.rip(), r, faults, unresolved);
    }
}
