package platform.cpu.internal;

/**
 * Thrown by {@link Core#fault} to abandon the current instruction; the vector and error code
 * are in the core. One shared instance without a stack trace: raising a fault allocates
 * nothing.
 */
final class CpuFault extends RuntimeException {
    static final CpuFault INSTANCE = new CpuFault();

    private CpuFault() {
        super("cpu fault", null, false, false);
    }
}
