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

    // Type-1 (PCI-to-PCI bridge) header registers (PCI-to-PCI Bridge Architecture 1.2, 3.2).
    public static final int PRIMARY_BUS = 0x18;
    public static final int SECONDARY_BUS = 0x19;
    public static final int SUBORDINATE_BUS = 0x1A;
    public static final int IO_BASE = 0x1C;
    public static final int IO_LIMIT = 0x1D;
    public static final int MEMORY_BASE = 0x20;
    public static final int MEMORY_LIMIT = 0x22;
    public static final int PREF_MEMORY_BASE = 0x24;
    public static final int PREF_MEMORY_LIMIT = 0x26;
    public static final int PREF_BASE_UPPER32 = 0x28;
    public static final int PREF_LIMIT_UPPER32 = 0x2C;
    public static final int IO_BASE_UPPER16 = 0x30;
    public static final int IO_LIMIT_UPPER16 = 0x32;
    public static final int BRIDGE_CONTROL = 0x3E;

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

    // MSI capability layout (offsets from the capability; PCI Local Bus 3.0, 6.8.1).
    public static final int MSI_CONTROL = 0x02;
    public static final int MSI_ADDRESS = 0x04;
    public static final int MSI_ADDRESS_UPPER = 0x08; // 64-bit capable functions only
    public static final int MSI_CONTROL_ENABLE = 0x0001;
    public static final int MSI_CONTROL_MME = 0x0070; // multiple message enable
    public static final int MSI_CONTROL_64BIT = 0x0080;
    public static final int MSI_CONTROL_PER_VECTOR_MASK = 0x0100;

    // PCI Express capability layout (offsets from the capability; PCIe Base 4.0, 7.5.3).
    public static final int PCIE_CAPABILITIES = 0x02;
    public static final int PCIE_LINK_CAPABILITIES = 0x0C;
    public static final int PCIE_LINK_STATUS = 0x12;
    public static final int PCIE_SLOT_CAPABILITIES = 0x14;
    public static final int PCIE_SLOT_CONTROL = 0x18;
    public static final int PCIE_SLOT_STATUS = 0x1A;
    /** PCI Express Capabilities register: device/port type in bits 7:4, Slot Implemented in bit 8. */
    public static final int PCIE_TYPE_ROOT_PORT = 0x4;
    public static final int PCIE_TYPE_DOWNSTREAM_PORT = 0x6;
    public static final int PCIE_CAP_SLOT_IMPLEMENTED = 0x0100;
    /** Link Capabilities: Data Link Layer Link Active Reporting Capable. */
    public static final int LINK_CAP_DLLLA_REPORTING = 1 << 20;
    /** Link Status: Data Link Layer Link Active. */
    public static final int LINK_STATUS_DLLLA = 1 << 13;

    // Slot Capabilities bits.
    public static final int SLOT_CAP_ATTENTION_BUTTON = 1;
    public static final int SLOT_CAP_POWER_CONTROLLER = 1 << 1;
    public static final int SLOT_CAP_MRL_SENSOR = 1 << 2;
    public static final int SLOT_CAP_ATTENTION_INDICATOR = 1 << 3;
    public static final int SLOT_CAP_POWER_INDICATOR = 1 << 4;
    public static final int SLOT_CAP_HOT_PLUG_SURPRISE = 1 << 5;
    public static final int SLOT_CAP_HOT_PLUG_CAPABLE = 1 << 6;
    public static final int SLOT_CAP_NO_COMMAND_COMPLETED = 1 << 18;
    public static final int SLOT_CAP_PHYSICAL_SLOT_SHIFT = 19;

    // Slot Control bits.
    public static final int SLOT_CTL_ATTENTION_BUTTON_ENABLE = 1;
    public static final int SLOT_CTL_POWER_FAULT_ENABLE = 1 << 1;
    public static final int SLOT_CTL_MRL_CHANGED_ENABLE = 1 << 2;
    public static final int SLOT_CTL_PRESENCE_CHANGED_ENABLE = 1 << 3;
    public static final int SLOT_CTL_COMMAND_COMPLETED_ENABLE = 1 << 4;
    public static final int SLOT_CTL_HOT_PLUG_INTERRUPT_ENABLE = 1 << 5;
    /** Attention and power indicator controls (2 bits each): 1 on, 2 blink, 3 off. */
    public static final int SLOT_CTL_ATTENTION_INDICATOR_SHIFT = 6;
    public static final int SLOT_CTL_POWER_INDICATOR_SHIFT = 8;
    public static final int SLOT_CTL_INDICATOR_ON = 1;
    public static final int SLOT_CTL_INDICATOR_BLINK = 2;
    public static final int SLOT_CTL_INDICATOR_OFF = 3;
    /** Power Controller Control: 1 = power off. */
    public static final int SLOT_CTL_POWER_OFF = 1 << 10;
    public static final int SLOT_CTL_LINK_CHANGED_ENABLE = 1 << 12;

    // Slot Status bits (the event bits are write-1-to-clear).
    public static final int SLOT_STATUS_ATTENTION_BUTTON = 1;
    public static final int SLOT_STATUS_POWER_FAULT = 1 << 1;
    public static final int SLOT_STATUS_MRL_CHANGED = 1 << 2;
    public static final int SLOT_STATUS_PRESENCE_CHANGED = 1 << 3;
    public static final int SLOT_STATUS_COMMAND_COMPLETED = 1 << 4;
    public static final int SLOT_STATUS_MRL_OPEN = 1 << 5;
    public static final int SLOT_STATUS_PRESENCE = 1 << 6;
    public static final int SLOT_STATUS_LINK_CHANGED = 1 << 8;
    /** Every write-1-to-clear event bit of Slot Status. */
    public static final int SLOT_STATUS_EVENTS = 0x11F;

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
