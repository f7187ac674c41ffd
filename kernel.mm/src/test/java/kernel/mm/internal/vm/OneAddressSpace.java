package kernel.mm.internal.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import kernel.core.hal.MachineHal;
import kernel.mm.AddressSpace;
import kernel.mm.MapFlags;
import kernel.mm.Prot;
import kernel.mm.internal.BuddyAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import platform.pc.Machine;

/**
 * Base of the tests that work on one fresh address space each ({@link #as}) of a 1-vCPU
 * {@link VmMachine} shared by the class; after each test the space is closed and every page
 * must be back.
 */
@Timeout(60)
abstract class OneAddressSpace {
    static final int RW = Prot.READ | Prot.WRITE;
    static final int ANON = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
    static final long P = 4096;
    static VmMachine fixture;
    static Machine machine;
    static MachineHal hal;
    static BuddyAllocator pages;
    static VirtualMemoryImpl vm;
    AddressSpace as;
    long free0;

    @BeforeAll
    static void boot() {
        fixture = VmMachine.boot(1);
        machine = fixture.machine();
        hal = fixture.hal();
        pages = fixture.pages();
        vm = fixture.vm();
    }

    @AfterAll
    static void off() {
        if (fixture != null) {
            fixture.close();
        }
    }

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
