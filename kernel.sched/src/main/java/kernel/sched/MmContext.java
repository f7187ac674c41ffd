package kernel.sched;

import platform.pc.Vcpu;

/**
 * A user task's address space as the scheduler switches it ({@code switch_mm}): the scheduler
 * calls {@link #activate} on a vCPU's thread before the task's user code runs there, unless
 * that vCPU already has this context active, and {@link #deactivate} when another context is
 * activated on that vCPU in its place or the task exits. Between user runs (system calls,
 * kernel-only tasks) the context stays active, as Linux's lazy TLB mode keeps the previous
 * mm. For {@code kernel.mm} address spaces, pass {@code AddressSpace::activate} and
 * {@code AddressSpace::deactivate}: that is how they learn which vCPUs TLB shootdowns must reach.
 */
public interface MmContext {
    /** Loads the context on {@code vcpu} (its thread): CR3, and joins the set of vCPUs it is active on. */
    void activate(Vcpu vcpu);

    /** {@code vcpu} (its thread) no longer runs this context. */
    void deactivate(Vcpu vcpu);

    /** A context from two method references, e.g. {@code MmContext.of(as::activate, as::deactivate)}. */
    static MmContext of(java.util.function.Consumer<Vcpu> activate, java.util.function.Consumer<Vcpu> deactivate) {
        return new MmContext() {
            @Override
            public void activate(Vcpu vcpu) {
                activate.accept(vcpu);
            }

            @Override
            public void deactivate(Vcpu vcpu) {
                deactivate.accept(vcpu);
            }
        };
    }
}
