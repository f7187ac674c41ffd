package platform.pc;

/**
 * A bulk (DMA-style) access through the {@link PhysicalBus} touched an address that is not
 * RAM. Unchecked, and cheap to throw (no stack trace), because guest-controlled addresses
 * cause it. A device model that performs DMA must catch it and turn it into its own error
 * status (or DEVICE_NEEDS_RESET); it must never escape into a vCPU or shell thread.
 */
public final class BusError extends RuntimeException {
    private final long address;
    private final long length;

    public BusError(long address, long length) {
        super("bulk access to non-RAM at 0x" + Long.toHexString(address) + " (+" + length + ")",
                null, false, false);
        this.address = address;
        this.length = length;
    }

    /** First physical address of the failed access. */
    public long address() {
        return address;
    }

    /** Length in bytes of the failed access. */
    public long length() {
        return length;
    }
}
