package kernel.mm;

/**
 * What {@link AddressSpace#handleFault} made of a page fault. A resolved fault (the mapping
 * was fixed) means: restart the faulting instruction. A {@link Kind#SIGSEGV} means: deliver
 * {@code SIGSEGV} with {@link #siCode()} ({@link #SEGV_MAPERR}: no mapping there,
 * {@link #SEGV_ACCERR}: the mapping forbids the access) and {@code si_addr} = {@link #address()}.
 * {@link Kind#OOM} means the kernel had no page to give (Linux's VM_FAULT_OOM).
 */
public record FaultResult(Kind kind, int siCode, long address) {
    public static final int SIGBUS = 7;
    public static final int SIGSEGV = 11;
    /** si_code: address not mapped to an object. */
    public static final int SEGV_MAPERR = 1;
    /** si_code: invalid permissions for the mapped object. */
    public static final int SEGV_ACCERR = 2;
    /** si_code of SIGBUS: the address is past the end of the mapped object. */
    public static final int BUS_ADRERR = 2;

    public enum Kind {
        /** A fresh zeroed page was mapped (anonymous private memory touched first). */
        ZERO_FILL,
        /**
         * A read of untouched anonymous private memory mapped the shared zero page read-only; the
         * first write replaces it with a private zeroed page ({@link #ZERO_FILL}).
         */
        ZERO_PAGE,
        /** A page of a shared anonymous object was mapped (created zeroed if new). */
        SHARED_FILL,
        /** Copy-on-write: the shared page was copied to a private one. */
        COW_COPY,
        /** Copy-on-write on a page no one else holds any more: write was re-enabled in place. */
        COW_REUSE,
        /** The mapping already allowed the access (another CPU fixed it first, or a stale TLB entry). */
        SPURIOUS,
        /** Invalid access: deliver SIGSEGV with {@link #siCode()}. */
        SIGSEGV,
        /** Access past the end of a shared object (grown past it by mremap): deliver SIGBUS, BUS_ADRERR. */
        SIGBUS,
        /** No memory to resolve the fault. */
        OOM
    }

    public static FaultResult segv(int siCode, long address) {
        return new FaultResult(Kind.SIGSEGV, siCode, address);
    }

    /** True if the instruction can be restarted. */
    public boolean resolved() {
        return kind != Kind.SIGSEGV && kind != Kind.SIGBUS && kind != Kind.OOM;
    }

    /**
     * The signal to deliver, 0 if resolved. OOM maps to SIGBUS here; Linux's VM_FAULT_OOM in a
     * user fault invokes the OOM killer instead (a policy for the process layer).
     */
    public int signal() {
        return switch (kind) {
            case SIGSEGV -> SIGSEGV;
            case SIGBUS, OOM -> SIGBUS;
            default -> 0;
        };
    }
}
