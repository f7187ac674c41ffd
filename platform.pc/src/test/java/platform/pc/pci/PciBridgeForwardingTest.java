package platform.pc.pci;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.pci.PciRootPort.*;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import platform.pc.BusError;
import platform.pc.LocalApic;
import platform.pc.Machine;
import platform.pc.MmioHandler;
import platform.pc.MsiDecoder;
import platform.pc.PhysicalBus;
import platform.pc.PortHandler;

/**
 * A PCIe root port forwards like a PCI-to-PCI bridge (PCI-to-PCI Bridge Architecture 1.2,
 * chapter 4 and 3.2.5; PCIe Base, type-1 header): memory to the card behind it only inside its
 * memory or prefetchable window with Memory Space Enable, I/O only inside its I/O window with
 * I/O Space Enable, config cycles only for buses in secondary..subordinate, and the card's DMA
 * and MSI-X upstream only with Bus Master Enable. Register level: everything the "OS" does goes
 * through ECAM, the card's BARs and the MSI window.
 */
class PciBridgeForwardingTest {
    static final int MSI_VECTOR = 0x66;
    static final long TABLE = 0x1000; // MSI-X table offset in BAR0
    static final long PBA = 0x1800;
    static final long HIGH = 0x8_0000_0000L; // a 64-bit address far above RAM and the 32-bit MMIO hole

    /**
     * BAR0: 32-bit memory 16 KiB (registers read 0xCAFE0000 | offset below 0x1000, MSI-X table
     * and PBA above); BAR2: 32 I/O ports (read 0x5A); BAR4: 64-bit prefetchable memory 2 MiB
     * (reads 0xBEEF0000 | offset); one MSI-X vector. It masters on {@link #bus()}.
     */
    static final class Card extends PciFunction {
        final AtomicLong lastWrite = new AtomicLong(-1);
        final MsixTable msix;

        Card() {
            super(0x8086, 0x1234, 0x020000, 1);
            MmioHandler regs = MmioHandler.of((off, size) -> 0xCAFE_0000L | off, (off, size, v) -> lastWrite.set(v));
            msix = addMsix(1, 0, (int) TABLE, 0, (int) PBA);
            addMemoryBar(0, 0x4000, false, false, new MmioRouter().add(0, TABLE, regs)
                    .add(TABLE, 16, msix.tableHandler()).add(PBA, 8, msix.pbaHandler()));
            addIoBar(2, 32, new PortHandler() {
                @Override
                public int in(int port, int size) {
                    return 0x5A;
                }

                @Override
                public void out(int port, int size, int value) {
                }
            });
            addMemoryBar(4, 2 << 20, true, true, MmioHandler.of((off, size) -> 0xBEEF_0000L | off, (off, size, v) -> { }));
        }
    }

    private final Machine m = Machine.builder().memory(32L << 20).cpus(1).hotplugSlots(2).build();
    private final PhysicalBus bus = m.bus();
    private final LocalApic cpu = m.lapic(0);
    private final Card card = new Card();
    private PciRootPort port;
    private int d; // the port's device number on bus 0
    private long bar0;
    private int io;

    @BeforeEach
    void boot() {
        m.hotplugSlots().get(0).insert(card); // present at power-on: the firmware places its BARs
        m.powerOn();
        port = m.hotplugSlots().get(0);
        d = port.device();
        bar0 = cfg(1, 0, PciFunction.BAR0, 4) & ~0xFL;
        io = (int) (cfg(1, 0, PciFunction.BAR0 + 8, 4) & ~0x3L);
        setCfg(1, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_IO_SPACE | PciFunction.CMD_BUS_MASTER);
    }

    @AfterEach
    void close() {
        m.close();
    }

    private long cfg(int b, int dev, int reg, int size) {
        return bus.read(Machine.ecam(b, dev, 0) + reg, size);
    }

    private void setCfg(int b, int dev, int reg, int size, long v) {
        bus.write(Machine.ecam(b, dev, 0) + reg, size, v);
    }

    private int portCommand() {
        return (int) cfg(0, d, PciFunction.COMMAND, 2);
    }

