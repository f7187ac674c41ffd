package platform.pc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import platform.pc.acpi.AcpiTables;
import platform.pc.time.VirtualClock;
import platform.pc.uart.MemoryBackend;

/**
 * The board's timers and serial port, wired as the ACPI tables describe them: the HPET at
 * 0xFED00000, the PIT on GSI 2, the RTC on GSI 8, COM1 on GSI 4, each interrupt arriving at a
 * local APIC through the IOAPIC, on a deterministic clock.
 */
class LegacyDevicesTest {
    /** Routes {@code gsi} to vector {@code vector} on CPU 0, edge-triggered, unmasked. */
    private static void route(Machine m, int gsi, int vector) {
        PhysicalBus bus = m.bus();
        bus.write(Machine.IOAPIC_BASE, 4, 0x10 + 2 * gsi);
        bus.write(Machine.IOAPIC_BASE + 0x10, 4, vector);
        bus.write(Machine.IOAPIC_BASE, 4, 0x11 + 2 * gsi);
        bus.write(Machine.IOAPIC_BASE + 0x10, 4, 0);
    }

    @Test
    void hpetCountsOnTheMachineClockAndItsCapabilitiesMatchTheAcpiTable() {
        VirtualClock clock = VirtualClock.deterministic();
        try (Machine m = Machine.builder().clock(clock).build().powerOn()) {
            PhysicalBus bus = m.bus();
            assertEquals(0x05F5E100_8086A201L, bus.read(AcpiTables.HPET_ADDRESS, 8), "10 MHz, 3 timers, 64-bit, legacy capable");
            bus.write(AcpiTables.HPET_ADDRESS + 0x10, 8, 1); // ENABLE_CNF
            clock.advance(1_000_000); // 1 ms
            assertEquals(10_000, bus.read(AcpiTables.HPET_ADDRESS + 0xF0, 8), "10,000 ticks in 1 ms");
        }
    }

    @Test
    void pitChannel0InterruptsThroughGsi2() throws InterruptedException {
        VirtualClock clock = VirtualClock.deterministic();
        try (Machine m = Machine.builder().clock(clock).build().powerOn()) {
            route(m, 2, 0x30);
            IoPorts io = m.ioPorts();
            io.out(0x43, 1, 0x34); // channel 0, lobyte/hibyte, mode 2
            io.out(0x40, 1, 1193 & 0xFF);
            io.out(0x40, 1, 1193 >> 8);  // about 1 kHz
            clock.advance(1_000_000);
            assertEquals(0x30, m.lapic(0).acceptInterrupt(0), "the PIT tick arrives as vector 0x30");
        }
    }

    @Test
    void rtcReadsTheClockAndCom1TransmitsAndInterrupts() throws InterruptedException {
        VirtualClock clock = VirtualClock.deterministic();
        MemoryBackend line = new MemoryBackend();
        try (Machine m = Machine.builder().clock(clock).serial(line).build().powerOn()) {
            IoPorts io = m.ioPorts();
            io.out(0x70, 1, 0x32);
            assertEquals(0x20, io.in(0x71, 1), "century 20 (BCD) on a deterministic clock");
            route(m, 4, 0x31);
            io.out(0x3F8 + 4, 1, 0x08); // MCR: OUT2 gates the interrupt onto the ISA line
            io.out(0x3F8 + 1, 1, 0x02); // IER: THR empty
            assertEquals(0x31, m.lapic(0).acceptInterrupt(0), "COM1's THR-empty interrupt arrives as vector 0x31");
            for (char ch : "hi".toCharArray()) {
                io.out(0x3F8, 1, ch);
            }
            assertEquals("hi", new String(line.transmitted()));
            assertTrue(Duration.ofNanos(clock.now()).isZero());
        }
    }
}
