package drivers.virtio.internal;

import drivers.pci.Pci;
import drivers.pci.PciBar;
import drivers.pci.PciDevice;
import drivers.virtio.VirtioException;

/**
 * The virtio vendor-specific PCI capabilities (virtio 1.2 §4.1.4): where the common, notify,
 * ISR and device configuration structures live. Layout of {@code struct virtio_pci_cap}:
 * cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2], offset (le32), length (le32);
 * the notify capability adds notify_off_multiplier (le32). The first capability of each type
 * whose BAR we can map wins, as the specification asks; unknown types are skipped.
 */
public final class VirtioCaps {
    public static final int COMMON = 1;
    public static final int NOTIFY = 2;
    public static final int ISR = 3;
    public static final int DEVICE = 4;
    public static final int PCI_CFG = 5;

    /** One structure: BAR, offset and length inside it. */
    public record Region(int bar, long offset, long length) {
    }

    public Region common;
    public Region notify;
    public Region isr;
    public Region device;
    public int notifyMultiplier;

    /** Walks the vendor capabilities of {@code dev}; fails if common or notify is missing. */
    public static VirtioCaps read(PciDevice dev) throws VirtioException {
        VirtioCaps caps = new VirtioCaps();
        for (int off : dev.capabilities(Pci.CAP_VENDOR)) {
            int len = dev.configRead8(off + 2);
            int type = dev.configRead8(off + 3);
            int bar = dev.configRead8(off + 4);
            if (len < 16 || type < COMMON || type > DEVICE || bar > 5) {
                continue; // PCI_CFG, shared memory, vendor data, or malformed
            }
            long offset = dev.configRead32(off + 8) & 0xFFFF_FFFFL;
            long length = dev.configRead32(off + 12) & 0xFFFF_FFFFL;
            PciBar b = dev.bar(bar);
            if (b == null || b.isIo() || offset + length > b.size()) {
                continue;
            }
            Region r = new Region(bar, offset, length);
            switch (type) {
                case COMMON -> caps.common = caps.common == null ? r : caps.common;
                case ISR -> caps.isr = caps.isr == null ? r : caps.isr;
                case DEVICE -> caps.device = caps.device == null ? r : caps.device;
                default -> {
                    if (caps.notify == null && len >= 20) {
                        caps.notify = r;
                        caps.notifyMultiplier = dev.configRead32(off + 16);
                    }
                }
            }
        }
        if (caps.common == null || caps.notify == null) {
            throw new VirtioException(dev.address() + ": no virtio " + (caps.common == null ? "common" : "notify")
                    + " configuration capability (not a modern virtio device?)");
        }
        if (caps.common.length() < 0x38) {
            throw new VirtioException(dev.address() + ": virtio common configuration too short");
        }
        return caps;
    }
}
