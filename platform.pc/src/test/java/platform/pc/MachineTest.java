package platform.pc;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class MachineTest {
    @Test
    void msiWriteRaisesVectorOnDestinationApic() throws Exception {
        try (Machine m = Machine.builder().memory(32L << 20).cpus(2).build()) {
            m.bus().write(0xFEE0_1000L, 4, 0x0000_0045L); // dest APIC 1, vector 0x45
            assertTrue(m.lapic(1).requested(0x45));
            assertFalse(m.lapic(0).pending());
            assertEquals(0x45, m.lapic(1).acceptInterrupt(0));
            m.bus().write(0xFEE0_0000L, 4, 0x31);
            assertEquals(0x31, m.lapic(0).acceptInterrupt(0));
            // unknown destination: dropped and counted
            m.bus().write(0xFEE0_7000L, 4, 0x40);
            assertEquals(1, m.msiDecoder().dropped());
            // wrong size: dropped
            m.bus().write(0xFEE0_0000L, 2, 0x40);
            assertEquals(2, m.msiDecoder().dropped());
            assertEquals(0xFFFF_FFFFL, m.bus().read(0xFEE0_0000L, 4));
            // exception vector through MSI: ignored by the APIC
            m.bus().write(0xFEE0_0000L, 4, 0x0E);
            assertEquals(1, m.lapic(0).illegalVectors());
        }
    }

    @Test
    void memoryMapIsPcLikeAndRamIsMapped() {
        try (Machine m = Machine.builder().memory(64L << 20).cpus(1).commandLine("console=ttyS0").build().powerOn()) {
            List<MemoryRegion> map = m.bootInfo().memoryMap();
            assertEquals(new MemoryRegion(0, 0x9FC00, MemoryRegion.Type.USABLE), map.get(0));
            assertEquals(new MemoryRegion(0x9FC00, 0x100000 - 0x9FC00, MemoryRegion.Type.RESERVED), map.get(1));
            long top = 64L << 20;
            assertEquals(new MemoryRegion(0x100000, top - 0x10000 - 0x100000, MemoryRegion.Type.USABLE), map.get(2));
            assertEquals(new MemoryRegion(top - 0x10000, 0x10000, MemoryRegion.Type.ACPI), map.get(3));
            assertEquals(new MemoryRegion(0xB000_0000L, 0x1000_0000L, MemoryRegion.Type.MMIO), map.get(4));
            assertEquals(MemoryRegion.Type.MMIO, map.get(5).type());
            assertEquals(6, map.size());
            for (int i = 1; i < map.size(); i++) {
                assertTrue(map.get(i - 1).end() <= map.get(i).base(), "sorted, disjoint");
            }
            assertEquals("console=ttyS0", m.bootInfo().commandLine());
            assertEquals(1, m.bootInfo().cpuCount());
            assertTrue(m.bus().isRam(0, top));
            assertFalse(m.bus().isRam(top, 1));
            long rsdp = m.bootInfo().acpiRsdp();
            assertTrue(rsdp >= top - 0x10000 && rsdp < top);
            assertThrows(IllegalStateException.class, m::powerOn);
        }
    }

    @Test
    void builderRejectsBadOptions() {
        var e = assertThrows(IllegalArgumentException.class, () -> Machine.builder().memory(1 << 20).build());
        assertTrue(e.getMessage().startsWith("memory"));
        e = assertThrows(IllegalArgumentException.class, () -> Machine.builder().memory((32L << 20) + 1).build());
        assertTrue(e.getMessage().startsWith("memory"));
        e = assertThrows(IllegalArgumentException.class, () -> Machine.builder().cpus(0).build());
        assertTrue(e.getMessage().startsWith("cpus"));
    }

    @Test
    void closeIsIdempotentAndBootInfoNeedsPowerOn() {
        Machine m = Machine.builder().memory(16L << 20).build();
        assertThrows(IllegalStateException.class, m::bootInfo);
        int[] closed = new int[1];
        m.onClose(() -> closed[0]++);
        m.close();
        m.close();
        assertEquals(1, closed[0]);
        assertTrue(m.isClosed());
        assertThrows(IllegalStateException.class, () -> m.ram().read8(0));
        assertThrows(IllegalStateException.class, m::powerOn);
    }
}
