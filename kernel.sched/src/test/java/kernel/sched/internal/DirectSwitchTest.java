package kernel.sched.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import kernel.core.hal.MachineHal;
import kernel.sched.Sched;
import kernel.sched.SchedParams;
import kernel.sched.Scheduler;
import kernel.sched.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import platform.cpu.CpuState;
import platform.pc.Machine;
import platform.pc.Vcpu;
import platform.pc.time.VirtualClock;

/**
 * Direct switches: a kernel task giving the CPU up hands it straight to the next task's thread
 * (one host handoff), and the vCPU thread, parked meanwhile, still runs other work for the vCPU.
 */
@Timeout(120)
class DirectSwitchTest {
    static final int CPU = 1;
    static final long MASK = 1L << CPU;
    Machine machine;
    MachineHal hal;
    Scheduler s;

    @BeforeEach
    void boot() {
        machine = Machine.builder().memory(32L << 20).cpus(2).clock(VirtualClock.deterministic()).build().powerOn();
        hal = new MachineHal(machine);
        hal.start();
        s = new Scheduler(hal, SchedSuitesTest.config());
        s.start();
    }

    @AfterEach
    void shutdown() {
        if (s != null) {
            s.close();
        }
        if (hal != null) {
            hal.stop();
        }
        if (machine != null) {
            machine.close();
        }
    }

    private Scheduler.CpuStat stat() {
        return s.stats().get(CPU);
    }

    /** Time a CPU spends with nothing to run after its only task blocked is counted as idle. */
    @Test
    void timeAfterTheLastTaskBlocksIsIdle() throws Exception {
        long sleep = 50 * s.config().tickNanos();
        Scheduler.CpuStat before = stat();
        Task t = s.spawn("sleeper", SchedParams.normal(0), MASK, () -> {
            for (int i = 0; i < 10; i++) {
                Sched.sleep(sleep);
            }
        });
        assertTrue(t.join(TimeUnit.SECONDS.toNanos(30)), "the sleeper ends");
        Scheduler.CpuStat after = stat();
        long idle = after.idleNanos() - before.idleNanos();
        assertTrue(idle >= 10 * sleep, "10 sleeps of " + sleep + " ns counted idle: " + idle);
        assertTrue(after.runtimeNanos() - before.runtimeNanos() < sleep, "the sleeper hardly ran");
    }

