package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static platform.cpu.internal.run.AddressSpace.PROT_EXEC;
import static platform.cpu.internal.run.AddressSpace.PROT_READ;
import static platform.cpu.internal.run.AddressSpace.PROT_WRITE;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import platform.cpu.Asm;
import platform.cpu.Cpu;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.FlatMemory;
import platform.cpu.Vectors;
import platform.cpu.internal.run.AddressSpace;
import platform.cpu.internal.run.AddressSpace.BadAddress;

/** Regions, demand paging, protections written as real PTEs, copy-in/copy-out, and the CPU seeing all of it. */
class AddressSpaceTest {
    static final long A = 0x1000_0000L, PAGE = 4096;
    static final int RW = PROT_READ | PROT_WRITE;

    final FlatMemory mem = new FlatMemory(32 << 20);
    final Cpu cpu = new Cpu(mem);
    final AddressSpace as = new AddressSpace(mem.ram(), cpu);

    @AfterEach
    void close() {
        mem.close();
    }

    /** The leaf PTE of {@code va}, walked in emulated RAM from CR3 (0 if absent). */
    long pte(long va) {
        ValueLayout.OfLong le = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
        long t = cpu.cr3();
        for (int level = 4; level >= 1; level--) {
            long e = mem.ram().get(le, t + (((va >>> (12 + 9 * (level - 1))) & 511) << 3));
            if (level == 1) {
                return e;
            }
            if ((e & 1) == 0) {
                return 0;
            }
            t = e & 0x000F_FFFF_FFFF_F000L;
        }
        return 0;
    }

    @Test
    void mappedPagesAreZeroUntilWrittenAndCopiesCrossPages() {
        as.map(A, 3 * PAGE, RW);
        assertFalse(as.isFree(A + PAGE, 1));
        assertArrayEquals(new byte[100], as.read(A + PAGE - 50, 100));
        byte[] text = "across the page boundary\0".getBytes(StandardCharsets.US_ASCII);
        as.write(A + 2 * PAGE - 7, text);
        assertArrayEquals(text, as.read(A + 2 * PAGE - 7, text.length));
        assertEquals("across the page boundary", as.readString(A + 2 * PAGE - 7, 100));
        assertNull(as.readString(A + 2 * PAGE - 7, 10), "no NUL within 10 bytes");
        as.write(A + 3 * PAGE - 2, new byte[] {'x', 'y'});
        assertThrows(BadAddress.class, () -> as.readString(A + 3 * PAGE - 2, 100), "runs off the mapping");
        as.write64(A + 3 * PAGE - 8, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, as.read64(A + 3 * PAGE - 8));
        assertThrows(BadAddress.class, () -> as.read64(A + 3 * PAGE - 4));
        assertThrows(BadAddress.class, () -> as.read(A - 1, 2));
    }

    @Test
    void unmappingTheMiddleSplitsARegion() {
        as.map(A, 4 * PAGE, RW);
        for (int k = 0; k < 4; k++) {
            as.write64(A + k * PAGE, k + 1);
        }
        as.unmap(A + PAGE, PAGE);
        assertTrue(as.isFree(A + PAGE, PAGE));
        assertFalse(as.isFree(A, PAGE));
        assertThrows(BadAddress.class, () -> as.read64(A + PAGE));
        assertEquals(1, as.read64(A));
        assertEquals(3, as.read64(A + 2 * PAGE));
        assertEquals(4, as.read64(A + 3 * PAGE));
        assertEquals(0, pte(A + PAGE));
        as.map(A + PAGE, PAGE, RW);
        assertEquals(0, as.read64(A + PAGE), "a new mapping is zero-filled");
    }

    @Test
    void protectionsBecomePageTableBits() {
        as.map(A, PAGE, RW);
        as.map(A + PAGE, PAGE, PROT_READ | PROT_EXEC);
        as.map(A + 2 * PAGE, PAGE, PROT_READ);
        for (int k = 0; k < 3; k++) {
            assertTrue(as.fault(A + k * PAGE, AddressSpace.READ));
        }
        long p = 1, rw = 2, us = 4, nx = 1L << 63;
        assertEquals(p | rw | us | nx, pte(A) & (p | rw | us | nx));
        assertEquals(p | us, pte(A + PAGE) & (p | rw | us | nx));
        assertEquals(p | us | nx, pte(A + 2 * PAGE) & (p | rw | us | nx));
        assertTrue(as.protect(A, 3 * PAGE, 0));
        for (int k = 0; k < 3; k++) {
            assertEquals(0, pte(A + k * PAGE) & p, "PROT_NONE pages are not present");
        }
    }

    @Test
    void protectKeepsDataAndEnforcesRights() {
        as.map(A, 2 * PAGE, RW);
        as.write64(A + 8, 42);
        assertTrue(as.protect(A, PAGE, PROT_READ));
        assertThrows(BadAddress.class, () -> as.write64(A + 8, 1));
        assertEquals(42, as.read64(A + 8));
        as.write64(A + PAGE, 7); // the second page is still writable
        assertTrue(as.protect(A, PAGE, 0));
        assertThrows(BadAddress.class, () -> as.read64(A + 8));
        assertTrue(as.protect(A, 2 * PAGE, RW));
        assertEquals(42, as.read64(A + 8), "PROT_NONE keeps the page's contents");
        assertEquals(7, as.read64(A + PAGE));
    }

