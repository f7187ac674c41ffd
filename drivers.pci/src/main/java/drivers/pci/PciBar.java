package drivers.pci;

/**
 * A base address register as found at enumeration: where the firmware placed it and how big it
 * is (found by the sizing protocol: write all-ones, read back the size mask).
 *
 * @param index   BAR number 0..5 (a 64-bit BAR occupies {@code index} and {@code index + 1})
 * @param kind    memory (32- or 64-bit) or I/O space
 * @param address bus address (memory) or port (I/O); 0 if the firmware left it unassigned
 * @param size    bytes (or ports), a power of two
 */
public record PciBar(int index, Kind kind, long address, long size, boolean prefetchable) {
    /** The address space a BAR decodes. */
    public enum Kind { MEM32, MEM64, IO }

    public boolean isIo() {
        return kind == Kind.IO;
    }

    public boolean is64() {
        return kind == Kind.MEM64;
    }

    @Override
    public String toString() {
        return String.format("BAR%d %s %#x size %#x%s", index, kind.name().toLowerCase(), address, size,
                prefetchable ? " prefetchable" : "");
    }
}
