package kernel.sched;

import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;
import platform.pc.Vcpu;

/**
 * One CPU's run queue ({@code struct rq}): the class queues, the task holding the vCPU
 * ({@link #curr}), the CPU's timers and counters. Everything is guarded by {@link #lock}
 * (the run-queue spinlock); lock order: a mutex's PI lock, then a run queue, then a task's
 * monitor. Two run queues are never locked at once, except by {@link Scheduler#checkInvariants()},
 * which takes them in CPU order.
 */
final class RunQueue {
    final int cpu;
    final Vcpu vcpu;
    final ReentrantLock lock = new ReentrantLock();
    final SchedClass[] classes;
    final Classes.Fair fair;
    final PriorityQueue<Timer> timers = new PriorityQueue<>();

    Task curr;
    volatile boolean needResched;
    volatile boolean inUser;
    MmContext activeMm; // the context last activated on this vCPU (lazy TLB); vCPU thread only
    boolean passQueued;
    /**
     * A hand-back to the vCPU thread, which waits for it in {@code runKernel} (set last, read
     * first: publishes {@link #handbackTask}); null once the vCPU thread took it.
     */
    volatile Task.Handback handback;
    /** The task the hand-back is for: the one that gave the CPU up, or the one a direct switch made current. */
    Task handbackTask;
    /** The task the vCPU thread's current pass is following (vCPU thread only). */
    Task vcpuTask;
    /** The vCPU thread woke for something else than a hand-back or an interrupt (other work): no direct switch until the next pass. */
    volatile boolean vcpuWanted;
    /** Direct switches since the vCPU thread last ended a pass (bounded by {@code Scheduler.MAX_DIRECT}). */
    int directRun;
    long tickDeadline = Long.MAX_VALUE;
    long programmed = -1;
    int tickVector = -1;
    int reschedVector = -1;
    /**
     * Deadline bandwidth admitted on this CPU: the sum of its deadline tasks' {@code Task.dlBw}
     * (runtime/period in fixed point, see {@link Scheduler#bw}), so it returns exactly to 0.
     * Changed under {@link #lock} and {@code Mutex.PI_LOCK} (the admission lock).
     */
    long dlBw;

    // statistics
    volatile long switches;
    volatile long directSwitches;
    volatile long runtime;
    volatile long idle;
    volatile long idleSince = -1;
    volatile long migrations;
    volatile long ticks;
    volatile long preemptions;

    RunQueue(int cpu, Vcpu vcpu, Scheduler s, Scheduler.Config cfg) {
        this.cpu = cpu;
        this.vcpu = vcpu;
        this.fair = new Classes.Fair(cfg);
        this.classes = new SchedClass[] {new Classes.Deadline(s), new Classes.RealTime(cfg.rrQuantumNanos()), fair, new Classes.Idle()};
    }

    /** Queued tasks (not counting curr). */
    int queuedCount() {
        int n = 0;
        for (SchedClass c : classes) {
            n += c.size();
        }
        return n;
    }

    /** Queued plus running. */
    int load() {
        return queuedCount() + (curr != null ? 1 : 0);
    }
}