    /**
     * Two FIFO tasks on one CPU, each running user code (2n + 1 instructions, 1 ns each on the
     * deterministic clock) and then yielding to the other: the yields are direct switches, and
     * every nanosecond of the CPU's runtime is charged to the task that ran it.
     */
    @Test
    void yieldPingPongSwitchesDirectlyAndChargesRuntime() throws Exception {
        UserLoop u = new UserLoop(hal.memory(), 0x200000, 0x201000, 0x202000);
        int rounds = 2000;
        long n = 500; // 1001 instructions a round
        Scheduler.CpuStat before = stat();
        CountDownLatch ready = new CountDownLatch(2);
        List<Task> ts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ts.add(s.spawn("pp-" + i, SchedParams.fifo(10), MASK, () -> {
                ready.countDown();
                while (ready.getCount() > 0) { // both spawned before the ping-pong starts
                    Sched.yield();
                }
                CpuState st = u.newState();
                for (int k = 0; k < rounds; k++) {
                    u.burn(st, n);
                    Sched.yield();
                }
            }));
        }
        for (Task t : ts) {
            assertTrue(t.join(60_000_000_000L), t + " finished");
            assertNull(t.failure());
        }
        Scheduler.CpuStat after = stat();
        long switches = after.switches() - before.switches();
        long direct = after.directSwitches() - before.directSwitches();
        assertTrue(switches >= 2L * rounds, "switches " + switches);
        assertTrue(direct > 0, "no direct switch in " + switches + " switches");
        assertTrue(direct > rounds, "direct switches " + direct + " of " + switches + " (" + 2 * rounds + " yields)");
        long instructions = rounds * (2 * n + 1);
        long sum = 0;
        for (Task t : ts) {
            assertTrue(t.runtime() >= instructions && t.runtime() <= instructions + instructions / 20,
                    t.name() + " charged " + t.runtime() + " ns for " + instructions + " ns of user code");
            assertTrue(t.switches() >= rounds, t.name() + " switches " + t.switches());
            sum += t.runtime();
        }
        assertEquals(after.runtimeNanos() - before.runtimeNanos(), sum, "the cpu's runtime is its tasks' runtime");
        s.checkInvariants();
    }

    /**
     * A task yielding from kernel code beside a user task that the tick preempts: the direct
     * switch picks a task with a saved user context and hands it to the vCPU thread, which
     * resumes it there; the user code still completes, and the CPU's runtime is still its
     * tasks'.
     */
    @Test
    void directSwitchToAPreemptedUserContextResumesItOnTheVcpu() throws Exception {
        UserLoop u = new UserLoop(hal.memory(), 0x200000, 0x201000, 0x202000);
        Scheduler.CpuStat before = stat();
        AtomicBoolean userDone = new AtomicBoolean();
        AtomicInteger yields = new AtomicInteger();
        long iterations = 2_000_000; // 4 ms of user code: 40 ticks of 100 us
        Task user = s.spawn("burner", SchedParams.normal(0), MASK, () -> {
            u.burn(u.newState(), iterations);
            userDone.set(true);
        });
        Task kernel = s.spawn("yielder", SchedParams.normal(0), MASK, () -> {
            CpuState st = u.newState();
            while (!userDone.get()) {
                // a little user code, so that its vruntime grows (kernel code takes no virtual
                // time: a fair task yielding in a bare loop would be picked again forever)
                u.burn(st, 1000);
                yields.incrementAndGet();
                Sched.yield();
            }
        });
        assertTrue(user.join(60_000_000_000L), "the user task finished");
        assertTrue(kernel.join(60_000_000_000L), "the kernel task finished");
        assertNull(user.failure());
        assertNull(kernel.failure());
        Scheduler.CpuStat after = stat();
        assertTrue(after.preemptions() - before.preemptions() >= 5, "the tick preempted the user code: " + after);
        assertTrue(yields.get() >= 5, "the kernel task yielded " + yields.get() + " times");
        assertTrue(user.runtime() >= 2 * iterations, "user runtime " + user.runtime());
        assertEquals(after.runtimeNanos() - before.runtimeNanos(), user.runtime() + kernel.runtime(),
                "the cpu's runtime is its tasks' runtime");
        s.checkInvariants();
    }

    /** Kernel-only yields: direct switches, and both tasks' switch counts add up to the CPU's. */
    @Test
    void kernelYieldsSwitchDirectly() throws Exception {
        int rounds = 5000;
        Scheduler.CpuStat before = stat();
        CountDownLatch ready = new CountDownLatch(2);
        List<Task> ts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ts.add(s.spawn("ky-" + i, SchedParams.fifo(10), MASK, () -> {
                ready.countDown();
                while (ready.getCount() > 0) {
                    // alone on the CPU a yield picks the yielder again (a switch, but to itself):
                    // cheap enough to finish every round before the other task is spawned
                    Sched.yield();
                }
                for (int k = 0; k < rounds; k++) {
                    Sched.yield();
                }
            }));
        }
        long taskSwitches = 0;
        for (Task t : ts) {
            assertTrue(t.join(60_000_000_000L), t + " finished");
            taskSwitches += t.switches();
        }
        Scheduler.CpuStat after = stat();
        long switches = after.switches() - before.switches();
        long direct = after.directSwitches() - before.directSwitches();
        assertEquals(taskSwitches, switches, "the cpu's switches are its tasks'");
        // every yield of the ping-pong but 1 in 65 (MAX_DIRECT) is direct, give or take a few
        assertTrue(direct >= 2L * rounds * 60 / 65, "direct switches " + direct + " of " + switches);
        s.checkInvariants();
    }

    /** The same with platform threads as kernel stacks. */
    @Test
    void kernelYieldsSwitchDirectlyOnPlatformThreads() throws Exception {
        s.close();
        s = new Scheduler(hal, SchedSuitesTest.config(), false);
        s.start();
        kernelYieldsSwitchDirectly();
    }

    /**
     * Two kernel tasks yield to each other forever on one CPU: work queued on that vCPU
     * ({@link Vcpu#execute}) still runs, on the vCPU's thread, and the ping-pong goes on.
     */
    @Test
    void vcpuWorkRunsWhileKernelTasksPingPongForever() throws Exception {
        Vcpu v = hal.vcpus().get(CPU);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger yields = new AtomicInteger();
        List<Task> ts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ts.add(s.spawn("forever-" + i, SchedParams.fifo(10), MASK, () -> {
                while (!stop.get()) {
                    yields.incrementAndGet();
                    Sched.yield();
                }
            }));
        }
        try {
            long end = System.nanoTime() + 30_000_000_000L;
            while (stat().directSwitches() < 1000 && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            assertTrue(stat().directSwitches() >= 1000, "the ping-pong switches directly: " + stat());
            for (int i = 0; i < 50; i++) {
                CountDownLatch ran = new CountDownLatch(1);
                AtomicBoolean onVcpu = new AtomicBoolean();
                long y0 = yields.get();
                v.execute(() -> {
                    onVcpu.set(v.onVcpuThread());
                    ran.countDown();
                });
                assertTrue(ran.await(10, TimeUnit.SECONDS), "work item " + i + " ran while the tasks ping-pong (" + stat() + ")");
                assertTrue(onVcpu.get(), "on the vCPU thread");
                if (i % 10 == 0) {
                    long y1 = yields.get();
                    for (int k = 0; k < 10_000 && yields.get() < y1 + 100; k++) {
                        Thread.sleep(1);
                    }
                    assertTrue(yields.get() >= y1 + 100, "the ping-pong goes on after work item " + i + " (from " + y0 + ")");
                }
            }
            long d0 = stat().directSwitches();
            for (int k = 0; k < 10_000 && stat().directSwitches() < d0 + 100; k++) {
                Thread.sleep(1);
            }
            assertTrue(stat().directSwitches() >= d0 + 100, "still switching directly: " + stat());
        } finally {
            stop.set(true);
        }
        for (Task t : ts) {
            assertTrue(t.join(60_000_000_000L), t + " finished");
        }
        s.checkInvariants();
    }
}
