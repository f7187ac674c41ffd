package drivers.pci.internal;

import static drivers.pci.Pci.*;

import kernel.core.hal.Interrupts;
import kernel.core.hal.IrqHandler;
import kernel.core.hal.IrqVector;

/**
 * MSI of one function, single-message (PCI Local Bus 3.0 §6.8.1): the capability's message
 * control, address and data registers, and the one kernel vector they point at.
 *
 * <p>Enabling programs address and data before setting MSI enable, with Multiple Message
 * Enable 0 (one message) and INTx disabled; disabling clears enable before the vector is freed,
 * so no message can reach a freed vector. Per-vector masking, where present, is left unmasked.
 */
final class Msi {
    private final EcamFunction fn;
    private final int cap;
    private IrqVector vector;

    Msi(EcamFunction fn) {
        this.fn = fn;
        this.cap = fn.findCapability(CAP_MSI);
    }

    boolean present() {
        return cap != 0;
    }

    synchronized boolean enabled() {
        return vector != null;
    }

    /**
     * Allocates a vector from {@code irqs} for {@code handler} and points the function's MSI at it.
     *
     * @throws IllegalStateException without an MSI capability, if MSI is already on, or if no
     *     vector is free (nothing is left allocated then)
     */
    synchronized IrqVector enable(Interrupts irqs, String name, IrqHandler handler) {
        if (cap == 0) {
            throw new IllegalStateException(fn.address() + " has no MSI capability");
        }
        if (vector != null) {
            throw new IllegalStateException(fn.address() + ": MSI is already enabled");
        }
        IrqVector v = irqs.allocate(name, handler);
        int ctrl = fn.configRead16(cap + MSI_CONTROL) & ~(MSI_CONTROL_ENABLE | MSI_CONTROL_MME);
        fn.configWrite16(cap + MSI_CONTROL, ctrl);
        fn.configWrite32(cap + MSI_ADDRESS, (int) v.msiAddress());
        int data = cap + MSI_ADDRESS_UPPER;
        if ((ctrl & MSI_CONTROL_64BIT) != 0) {
            fn.configWrite32(cap + MSI_ADDRESS_UPPER, (int) (v.msiAddress() >>> 32));
            data += 4;
        }
        fn.configWrite16(data, v.msiData());
        if ((ctrl & MSI_CONTROL_PER_VECTOR_MASK) != 0) {
            fn.configWrite32(data + 4, 0); // mask bits follow the data register (and 2 reserved bytes)
        }
        fn.intxDisable(true);
        fn.configWrite16(cap + MSI_CONTROL, ctrl | MSI_CONTROL_ENABLE);
        vector = v;
        return v;
    }

    /** Clears MSI enable, then frees the vector. Does nothing if MSI is off. */
    synchronized void disable() {
        if (vector == null) {
            return;
        }
        if (!fn.disconnected()) {
            int ctrl = fn.configRead16(cap + MSI_CONTROL);
            fn.configWrite16(cap + MSI_CONTROL, ctrl & ~MSI_CONTROL_ENABLE);
        }
        vector.close();
        vector = null;
    }
}
