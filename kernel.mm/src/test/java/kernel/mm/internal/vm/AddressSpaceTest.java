package kernel.mm.internal.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import kernel.mm.AddressSpace;
import kernel.mm.Errno;
import kernel.mm.MapFlags;
import kernel.mm.Prot;
import kernel.mm.VirtualMemory;
import org.junit.jupiter.api.Test;

/** Page-table structure and the mmap family's Linux semantics, without running user code. */
class AddressSpaceTest extends OneAddressSpace {
    @Test
    void directMapIsSharedSupervisorOnlyNoExecute() {
        long root = as.cr3();
        int slot = (int) ((VirtualMemory.DIRECT_MAP_BASE >>> 39) & 511);
        assertEquals(273, slot, "0xffff888000000000 is PML4 slot 273");
        long e4 = hal.memory().read64(root + 8L * slot);
        assertEquals(1, e4 & 1, "present");
        assertEquals(0, e4 & 4, "supervisor only");
        try (AddressSpace other = vm.createAddressSpace()) {
            assertEquals(e4, hal.memory().read64(other.cr3() + 8L * slot), "same PDPT page in every address space");
        }
        long pdpt = e4 & Pte.ADDR;
        long e3 = hal.memory().read64(pdpt); // GiB 0: 64 MiB of RAM, so 2 MiB pages
        assertEquals(0, e3 & Pte.PS, "a partly covered GiB uses a page directory");
        long e2 = hal.memory().read64((e3 & Pte.ADDR) + 8);
        assertEquals(0x20_0000L, e2 & Pte.ADDR, "2 MiB page for physical 2 MiB");
        assertEquals(Pte.PS | Pte.NX | Pte.G | Pte.P | Pte.RW, e2 & (Pte.PS | Pte.NX | Pte.G | Pte.P | Pte.RW | Pte.US));
        for (int i = 0; i < 256; i++) {
            assertEquals(0, hal.memory().read64(root + 8L * i), "user half starts empty");
        }
        assertEquals(1, as.pageTablePages(), "only the PML4");
    }

    @Test
    void pageTablePagesAreFreedWhenEmpty() {
        long a = 0x1000_0000L;
        long b = 0x7000_0000_0000L; // another PML4 slot
        assertEquals(a, as.mmap(a, P, RW, ANON | MapFlags.FIXED));
        assertEquals(b, as.mmap(b, P, RW, ANON | MapFlags.FIXED));
        put64(as, a, 1);
        put64(as, b, 2);
        assertEquals(7, as.pageTablePages(), "PML4 + two PDPT/PD/PT chains");
        assertEquals(2, as.residentPages());
        assertEquals(0, as.munmap(b, P));
        assertEquals(4, as.pageTablePages(), "the second chain is freed");
        assertEquals(0, as.munmap(a, P));
        assertEquals(1, as.pageTablePages(), "back to the PML4 alone");
        assertEquals(0, as.residentPages());
        for (int i = 0; i < 256; i++) {
            assertEquals(0, hal.memory().read64(as.cr3() + 8L * i), "user half empty again");
        }
    }

    @Test
    void leafEntriesFollowTheProtection() {
        long a = as.mmap(0, 3 * P, Prot.READ, ANON | MapFlags.POPULATE);
        for (int i = 0; i < 3; i++) {
            assertEquals(vm.zeroPage, Pte.frame(as.pte(a + i * P)), "MAP_POPULATE of a read-only area maps the zero page");
        }
        assertEquals(0, as.residentPages(), "the zero page is not resident memory");
        long e = as.pte(a);
        assertEquals(Pte.P | Pte.US | Pte.NX, e & (Pte.P | Pte.US | Pte.NX | Pte.RW), "read-only, user, no-execute");
        assertEquals(0, as.mprotect(a, P, Prot.READ | Prot.EXEC));
        assertEquals(0, as.pte(a) & Pte.NX, "executable");
        assertEquals(0, as.mprotect(a + P, P, Prot.NONE));
        e = as.pte(a + P);
        assertEquals(0, e & Pte.P, "PROT_NONE is not present");
        assertEquals(Pte.PROTNONE, e & Pte.PROTNONE, "but keeps its frame");
        assertEquals(3, as.vmas().size(), "r-x, ---, r-- areas");
        assertEquals(0, as.mprotect(a, 3 * P, Prot.READ));
        assertEquals(1, as.vmas().size(), "merged back into one");
    }

