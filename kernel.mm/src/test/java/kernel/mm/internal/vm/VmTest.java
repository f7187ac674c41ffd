package kernel.mm.internal.vm;

import kernel.core.hal.MachineHal;
import kernel.mm.internal.BuddyAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import platform.pc.Machine;

/**
 * Base of the virtual-memory tests: one {@link VmMachine} with {@link #cpus()} vCPUs for the
 * whole test class (one instance per class), powered off after its last test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class VmTest {
    VmMachine fixture;
    Machine machine;
    MachineHal hal;
    BuddyAllocator pages;
    VirtualMemoryImpl vm;

    /** How many vCPUs the machine has. */
    int cpus() {
        return 1;
    }

    @BeforeAll
    void boot() {
        fixture = VmMachine.boot(cpus());
        machine = fixture.machine();
        hal = fixture.hal();
        pages = fixture.pages();
        vm = fixture.vm();
    }

    @AfterAll
    void off() {
        if (fixture != null) {
            fixture.close();
        }
    }
}
