package platform.pc;

import java.util.List;

/**
 * What the firmware hands the kernel at power-on, like a multiboot information block:
 * the physical memory map, the physical address of the ACPI RSDP, the kernel command line
 * and the number of CPUs.
 */
public record BootInfo(List<MemoryRegion> memoryMap, long acpiRsdp, String commandLine, int cpuCount) {
    public BootInfo {
        memoryMap = List.copyOf(memoryMap);
    }

    /** Bytes of RAM the kernel may use (sum of USABLE regions). */
    public long usableBytes() {
        long total = 0;
        for (MemoryRegion r : memoryMap) {
            if (r.type() == MemoryRegion.Type.USABLE) {
                total += r.length();
            }
        }
        return total;
    }
}
