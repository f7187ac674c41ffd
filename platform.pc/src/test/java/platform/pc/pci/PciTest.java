package platform.pc.pci;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import platform.pc.Machine;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;
import platform.pc.PortHandler;

/** Drives the PCI model through ECAM exactly as a kernel driver would. */
class PciTest {
    static final long ECAM = Machine.ECAM_BASE;

    /** A test device: BAR0 32-bit 4 KiB (MSI-X table + PBA), BAR2 64-bit 16 KiB, BAR4 32 I/O ports. */
    static final class TestDevice extends PciFunction {
        final MsixTable msix;
        final List<String> log = new ArrayList<>();
        final int vendorCap;

        TestDevice() {
            super(0x1234, 0x5678, 0x018000, 0x07);
            setSubsystem(0xAAAA, 0xBBBB);
            setInterruptPin(1);
            vendorCap = addCapability(CAP_ID_VENDOR, new byte[] {6, 0x42, 0x43, 0x44});
            msix = addMsix(4, 0, 0, 0, 0x800);
            addMemoryBar(0, 0x1000, false, false,
                    new MmioRouter().add(0, msix.tableBytes(), msix.tableHandler()).add(0x800, msix.pbaBytes(), msix.pbaHandler()));
            addMemoryBar(2, 0x4000, true, true, new MmioHandler() {
                @Override
                public long read(long offset, int size) {
                    return 0xC0DE0000L | offset;
                }

                @Override
                public void write(long offset, int size, long value) {
                    log.add("bar2 " + offset + "=" + value);
                }
            });
            addIoBar(4, 32, new PortHandler() {
                @Override
                public int in(int port, int size) {
                    return 0x77;
                }

                @Override
                public void out(int port, int size, int value) {
                    log.add("io " + port + "=" + value);
                }
            });
        }
    }

    private final TestDevice dev = new TestDevice();
    private final Machine m = Machine.builder().memory(32L << 20).cpus(2).device(3, dev).build().powerOn();
    private final PhysicalBus bus = m.bus();

    @AfterEach
    void close() {
        m.close();
    }

    static long cfg(int d, int f, int reg) {
        return ECAM + ((long) d << 15) + ((long) f << 12) + reg;
    }

    long rd(int reg, int size) {
        return bus.read(cfg(3, 0, reg), size);
    }

    void wr(int reg, int size, long v) {
        bus.write(cfg(3, 0, reg), size, v);
    }

    @Test
    void hostBridgeAndAbsentFunctions() {
        assertEquals(0x29C0_8086L, bus.read(cfg(0, 0, 0), 4));
        assertEquals(0x06, bus.read(cfg(0, 0, 0x0B), 1));
        assertEquals(0x0000, bus.read(cfg(0, 0, 0x0A), 1) & 0xFF, "class 060000");
        assertEquals(0xFFFF, bus.read(cfg(5, 0, 0), 2), "empty slot");
        assertEquals(0xFFFF_FFFFL, bus.read(cfg(3, 1, 0), 4), "absent function");
        assertEquals(0xFFFF_FFFFL, bus.read(ECAM + (1L << 20), 4), "bus 1 is empty");
        bus.write(cfg(5, 0, 4), 2, 0x7); // dropped, no exception
        assertEquals(0x5678_1234L, rd(0, 4));
        assertEquals(0x00, rd(PciFunction.HEADER_TYPE, 1));
        assertEquals(0xBBBB_AAAAL, rd(0x2C, 4));
        assertEquals(0x01_8000_07L, rd(0x08, 4));
    }

    @Test
    void legacyPortMechanismReachesTheSameConfigSpace() {
        var io = m.ioPorts();
        io.out(0xCF8, 4, 0x8000_0000 | (3 << 11));
        assertEquals(0x5678_1234, io.in(0xCFC, 4));
        assertEquals(0x5678, io.in(0xCFE, 2));
        io.out(0xCF8, 4, 0x8000_0000 | (3 << 11) | 0x3C);
        io.out(0xCFC, 1, 5);
        assertEquals(5, rd(0x3C, 1));
        io.out(0xCF8, 4, 0); // disabled
        assertEquals(-1, io.in(0xCFC, 4));
    }

    @Test
    void readOnlyFieldsAndCommandBits() {
        wr(0, 4, 0);
        assertEquals(0x5678_1234L, rd(0, 4), "vendor/device are read-only");
        wr(0x08, 4, 0);
        assertEquals(0x01_8000_07L, rd(0x08, 4), "class/revision are read-only");
        wr(PciFunction.COMMAND, 2, 0xFFFF);
        assertEquals(0x0407, rd(PciFunction.COMMAND, 2));
        wr(PciFunction.COMMAND, 2, 0);
        assertEquals(0, rd(PciFunction.COMMAND, 2));
        assertEquals(PciFunction.STATUS_CAPABILITIES_LIST, rd(PciFunction.STATUS, 2));
        wr(PciFunction.STATUS, 2, 0xFFFF);
        assertEquals(PciFunction.STATUS_CAPABILITIES_LIST, rd(PciFunction.STATUS, 2), "W1C bits and RO bits");
        assertEquals(1, rd(PciFunction.INTERRUPT_PIN, 1));
        assertEquals(PciHostBridge.intxGsi(3, 1), rd(PciFunction.INTERRUPT_LINE, 1));
        assertEquals(19, rd(PciFunction.INTERRUPT_LINE, 1), "00:03 INTA swizzles to GSI 16 + 3");
    }

