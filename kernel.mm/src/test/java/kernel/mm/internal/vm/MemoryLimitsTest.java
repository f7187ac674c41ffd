package kernel.mm.internal.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import kernel.mm.AddressSpace;
import kernel.mm.Errno;
import kernel.mm.FaultResult;
import kernel.mm.MapFlags;
import kernel.mm.MemoryLimits;
import kernel.mm.Prot;
import org.junit.jupiter.api.Test;
import platform.cpu.Vectors;

/** RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK as Linux's may_expand_vm and acct_stack_growth apply them. */
class MemoryLimitsTest extends OneAddressSpace {
    @Test
    void defaultsAreLinuxs() {
        assertEquals(MemoryLimits.DEFAULT, as.limits());
        assertEquals(MemoryLimits.UNLIMITED, as.limits().addressSpace());
        assertEquals(8L << 20, as.limits().stack());
        assertTrue(as.mmap(0, 1L << 40, Prot.NONE, ANON) > 0, "a TiB of address space without a limit");
        assertThrows(IllegalArgumentException.class, () -> new MemoryLimits(-1, 0, 0));
    }

    @Test
    void addressSpaceLimitCountsEveryArea() {
        as.setLimits(MemoryLimits.DEFAULT.withAddressSpace(16 * P));
        long a = as.mmap(0, 8 * P, RW, ANON);
        long b = as.mmap(0, 6 * P, Prot.READ, MapFlags.SHARED | MapFlags.ANONYMOUS);
        assertTrue(a > 0 && b > 0, "14 pages fit");
        assertEquals(-Errno.ENOMEM, as.mmap(0, 3 * P, Prot.NONE, ANON), "17 pages do not, whatever the protection");
        assertTrue(as.mmap(0, 2 * P, Prot.NONE, ANON) > 0, "16 do");
        assertEquals(a, as.mmap(a, 8 * P, Prot.READ, ANON | MapFlags.FIXED), "MAP_FIXED over 8 mapped pages adds nothing");
        assertEquals(-Errno.ENOMEM, as.mmap(a + 4 * P, 8 * P, RW, ANON | MapFlags.FIXED),
                "MAP_FIXED half over mapped pages adds 4: over the limit");
        assertEquals(a, as.findVma(a + 4 * P).start(), "the refused MAP_FIXED unmapped nothing");
        assertEquals(-Errno.ENOMEM, as.mremap(a, 8 * P, 9 * P, MapFlags.MREMAP_MAYMOVE, 0), "mremap growth is counted");
        assertEquals(0, as.munmap(b, 6 * P));
        long moved = as.mremap(a, 8 * P, 12 * P, MapFlags.MREMAP_MAYMOVE, 0);
        assertTrue(moved > 0, "room again after munmap: " + moved);
        as.setLimits(MemoryLimits.DEFAULT.withAddressSpace(P));
        assertEquals(12 * P, as.findVma(moved).end() - moved, "lowering the limit removes nothing");
        assertEquals(-Errno.ENOMEM, as.mmap(0, P, RW, ANON));
    }

    @Test
    void dataLimitCountsPrivateWritableAreasOnly() {
        as.setLimits(MemoryLimits.DEFAULT.withData(4 * P));
        long d = as.mmap(0, 4 * P, RW, ANON);
        assertTrue(d > 0, "four private writable pages fit");
        assertEquals(-Errno.ENOMEM, as.mmap(0, P, RW, ANON), "a fifth does not");
        long ro = as.mmap(0, 8 * P, Prot.READ, ANON);
        long sh = as.mmap(0, 8 * P, RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        long st = as.mmap(0, 8 * P, RW, ANON | MapFlags.GROWSDOWN);
        assertTrue(ro > 0 && sh > 0 && st > 0, "read-only, shared and stack areas are not data");
        assertEquals(-Errno.ENOMEM, as.mprotect(ro, P, RW), "mprotect that makes data past the limit");
        assertEquals(Prot.READ, as.findVma(ro).prot(), "... leaves the area as it was");
        assertEquals(0, as.mprotect(d, 2 * P, Prot.READ), "two data pages become read-only");
        assertEquals(0, as.mprotect(ro, 2 * P, RW), "then two read-only pages may become data");
        assertEquals(0, as.mprotect(sh, 8 * P, Prot.READ), "shared areas change freely");
    }

    @Test
    void brkStopsAtTheDataLimit() {
        long start = 0x60_0000;
        as.initBrk(start);
        as.setLimits(MemoryLimits.DEFAULT.withData(16 * P));
        assertEquals(start + 10 * P, as.brk(start + 10 * P));
        assertEquals(start + 10 * P, as.brk(start + 17 * P), "past RLIMIT_DATA: the break is unchanged");
        assertEquals(start + 16 * P, as.brk(start + 16 * P), "up to it is fine");
        as.setLimits(MemoryLimits.DEFAULT.withAddressSpace(20 * P));
        assertEquals(start + 20 * P, as.brk(start + 20 * P));
        assertEquals(start + 20 * P, as.brk(start + 21 * P), "past RLIMIT_AS: unchanged");
        assertEquals(start + 4 * P, as.brk(start + 4 * P), "shrinking is always allowed");
    }

    @Test
    void stackGrowsUpToItsLimitThenFaultsAreSigsegv() {
        long top = 0x7000_0000L;
        long st = as.mmap(top - P, P, RW, ANON | MapFlags.GROWSDOWN | MapFlags.FIXED);
        as.setLimits(MemoryLimits.DEFAULT.withStack(4 * P));
        int w = Vectors.PF_W | Vectors.PF_U;
        assertEquals(FaultResult.Kind.ZERO_FILL, as.handleFault(top - 4 * P + 8, w).kind(), "grows to 4 pages");
        assertEquals(top - 4 * P, as.findVma(top - P).start());
        FaultResult r = as.handleFault(top - 5 * P + 8, w);
        assertEquals(FaultResult.Kind.SIGSEGV, r.kind(), "a fifth page passes RLIMIT_STACK");
        assertEquals(FaultResult.SEGV_MAPERR, r.siCode());
        assertEquals(top - 4 * P, as.findVma(top - P).start(), "the stack did not grow");
        as.setLimits(new MemoryLimits(6 * P, MemoryLimits.UNLIMITED, 64 * P));
        assertEquals(FaultResult.Kind.ZERO_FILL, as.handleFault(top - 6 * P + 8, w).kind(), "six pages in all");
        assertEquals(FaultResult.Kind.SIGSEGV, as.handleFault(top - 7 * P + 8, w).kind(), "RLIMIT_AS stops it too");
        assertEquals(top - 6 * P, as.findVma(top - P).start(), "the stack did not grow past RLIMIT_AS");
    }

    @Test
    void forkCopiesTheLimits() {
        MemoryLimits l = new MemoryLimits(64 * P, 8 * P, 16 * P);
        as.setLimits(l);
        try (AddressSpace child = as.fork()) {
            assertEquals(l, child.limits());
            assertEquals(-Errno.ENOMEM, child.mmap(0, 9 * P, RW, ANON), "the child is bound by them");
            child.setLimits(MemoryLimits.DEFAULT);
            assertTrue(child.mmap(0, 9 * P, RW, ANON) > 0);
            assertEquals(l, as.limits(), "the parent's are its own");
        }
    }
}
