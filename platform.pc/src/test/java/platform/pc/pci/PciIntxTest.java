package platform.pc.pci;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import platform.pc.IoApic;
import platform.pc.LocalApic;
import platform.pc.Machine;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;

/**
 * PCI INTx as wired on the board: pin swizzle to IOAPIC GSIs 16..23, shared level-triggered
 * lines (wired-OR), COMMAND.INTx Disable and STATUS.Interrupt Status (PCI 3.0 6.2.2/6.2.3),
 * Interrupt Line written by the firmware. Everything is driven through ECAM and IOAPIC MMIO,
 * and observed at the local APIC, as a kernel would.
 */
class PciIntxTest {
    static final int VECTOR = 0x61;

    /** A function with one memory BAR and an INTx pin, whose interrupt the test raises and lowers. */
    static final class IntxDevice extends PciFunction {
        volatile boolean closed;

        IntxDevice(int pin) {
            super(0x1234, 0x1111, 0x028000, 1);
            setInterruptPin(pin);
            addMemoryBar(0, 0x1000, false, false, new MmioHandler() {
                @Override
                public long read(long offset, int size) {
                    return 0;
                }

                @Override
                public void write(long offset, int size, long value) {
                }
            });
        }

        void raise() {
            assertIntx();
        }

        void lower() {
            deassertIntx();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    // 00:03 INTA and 00:07 INTA both land on GSI 16 + 3 = 19; 00:05 INTB on 16 + (5 + 1) mod 4 = 18
    private final IntxDevice a = new IntxDevice(1);
    private final IntxDevice b = new IntxDevice(1);
    private final IntxDevice c = new IntxDevice(2);
    private final IntxDevice d = new IntxDevice(4);
    private final IntxDevice none = new IntxDevice(0);
    private final Machine m = Machine.builder().memory(32L << 20).cpus(2)
            .device(3, a).device(7, b).device(5, c).device(31, d).device(9, none).build().powerOn();
    private final PhysicalBus bus = m.bus();
    private final LocalApic cpu1 = m.lapic(1);

    @AfterEach
    void close() {
        m.close();
    }

    private long cfg(int dev, int reg, int size) {
        return bus.read(Machine.ecam(0, dev, 0) + reg, size);
    }

    private void setCfg(int dev, int reg, int size, long v) {
        bus.write(Machine.ecam(0, dev, 0) + reg, size, v);
    }

    /** Programs IOAPIC redirection entry {@code gsi}: fixed, physical destination APIC 1, level, active low. */
    private void routeLevel(int gsi, int vector) {
        bus.write(Machine.IOAPIC_BASE, 4, IoApic.REDTBL + 2 * gsi + 1);
        bus.write(Machine.IOAPIC_BASE + IoApic.IOWIN, 4, 1L << 24);
        bus.write(Machine.IOAPIC_BASE, 4, IoApic.REDTBL + 2 * gsi);
        bus.write(Machine.IOAPIC_BASE + IoApic.IOWIN, 4, IoApic.LEVEL | 1L << 13 | vector);
    }

    private boolean remoteIrr(int gsi) {
        return (m.ioApic().redirectionEntry(gsi) & IoApic.REMOTE_IRR) != 0;
    }

    @Test
    void swizzleAndInterruptLineWrittenByFirmware() {
        assertEquals(16, PciHostBridge.intxGsi(0, 1));
        assertEquals(19, PciHostBridge.intxGsi(3, 1));
        assertEquals(16, PciHostBridge.intxGsi(3, 2));
        assertEquals(18, PciHostBridge.intxGsi(5, 2));
        assertEquals(18, PciHostBridge.intxGsi(31, 4));
        assertEquals(-1, PciHostBridge.intxGsi(4, 0));
        assertEquals(-1, PciHostBridge.intxGsi(4, 5));
        for (int dev = 1; dev < 32; dev++) {
            for (int pin = 1; pin <= 4; pin++) {
                int gsi = PciHostBridge.intxGsi(dev, pin);
                assertTrue(gsi >= 16 && gsi <= 23);
                assertEquals(16 + (dev + pin - 1) % 4, gsi);
            }
        }
        assertEquals(19, cfg(3, PciFunction.INTERRUPT_LINE, 1));
        assertEquals(19, cfg(7, PciFunction.INTERRUPT_LINE, 1));
        assertEquals(18, cfg(5, PciFunction.INTERRUPT_LINE, 1));
        assertEquals(2, cfg(5, PciFunction.INTERRUPT_PIN, 1));
        assertEquals(18, cfg(31, PciFunction.INTERRUPT_LINE, 1));
        assertEquals(0, cfg(9, PciFunction.INTERRUPT_LINE, 1), "no pin: Interrupt Line untouched");
        assertEquals(-1, none.intxGsi());
        assertEquals(19, a.intxGsi());
        // a function attached after power-on gets its line too (as if by ACPI hot-plug firmware)
        IntxDevice hot = new IntxDevice(3);
        m.pci().attach(12, hot);
        assertEquals(16 + (12 + 2) % 4, cfg(12, PciFunction.INTERRUPT_LINE, 1));
        // Interrupt Line stays read/write for the OS
        setCfg(3, PciFunction.INTERRUPT_LINE, 1, 0x2A);
        assertEquals(0x2A, cfg(3, PciFunction.INTERRUPT_LINE, 1));
    }

    @Test
    void assertedIntxReachesTheLocalApicThroughALevelTriggeredEntry() throws Exception {
        routeLevel(19, VECTOR);
        assertFalse(cpu1.requested(VECTOR));
        a.raise();
        assertTrue(a.intxDriven());
        assertNotEquals(0, cfg(3, PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT);
        assertTrue(cpu1.requested(VECTOR));
        assertTrue(cpu1.levelTriggered(VECTOR));
        assertTrue(remoteIrr(19));
        assertEquals(VECTOR, cpu1.acceptInterrupt(0));
        // the driver handles the device (it drops the line), then EOIs: nothing more
        a.lower();
        assertEquals(0, cfg(3, PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT);
        cpu1.eoi();
        assertFalse(remoteIrr(19));
        assertFalse(cpu1.requested(VECTOR));
        assertFalse(m.lapic(0).requested(VECTOR));
        // an unprogrammed (masked) GSI delivers nothing
        c.raise();
        assertEquals(1, m.pci().intxDrivers(18));
        assertEquals(-1, cpu1.poll());
    }

    @Test
    void sharedLineStaysAssertedUntilEverySourceDeasserts() throws Exception {
        routeLevel(19, VECTOR);
        a.raise();
        b.raise();
        assertEquals(2, m.pci().intxDrivers(19));
        assertEquals(VECTOR, cpu1.acceptInterrupt(0));
        assertEquals(-1, cpu1.poll(), "one message while remote IRR is set");
        a.lower(); // b still drives the wire
        assertEquals(1, m.pci().intxDrivers(19));
        a.lower(); // idempotent
        assertEquals(1, m.pci().intxDrivers(19));
        cpu1.eoi(); // still asserted: re-delivered after EOI
        assertTrue(cpu1.requested(VECTOR));
        assertEquals(VECTOR, cpu1.acceptInterrupt(0));
        b.lower();
        assertEquals(0, m.pci().intxDrivers(19));
        cpu1.eoi();
        assertFalse(cpu1.requested(VECTOR));
        assertFalse(remoteIrr(19));
        // a new assertion after the line went low is a new interrupt
        b.raise();
        assertEquals(VECTOR, cpu1.acceptInterrupt(0));
        assertEquals(3, m.ioApic().deliveredCount(), "first assertion, re-delivery after EOI, new assertion");
    }

    @Test
    void intxDisableMasksTheOutputButNotTheStatus() throws Exception {
        routeLevel(19, VECTOR);
        a.raise();
        assertEquals(VECTOR, cpu1.acceptInterrupt(0));
        setCfg(3, PciFunction.COMMAND, 2, PciFunction.CMD_INTX_DISABLE);
        assertFalse(a.intxDriven());
        assertEquals(0, m.pci().intxDrivers(19));
        assertNotEquals(0, cfg(3, PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT,
                "Interrupt Status shows the function's state whatever INTx Disable says");
        cpu1.eoi();
        assertFalse(cpu1.requested(VECTOR), "the masked line is low: no re-delivery");
        // clearing INTx Disable while the interrupt is still pending drives the wire again
        setCfg(3, PciFunction.COMMAND, 2, 0);
        assertTrue(a.intxDriven());
        assertEquals(VECTOR, cpu1.acceptInterrupt(0));
        // raising while disabled: status only
        setCfg(3, PciFunction.COMMAND, 2, PciFunction.CMD_INTX_DISABLE);
        a.lower();
        cpu1.eoi();
        a.raise();
        assertFalse(a.intxDriven());
        assertFalse(cpu1.requested(VECTOR));
        assertNotEquals(0, cfg(3, PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT);
        a.lower();
        setCfg(3, PciFunction.COMMAND, 2, 0);
        assertFalse(a.intxDriven(), "nothing pending: enabling does not assert");
        assertFalse(cpu1.requested(VECTOR));
        // INTx Disable of one sharer does not drop the other's assertion
        a.raise();
        b.raise();
        assertEquals(VECTOR, cpu1.acceptInterrupt(0));
        setCfg(3, PciFunction.COMMAND, 2, PciFunction.CMD_INTX_DISABLE);
        assertEquals(1, m.pci().intxDrivers(19));
        cpu1.eoi();
        assertTrue(cpu1.requested(VECTOR));
    }

    @Test
    void detachedOrClosedFunctionReleasesTheLine() throws Exception {
        routeLevel(19, VECTOR);
        b.raise();
        assertEquals(VECTOR, cpu1.acceptInterrupt(0));
        assertSame(b, m.pci().detach(7));
        assertEquals(0, m.pci().intxDrivers(19));
        cpu1.eoi();
        assertFalse(cpu1.requested(VECTOR));
        a.raise();
        c.raise();
        assertEquals(1, m.pci().intxDrivers(19));
        m.close();
        assertTrue(a.closed);
        assertEquals(0, m.pci().intxDrivers(19));
        assertEquals(0, m.pci().intxDrivers(18));
    }
}
