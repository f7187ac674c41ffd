package kernel.mm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import kernel.core.hal.MachineHal;
import kernel.core.hal.PhysMem;
import kernel.mm.DmaBuffer;
import kernel.mm.OutOfPagesException;
import kernel.mm.PageAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import platform.pc.Machine;

class ModuleDmaTest {
    private Machine machine;
    private PhysMem mem;
    private BuddyAllocator pages;
    private ModuleDma dma;

    @BeforeEach
    void boot() {
        machine = Machine.builder().memory(64L << 20).cpus(1).build().powerOn();
        mem = new MachineHal(machine).memory();
        pages = new BuddyAllocator(machine.bootInfo().memoryMap());
        dma = new ModuleDma(pages, mem, "test.module");
    }

    @AfterEach
    void off() {
        machine.close();
    }

    @Test
    void allocationIsZeroedPageAlignedAndBelow4G() {
        // dirty the memory the next allocation will get
        long probe = pages.allocate(2, 1L << 32);
        byte[] junk = new byte[2 * PageAllocator.PAGE_SIZE];
        java.util.Arrays.fill(junk, (byte) 0xA5);
        mem.write(probe, junk, 0, junk.length);
        pages.free(probe, 2);

        DmaBuffer b = dma.allocate(5000, "ring");
        assertEquals(0, b.phys() % PageAllocator.PAGE_SIZE);
        assertTrue(b.phys() + 8192 <= 1L << 32);
        assertEquals(5000, b.size());
        byte[] got = new byte[5000];
        b.get(0, got, 0, got.length);
        assertArrayEquals(new byte[5000], got);
        assertEquals(2L * PageAllocator.PAGE_SIZE, dma.allocatedBytes());
    }

    @Test
    void accessorsAreLittleEndianAtThePhysicalAddress() {
        DmaBuffer b = dma.allocate(64, "regs");
        long pa = b.phys();
        b.put32(0, 0x11223344);
        assertEquals(0x44, mem.read8(pa));
        assertEquals(0x33, mem.read8(pa + 1));
        assertEquals(0x22, mem.read8(pa + 2));
        assertEquals(0x11, mem.read8(pa + 3));
        b.put16(4, 0xBEEF);
        assertEquals(0xEF, mem.read8(pa + 4));
        assertEquals(0xBE, mem.read8(pa + 5));
        b.put64(8, 0x0102030405060708L);
        for (int i = 0; i < 8; i++) {
            assertEquals(8 - i, mem.read8(pa + 8 + i));
        }
        b.put8(16, 0x1FF);
        assertEquals(0xFF, mem.read8(pa + 16));
        assertEquals(0, mem.read8(pa + 17));

        mem.write32(pa + 20, 0xCAFEBABE);
        assertEquals(0xCAFEBABE, b.get32(20));
        assertEquals(0xBABE, b.get16(20));
        assertEquals(0xBE, b.get8(20));
        mem.write64(pa + 24, 0x8877665544332211L);
        assertEquals(0x8877665544332211L, b.get64(24));

        b.put(40, new byte[] {9, 8, 7, 6, 5}, 1, 3);
        assertEquals(0x00060708, mem.read32(pa + 40));
        byte[] dst = new byte[6];
        b.get(40, dst, 2, 3);
        assertArrayEquals(new byte[] {0, 0, 8, 7, 6, 0}, dst);
    }

    @Test
    void zeroClearsOnlyTheRange() {
        DmaBuffer b = dma.allocate(9000, "z");
        byte[] ones = new byte[9000];
        java.util.Arrays.fill(ones, (byte) 1);
        b.put(0, ones, 0, ones.length);
        b.zero(10, 8500);
        assertEquals(1, b.get8(9));
        assertEquals(0, b.get8(10));
        assertEquals(0, b.get8(8509));
        assertEquals(1, b.get8(8510));
        assertEquals(1, b.get8(8999));
    }

    @Test
    void accessesOutsideTheBufferAreRefused() {
        DmaBuffer b = dma.allocate(100, "small");
        assertThrows(IndexOutOfBoundsException.class, () -> b.get32(97));
        assertThrows(IndexOutOfBoundsException.class, () -> b.put8(100, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.get8(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.put64(Integer.MAX_VALUE - 2, 1L), "int overflow");
        assertThrows(IndexOutOfBoundsException.class, () -> b.put(1, new byte[200], 0, 100));
        assertThrows(IndexOutOfBoundsException.class, () -> b.zero(50, 51));
    }

    @Test
    void useAfterCloseThrowsAndCloseIsIdempotent() {
        DmaBuffer b = dma.allocate(4096, "tx");
        long free = pages.stats().freePages();
        b.close();
        assertEquals(free + 1, pages.stats().freePages());
        assertEquals(0, dma.allocatedBytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.get8(0));
        assertTrue(e.getMessage().contains("tx"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> b.put32(0, 1));
        assertThrows(IllegalStateException.class, () -> b.zero(0, 1));
        b.close(); // no double free
        assertEquals(free + 1, pages.stats().freePages());
    }

    @Test
    void reclaimFreesLeakedBuffers() {
        long free = pages.stats().freePages();
        DmaBuffer kept = dma.allocate(10_000, "leak1");
        DmaBuffer closed = dma.allocate(1, "closed");
        DmaBuffer other = dma.allocate(8192, "leak2");
        closed.close();
        assertEquals(5L * 4096, dma.allocatedBytes());
        assertEquals(2, dma.reclaim());
        assertEquals(0, dma.allocatedBytes());
        assertEquals(free, pages.stats().freePages());
        assertThrows(IllegalStateException.class, () -> kept.get8(0));
        assertThrows(IllegalStateException.class, () -> other.get8(0));
        assertEquals(0, dma.reclaim());
    }

    @Test
    void buffersOfTwoModulesAreSeparate() {
        ModuleDma other = new ModuleDma(pages, mem, "other");
        DmaBuffer a = dma.allocate(4096, "a");
        DmaBuffer b = other.allocate(4096, "b");
        assertNotEquals(a.phys(), b.phys());
        a.put32(0, 0x12345678);
        assertEquals(0, b.get32(0));
        assertEquals(1, other.reclaim());
        assertEquals(0x12345678, a.get32(0));
        assertEquals(4096, dma.allocatedBytes());
    }

    @Test
    void badSizesAndExhaustion() {
        assertThrows(IllegalArgumentException.class, () -> dma.allocate(0, "x"));
        assertThrows(IllegalArgumentException.class, () -> dma.allocate(-5, "x"));
        long freeBytes = pages.stats().freePages() * PageAllocator.PAGE_SIZE;
        assertThrows(OutOfPagesException.class, () -> dma.allocate((int) Math.min(Integer.MAX_VALUE, freeBytes + 4096), "huge"));
        assertEquals(0, dma.allocatedBytes());
    }
}