    @Test
    void barSizingProtocol() {
        // 32-bit memory BAR of 4 KiB
        long saved = rd(0x10, 4);
        wr(0x10, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_F000L, rd(0x10, 4));
        wr(0x10, 4, saved);
        assertEquals(saved, rd(0x10, 4));
        // 64-bit prefetchable memory BAR of 16 KiB in BAR2/BAR3
        long lo = rd(0x18, 4);
        long hi = rd(0x1C, 4);
        assertEquals(0xC, lo & 0xF, "64-bit, prefetchable");
        wr(0x18, 4, 0xFFFF_FFFFL);
        wr(0x1C, 4, 0xFFFF_FFFFL);
        long mask = rd(0x18, 4) | rd(0x1C, 4) << 32;
        assertEquals(-0x4000L | 0xC, mask);
        assertEquals(0x4000, ~(mask & ~0xFL) + 1);
        wr(0x18, 4, lo);
        wr(0x1C, 4, hi);
        // I/O BAR of 32 ports
        wr(0x20, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_FFE1L, rd(0x20, 4));
        // unimplemented BARs read 0 and stay 0
        wr(0x14, 4, 0xFFFF_FFFFL);
        assertEquals(0, rd(0x14, 4));
        wr(0x24, 4, 0xFFFF_FFFFL);
        assertEquals(0, rd(0x24, 4));
    }

    @Test
    void firmwareAssignedAlignedAddressesAndLeftDecodingOff() {
        assertEquals(0, rd(PciFunction.COMMAND, 2));
        long bar0 = dev.barAddress(0);
        long bar2 = dev.barAddress(2);
        long bar4 = dev.barAddress(4);
        assertTrue(bar0 >= PciHostBridge.MMIO_WINDOW_START && bar0 + 0x1000 <= PciHostBridge.MMIO_WINDOW_END);
        assertEquals(0, bar0 % 0x1000);
        assertTrue(bar2 >= PciHostBridge.MMIO_WINDOW_START && bar2 + 0x4000 <= PciHostBridge.MMIO_WINDOW_END);
        assertEquals(0, bar2 % 0x4000);
        assertTrue(bar4 >= PciHostBridge.IO_WINDOW_START && bar4 % 32 == 0);
        assertEquals(0, m.pci().unassignedBars());
        assertEquals(0xFFFF_FFFFL, bus.read(bar2, 4), "not decoded while memory space is off");
    }

    @Test
    void barsAreMappedWhileMemorySpaceIsEnabledAndFollowAddressChanges() {
        long bar2 = dev.barAddress(2);
        wr(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE);
        assertEquals(0xC0DE0010L, bus.read(bar2 + 0x10, 4));
        bus.write(bar2 + 8, 4, 99);
        assertEquals(List.of("bar2 8=99"), dev.log);
        // move the BAR while enabled
        long moved = 0xE000_0000L;
        wr(0x18, 4, moved);
        assertEquals(0xFFFF_FFFFL, bus.read(bar2 + 0x10, 4), "old window is gone");
        assertEquals(0xC0DE0010L, bus.read(moved + 0x10, 4));
        // above 4 GiB
        wr(0x1C, 4, 0x10);
        assertEquals(0x10_E000_0000L, dev.barAddress(2));
        assertEquals(0xC0DE0004L, bus.read(0x10_E000_0004L, 4));
        wr(PciFunction.COMMAND, 2, 0);
        assertEquals(-1L, bus.read(0x10_E000_0004L, 8));
        // I/O space
        int port = (int) dev.barAddress(4);
        assertEquals(0xFF, m.ioPorts().in(port, 1));
        wr(PciFunction.COMMAND, 2, PciFunction.CMD_IO_SPACE);
        assertEquals(0x77, m.ioPorts().in(port, 1));
        m.ioPorts().out(port + 3, 1, 9);
        assertEquals("io " + (port + 3) + "=9", dev.log.getLast());
    }

