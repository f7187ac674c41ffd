package kernel.sched.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import kernel.core.hal.MachineHal;
import kernel.core.selftest.SelfTestSuite;
import kernel.sched.Scheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import platform.pc.Machine;
import platform.pc.time.VirtualClock;

/**
 * Runs the scheduler's self-test suites (the ones {@code selftest sched} runs in the booted
 * kernel) under JUnit, on a 2-vCPU machine with the deterministic clock and a 100 µs tick.
 */
@Timeout(300)
class SchedSuitesTest {
    static Machine machine;
    static MachineHal hal;
    static Scheduler sched;

    /** The unit-test configuration: every fair/RR constant scaled to a 100 µs tick. */
    static Scheduler.Config config() {
        return new Scheduler.Config(100_000, 600_000, 75_000, 100_000, 2_000_000, 0.95, 4);
    }

    @BeforeAll
    static void boot() {
        machine = Machine.builder().memory(32L << 20).cpus(2).clock(VirtualClock.deterministic()).build().powerOn();
        hal = new MachineHal(machine);
        hal.start();
        sched = new Scheduler(hal, config());
        sched.start();
    }

    @AfterAll
    static void shutdown() throws InterruptedException {
        for (int i = 0; i < 100 && sched != null && !sched.tasks().isEmpty(); i++) {
            Thread.sleep(10);
        }
        List<?> left = sched == null ? List.of() : sched.tasks();
        List<Double> reserved = sched == null ? List.of()
                : sched.stats().stream().map(Scheduler.CpuStat::dlBandwidth).toList();
        if (sched != null) {
            sched.close();
        }
        if (hal != null) {
            hal.stop();
        }
        if (machine != null) {
            machine.close();
        }
        assertEquals(List.of(), left, "tasks left behind by the self-tests");
        assertEquals(java.util.Collections.nCopies(reserved.size(), 0.0), reserved, "deadline bandwidth left reserved per cpu");
    }

    @TestFactory
    Stream<DynamicContainer> suites() {
        UserLoop u = new UserLoop(hal.memory(), 0x200000, 0x201000, 0x202000);
        List<SelfTestSuite> suites = new SchedSuites(sched, () -> u).suites();
        return suites.stream().map(s -> DynamicContainer.dynamicContainer(s.name(), s.tests().stream()
                .map(t -> DynamicTest.dynamicTest(t.name(), () -> {
                    t.body().run();
                    sched.checkInvariants();
                }))));
    }
}
