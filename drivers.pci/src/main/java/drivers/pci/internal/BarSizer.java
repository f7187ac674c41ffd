package drivers.pci.internal;

import static drivers.pci.Pci.*;

import drivers.pci.PciBar;
import kernel.core.hal.Mmio;

/**
 * The BAR sizing protocol (PCI Local Bus 3.0 §6.2.5.1): with decoding off, write all-ones to a
 * BAR, read back the mask of writable address bits, restore the original value. The size is
 * the two's complement of the mask; a BAR that reads back zero is not implemented.
 */
final class BarSizer {
    private BarSizer() {
    }

    /** Sizes the BARs of the function behind {@code cfg} (6 for a device, 2 for a bridge). */
    static PciBar[] size(Mmio cfg, int headerType) {
        PciBar[] out = new PciBar[6];
        int count = headerType == 0 ? 6 : headerType == 1 ? 2 : 0;
        int cmd = cfg.read16(COMMAND);
        cfg.write16(COMMAND, cmd & ~(COMMAND_IO | COMMAND_MEMORY));
        try {
            for (int i = 0; i < count; i++) {
                int off = BAR0 + 4 * i;
                int lo = cfg.read32(off);
                cfg.write32(off, 0xFFFF_FFFF);
                int maskLo = cfg.read32(off);
                if ((lo & 1) == 1) { // I/O BAR
                    cfg.write32(off, lo);
                    if (maskLo != 0) {
                        long m = (maskLo & ~0x3L) | 0xFFFF_0000L; // upper 16 bits may be hardwired to 0
                        out[i] = new PciBar(i, PciBar.Kind.IO, lo & 0xFFFC, (~m + 1) & 0xFFFF_FFFFL, false);
                    }
                    continue;
                }
                boolean is64 = ((lo >> 1) & 3) == 2 && i + 1 < count;
                boolean prefetch = (lo & 0x8) != 0;
                if (!is64) {
                    cfg.write32(off, lo);
                    long m = maskLo & 0xFFFF_FFF0L;
                    if (m != 0) {
                        out[i] = new PciBar(i, PciBar.Kind.MEM32, lo & 0xFFFF_FFF0L, (~m + 1) & 0xFFFF_FFFFL, prefetch);
                    }
                    continue;
                }
                int hi = cfg.read32(off + 4);
                cfg.write32(off + 4, 0xFFFF_FFFF);
                long m = ((long) cfg.read32(off + 4) << 32) | (maskLo & 0xFFFF_FFF0L);
                cfg.write32(off, lo);
                cfg.write32(off + 4, hi);
                if ((m & 0xFFFF_FFFF_FFFF_FFF0L) != 0) {
                    long addr = ((long) hi << 32) | (lo & 0xFFFF_FFF0L);
                    out[i] = new PciBar(i, PciBar.Kind.MEM64, addr, ~m + 1, prefetch);
                }
                i++; // the upper half is not a BAR of its own
            }
        } finally {
            cfg.write16(COMMAND, cmd);
        }
        return out;
    }
}
