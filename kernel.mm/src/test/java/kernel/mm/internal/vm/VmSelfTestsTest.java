package kernel.mm.internal.vm;

import java.util.List;
import java.util.stream.Stream;
import kernel.core.hal.MachineHal;
import kernel.core.selftest.SelfTest;
import kernel.mm.internal.BuddyAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import platform.pc.Machine;

/**
 * The {@code mm.vm} self-test suite under JUnit, on a 2-vCPU machine with real page tables and
 * the real buddy allocator (per-CPU caches on).
 */
@Timeout(120)
class VmSelfTestsTest {
    static VmMachine fixture;
    static Machine machine;
    static MachineHal hal;
    static BuddyAllocator pages;
    static VirtualMemoryImpl vm;

    @BeforeAll
    static void boot() {
        fixture = VmMachine.boot(2);
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

    @TestFactory
    Stream<DynamicTest> mmVm() {
        List<SelfTest> tests = new VmSelfTests(hal, pages, vm).tests();
        return tests.stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> t.body().run()));
    }
}
