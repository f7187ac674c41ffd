package platform.pc;

/** One entry of the E820-style physical memory map. */
public record MemoryRegion(long base, long length, Type type) {
    public enum Type { USABLE, RESERVED, ACPI, MMIO }

    public long end() {
        return base + length;
    }
}
