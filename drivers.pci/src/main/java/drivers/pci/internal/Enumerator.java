package drivers.pci.internal;

import static drivers.pci.Pci.*;

import drivers.pci.PciAddress;
import drivers.pci.PciBar;
import java.util.ArrayList;
import java.util.List;
import kernel.core.hal.Acpi.EcamRegion;
import kernel.core.hal.Hal;
import kernel.core.hal.Mmio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds every PCI function: for each ECAM region of ACPI MCFG, every bus it covers, every
 * device 0..31, function 0 and — when function 0's header type has the multi-function bit —
 * functions 1..7. An absent function reads vendor 0xFFFF.
 *
 * <p>ECAM layout: config byte {@code reg} of {@code bus:dev.fn} is at MCFG base +
 * {@code bus << 20 | dev << 15 | fn << 12 | reg} (the MCFG base is that of bus 0, even when
 * the region starts at a later bus).
 */
final class Enumerator {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.pci");

    private Enumerator() {
    }

    static List<EcamFunction> scan(Hal hal) {
        List<EcamFunction> found = new ArrayList<>();
        List<EcamRegion> regions = hal.acpi().ecam();
        if (regions.isEmpty()) {
            LOG.warn("no ECAM region in ACPI MCFG: no PCI devices");
        }
        for (EcamRegion r : regions) {
            if (r.endBus() < r.startBus()) {
                LOG.warn("ignoring MCFG entry with bus range {}..{}", r.startBus(), r.endBus());
                continue;
            }
            long start = r.base() + ((long) r.startBus() << 20);
            Mmio window = hal.mapMmio(start, (long) (r.endBus() - r.startBus() + 1) << 20);
            LOG.info("PCI segment {} ECAM at {} buses {}..{}", r.segment(), hex(start), r.startBus(), r.endBus());
            for (int bus = r.startBus(); bus <= r.endBus(); bus++) {
                for (int dev = 0; dev < 32; dev++) {
                    long f0 = offset(r, bus, dev, 0);
                    if (window.read16(f0 + VENDOR_ID) == 0xFFFF) {
                        continue;
                    }
                    int functions = (window.read8(f0 + HEADER_TYPE) & HEADER_MULTI_FUNCTION) != 0 ? 8 : 1;
                    for (int fn = 0; fn < functions; fn++) {
                        long off = offset(r, bus, dev, fn);
                        if (window.read16(off + VENDOR_ID) != 0xFFFF) {
                            found.add(function(hal, r, bus, dev, fn, start + off));
                        }
                    }
                }
            }
        }
        return found;
    }

    /**
     * The functions of one device, {@code bus:dev.*} (for hot-plug: the card behind a slot).
     * Returns an empty list if no ECAM region covers {@code bus} or the device is absent.
     */
    static List<EcamFunction> scanDevice(Hal hal, int bus, int dev) {
        List<EcamFunction> found = new ArrayList<>();
        for (EcamRegion r : hal.acpi().ecam()) {
            if (bus < r.startBus() || bus > r.endBus()) {
                continue;
            }
            long base = r.base() + ((long) r.startBus() << 20) + offset(r, bus, dev, 0);
            Mmio f0 = hal.mapMmio(base, 4096);
            if (f0.read16(VENDOR_ID) == 0xFFFF) {
                return found;
            }
            int functions = (f0.read8(HEADER_TYPE) & HEADER_MULTI_FUNCTION) != 0 ? 8 : 1;
            for (int fn = 0; fn < functions; fn++) {
                long cfg = base + ((long) fn << 12);
                if (hal.mapMmio(cfg, 4096).read16(VENDOR_ID) != 0xFFFF) {
                    found.add(function(hal, r, bus, dev, fn, cfg));
                }
            }
            return found;
        }
        return found;
    }

    private static EcamFunction function(Hal hal, EcamRegion r, int bus, int dev, int fn, long cfgBase) {
        Mmio cfg = hal.mapMmio(cfgBase, 4096);
        PciBar[] bars = BarSizer.size(cfg, cfg.read8(HEADER_TYPE) & 0x7F);
        EcamFunction f = new EcamFunction(hal, new PciAddress(r.segment(), bus, dev, fn), cfg, bars);
        LOG.info("pci {}: [{}] class {} rev {}{}", f.address(), String.format("%04x:%04x", f.vendorId(), f.deviceId()),
                String.format("%06x", f.classCode()), String.format("%02x", f.revision()),
                f.msixTableSize() > 0 ? " msix " + f.msixTableSize() : "");
        for (PciBar b : f.bars()) {
            LOG.debug("pci {}: {}", f.address(), b);
        }
        return f;
    }

    /** Offset of {@code bus:dev.fn} inside the region's window (which starts at the region's first bus). */
    private static long offset(EcamRegion r, int bus, int dev, int fn) {
        return (long) (bus - r.startBus()) << 20 | dev << 15 | fn << 12;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
