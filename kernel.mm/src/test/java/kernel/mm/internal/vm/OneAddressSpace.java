package kernel.mm.internal.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import kernel.mm.AddressSpace;
import kernel.mm.MapFlags;
import kernel.mm.Prot;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the tests that work on one fresh address space each ({@link #as}) of a 1-vCPU
 * {@link VmMachine} shared by the class; after each test the space is closed and every page
 * must be back.
 */
@Timeout(60)
abstract class OneAddressSpace extends VmTest {
    static final int RW = Prot.READ | Prot.WRITE;
    static final int ANON = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
    static final long P = 4096;
    AddressSpace as;
    long free0;

    @BeforeEach
    void create() {
        free0 = pages.stats().freePages();
        as = vm.createAddressSpace();
    }

    @AfterEach
    void noLeak() {
        as.close();
        assertEquals(free0, pages.stats().freePages(), "every page back after close");
    }

    static long get64(AddressSpace as, long va) {
        return VmSelfTests.get64(as, va);
    }

    static void put64(AddressSpace as, long va, long v) {
        VmSelfTests.put64(as, va, v);
    }
}