    @Test
    void protectNeedsTheWholeRangeMapped() {
        as.map(A, PAGE, RW);
        as.map(A + 2 * PAGE, PAGE, RW);
        assertFalse(as.protect(A, 3 * PAGE, PROT_READ));
        assertFalse(as.protect(A - PAGE, 2 * PAGE, PROT_READ));
        as.write64(A, 5); // nothing changed
        assertTrue(as.protect(A, PAGE, PROT_READ));
    }

    @Test
    void faultsArePagedInOnlyWhereARegionAllowsThem() {
        as.map(A, PAGE, PROT_READ);
        as.map(A + PAGE, PAGE, RW);
        assertFalse(as.fault(A - PAGE, AddressSpace.READ), "no region");
        assertFalse(as.fault(A, AddressSpace.WRITE), "read-only region");
        assertFalse(as.fault(A, AddressSpace.EXEC), "not executable");
        assertTrue(as.fault(A + PAGE, AddressSpace.WRITE));
        assertFalse(as.fault(A + PAGE, AddressSpace.WRITE), "already present: a real violation");
    }

    @Test
    void findFreeSearchesTopDown() {
        long top = 0x7000_0000L;
        assertEquals(top - 2 * PAGE, as.findFree(2 * PAGE, top));
        as.map(top - 3 * PAGE, PAGE, RW);
        assertEquals(top - 2 * PAGE, as.findFree(2 * PAGE, top));
        as.map(top - 2 * PAGE, 2 * PAGE, RW);
        assertEquals(top - 5 * PAGE, as.findFree(2 * PAGE, top));
        assertEquals(-1, as.findFree(1L << 40, top));
        assertTrue(as.isFree(top - 5 * PAGE, 2 * PAGE));
        assertFalse(as.isFree(top - 5 * PAGE, 3 * PAGE));
        assertFalse(as.isFree(0, PAGE), "the first 64 KiB are never mapped");
    }

    @Test
    void adjacentMappingsWithTheSameProtectionMerge() {
        as.map(A, PAGE, RW);
        as.map(A + PAGE, PAGE, RW);
        as.map(A + 3 * PAGE, PAGE, RW);
        as.map(A + 2 * PAGE, PAGE, RW);
        as.write(A + PAGE - 4, new byte[3 * (int) PAGE]); // one copy across the four pages
        assertTrue(as.protect(A, 4 * PAGE, PROT_READ));
        as.map(A + 4 * PAGE, PAGE, RW);
        assertTrue(as.protect(A + 3 * PAGE, 2 * PAGE, RW));
        as.write64(A + 4 * PAGE - 4, 1);
        assertThrows(BadAddress.class, () -> as.write64(A + 3 * PAGE - 4, 1));
    }

    @Test
    void unmappedFramesAreReused() {
        long len = 8L << 20; // 8 MiB of a 32 MiB machine, 20 times over
        for (int round = 0; round < 20; round++) {
            as.map(A, len, RW);
            for (long va = A; va < A + len; va += PAGE) {
                assertTrue(as.fault(va, AddressSpace.WRITE));
            }
            as.unmap(A, len);
        }
    }

    /** The CPU walks the same tables: it reads mapped data, and faults once the page is protected (stale TLB entries are dropped). */
    @Test
    void theCpuSeesMappingsAndProtectionChanges() {
        long code = 0x40_0000L, data = 0x60_0000L;
        byte[] bin = Asm.assemble("mov rax, [0x600000]\nsyscall\n", code);
        as.map(code, PAGE, RW);
        as.write(code, bin);
        assertTrue(as.protect(code, PAGE, PROT_READ | PROT_EXEC));
        as.map(data, PAGE, RW);
        as.write64(data, 0xfeed);
        cpu.setRip(code);
        assertEquals(Exit.SYSCALL, cpu.run(100));
        assertEquals(0xfeed, cpu.reg(CpuState.RAX));
        cpu.sysret();
        assertTrue(as.protect(data, PAGE, 0));
        cpu.setRip(code);
        assertEquals(Exit.EXCEPTION, cpu.run(100));
        assertEquals(Vectors.PF, cpu.vector());
        assertEquals(data, cpu.cr2());
        assertEquals(Vectors.PF_U, cpu.errorCode(), "user read of a page that is not present");
        as.unmap(data, PAGE);
        as.map(data, PAGE, RW);
        cpu.setRip(code);
        assertEquals(Exit.EXCEPTION, cpu.run(100), "a fresh mapping faults until paged in");
        assertTrue(as.fault(cpu.cr2(), AddressSpace.READ));
        assertEquals(Exit.SYSCALL, cpu.run(100));
        assertEquals(0, cpu.reg(CpuState.RAX));
    }
}