    private void setPortCommand(int v) {
        setCfg(0, d, PciFunction.COMMAND, 2, v);
    }

    @Test
    void firmwareOpensThePortsDecodingAndTheBootCardAnswersInsideTheWindows() {
        assertEquals(PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_IO_SPACE, portCommand(),
                "memory and I/O decoding on, bus mastering left to the OS");
        assertTrue(bar0 >= port.memoryBase() && bar0 + 0x4000 - 1 <= port.memoryLimit());
        assertTrue(io >= port.ioBase() && io + 31 <= port.ioLimit());
        assertEquals(0xCAFE_0010L, bus.read(bar0 + 0x10, 4));
        assertEquals(0x5A, m.ioPorts().in(io, 1));
        assertEquals(0, card.mappingConflicts());
    }

    @Test
    void barOutsideThePortsWindowIsNotReachableAndReadsAllOnes() {
        // the window of the other port: a real address, decoded by nobody on this side
        long outside = m.hotplugSlots().get(1).memoryBase();
        assertTrue(outside > port.memoryLimit());
        setCfg(1, 0, PciFunction.BAR0, 4, outside);
        assertEquals(outside, card.barAddress(0));
        assertEquals(0xFFFF_FFFFL, bus.read(outside + 0x10, 4), "the port does not forward it");
        assertEquals(0xFFFF_FFFFL, bus.read(bar0 + 0x10, 4), "nor the old address");
        long unmapped = bus.unmappedWrites();
        bus.write(outside, 4, 42);
        assertEquals(-1, card.lastWrite.get(), "the write is dropped");
        assertEquals(unmapped + 1, bus.unmappedWrites(), "as a write nobody claims");
        // an I/O BAR outside the I/O window: all-ones too
        int ioOutside = m.hotplugSlots().get(1).ioBase();
        setCfg(1, 0, PciFunction.BAR0 + 8, 4, ioOutside);
        assertEquals(0xFF, m.ioPorts().in(ioOutside, 1));
        assertEquals(0xFF, m.ioPorts().in(io, 1));
        // back inside: both answer again
        setCfg(1, 0, PciFunction.BAR0, 4, bar0);
        setCfg(1, 0, PciFunction.BAR0 + 8, 4, io);
        assertEquals(0xCAFE_0010L, bus.read(bar0 + 0x10, 4));
        assertEquals(0x5A, m.ioPorts().in(io, 1));
        assertEquals(0, card.mappingConflicts());
    }

    @Test
    void aBarStraddlingTheWindowsLimitDecodesOnlyInside() {
        // BAR4 (2 MiB) in the last 2 MiB of the 8 MiB window, then the limit lowered by 1 MiB
        long at = port.memoryLimit() + 1 - (2 << 20);
        setCfg(1, 0, PciFunction.BAR0 + 16, 4, at);
        setCfg(1, 0, PciFunction.BAR0 + 20, 4, 0);
        assertEquals(0xBEEF_0040L | 0x10_0000, bus.read(at + 0x10_0040, 4));
        setCfg(0, d, MEMORY_LIMIT, 2, ((at + (1 << 20)) >>> 16) - 0x10);
        assertEquals(at + (1 << 20) - 1, port.memoryLimit());
        assertEquals(0xBEEF_0040L, bus.read(at + 0x40, 4), "inside");
        assertEquals(0xFFFF_FFFFL, bus.read(at + 0x10_0040, 4), "beyond the limit");
        // the prefetchable window opened right after the memory window: the two forward as one
        setCfg(0, d, PREF_MEMORY_BASE, 2, (at + (1 << 20)) >>> 16);
        setCfg(0, d, PREF_MEMORY_LIMIT, 2, (at + (1 << 20)) >>> 16);
        setCfg(0, d, PREF_BASE_UPPER32, 4, 0);
        setCfg(0, d, PREF_LIMIT_UPPER32, 4, 0);
        assertEquals(0xBEEF_0040L | 0x10_0000, bus.read(at + 0x10_0040, 4), "in the prefetchable window");
        assertEquals(0xBEEF_0040L, bus.read(at + 0x40, 4), "still in the memory window");
        assertEquals(0, card.mappingConflicts());
    }

