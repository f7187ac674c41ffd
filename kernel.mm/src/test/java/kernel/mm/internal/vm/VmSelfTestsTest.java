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
    static Machine machine;
    static MachineHal hal;
    static BuddyAllocator pages;
    static VirtualMemoryImpl vm;

    @BeforeAll
    static void boot() {
        machine = Machine.builder().memory(64L << 20).cpus(2).build().powerOn();
        hal = new MachineHal(machine);
        hal.start();
        pages = new BuddyAllocator(machine.bootInfo().memoryMap(), machine.cpuCount(), hal::currentCpu);
        vm = new VirtualMemoryImpl(hal, pages);
    }

    @AfterAll
    static void off() {
        if (vm != null) {
            vm.close();
        }
        if (hal != null) {
            hal.stop();
        }
        if (machine != null) {
            machine.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> mmVm() {
        List<SelfTest> tests = new VmSelfTests(hal, pages, vm).tests();
        return tests.stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> t.body().run()));
    }
}
