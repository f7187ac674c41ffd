package drivers.pci.internal;

import static drivers.pci.Pci.*;

import java.util.ArrayList;
import java.util.List;
import kernel.core.hal.Interrupts;
import kernel.core.hal.IrqHandler;
import kernel.core.hal.IrqVector;
import kernel.core.hal.Mmio;

/**
 * MSI-X of one function (PCI Local Bus 3.0 §6.8.2): the capability's message control word,
 * the vector table in a memory BAR, and the kernel vectors its entries point at.
 *
 * <p>Enabling follows the safe order: enable with the function masked, program and unmask each
 * entry, then drop the function mask. Disabling masks first, then clears enable, then frees the
 * vectors, so no message can reach a freed vector.
 */
final class Msix {
    private final EcamFunction fn;
    private final int cap;
    private List<IrqVector> vectors = List.of();

    Msix(EcamFunction fn) {
        this.fn = fn;
        this.cap = fn.findCapability(CAP_MSIX);
    }

    int tableSize() {
        return cap == 0 ? 0 : (fn.configRead16(cap + MSIX_CONTROL) & MSIX_CONTROL_TABLE_SIZE) + 1;
    }

    synchronized boolean enabled() {
        return !vectors.isEmpty();
    }

    synchronized List<IrqVector> enable(Interrupts irqs, String name, List<IrqHandler> handlers) {
        if (cap == 0) {
            throw new IllegalStateException(fn.address() + " has no MSI-X capability");
        }
        if (!vectors.isEmpty()) {
            throw new IllegalStateException(fn.address() + ": MSI-X is already enabled");
        }
        if (handlers.isEmpty() || handlers.size() > tableSize()) {
            throw new IllegalStateException(fn.address() + ": " + handlers.size()
                    + " MSI-X vectors requested, table has " + tableSize());
        }
        Mmio table = table();
        pba(); // validates the PBA location too
        List<IrqVector> got = new ArrayList<>();
        try {
            for (int i = 0; i < handlers.size(); i++) {
                got.add(irqs.allocate(handlers.size() == 1 ? name : name + "-" + i, handlers.get(i)));
            }
        } catch (RuntimeException e) {
            got.forEach(IrqVector::close);
            throw e;
        }
        fn.enableMemory();
        int ctrl = fn.configRead16(cap + MSIX_CONTROL);
        fn.configWrite16(cap + MSIX_CONTROL, ctrl | MSIX_CONTROL_ENABLE | MSIX_CONTROL_FUNCTION_MASK);
        long base = tableOffset();
        for (int i = 0; i < got.size(); i++) {
            long e = base + (long) i * MSIX_ENTRY_SIZE;
            IrqVector v = got.get(i);
            table.write32(e + MSIX_ENTRY_VECTOR_CONTROL, MSIX_ENTRY_MASKED);
            table.write32(e, (int) v.msiAddress());
            table.write32(e + 4, (int) (v.msiAddress() >>> 32));
            table.write32(e + 8, v.msiData());
            table.write32(e + MSIX_ENTRY_VECTOR_CONTROL, 0);
        }
        fn.intxDisable(true);
        fn.configWrite16(cap + MSIX_CONTROL, (ctrl | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_FUNCTION_MASK);
        vectors = List.copyOf(got);
        return vectors;
    }

    synchronized void disable() {
        if (vectors.isEmpty()) {
            return;
        }
        if (fn.disconnected()) { // nothing left to mask: just free the vectors
            vectors.forEach(IrqVector::close);
            vectors = List.of();
            return;
        }
        int ctrl = fn.configRead16(cap + MSIX_CONTROL);
        fn.configWrite16(cap + MSIX_CONTROL, ctrl | MSIX_CONTROL_FUNCTION_MASK);
        Mmio table = table();
        long base = tableOffset();
        for (int i = 0; i < vectors.size(); i++) {
            table.write32(base + (long) i * MSIX_ENTRY_SIZE + MSIX_ENTRY_VECTOR_CONTROL, MSIX_ENTRY_MASKED);
        }
        fn.configWrite16(cap + MSIX_CONTROL, ctrl & ~(MSIX_CONTROL_ENABLE | MSIX_CONTROL_FUNCTION_MASK));
        vectors.forEach(IrqVector::close);
        vectors = List.of();
    }

    /** The BAR holding the table (BIR in the low 3 bits of the table register). */
    private Mmio table() {
        int bir = fn.configRead32(cap + MSIX_TABLE) & 7;
        Mmio m = fn.mapBar(bir);
        if (tableOffset() + (long) tableSize() * MSIX_ENTRY_SIZE > m.size()) {
            throw new IllegalStateException(fn.address() + ": MSI-X table runs past the end of BAR" + bir);
        }
        return m;
    }

    /** Reads entry's pending bit from the PBA (BIR and offset in the capability's PBA register). */
    boolean pending(int entry) {
        if (entry < 0 || entry >= tableSize()) {
            throw new IllegalArgumentException(fn.address() + ": no MSI-X entry " + entry);
        }
        fn.enableMemory();
        long word = pba().read64(pbaOffset() + 8L * (entry / 64));
        return (word >>> (entry % 64) & 1) != 0;
    }

    private Mmio pba() {
        int bir = fn.configRead32(cap + MSIX_PBA) & 7;
        Mmio m = fn.mapBar(bir);
        if (pbaOffset() + 8L * ((tableSize() + 63) / 64) > m.size()) {
            throw new IllegalStateException(fn.address() + ": MSI-X PBA runs past the end of BAR" + bir);
        }
        return m;
    }

    private long pbaOffset() {
        return fn.configRead32(cap + MSIX_PBA) & 0xFFFF_FFF8L;
    }

    private long tableOffset() {
        return fn.configRead32(cap + MSIX_TABLE) & 0xFFFF_FFF8L;
    }
}