    @Test
    void clearingThePortsMemorySpaceEnableHidesTheCard() {
        assertEquals(0xCAFE_0010L, bus.read(bar0 + 0x10, 4));
        setPortCommand(portCommand() & ~PciFunction.CMD_MEMORY_SPACE);
        assertEquals(0xFFFF_FFFFL, bus.read(bar0 + 0x10, 4));
        bus.write(bar0, 4, 7);
        assertEquals(-1, card.lastWrite.get());
        assertEquals(0x5A, m.ioPorts().in(io, 1), "I/O is enabled separately");
        assertEquals(PciFunction.CMD_MEMORY_SPACE, cfg(1, 0, PciFunction.COMMAND, 2) & PciFunction.CMD_MEMORY_SPACE,
                "the card's own COMMAND is untouched");
        setPortCommand(portCommand() & ~PciFunction.CMD_IO_SPACE);
        assertEquals(0xFF, m.ioPorts().in(io, 1));
        assertEquals(0x1234_8086L, cfg(1, 0, 0, 4), "config cycles do not depend on COMMAND");
        setPortCommand(PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_IO_SPACE);
        assertEquals(0xCAFE_0010L, bus.read(bar0 + 0x10, 4));
        bus.write(bar0, 4, 7);
        assertEquals(7, card.lastWrite.get());
        assertEquals(0x5A, m.ioPorts().in(io, 1));
    }

    @Test
    void movingTheWindowMakesTheBarReachable() {
        long target = 0xE000_0000L; // in the PCI hole, in no window and no bus-0 BAR
        setCfg(1, 0, PciFunction.BAR0, 4, target);
        assertEquals(0xFFFF_FFFFL, bus.read(target + 0x20, 4));
        // memory base/limit hold address bits 31:20
        setCfg(0, d, MEMORY_BASE, 2, target >>> 16);
        setCfg(0, d, MEMORY_LIMIT, 2, (target + (1 << 20) - 1) >>> 16);
        assertEquals(0xCAFE_0020L, bus.read(target + 0x20, 4), "inside the moved window");
        // closing the window (base > limit) hides it again
        setCfg(0, d, MEMORY_LIMIT, 2, (target >>> 16) - 0x10);
        assertEquals(0xFFFF_FFFFL, bus.read(target + 0x20, 4));
        // the I/O window: bits 15:12 in the base and limit registers
        int ioTarget = 0x8000;
        setCfg(1, 0, PciFunction.BAR0 + 8, 4, ioTarget);
        assertEquals(0xFF, m.ioPorts().in(ioTarget, 1));
        setCfg(0, d, IO_BASE, 1, ioTarget >>> 8);
        setCfg(0, d, IO_LIMIT, 1, ioTarget >>> 8);
        assertEquals(0x5A, m.ioPorts().in(ioTarget + 4, 1));
    }