    @Test
    void zeroPageIsSharedCountedAndNeverWritten() {
        long base = pages.pageCount(vm.zeroPage);
        long a = as.mmap(0, 4 * P, RW, ANON);
        for (int i = 0; i < 4; i++) {
            assertEquals(0, get64(as, a + i * P));
        }
        assertEquals(base + 4, pages.pageCount(vm.zeroPage), "one reference a mapping");
        try (AddressSpace child = as.fork()) {
            assertEquals(base + 8, pages.pageCount(vm.zeroPage), "fork shares the zero page too");
            put64(child, a, 7);
            assertEquals(7, get64(child, a));
            assertEquals(0, get64(as, a), "the child's write did not reach the parent");
            assertEquals(vm.zeroPage, as.translate(a), "the parent still maps the zero page");
            assertEquals(1, child.residentPages(), "the written page only");
        }
        assertEquals(base + 4, pages.pageCount(vm.zeroPage), "the child's references dropped");
        assertEquals(0, as.mprotect(a, 4 * P, Prot.NONE));
        assertEquals(0, as.mprotect(a, 4 * P, RW));
        put64(as, a + P, 9);
        assertEquals(9, get64(as, a + P));
        assertEquals(0, hal.memory().read64(vm.zeroPage), "no write went through to the zero page");
        assertEquals(0, as.munmap(a, 4 * P));
        assertEquals(base, pages.pageCount(vm.zeroPage), "munmap drops the references");
    }

    @Test
    void mprotectAddingWriteUpgradesOnlyExclusivePages() {
        long a = as.mmap(0, 3 * P, RW, ANON);
        put64(as, a, 1);
        put64(as, a + P, 2);
        get64(as, a + 2 * P); // the zero page
        assertEquals(0, as.mprotect(a, 3 * P, Prot.READ));
        assertEquals(0, as.pte(a) & Pte.RW);
        assertEquals(0, as.mprotect(a, 3 * P, RW));
        assertEquals(Pte.RW, as.pte(a) & Pte.RW, "an exclusive page is writable at once (no fault needed)");
        assertEquals(0, as.pte(a + 2 * P) & Pte.RW, "the zero page stays read-only");
        try (AddressSpace child = as.fork()) {
            assertEquals(0, as.mprotect(a, 3 * P, Prot.READ));
            assertEquals(0, as.mprotect(a, 3 * P, RW));
            assertEquals(0, as.pte(a) & Pte.RW, "a page shared with the child stays read-only for COW");
            assertEquals(0, child.pte(a) & Pte.RW);
            put64(child, a, 7);
            assertEquals(1, get64(as, a), "the child's write was copied, not shared");
            assertEquals(0, as.mprotect(a, P, Prot.READ));
            assertEquals(0, as.mprotect(a, P, RW));
            assertEquals(Pte.RW, as.pte(a) & Pte.RW, "exclusive again once the child copied it");
        }
    }

    @Test
    void mapFixedReplacesAndNoReplaceRefuses() {
        long a = 0x2000_0000L;
        assertEquals(a, as.mmap(a, 4 * P, RW, ANON | MapFlags.FIXED));
        put64(as, a + P, 0x55);
        assertEquals(-Errno.EEXIST, as.mmap(a + 3 * P, 2 * P, RW, ANON | MapFlags.FIXED_NOREPLACE), "partial overlap is EEXIST too");
        assertEquals(a + P, as.mmap(a + P, P, Prot.READ, ANON | MapFlags.FIXED));
        assertEquals(0, get64(as, a + P), "the old page is gone: a fresh zero page");
        assertEquals(3, as.vmas().size(), "rw / r / rw");
        assertEquals(a + 8 * P, as.mmap(a + 8 * P, P, RW, ANON | MapFlags.FIXED_NOREPLACE), "free range: mapped");
    }