    @Test
    void capabilityListWalk() {
        assertNotEquals(0, rd(PciFunction.STATUS, 2) & PciFunction.STATUS_CAPABILITIES_LIST);
        int ptr = (int) rd(PciFunction.CAPABILITIES_POINTER, 1);
        List<Integer> ids = new ArrayList<>();
        int guard = 0;
        while (ptr != 0 && guard++ < 48) {
            assertEquals(0, ptr & 3, "dword aligned");
            assertTrue(ptr >= 0x40);
            ids.add((int) rd(ptr, 1));
            if (rd(ptr, 1) == PciFunction.CAP_ID_VENDOR) {
                assertEquals(6, rd(ptr + 2, 1), "cap_len");
                assertEquals(0x4342, rd(ptr + 3, 2));
            }
            if (rd(ptr, 1) == PciFunction.CAP_ID_MSIX) {
                assertEquals(3, rd(ptr + 2, 2) & 0x7FF, "table size - 1");
                assertEquals(0x0, rd(ptr + 4, 4), "table BIR 0 offset 0");
                assertEquals(0x800, rd(ptr + 8, 4), "PBA BIR 0 offset 0x800");
            }
            ptr = (int) rd(ptr + 1, 1);
        }
        assertEquals(List.of(PciFunction.CAP_ID_VENDOR, PciFunction.CAP_ID_MSIX), ids);
        wr(dev.vendorCap + 3, 1, 0);
        assertEquals(0x42, rd(dev.vendorCap + 3, 1), "capability body is read-only");
    }

    @Test
    void msixMaskingAndPendingBits() throws Exception {
        long table = dev.barAddress(0);
        int cap = dev.msixCapabilityOffset();
        wr(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_BUS_MASTER);
        assertFalse(dev.msix.signal(1), "MSI-X disabled: caller must use INTx");
        // program vector 1 -> APIC 1, vector 0x51; entries start masked
        assertEquals(1, bus.read(table + 16 + 12, 4), "masked at reset");
        bus.write(table + 16, 4, 0xFEE0_1000L);
        bus.write(table + 16 + 4, 4, 0);
        bus.write(table + 16 + 8, 4, 0x51);
        assertEquals(0xFEE0_1000L, bus.read(table + 16, 8));
        wr(cap + 2, 2, 0x8000); // enable
        assertEquals(0x8003, rd(cap + 2, 2), "enable bit writable, table size RO");
        assertTrue(dev.msix.signal(1));
        assertFalse(m.lapic(1).pending(), "vector masked: no message");
        assertEquals(0b10, bus.read(table + 0x800, 8), "PBA bit 1 pending");
        bus.write(table + 16 + 12, 4, 0); // unmask: pending message goes out
        assertEquals(0, bus.read(table + 0x800, 8));
        assertEquals(0x51, m.lapic(1).acceptInterrupt(0));
        m.lapic(1).eoi();
        // function mask
        wr(cap + 2, 2, 0xC000);
        assertTrue(dev.msix.signal(1));
        assertFalse(m.lapic(1).pending());
        assertTrue(dev.msix.isPending(1));
        wr(cap + 2, 2, 0x8000);
        assertFalse(dev.msix.isPending(1));
        assertEquals(0x51, m.lapic(1).acceptInterrupt(0));
        m.lapic(1).eoi();
        // direct delivery
        assertTrue(dev.msix.signal(1));
        assertEquals(0x51, m.lapic(1).acceptInterrupt(0));
        assertEquals(3, dev.msix.messagesSent());
        assertFalse(dev.msix.signal(4), "no such vector");
        bus.write(table + 0x800, 8, -1L);
        assertEquals(0, bus.read(table + 0x800, 8), "PBA is read-only");
    }

    @Test
    void hotPlugAssignsBarsAndDetachUnmaps() {
        TestDevice hot = new TestDevice();
        m.pci().attach(7, hot);
        assertEquals(0x5678, bus.read(cfg(7, 0, 2), 2));
        long bar2 = hot.barAddress(2);
        assertNotEquals(0, bar2);
        assertNotEquals(dev.barAddress(2), bar2);
        bus.write(cfg(7, 0, 4), 2, PciFunction.CMD_MEMORY_SPACE);
        assertEquals(0xC0DE0000L, bus.read(bar2, 4));
        assertSame(hot, m.pci().detach(7));
        assertEquals(0xFFFF, bus.read(cfg(7, 0, 0), 2));
        assertEquals(0xFFFF_FFFFL, bus.read(bar2, 4));
        assertThrows(IllegalStateException.class, () -> m.pci().attach(3, new TestDevice()));
    }

    @Test
    void multiFunctionBitIsReported() {
        m.pci().attach(9, 0, new TestDevice());
        assertEquals(0, bus.read(cfg(9, 0, PciFunction.HEADER_TYPE), 1));
        m.pci().attach(9, 2, new TestDevice());
        assertEquals(0x80, bus.read(cfg(9, 0, PciFunction.HEADER_TYPE), 1));
        assertEquals(0x00800000L, bus.read(cfg(9, 0, 0x0C), 4) & 0x00FF0000L);
    }

    @Test
    void conflictingBarIsNotMappedAndCounted() {
        wr(0x10, 4, 0x0010_0000); // over RAM
        wr(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE);
        assertEquals(1, dev.mappingConflicts());
        assertTrue(bus.isRam(0x0010_0000, 0x1000), "RAM is untouched");
    }
}
