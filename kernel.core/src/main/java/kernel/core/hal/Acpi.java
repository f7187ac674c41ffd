package kernel.core.hal;

import java.util.List;
import java.util.Optional;

/** The ACPI tables found through the RSDP in BootInfo, checksums verified. */
public interface Acpi {
    /** One MCFG allocation: where a PCI segment's ECAM window lives. */
    record EcamRegion(int segment, long base, int startBus, int endBus) {}

    /** A table header as found in the XSDT. */
    record Table(String signature, long address, int length, int revision, String oemId) {}

    List<Table> tables();

    /** The raw bytes of the first table with this signature. */
    Optional<byte[]> table(String signature);

    /** The ECAM windows declared by MCFG (empty if there is no MCFG). */
    List<EcamRegion> ecam();
}