    @Test
    void mmapArgumentErrors() {
        assertEquals(-Errno.EBADF, as.mmap(0, P, RW, MapFlags.PRIVATE), "file mapping without a file");
        assertEquals(-Errno.EOPNOTSUPP, as.mmap(0, P, RW, MapFlags.SHARED_VALIDATE | MapFlags.ANONYMOUS | 0x4000_0000));
        assertEquals(-Errno.EINVAL, as.mmap(0, P, RW, MapFlags.ANONYMOUS | 0x0F), "bad type");
        assertEquals(-Errno.ENOMEM, as.mmap(AddressSpace.TASK_SIZE, P, RW, ANON | MapFlags.FIXED), "past TASK_SIZE");
        assertEquals(-Errno.ENOMEM, as.mmap(0, -1, RW, ANON), "length overflow");
        long low = as.mmap(0x1000, P, RW, ANON);
        assertTrue(low >= AddressSpace.MMAP_MIN_ADDR, "a low hint is raised to mmap_min_addr");
    }

    @Test
    void topDownPlacementAndAddressSpaceExhaustion() {
        long a = as.mmap(0, P, RW, ANON);
        long b = as.mmap(0, P, RW, ANON);
        assertTrue(a < AddressSpace.TASK_SIZE - (128L << 20) + 1, "below mmap_base");
        assertEquals(a - P, b, "next one right below");
        assertEquals(1, as.vmas().size(), "adjacent anonymous areas merge");
        long huge = as.mmap(0, 100L << 40, Prot.NONE, ANON | MapFlags.NORESERVE);
        assertTrue(huge > 0, "100 TiB of address space (nothing populated)");
        assertEquals(-Errno.ENOMEM, as.mmap(0, 40L << 40, Prot.NONE, ANON), "no 40 TiB hole left: ENOMEM");
        assertEquals(0, as.munmap(huge, 100L << 40));
        assertTrue(as.mmap(0, 40L << 40, Prot.NONE, ANON) > 0, "room again");
    }

    @Test
    void partialMprotectSplitsAndAHoleGivesEnomem() {
        long a = 0x3000_0000L;
        assertEquals(a, as.mmap(a, 4 * P, RW, ANON | MapFlags.FIXED));
        assertEquals(a + 6 * P, as.mmap(a + 6 * P, 2 * P, RW, ANON | MapFlags.FIXED));
        assertEquals(0, as.mprotect(a + P, 2 * P, Prot.READ));
        assertEquals(3 + 1, as.vmas().size(), "rw | r | rw, then the second mapping");
        assertEquals(-Errno.ENOMEM, as.mprotect(a, 8 * P, Prot.READ), "a hole in the range");
        assertEquals(Prot.READ, as.findVma(a).prot(), "the part before the hole changed, as Linux");
        assertEquals(RW, as.findVma(a + 6 * P).prot(), "the part after it did not");
        assertEquals(-Errno.EINVAL, as.mprotect(a, P, Prot.READ | Prot.GROWSDOWN), "GROWSDOWN on a normal area");
        assertEquals(0, as.mprotect(a, 0, Prot.READ), "zero length is a no-op");
    }

    @Test
    void munmapSplitsAndFreesOnlyTheRange() {
        long a = 0x4000_0000L;
        assertEquals(a, as.mmap(a, 8 * P, RW, ANON | MapFlags.FIXED | MapFlags.POPULATE));
        assertEquals(8, as.residentPages());
        assertEquals(0, as.munmap(a + 2 * P, 3 * P));
        assertEquals(5, as.residentPages());
        assertEquals(2, as.vmas().size());
        assertEquals(a + 2 * P, as.vmas().get(0).end());
        assertEquals(a + 5 * P, as.vmas().get(1).start());
        assertEquals(0, as.munmap(a, 100 * P), "munmap across holes and past the end");
        assertEquals(0, as.vmas().size());
        assertEquals(-Errno.EINVAL, as.munmap(AddressSpace.TASK_SIZE - P, 2 * P), "past TASK_SIZE");
    }

