package platform.cpu.diff;

import platform.cpu.Vectors;

/**
 * How one side (host or emulator) finished a case: the exception that ended it (normally
 * {@link Vectors#BP} from the INT3 appended to every snippet), the RIP and the whole state at
 * that point. For faults RIP is the faulting instruction and the state is the one before it;
 * for #BP RIP is past the INT3.
 */
public final class Outcome {
    /** Exception vector that ended the case, or -1 (see {@link #problem}). */
    public int vector = -1;
    /** Error code (for vectors that push one), CR2 (for #PF). */
    public int errorCode;
    public long cr2;
    public long rip;
    /** The final state, data region included. */
    public final MachineState state = new MachineState();
    /** Why the case did not end with an exception (time limit, SYSCALL ...), or null. */
    public String problem;

    /** True if the case ran to the INT3 that ends every snippet. */
    public boolean reachedEnd(long endRip) {
        return problem == null && vector == Vectors.BP && rip == endRip;
    }

    /** "#PF err=6 cr2=..." or "#BP" and where. */
    public String event() {
        if (problem != null) {
            return problem;
        }
        StringBuilder sb = new StringBuilder(Vectors.name(vector));
        if (Differential.hasErrorCode(vector)) {
            sb.append(" err=").append(Integer.toHexString(errorCode));
        }
        if (vector == Vectors.PF) {
            sb.append(" cr2=").append(Long.toHexString(cr2));
        }
        return sb.append(" at rip=").append(Long.toHexString(rip)).toString();
    }

    @Override
    public String toString() {
        return event() + "\n" + state;
    }
}
