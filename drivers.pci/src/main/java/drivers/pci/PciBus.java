package drivers.pci;

import java.util.List;
import java.util.Optional;
import kernel.core.hal.Hal;

/**
 * The PCI functions of the machine, found by walking every ECAM region that ACPI MCFG declares.
 * An OSGi service of {@code drivers.pci}, which also binds {@link PciDriver} services to the
 * functions they match.
 */
public interface PciBus {
    /** Every function found, in address order. */
    List<PciDevice> devices();

    /** The hot-plug slots the bus drives (PCI Express native hot-plug), in port address order. */
    default List<PciSlot> slots() {
        return List.of();
    }

    /** The function at {@code address}, if present. */
    default Optional<PciDevice> device(PciAddress address) {
        return devices().stream().filter(d -> d.address().equals(address)).findFirst();
    }

    /** Every function matching {@code id}, in address order. */
    default List<PciDevice> find(PciId id) {
        return devices().stream().filter(id::matches).toList();
    }

    /**
     * Enumerates the machine behind {@code hal} without the OSGi framework (for tools and unit
     * tests): the returned bus lists the functions but binds no drivers.
     */
    static PciBus enumerate(Hal hal) {
        return drivers.pci.internal.PciBusImpl.scan(hal);
    }
}
