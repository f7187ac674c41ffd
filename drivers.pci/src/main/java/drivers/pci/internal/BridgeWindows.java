package drivers.pci.internal;

import static drivers.pci.Pci.*;

import drivers.pci.PciBar;
import drivers.pci.PciDevice;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address windows a PCI-to-PCI bridge forwards downstream (PCI-to-PCI Bridge Architecture
 * 1.2, 3.2.5.6-3.2.5.10), and the placement of a hot-added card's BARs inside them — what the
 * firmware does at power-on for cards present at boot, the kernel does for cards added later.
 *
 * <p>Decoding: memory base/limit hold address bits 31:20 (limit's low 20 bits are all-ones);
 * the prefetchable pair does the same with 64-bit upper halves when its low nibble is 1; the
 * I/O pair holds bits 15:12 with optional upper 16 bits. A window whose base exceeds its limit
 * is closed.
 *
 * <p>Placement: largest BAR first, each naturally aligned (memory at least 4 KiB);
 * prefetchable BARs go to the prefetchable window when the bridge has one open, otherwise to
 * the memory window; I/O BARs to the I/O window. A BAR that does not fit stays unassigned and
 * is logged.
 */
final class BridgeWindows {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.pci");

    /** One window and the next free address in it. */
    private static final class Window {
        final String name;
        final long base;
        final long limit; // inclusive
        long next;

        Window(String name, long base, long limit) {
            this.name = name;
            this.base = base;
            this.limit = limit;
            this.next = base;
        }

        boolean open() {
            return base <= limit;
        }

        /** A naturally aligned block of {@code size} bytes, or -1 if the window is full or closed. */
        long take(long size) {
            if (!open()) {
                return -1;
            }
            long at = (next + size - 1) & -size;
            if (at < next || at + size - 1 > limit || at + size - 1 < at) {
                return -1;
            }
            next = at + size;
            return at;
        }

        @Override
        public String toString() {
            return open() ? String.format("%s [%#x-%#x]", name, base, limit) : name + " closed";
        }
    }

    private final Window memory;
    private final Window prefetchable;
    private final Window io;

    private BridgeWindows(Window memory, Window prefetchable, Window io) {
        this.memory = memory;
        this.prefetchable = prefetchable;
        this.io = io;
    }

    /** Reads the windows of {@code bridge} (a type-1 function). */
    static BridgeWindows of(PciDevice bridge) {
        long memBase = (long) (bridge.configRead16(MEMORY_BASE) & 0xFFF0) << 16;
        long memLimit = (long) (bridge.configRead16(MEMORY_LIMIT) & 0xFFF0) << 16 | 0xF_FFFFL;
        int pb = bridge.configRead16(PREF_MEMORY_BASE);
        int pl = bridge.configRead16(PREF_MEMORY_LIMIT);
        long prefBase = (long) (pb & 0xFFF0) << 16;
        long prefLimit = (long) (pl & 0xFFF0) << 16 | 0xF_FFFFL;
        if ((pb & 0xF) == 1) {
            prefBase |= (bridge.configRead32(PREF_BASE_UPPER32) & 0xFFFF_FFFFL) << 32;
            prefLimit |= (bridge.configRead32(PREF_LIMIT_UPPER32) & 0xFFFF_FFFFL) << 32;
        }
        int ib = bridge.configRead8(IO_BASE);
        int il = bridge.configRead8(IO_LIMIT);
        long ioBase = (ib & 0xF0) << 8;
        long ioLimit = (il & 0xF0) << 8 | 0xFFF;
        if ((ib & 0xF) == 1) {
            ioBase |= (long) bridge.configRead16(IO_BASE_UPPER16) << 16;
            ioLimit |= (long) bridge.configRead16(IO_LIMIT_UPPER16) << 16;
        }
        return new BridgeWindows(new Window("memory", memBase, memLimit),
                new Window("prefetchable", prefBase, prefLimit), new Window("io", ioBase, ioLimit));
    }

    /**
     * Assigns every BAR of {@code functions} (all functions of one card, decoding off) inside
     * these windows by writing the BAR registers. The functions' cached BARs are stale afterwards:
     * the caller enumerates the card again.
     *
     * @return the number of BARs that did not fit
     */
    int assign(List<EcamFunction> functions) {
        record Req(EcamFunction fn, PciBar bar) {
        }
        List<Req> reqs = new ArrayList<>();
        for (EcamFunction fn : functions) {
            for (PciBar b : fn.bars()) {
                reqs.add(new Req(fn, b));
            }
        }
        reqs.sort(Comparator.comparingLong((Req r) -> r.bar().size()).reversed());
        int failed = 0;
        for (Req r : reqs) {
            PciBar b = r.bar();
            long at;
            Window w;
            if (b.isIo()) {
                w = io;
                at = io.take(b.size());
            } else {
                long size = Math.max(b.size(), 4096);
                w = b.prefetchable() && prefetchable.open() ? prefetchable : memory;
                at = w.take(size);
                if (at > 0xFFFF_FFFFL && !b.is64()) {
                    at = -1;
                }
            }
            if (at < 0) {
                failed++;
                LOG.error("pci {}: {} does not fit in the bridge's {}", r.fn().address(), b, w);
                continue;
            }
            int off = BAR0 + 4 * b.index();
            int low = r.fn().configRead32(off);
            r.fn().configWrite32(off, (int) at | (low & (b.isIo() ? 0x3 : 0xF)));
            if (b.is64()) {
                r.fn().configWrite32(off + 4, (int) (at >>> 32));
            }
        }
        return failed;
    }

    @Override
    public String toString() {
        return memory + ", " + prefetchable + ", " + io;
    }
}