    @Test
    void mremapShrinkMoveAndDontUnmap() {
        long a = 0x5000_0000L;
        assertEquals(a, as.mmap(a, 4 * P, RW, ANON | MapFlags.FIXED));
        for (int i = 0; i < 4; i++) {
            put64(as, a + i * P, 100 + i);
        }
        assertEquals(a, as.mremap(a, 4 * P, 2 * P, 0, 0), "shrink in place");
        assertNull(as.findVma(a + 2 * P));
        assertEquals(2, as.residentPages());
        long to = 0x6000_0000L;
        assertEquals(to, as.mremap(a, 2 * P, 2 * P, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, to));
        assertEquals(101, get64(as, to + P), "contents moved with the pages");
        assertNull(as.findVma(a));
        assertEquals(2, as.residentPages(), "moved, not copied");
        assertEquals(-Errno.EINVAL, as.mremap(to, 2 * P, 2 * P, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, to + P), "overlap");
        assertEquals(-Errno.EINVAL, as.mremap(to, 2 * P, 3 * P, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_DONTUNMAP, 0),
                "DONTUNMAP needs equal lengths");
        long d = as.mremap(to, 2 * P, 2 * P, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_DONTUNMAP, 0);
        assertTrue(d > 0 && d != to);
        assertEquals(100, get64(as, d));
        assertTrue(as.findVma(to) != null, "DONTUNMAP keeps the old area");
        assertEquals(0, get64(as, to), "... empty: it reads as fresh zero pages");
        assertEquals(-Errno.EINVAL, as.mremap(to + 1, P, P, 0, 0), "unaligned");
        assertEquals(-Errno.EINVAL, as.mremap(to, P, P, 0x80, 0), "unknown flag");
    }

    @Test
    void mremapOfSharedMemoryWithZeroOldLengthDuplicatesIt() {
        long s = as.mmap(0, 2 * P, RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        put64(as, s + P, 0x77);
        long dup = as.mremap(s, 0, 2 * P, MapFlags.MREMAP_MAYMOVE, 0);
        assertTrue(dup > 0 && dup != s);
        assertEquals(0x77, get64(as, dup + P), "same object");
        put64(as, dup, 0x88);
        assertEquals(0x88, get64(as, s), "writes are shared both ways");
        assertEquals(as.translate(s), as.translate(dup));
        long p = as.mmap(0, P, RW, ANON);
        assertEquals(-Errno.EINVAL, as.mremap(p, 0, P, MapFlags.MREMAP_MAYMOVE, 0), "old length 0 needs a shared mapping");
    }

    @Test
    void brkFollowsLinux() {
        assertEquals(0, as.brk(0x900_0000), "no heap set up yet: unchanged");
        as.initBrk(0x900_0000);
        assertEquals(0x900_0123, as.brk(0x900_0123), "grow: returns the new break");
        assertEquals(0x900_0123, as.currentBrk());
        assertEquals(0x900_5000, as.brk(0x900_5000));
        assertEquals(5 * P, as.findVma(0x900_0000).length());
        put64(as, 0x900_4ff8, 9);
        assertEquals(0x900_5000, as.brk(0x8ff_0000), "below the start: unchanged");
        assertEquals(0x900_9000, as.mmap(0x900_9000, P, RW, ANON | MapFlags.FIXED));
        assertEquals(0x900_5000, as.brk(0x900_9000), "would run into a mapping: refused");
        assertEquals(0x900_8000, as.brk(0x900_8000), "up to one page below it is fine");
        assertEquals(0x900_2000, as.brk(0x900_2000), "shrink");
        assertNull(as.findVma(0x900_2000));
        assertEquals(0x900_4000, as.brk(0x900_4000), "grow again");
        assertEquals(0, get64(as, 0x900_3ff8), "regrown heap is zero");
    }

    @Test
    void forkSharesPrivatePagesUntilWrittenAndFreesOnExit() {
        long a = as.mmap(0, 16 * P, RW, ANON | MapFlags.POPULATE);
        for (int i = 0; i < 16; i++) {
            put64(as, a + i * P, i);
        }
        long s = as.mmap(0, P, RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        put64(as, s, 1);
        AddressSpace child = as.fork();
        try {
            assertEquals(as.vmas(), child.vmas(), "same layout");
            for (int i = 0; i < 16; i++) {
                assertEquals(2, pages.pageCount(as.translate(a + i * P)), "page " + i + " shared");
            }
            put64(child, a, 1000);
            assertEquals(0, get64(as, a), "parent unchanged");
            assertNotEquals(as.translate(a), child.translate(a));
            put64(child, s, 2);
            assertEquals(2, get64(as, s), "shared stays shared");
            assertEquals(0, as.munmap(s, P));
            assertEquals(2, get64(child, s), "the child's mapping survives the parent's munmap");
        } finally {
            child.close();
        }
        for (int i = 0; i < 16; i++) {
            assertEquals(1, pages.pageCount(as.translate(a + i * P)), "page " + i + " back to one owner");
        }
    }
}
