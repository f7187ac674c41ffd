package drivers.pci;

/** PCI configuration space registers, bits and capability IDs (PCI Local Bus 3.0, PCIe 4.0). */
public final class Pci {
    private Pci() {
    }

    // Type-0 header registers.
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_CODE = 0x09; // 3 bytes: prog-if, subclass, base class
    public static final int HEADER_TYPE = 0x0E;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int CAPABILITIES_POINTER = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;

    // COMMAND bits.
    public static final int COMMAND_IO = 0x1;
    public static final int COMMAND_MEMORY = 0x2;
    public static final int COMMAND_BUS_MASTER = 0x4;
    public static final int COMMAND_INTX_DISABLE = 0x400;

    // STATUS bits.
    public static final int STATUS_CAPABILITIES = 0x10;

    /** HEADER_TYPE bit 7: the device has functions 1..7. */
    public static final int HEADER_MULTI_FUNCTION = 0x80;

    // Capability IDs.
    public static final int CAP_MSI = 0x05;
    public static final int CAP_VENDOR = 0x09;
    public static final int CAP_PCI_EXPRESS = 0x10;
    public static final int CAP_MSIX = 0x11;

    // MSI-X capability layout (offsets from the capability).
    public static final int MSIX_CONTROL = 0x02;
    public static final int MSIX_TABLE = 0x04;
    public static final int MSIX_PBA = 0x08;
    public static final int MSIX_CONTROL_ENABLE = 0x8000;
    public static final int MSIX_CONTROL_FUNCTION_MASK = 0x4000;
    public static final int MSIX_CONTROL_TABLE_SIZE = 0x07FF;
    public static final int MSIX_ENTRY_SIZE = 16;
    public static final int MSIX_ENTRY_VECTOR_CONTROL = 12;
    public static final int MSIX_ENTRY_MASKED = 0x1;
}
