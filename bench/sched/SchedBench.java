import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import kernel.core.hal.MachineHal;
import kernel.sched.Completion;
import kernel.sched.Sched;
import kernel.sched.SchedParams;
import kernel.sched.Scheduler;
import kernel.sched.Semaphore;
import kernel.sched.Task;
import kernel.sched.internal.UserLoop;
import platform.cpu.CpuState;
import platform.pc.Machine;
import platform.pc.time.VirtualClock;

/**
 * Task-switch cost of kernel.sched on an emulated 2-vCPU machine (deterministic clock), in
 * host nanoseconds per switch, best of ROUNDS:
 *
 * <ul>
 * <li>kernel yield: two kernel tasks on one vCPU calling Sched.yield() in turn (a direct switch:
 *     the yielding task's thread requeues itself, picks the other and unparks its thread);
 * <li>kernel wake, same CPU / cross CPU: two kernel tasks ping-ponging through two semaphores
 *     (block, wake-up, enqueue, dispatch), both on one vCPU or one on each;
 * <li>user preemption: two user tasks (a real x86 loop) on one vCPU, preempted by the LAPIC
 *     tick (1 µs tick: a switch every few µs of virtual time): (time with switching - time of the same instructions
 *     without) / extra switches; includes the timer interrupt, saving and loading the register
 *     file and the CFS pick.
 * </ul>
 *
 * Usage: java -cp JARS bench/sched/SchedBench.java [ROUNDS]
 */
public class SchedBench {
    static final int N = 100_000;
    /** Of the last yield ping-pong's switches, the share that were direct. */
    static double directShare;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Machine m = Machine.builder().memory(32L << 20).cpus(2).clock(VirtualClock.deterministic()).build().powerOn();
        MachineHal hal = new MachineHal(m);
        hal.start();
        UserLoop u = new UserLoop(hal.memory(), 0x200000, 0x201000, 0x202000);
        double yieldNs = Double.MAX_VALUE, wakeSame = Double.MAX_VALUE, wakeCross = Double.MAX_VALUE;
        double yieldPlatform = Double.MAX_VALUE, share = 0;
        long baseNs = Long.MAX_VALUE, fastNs = Long.MAX_VALUE, baseSw = 0, fastSw = 0;
        for (int r = 0; r < rounds; r++) {
            Scheduler s = new Scheduler(hal, Scheduler.Config.withTick(1_000_000));
            s.start();
            yieldNs = Math.min(yieldNs, yieldPingPong(s));
            share = directShare; // of the virtual-thread run
            wakeSame = Math.min(wakeSame, wakePingPong(s, 0b10, 0b10));
            wakeCross = Math.min(wakeCross, wakePingPong(s, 0b01, 0b10));
            s.close();
            Scheduler p = new Scheduler(hal, Scheduler.Config.withTick(1_000_000), false); // platform threads as kernel stacks
            p.start();
            yieldPlatform = Math.min(yieldPlatform, yieldPingPong(p));
            p.close();
            long[] base = userRun(hal, u, 1_000_000_000L); // tick 1 s: no preemption
            long[] fast = userRun(hal, u, 1_000L);         // tick 1 us: a switch every few us of virtual time
            if (base[0] < baseNs) {
                baseNs = base[0];
                baseSw = base[1];
            }
            if (fast[0] < fastNs) {
                fastNs = fast[0];
                fastSw = fast[1];
            }
        }
        long userSwitches = fastSw - baseSw;
        double userNs = (double) (fastNs - baseNs) / Math.max(1, userSwitches);
        hal.stop();
        m.close();
        System.out.printf("| kernel task yield, same vCPU (direct switch task -> task; %.1f%% of switches direct) | %.0f |%n",
                100 * share, yieldNs);
        System.out.printf("| kernel task yield, same vCPU, platform threads instead of virtual threads | %.0f |%n", yieldPlatform);
        System.out.printf("| kernel wake-up ping-pong, same vCPU (block + wake + dispatch) | %.0f |%n", wakeSame);
        System.out.printf("| kernel wake-up ping-pong, across vCPUs | %.0f |%n", wakeCross);
        System.out.printf("| user task preemption by the LAPIC tick (%d switches in 20M instructions; %.0f vs %.0f ms) | %.0f |%n",
                userSwitches, fastNs / 1e6, baseNs / 1e6, userNs);
    }

    /** ns per switch: two tasks yielding to each other N times each. */
    static double yieldPingPong(Scheduler s) throws Exception {
        Task[] ts = new Task[2];
        // both tasks wait (blocked) until both exist: a task alone on the CPU that yields picks
        // itself again, a switch that is no handoff at all, and with direct switches it could
        // finish all its rounds before the other is spawned
        Completion go = new Completion();
        for (int i = 0; i < 2; i++) {
            ts[i] = s.spawn("yield-" + i, SchedParams.fifo(10), 0b10, () -> {
                go.await();
                for (int k = 0; k < N; k++) {
                    Sched.yield();
                }
            });
        }
        long t0 = System.nanoTime();
        long sw0 = s.stats().get(1).switches();
        long dsw0 = s.stats().get(1).directSwitches();
        go.complete();
        for (Task t : ts) {
            t.join();
        }
        long dt = System.nanoTime() - t0;
        Scheduler.CpuStat st = s.stats().get(1);
        directShare = (double) (st.directSwitches() - dsw0) / (st.switches() - sw0);
        return (double) dt / (st.switches() - sw0);
    }

    /** ns per switch: a ping-pong of N round trips through two semaphores. */
    static double wakePingPong(Scheduler s, long maskA, long maskB) throws Exception {
        Semaphore ping = new Semaphore(0);
        Semaphore pong = new Semaphore(0);
        long t0 = System.nanoTime();
        Task a = s.spawn("ping", SchedParams.normal(0), maskA, () -> {
            for (int k = 0; k < N; k++) {
                ping.up();
                pong.down();
            }
        });
        Task b = s.spawn("pong", SchedParams.normal(0), maskB, () -> {
            for (int k = 0; k < N; k++) {
                ping.down();
                pong.up();
            }
        });
        a.join();
        b.join();
        long dt = System.nanoTime() - t0;
        return (double) dt / (2.0 * N); // one switch per message
    }

    /** {host ns, switches} for two user tasks burning 2 x 10M instructions on one vCPU with the given tick. */
    static long[] userRun(MachineHal hal, UserLoop u, long tick) throws Exception {
        Scheduler s = new Scheduler(hal, Scheduler.Config.withTick(tick));
        s.start();
        long sw0 = s.stats().get(1).switches();
        long t0 = System.nanoTime();
        List<Task> ts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ts.add(s.spawn("user-" + i, SchedParams.normal(0), 0b10, () -> u.burn(u.newState(), 5_000_000)));
        }
        for (Task t : ts) {
            t.join();
        }
        long dt = System.nanoTime() - t0;
        long sw = s.stats().get(1).switches() - sw0;
        s.close();
        return new long[] {dt, sw};
    }
}
