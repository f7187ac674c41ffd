package drivers.virtio;

/** Virtio constants (virtio 1.2): PCI IDs, device status bits, transport feature bits. */
public final class Virtio {
    private Virtio() {
    }

    /** PCI vendor of every virtio function. */
    public static final int PCI_VENDOR = 0x1AF4;
    /** Modern (non-transitional) PCI device ID = this + virtio device ID (§4.1.2.1). */
    public static final int PCI_DEVICE_MODERN_BASE = 0x1040;

    // Virtio device IDs (§5).
    public static final int ID_NET = 1;
    public static final int ID_BLOCK = 2;

    // device_status bits (§2.1).
    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    // Transport feature bits (§6), as bit numbers.
    public static final int F_INDIRECT_DESC = 28;
    public static final int F_EVENT_IDX = 29;
    public static final int F_VERSION_1 = 32;
    public static final int F_ACCESS_PLATFORM = 33;
    public static final int F_RING_PACKED = 34;

    /** "No MSI-X vector" for config_msix_vector and queue_msix_vector. */
    public static final int NO_VECTOR = 0xFFFF;

    /** The mask of feature bit {@code bit}. */
    public static long bit(int bit) {
        return 1L << bit;
    }
}
