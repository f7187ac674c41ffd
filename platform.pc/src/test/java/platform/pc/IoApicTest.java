package platform.pc;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The IOAPIC, from the 82093AA datasheet (registers, redirection table, edge/level delivery). */
class IoApicTest {
    private final FakeTimer clock = new FakeTimer();
    private final ApicBus bus = new ApicBus();
    private final LocalApic cpu0 = new LocalApic(0, clock);
    private final LocalApic cpu1 = new LocalApic(1, clock);
    private final IoApic io = new IoApic(2);

    IoApicTest() {
        bus.attach(cpu0);
        bus.attach(cpu1);
        bus.attach(io);
    }

    private int reg(int index) {
        io.write(IoApic.IOREGSEL, 4, index);
        return (int) io.read(IoApic.IOWIN, 4);
    }

    private void setReg(int index, int value) {
        io.write(IoApic.IOREGSEL, 4, index);
        io.write(IoApic.IOWIN, 4, value & 0xFFFF_FFFFL);
    }

    private void program(int pin, long entry) {
        setReg(0x11 + 2 * pin, (int) (entry >>> 32));
        setReg(0x10 + 2 * pin, (int) entry);
    }

    @Test
    void resetValuesAndIndirectAccess() {
        assertEquals(2 << 24, reg(0x00));
        assertEquals(0x0017_0020, reg(0x01)); // version 0x20, max redirection entry 23
        assertEquals(2 << 24, reg(0x02));
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(1 << 16, reg(0x10 + 2 * pin), "pin " + pin); // masked
            assertEquals(0, reg(0x11 + 2 * pin));
        }
        io.write(IoApic.IOREGSEL, 4, 0x12);
        assertEquals(0x12, io.read(IoApic.IOREGSEL, 4));
        setReg(0x00, 0x0500_0000);
        assertEquals(0x0500_0000, reg(0x00));
        setReg(0x01, 0); // VER read-only
        assertEquals(0x0017_0020, reg(0x01));
        // redirection entry fields round-trip; read-only bits stay clear
        setReg(0x10 + 2 * 5, 0x0001_FFFF);
        assertEquals(0x0001_AFFF, reg(0x10 + 2 * 5)); // bits 12 and 14 read-only
        setReg(0x11 + 2 * 5, 0xFFFF_FFFF);
        assertEquals(0xFF00_0000, reg(0x11 + 2 * 5));
    }

    @Test
    void badAccessesAreIgnored() {
        assertEquals(0, reg(0x03)); // unknown index
        setReg(0x03, 1234);
        assertEquals(0, reg(0x40)); // beyond the table
        setReg(0x40, 1234);
        io.write(IoApic.IOREGSEL, 1, 0x01);
        io.write(0x20, 4, 1);
        assertEquals(0xFFL, io.read(IoApic.IOWIN, 1));
        assertEquals(0xFFFF_FFFFL, io.read(0x20, 4));
        io.write(IoApic.IOREGSEL, 4, 0x01);
        io.write(IoApic.IOWIN, 2, 0);
        assertEquals(5, io.badAccesses());
        io.assertIrq(24);
        io.assertIrq(-1);
        io.deassertIrq(99);
    }

    @Test
    void edgeTriggeredDeliversOnRisingEdgeOnly() throws Exception {
        program(4, 0x31); // unmasked, fixed, physical dest 0, edge
        io.assertIrq(4);
        assertTrue(cpu0.requested(0x31));
        assertEquals(0x31, cpu0.acceptInterrupt(0));
        io.assertIrq(4); // still high: no new edge
        assertFalse(cpu0.requested(0x31));
        io.deassertIrq(4);
        io.assertIrq(4);
        assertTrue(cpu0.requested(0x31));
        assertFalse(cpu0.levelTriggered(0x31));
        assertEquals(0, io.redirectionEntry(4) & IoApic.REMOTE_IRR);
    }

    @Test
    void maskedEdgeIsLost() {
        program(3, IoApic.MASKED | 0x32);
        io.pulseIrq(3);
        program(3, 0x32);
        assertFalse(cpu0.requested(0x32));
        io.pulseIrq(3);
        assertTrue(cpu0.requested(0x32));
    }

    @Test
    void levelTriggeredUsesRemoteIrrAndEoiBroadcast() throws Exception {
        program(10, IoApic.LEVEL | (1L << 13) | 0x40 | (1L << 56)); // dest APIC 1, active low
        io.assertIrq(10);
        assertTrue(cpu1.requested(0x40));
        assertTrue(cpu1.levelTriggered(0x40));
        assertNotEquals(0, reg(0x10 + 2 * 10) & (1 << 14)); // remote IRR
        assertEquals(0x40, cpu1.acceptInterrupt(0));
        cpu1.eoi(); // line still asserted: EOI broadcast re-delivers
        assertTrue(cpu1.requested(0x40));
        assertNotEquals(0, reg(0x10 + 2 * 10) & (1 << 14));
        assertEquals(0x40, cpu1.acceptInterrupt(0));
        io.deassertIrq(10); // the driver silenced the device
        cpu1.writeRegister(LocalApic.REG_EOI, 0);
        assertFalse(cpu1.requested(0x40));
        assertEquals(0, reg(0x10 + 2 * 10) & (1 << 14));
        assertEquals(2, io.deliveredCount());
        assertFalse(cpu0.requested(0x40));
    }

    @Test
    void pciWireAndDirectInputAreWiredOr() throws Exception {
        program(20, IoApic.LEVEL | 0x48);
        io.assertPciIrq(20);
        io.assertIrq(20); // e.g. an HPET timer routed to the same GSI
        assertEquals(0x48, cpu0.acceptInterrupt(0));
        io.deassertIrq(20); // the other source is quiet, PCI still asserts
        assertTrue(io.inputAsserted(20));
        cpu0.eoi();
        assertEquals(0x48, cpu0.acceptInterrupt(0), "still asserted: re-delivered");
        io.deassertPciIrq(20);
        assertFalse(io.inputAsserted(20));
        cpu0.eoi();
        assertFalse(cpu0.requested(0x48));
        // edge entry: a pulse while the PCI wire holds the line high is no edge
        program(21, 0x49);
        io.assertPciIrq(21);
        assertEquals(0x49, cpu0.acceptInterrupt(0));
        cpu0.eoi();
        io.pulseIrq(21);
        assertFalse(cpu0.requested(0x49));
        io.deassertPciIrq(21);
        io.pulseIrq(21);
        assertTrue(cpu0.requested(0x49));
    }

    @Test
    void levelWhileMaskedIsDeliveredOnUnmask() {
        program(7, IoApic.MASKED | IoApic.LEVEL | 0x45);
        io.assertIrq(7);
        assertFalse(cpu0.requested(0x45));
        program(7, IoApic.LEVEL | 0x45);
        assertTrue(cpu0.requested(0x45));
        assertNotEquals(0, io.redirectionEntry(7) & IoApic.REMOTE_IRR);
    }

    @Test
    void eoiRegisterClearsRemoteIrr() {
        program(9, IoApic.LEVEL | 0x46);
        io.assertIrq(9);
        assertNotEquals(0, io.redirectionEntry(9) & IoApic.REMOTE_IRR);
        io.deassertIrq(9);
        io.write(IoApic.EOI, 4, 0x46);
        assertEquals(0, io.redirectionEntry(9) & IoApic.REMOTE_IRR);
    }

    @Test
    void destinationRoutingAndNmi() {
        program(1, 0x50 | (1L << 56));
        io.pulseIrq(1);
        assertTrue(cpu1.requested(0x50));
        assertFalse(cpu0.requested(0x50));
        // logical, flat: cpu0 has logical ID bit 1
        cpu0.writeRegister(LocalApic.REG_LDR, 0x02 << 24);
        cpu1.writeRegister(LocalApic.REG_LDR, 0x04 << 24);
        program(2, (1L << 11) | 0x51 | (0x02L << 56));
        io.pulseIrq(2);
        assertTrue(cpu0.requested(0x51));
        assertFalse(cpu1.requested(0x51));
        // NMI delivery mode
        program(5, (4L << 8) | (1L << 56));
        io.pulseIrq(5);
        assertTrue(cpu1.takeNmi());
        // unknown destination: not delivered, no remote IRR left set
        program(6, IoApic.LEVEL | 0x52 | (0x09L << 56));
        io.assertIrq(6);
        assertEquals(0, io.redirectionEntry(6) & IoApic.REMOTE_IRR);
        assertTrue(bus.undeliverable() > 0);
    }

    @Test
    void machineMapsIoApicAndMsiUsesTheBus() throws Exception {
        try (Machine m = Machine.builder().memory(32L << 20).cpus(2).timerSource(clock).build().powerOn()) {
            PhysicalBus pb = m.bus();
            pb.write(Machine.IOAPIC_BASE, 4, 0x01);
            assertEquals(0x0017_0020L, pb.read(Machine.IOAPIC_BASE + 0x10, 4));
            pb.write(Machine.IOAPIC_BASE, 4, 0x10 + 2 * 11);
            pb.write(Machine.IOAPIC_BASE + 0x10, 4, 0x66);
            pb.write(Machine.IOAPIC_BASE, 4, 0x11 + 2 * 11);
            pb.write(Machine.IOAPIC_BASE + 0x10, 4, 1L << 24);
            m.ioApic().pulseIrq(11);
            assertEquals(0x66, m.lapic(1).acceptInterrupt(0));
            // MSI: logical destination mode, and a level-triggered MSI
            m.lapic(0).writeRegister(LocalApic.REG_LDR, 0x01 << 24);
            pb.write(MsiDecoder.BASE | 0x01 << 12 | 4, 4, 0x71);
            assertTrue(m.lapic(0).requested(0x71));
            // legacy PIC masked after firmware init
            assertEquals(0xFF, m.ioPorts().in(0x21, 1));
            assertEquals(0xFF, m.ioPorts().in(0xA1, 1));
        }
    }
}
