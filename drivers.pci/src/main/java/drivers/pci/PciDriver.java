package drivers.pci;

import java.util.List;

/**
 * A PCI driver ({@code struct pci_driver}). Driver modules register implementations as OSGi
 * services (whiteboard); the PCI bus calls {@link #probe} for every unbound function that
 * matches {@link #ids()} and {@link #remove} for every function bound to the driver before the
 * service goes away.
 *
 * <p>The bus serialises calls for one bus: {@code probe} and {@code remove} never run
 * concurrently with each other.
 */
public interface PciDriver {
    /** Short driver name shown by {@code lspci}, e.g. {@code virtio-blk}. */
    String name();

    /** The functions this driver can drive. */
    List<PciId> ids();

    /**
     * Takes control of {@code dev}. On success the function is bound to this driver.
     *
     * @throws Exception if the device cannot be driven; the driver must have released
     *     whatever it acquired; the function stays unbound
     */
    void probe(PciDevice dev) throws Exception;

    /** Releases {@code dev}: stop the device, free its interrupts and DMA memory. Must not fail. */
    void remove(PciDevice dev);
}