    @Test
    void the64BitPrefetchableWindowForwardsAbove4GiBUpperHalvesIncluded() {
        setCfg(1, 0, PciFunction.BAR0 + 16, 4, HIGH & 0xFFFF_FFFFL);
        setCfg(1, 0, PciFunction.BAR0 + 20, 4, HIGH >>> 32);
        assertEquals(HIGH, card.barAddress(4));
        assertEquals(0xFFFF_FFFFL, bus.read(HIGH + 0x40, 4), "prefetchable window closed at power-on");
        // prefetchable base/limit: bits 31:20 in the low registers, bits 63:32 in the upper ones
        setCfg(0, d, PREF_MEMORY_BASE, 2, 0);
        setCfg(0, d, PREF_MEMORY_LIMIT, 2, 0x0010); // 1 MiB .. within the low dword
        setCfg(0, d, PREF_BASE_UPPER32, 4, HIGH >>> 32);
        setCfg(0, d, PREF_LIMIT_UPPER32, 4, HIGH >>> 32);
        assertEquals(HIGH, port.prefetchableBase());
        assertEquals(HIGH + (2 << 20) - 1, port.prefetchableLimit());
        assertEquals(0xBEEF_0040L, bus.read(HIGH + 0x40, 4));
        // the same low bits with another upper half: a different window
        setCfg(0, d, PREF_BASE_UPPER32, 4, (HIGH >>> 32) + 1);
        setCfg(0, d, PREF_LIMIT_UPPER32, 4, (HIGH >>> 32) + 1);
        assertEquals(0xFFFF_FFFFL, bus.read(HIGH + 0x40, 4));
        setCfg(0, d, PREF_BASE_UPPER32, 4, HIGH >>> 32);
        assertEquals(0xBEEF_0040L, bus.read(HIGH + 0x40, 4), "window spans both upper halves");
        // the prefetchable window is gated by Memory Space Enable too
        setPortCommand(portCommand() & ~PciFunction.CMD_MEMORY_SPACE);
        assertEquals(0xFFFF_FFFFL, bus.read(HIGH + 0x40, 4));
    }

    @Test
    void configCyclesReachOnlyBusesInsideSecondaryToSubordinate() {
        assertEquals(0x1234_8086L, cfg(1, 0, 0, 4));
        setCfg(0, d, SUBORDINATE_BUS, 1, 0); // secondary 1 > subordinate 0: the port claims no bus
        assertEquals(1, port.secondaryBus());
        assertEquals(0xFFFF, cfg(1, 0, PciFunction.VENDOR_ID, 2), "bus 1 is outside 1..0");
        setCfg(1, 0, PciFunction.COMMAND, 2, 0); // dropped
        assertNull(m.pci().function(1, 0, 0));
        setCfg(0, d, SUBORDINATE_BUS, 1, 1);
        assertEquals(0x8086, cfg(1, 0, PciFunction.VENDOR_ID, 2));
        assertNotEquals(0, cfg(1, 0, PciFunction.COMMAND, 2) & PciFunction.CMD_MEMORY_SPACE, "the write was dropped");
        // a range beyond the secondary bus holds no device of this port: type-1 cycles get no answer
        setCfg(0, d, SUBORDINATE_BUS, 1, 4);
        assertEquals(0xFFFF, cfg(3, 0, PciFunction.VENDOR_ID, 2));
        // the legacy port mechanism follows the same routing
        setCfg(0, d, SUBORDINATE_BUS, 1, 0);
        m.ioPorts().out(0xCF8, 4, 0x8000_0000 | 1 << 16);
        assertEquals(0xFFFF_FFFF, m.ioPorts().in(0xCFC, 4));
    }

    private void programMsix() {
        bus.write(bar0 + TABLE, 4, MsiDecoder.BASE); // APIC 0, physical
        bus.write(bar0 + TABLE + 4, 4, 0);
        bus.write(bar0 + TABLE + 8, 4, MSI_VECTOR); // fixed
        bus.write(bar0 + TABLE + 12, 4, 0); // unmasked
        int ctl = card.msixCapabilityOffset() + 2;
        setCfg(1, 0, ctl, 2, 0x8000); // MSI-X enable
        assertTrue(card.msix.enabled());
    }

