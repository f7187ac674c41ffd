package platform.pc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 16 GiB of RAM (beyond Java's 2 GiB array limit): the memory map splits it around the MMIO
 * hole below 4 GiB, and both ends of high RAM are usable. Host memory is taken only for the
 * pages touched.
 */
class BigMemoryTest {
    @Test
    void sixteenGigabytes() {
        long size = 16L << 30;
        try (Machine m = Machine.builder().memory(size).cpus(2).build().powerOn()) {
            List<MemoryRegion> map = m.bootInfo().memoryMap();
            MemoryRegion high = map.get(map.size() - 1);
            assertEquals(MemoryRegion.Type.USABLE, high.type());
            assertEquals(Machine.HIGH_RAM_BASE, high.base());
            assertEquals(size - Machine.LOW_RAM_LIMIT, high.length(), "RAM hidden by the MMIO hole is remapped above 4 GiB");
            long usable = map.stream().filter(r -> r.type() == MemoryRegion.Type.USABLE).mapToLong(MemoryRegion::length).sum();
            assertEquals(size - 0x60400L - Machine.ACPI_REGION_SIZE, usable, "all RAM but the EBDA/BIOS area and the ACPI tables");
            PhysicalBus bus = m.bus();
            long top = high.end() - 8;
            bus.write(top, 8, 0x1122334455667788L);
            bus.write(Machine.HIGH_RAM_BASE, 8, 42);
            assertEquals(0x1122334455667788L, bus.read(top, 8));
            assertEquals(42, bus.read(Machine.HIGH_RAM_BASE, 8));
            assertEquals(0, bus.read(Machine.HIGH_RAM_BASE + (8L << 30), 8), "untouched RAM reads zero");
            assertEquals(0x1122334455667788L, m.ram().read64(size - 8), "the last byte of high RAM is the last byte of RAM");
        }
    }
}