    @Test
    void dmaAndMsixFromBehindThePortNeedItsBusMasterEnable() {
        programMsix();
        assertEquals(0, portCommand() & PciFunction.CMD_BUS_MASTER, "the firmware leaves bus mastering off");
        long buf = 0x10_0000;
        bus.write(buf, 8, 0x1111_2222_3333_4444L);
        PhysicalBus dma = card.bus();
        assertNotNull(dma);
        assertNotSame(bus, dma, "upstream requests end at the port");
        dma.write(buf, 4, 0xDEAD_BEEFL);
        assertEquals(0x1111_2222_3333_4444L, bus.read(buf, 8), "the DMA write did not happen");
        assertEquals(0xFFFF_FFFFL, dma.read(buf, 4), "a DMA read gets all-ones");
        assertThrows(BusError.class, () -> dma.write(buf, new byte[16], 0, 16), "bulk DMA fails");
        assertThrows(BusError.class, () -> dma.read(buf, new byte[16], 0, 16));
        assertEquals(0x1111_2222_3333_4444L, bus.read(buf, 8));
        card.msix.signal(0);
        assertEquals(-1, cpu.poll(), "the MSI-X write is a memory write: discarded too");
        assertEquals(3, port.upstreamRequestsDiscarded(), "DMA write, DMA read, MSI-X message");

        setPortCommand(portCommand() | PciFunction.CMD_BUS_MASTER);
        assertSame(bus, card.bus());
        card.bus().write(buf, 4, 0xDEAD_BEEFL);
        assertEquals(0x1111_2222_DEAD_BEEFL, bus.read(buf, 8));
        card.bus().write(buf, new byte[] {1, 2, 3, 4}, 0, 4);
        assertEquals(0x0403_0201L, bus.read(buf, 4));
        card.msix.signal(0);
        assertEquals(MSI_VECTOR, cpu.poll());
        cpu.eoi();
        assertEquals(3, port.upstreamRequestsDiscarded());

        // clearing it again cuts the path at once
        setPortCommand(portCommand() & ~PciFunction.CMD_BUS_MASTER);
        card.bus().write(buf, 4, 0);
        assertEquals(0x0403_0201L, bus.read(buf, 4));
        card.msix.signal(0);
        assertEquals(-1, cpu.poll());
    }

    @Test
    void busZeroFunctionsAreNotGatedByThePort() {
        Card onBus0 = new Card();
        m.pci().attach(5, onBus0); // after power-on: the firmware assigns its BARs at once
        setCfg(0, 5, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_BUS_MASTER);
        assertSame(bus, onBus0.bus(), "bus 0 masters directly through the host bridge");
        long at = onBus0.barAddress(0);
        assertEquals(0xCAFE_0004L, bus.read(at + 4, 4));
        setPortCommand(0);
        assertEquals(0xCAFE_0004L, bus.read(at + 4, 4), "the port's COMMAND is about its secondary side only");
        assertEquals(0xFFFF_FFFFL, bus.read(bar0 + 4, 4));
    }

    @Test
    void aFunctionWithoutItsOwnBusMasterEnableCannotDmaOrSignalMsix() {
        programMsix();
        setPortCommand(portCommand() | PciFunction.CMD_BUS_MASTER);
        long buf = 0x10_0000;
        bus.write(buf, 8, 0x1111_2222_3333_4444L);
        setCfg(1, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_IO_SPACE);
        PhysicalBus dma = card.bus();
        assertNotSame(bus, dma, "with its own Bus Master Enable clear the function masters nowhere");
        dma.write(buf, 4, 0xDEAD_BEEFL);
        assertEquals(0xFFFF_FFFFL, dma.read(buf, 4), "a DMA read gets all-ones");
        assertThrows(BusError.class, () -> dma.write(buf, new byte[16], 0, 16), "bulk DMA fails");
        assertEquals(0x1111_2222_3333_4444L, bus.read(buf, 8), "memory untouched");
        card.msix.signal(0);
        assertEquals(-1, cpu.poll(), "no MSI-X message without bus mastering");
        assertEquals(3, card.masterAborts(), "DMA write, DMA read, MSI-X message (bulk DMA throws instead)");
        assertEquals(0, port.upstreamRequestsDiscarded(), "nothing got as far as the port");
        assertEquals(0xCAFE_0010L, bus.read(bar0 + 0x10, 4), "its registers still decode (Memory Space Enable)");
        // the driver sets it: DMA and the pending MSI-X vector go through
        setCfg(1, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_IO_SPACE | PciFunction.CMD_BUS_MASTER);
        assertSame(bus, card.bus());
        card.bus().write(buf, 4, 0xDEAD_BEEFL);
        assertEquals(0x1111_2222_DEAD_BEEFL, bus.read(buf, 8));
        card.msix.signal(0);
        assertEquals(MSI_VECTOR, cpu.poll());
        cpu.eoi();
    }
}
