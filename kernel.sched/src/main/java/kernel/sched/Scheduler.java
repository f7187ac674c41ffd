package kernel.sched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import kernel.core.hal.Hal;
import kernel.core.hal.IrqVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import platform.cpu.Cpu;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.pc.LocalApic;
import platform.pc.Vcpu;

/**
 * The scheduler: per-CPU run queues on the machine's vCPUs, scheduling classes, the tick,
 * timers, load balancing.
 *
 * <p><b>Execution model.</b> A task runs only while it holds a vCPU. Each vCPU thread runs
 * dispatch passes, submitted to it as work ({@link Vcpu#execute}): a pass picks the next task
 * from the CPU's run queue and holds it until the task gives the vCPU back, then queues the
 * next pass if anything is runnable; with nothing runnable no pass is queued and the vCPU
 * halts in its own idle loop (so the deterministic clock can warp), to be woken by the
 * {@code execute} of the next pass. Passes are separate work items so that other work for the
 * vCPU interleaves with them.
 *
 * <p><b>Handoff.</b> A task's Java code runs on its own thread (a virtual thread: its kernel
 * stack). The vCPU grants it the CPU ({@code granted = true; unpark(task)}) and waits, parked,
 * for a hand-back ({@code handback = reason; unpark(vcpu)}); while it waits it keeps taking
 * interrupts for its CPU (as a real CPU takes interrupts while kernel code runs, without
 * preempting it). Reasons: {@code BLOCK} (the task set itself BLOCKED), {@code YIELD}
 * (yield or a preemption point with {@code need_resched}), {@code EXIT}, and {@code USER}: a
 * request to run user code, which the vCPU executes itself ({@link Vcpu#runUser}) until an
 * exit the kernel must handle (SYSCALL, exception, HLT): then the task's thread is granted the
 * CPU again with the exit. An interrupt during user code is serviced at once; if the tick or a
 * wake-up set {@code need_resched}, the user context is saved and the task is requeued; when
 * picked again the vCPU resumes its user code directly.
 *
 * <p><b>Direct switches.</b> A task giving the CPU up from kernel code (YIELD, BLOCK, EXIT)
 * usually does the pass's work itself, on its own thread under the run-queue lock (the same
 * put-back, pick and start code), and grants the next task's thread the CPU directly: one host
 * handoff instead of two, and with virtual threads the carrier goes straight on to the next
 * task. The vCPU thread stays parked in its kernel wait, taking the CPU's interrupts, and
 * follows whichever task is current; it is handed the CPU when it is needed: user code (a
 * {@code USER} hand-back, or a picked task with a preempted user context), nothing left to run
 * (the pass ends), an exiting task with an address space (deactivated there), other work for
 * the vCPU seen while it waited (see {@code runKernel}), and after {@link #MAX_DIRECT} direct
 * switches in a row, so passes still interleave with {@link Vcpu#execute} work.
 * {@code CpuStat.directSwitches} counts them.
 *
 * <p><b>The kernel is not preemptive</b> (Linux without {@code CONFIG_PREEMPT}): Java code of
 * a task is preempted only at its preemption points: blocking calls, {@link Sched#yield()}
 * and {@link Sched#preemptPoint()} ({@code cond_resched}). User code is preempted by the
 * LAPIC timer and by reschedule IPIs.
 *
 * <p><b>Invariants</b> (checked by {@link #checkInvariants()}): at most one task holds a vCPU;
 * a task is on at most one run queue, and not on one while it runs; a queued task is
 * RUNNABLE; a running one RUNNING; each CPU's reserved deadline bandwidth is the sum of its
 * deadline tasks' (admission control and {@link #setParams} hold {@code Mutex.PI_LOCK}).
 *
 * <p><b>Wake-ups</b> never get lost: a task marks itself BLOCKED (under its monitor) before it
 * gives the CPU back; a waker turns BLOCKED into RUNNABLE and enqueues the task, unless it is
 * still on its CPU ({@code onCpu}), in which case that CPU requeues it when it gets the CPU
 * back (Linux's {@code on_cpu} handling).
 *
 * <p><b>Time.</b> All times are nanoseconds of the machine's virtual clock (the TSC runs at
 * 1 GHz). With the deterministic clock, user instructions advance time and kernel Java code
 * takes none.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.sched");
    static final ThreadLocal<Task> CURRENT = new ThreadLocal<>();
    /** The farthest the LAPIC timer is armed ahead (about 68 s of virtual time). */
    static final long MAX_ARM_NANOS = 1L << 36;

    /** Linux's {@code sched_prio_to_weight}, nice −20..19. */
    static final int[] WEIGHTS = {
        88761, 71755, 56483, 46273, 36291,
        29154, 23254, 18705, 14949, 11916,
        9548, 7620, 6100, 4904, 3906,
        3121, 2501, 1991, 1586, 1277,
        1024, 820, 655, 526, 423,
        335, 272, 215, 172, 137,
        110, 87, 70, 56, 45,
        36, 29, 23, 18, 15,
    };

    /**
     * Tunables.
     *
     * @param tickNanos scheduler tick while a task runs (the idle CPU has no tick)
     * @param latencyNanos fair class: the period in which every runnable task runs once
     * @param minGranularityNanos fair class: shortest slice
     * @param wakeupGranularityNanos fair class: how far ahead a woken task must be to preempt
     * @param rrQuantumNanos SCHED_RR quantum
     * @param dlCapacity share of each CPU that deadline tasks may reserve (admission control)
     * @param balanceTicks ticks between load-balancing runs of a busy CPU
     */
    public record Config(long tickNanos, long latencyNanos, long minGranularityNanos, long wakeupGranularityNanos,
            long rrQuantumNanos, double dlCapacity, int balanceTicks) {
        public static Config defaults() {
            return new Config(1_000_000, 6_000_000, 750_000, 1_000_000, 100_000_000, 0.95, 4);
        }

        /** Every time scaled to a tick of {@code tickNanos} (defaults are for 1 ms). */
        public static Config withTick(long tickNanos) {
            double k = tickNanos / 1_000_000.0;
            return new Config(tickNanos, (long) (6_000_000 * k), (long) (750_000 * k), (long) (1_000_000 * k),
                    (long) (100_000_000 * k), 0.95, 4);
        }
    }

    /**
     * One CPU's counters, for {@code sched:stat}. {@code directSwitches}: the part of
     * {@code switches} that a kernel task giving the CPU up made directly to another task's
     * thread, without the vCPU thread (see {@link Scheduler}, handoff).
     */
    public record CpuStat(int cpu, int queued, String current, long switches, long directSwitches, long runtimeNanos,
            long idleNanos, long migrations, long ticks, long preemptions, double dlBandwidth) {
    }

    /** Thrown in a task's thread by blocking calls once the task was killed; ends the task quietly. */
    public static final class Killed extends RuntimeException {
        Killed() {
            super("task killed", null, false, false);
        }
    }

    private final Hal hal;
    private final List<Vcpu> vcpus;
    final RunQueue[] rqs;
    final Config cfg;
    private final ConcurrentSkipListMap<Long, Task> tasks = new ConcurrentSkipListMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final List<IrqVector> vectors = new ArrayList<>();
    private volatile boolean running;
    private final boolean virtualThreads;

    public Scheduler(Hal hal) {
        this(hal, Config.defaults());
    }

    public Scheduler(Hal hal, Config cfg) {
        this(hal, cfg, true);
    }

    /** {@code virtualThreads}: task threads are virtual threads (else platform threads). */
    public Scheduler(Hal hal, Config cfg, boolean virtualThreads) {
        this.hal = hal;
        this.cfg = cfg;
        this.vcpus = List.copyOf(hal.vcpus());
        if (vcpus.isEmpty()) {
            throw new IllegalStateException("no vCPUs");
        }
        if (vcpus.size() > 64) {
            throw new IllegalStateException("at most 64 CPUs");
        }
        this.virtualThreads = virtualThreads;
        rqs = new RunQueue[vcpus.size()];
        for (int i = 0; i < rqs.length; i++) {
            rqs[i] = new RunQueue(i, vcpus.get(i), this, cfg);
        }
    }

    static int weight(SchedParams p) {
        return p.policy() == Policy.NORMAL ? WEIGHTS[p.nice() + 20] : p.policy() == Policy.IDLE ? 3 : 1024;
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Takes a tick vector and a reschedule vector on every CPU and puts each local APIC timer in
     * TSC-deadline mode. The HAL must be started (interrupt handlers installed).
     */
    public synchronized void start() {
        if (running) {
            return;
        }
        int n = rqs.length;
        int guard = 0;
        while ((missing(true) || missing(false)) && guard++ < 8 * n) {
            boolean tick = missing(true);
            AtomicReference<IrqVector> ref = new AtomicReference<>();
            IrqVector v = hal.interrupts().allocate(tick ? "sched tick" : "sched resched", vec -> {
                IrqVector me = ref.get();
                if (me != null) {
                    if (tick) {
                        timerInterrupt(rqs[me.cpu()]);
                    } else {
                        reschedInterrupt(rqs[me.cpu()]);
                    }
                }
            });
            ref.set(v);
            RunQueue rq = rqs[v.cpu()];
            if (tick ? rq.tickVector < 0 : rq.reschedVector < 0) {
                if (tick) {
                    rq.tickVector = v.vector();
                } else {
                    rq.reschedVector = v.vector();
                }
                vectors.add(v);
            } else {
                v.close();
            }
        }
        if (missing(true) || missing(false)) {
            throw new IllegalStateException("no free interrupt vectors for the scheduler");
        }
        for (RunQueue rq : rqs) {
            LocalApic a = rq.vcpu.lapic();
            a.writeRegister(LocalApic.REG_SVR, a.readRegister(LocalApic.REG_SVR) | LocalApic.SVR_ENABLE);
            a.writeRegister(LocalApic.REG_LVT_TIMER, rq.tickVector | (LocalApic.TIMER_TSC_DEADLINE << 17));
            rq.idleSince = now();
        }
        running = true;
        LOG.info("scheduler: {} cpus, tick {} us", n, cfg.tickNanos() / 1000);
    }

    private boolean missing(boolean tick) {
        for (RunQueue rq : rqs) {
            if ((tick ? rq.tickVector : rq.reschedVector) < 0) {
                return true;
            }
        }
        return false;
    }

    /** Kills every task, waits briefly for them to end, stops the timers and frees the vectors. */
    @Override
    public void close() {
        synchronized (this) {
            if (!running) {
                return;
            }
        }
        for (Task t : tasks.values()) {
            t.kill();
        }
        long end = System.nanoTime() + 2_000_000_000L;
        for (Task t : tasks.values()) {
            try {
                t.join(Math.max(1, end - System.nanoTime()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (this) {
            running = false;
            for (RunQueue rq : rqs) {
                rq.lock.lock();
                try {
                    rq.timers.clear();
                    rq.vcpu.lapic().writeTscDeadline(0);
                    rq.programmed = -1;
                } finally {
                    rq.lock.unlock();
                }
            }
            for (IrqVector v : vectors) {
                v.close();
            }
            vectors.clear();
            for (RunQueue rq : rqs) {
                rq.tickVector = -1;
                rq.reschedVector = -1;
            }
        }
    }

    public boolean running() {
        return running;
    }

    // ------------------------------------------------------------------ queries

    /** The virtual clock now, ns (the TSC). */
    public long now() {
        return vcpus.get(0).tsc();
    }

    public int cpus() {
        return rqs.length;
    }

    public Config config() {
        return cfg;
    }

    /** A mask of every CPU. */
    public long allCpus() {
        return rqs.length == 64 ? -1L : (1L << rqs.length) - 1;
    }

    /** The CPU the caller runs on: the task's, or the vCPU thread's, or -1. */
    public int currentCpu() {
        Task t = CURRENT.get();
        if (t != null && t.sched == this) {
            return t.cpu;
        }
        for (RunQueue rq : rqs) {
            if (rq.vcpu.onVcpuThread()) {
                return rq.cpu;
            }
        }
        return -1;
    }

    /** Live tasks (not yet reaped), by id. */
    public List<Task> tasks() {
        return List.copyOf(tasks.values());
    }

    /** Per-CPU counters. */
    public List<CpuStat> stats() {
        List<CpuStat> out = new ArrayList<>();
        long now = now();
        for (RunQueue rq : rqs) {
            rq.lock.lock();
            try {
                long idle = rq.idle + (rq.curr == null && rq.idleSince >= 0 ? Math.max(0, now - rq.idleSince) : 0);
                out.add(new CpuStat(rq.cpu, rq.queuedCount(), rq.curr == null ? "-" : rq.curr.id + " " + rq.curr.name,
                        rq.switches, rq.directSwitches, rq.runtime, idle, rq.migrations, rq.ticks, rq.preemptions,
                        (double) rq.dlBw / (1L << BW_SHIFT)));
            } finally {
                rq.lock.unlock();
            }
        }
        return out;
    }

    /**
     * Checks the invariants, with the admission lock and every run queue locked (in CPU order):
     * one task per vCPU at most, a task on at most one queue and not while it runs, queued tasks
     * RUNNABLE, running ones RUNNING and on a CPU they may run on; a queued deadline task on the
     * CPU it was admitted on; each CPU's reserved deadline bandwidth equal to the sum of its
     * live deadline tasks' (so 0 once they are gone), within capacity, every live deadline task
     * admitted on a CPU of its mask with its parameters' bandwidth.
     *
     * @throws IllegalStateException naming the first violation
     */
    public void checkInvariants() {
        synchronized (Mutex.PI_LOCK) {
            checkInvariantsLocked();
        }
    }

    private void checkInvariantsLocked() {
        for (RunQueue rq : rqs) {
            rq.lock.lock();
        }
        try {
            long[] reserved = new long[rqs.length];
            for (Task t : tasks.values()) {
                int cpu = t.dlCpu;
                if (cpu >= 0) {
                    reserved[cpu] += t.dlBw;
                }
                if (t.state == Task.State.DEAD) {
                    continue; // releasing its bandwidth
                }
                boolean dl = t.params.policy() == Policy.DEADLINE;
                if (dl != (cpu >= 0)) {
                    throw new IllegalStateException(t + (dl ? " is admitted on no cpu" : " still holds deadline bandwidth on cpu " + cpu));
                }
                if (dl && (t.dlBw != bw(t.params) || (t.affinity & (1L << cpu)) == 0)) {
                    throw new IllegalStateException(t + " reserves " + t.dlBw + " on cpu " + cpu + ", mask " + Long.toHexString(t.affinity));
                }
            }
            for (RunQueue rq : rqs) {
                if (rq.dlBw != reserved[rq.cpu] || rq.dlBw > bwCapacity()) {
                    throw new IllegalStateException("cpu " + rq.cpu + " reserves deadline bandwidth " + rq.dlBw + ", its tasks "
                            + reserved[rq.cpu] + " (capacity " + bwCapacity() + ", 1 cpu = " + (1L << BW_SHIFT) + ")");
                }
                for (Task t : rq.classes[SchedClass.DL].queued()) {
                    if (t.dlCpu != rq.cpu) {
                        throw new IllegalStateException(t + " is queued on cpu " + rq.cpu + " but admitted on " + t.dlCpu);
                    }
                }
            }
            java.util.Set<Task> seen = new java.util.HashSet<>();
            for (RunQueue rq : rqs) {
                if (rq.curr != null) {
                    if (!seen.add(rq.curr)) {
                        throw new IllegalStateException(rq.curr + " runs on two vCPUs");
                    }
                    // RUNNING, or already BLOCKED/woken/DEAD on its way out; never queued meanwhile
                    if (rq.curr.state == Task.State.NEW || rq.curr.queued || rq.curr.rq != rq) {
                        throw new IllegalStateException(rq.curr + " holds cpu " + rq.cpu + " but is " + rq.curr.state
                                + (rq.curr.queued ? ", queued" : ""));
                    }
                }
            }
            for (RunQueue rq : rqs) {
                for (SchedClass c : rq.classes) {
                    for (Task t : c.queued()) {
                        if (!seen.add(t)) {
                            throw new IllegalStateException(t + " is queued twice or queued while running");
                        }
                        if (t.state != Task.State.RUNNABLE) {
                            throw new IllegalStateException(t + " is queued on cpu " + rq.cpu + " but " + t.state);
                        }
                        if (t.rq != rq) {
                            throw new IllegalStateException(t + " is queued on cpu " + rq.cpu + " but points elsewhere");
                        }
                    }
                }
            }
        } finally {
            for (int i = rqs.length - 1; i >= 0; i--) {
                rqs[i].lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------ tasks

    /** Starts a task on any CPU. */
    public Task spawn(String name, SchedParams params, Task.Body body) {
        return spawn(name, params, allCpus(), body);
    }

    /**
     * Creates a task and makes it runnable.
     *
     * @param affinity the CPUs it may run on (bit n = CPU n)
     * @throws IllegalArgumentException for an empty affinity mask
     * @throws IllegalStateException (deadline) when admission control refuses its bandwidth
     */
    public Task spawn(String name, SchedParams params, long affinity, Task.Body body) {
        if (!running) {
            throw new IllegalStateException("scheduler not started");
        }
        affinity &= allCpus();
        if (affinity == 0) {
            throw new IllegalArgumentException("empty affinity mask");
        }
        Task t = new Task(this, ids.incrementAndGet(), name, params, affinity, body);
        Runnable main = () -> taskMain(t);
        t.thread = virtualThreads ? Thread.ofVirtual().name("task-" + t.id + "-" + name).unstarted(main)
                : Thread.ofPlatform().daemon().name("task-" + t.id + "-" + name).unstarted(main);
        if (params.policy() == Policy.DEADLINE) {
            synchronized (Mutex.PI_LOCK) { // admitted and listed at once (see checkInvariants)
                long bw = bw(params);
                t.dlCpu = reserve(bw, affinity, -1, 0);
                t.dlBw = bw;
                tasks.put(t.id, t);
            }
        } else {
            tasks.put(t.id, t);
        }
        t.thread.start();
        synchronized (t) {
            t.state = Task.State.RUNNABLE;
        }
        activate(t, true, -1);
        return t;
    }

    private void taskMain(Task t) {
        CURRENT.set(t);
        while (!t.granted) {
            LockSupport.park(this);
        }
        t.granted = false;
        try {
            if (!t.killed) {
                t.body.run();
            }
        } catch (Killed k) {
            // ended by kill()
        } catch (Throwable e) {
            t.failure = e;
            LOG.warn("task {} ({}) failed: {}", t.id, t.name, e.toString());
        } finally {
            synchronized (t) {
                t.state = Task.State.DEAD;
            }
            release(t);
            handback(t, Task.Handback.EXIT);
        }
    }

    /** Frees what a dead task holds: deadline bandwidth, its entry in the task list. */
    private void release(Task t) {
        synchronized (Mutex.PI_LOCK) { // against a concurrent setParams (see checkInvariants)
            if (t.dlCpu >= 0) {
                unreserve(t.dlCpu, t.dlBw);
                t.dlCpu = -1;
                t.dlBw = 0;
            }
            tasks.remove(t.id);
        }
    }

    /** Fixed-point bandwidth: {@code 1 << BW_SHIFT} is a whole CPU (Linux's {@code BW_SHIFT}). */
    static final int BW_SHIFT = 20;

    /** A policy's reserved bandwidth, runtime/period in {@link #BW_SHIFT} fixed point (0 unless deadline). */
    static long bw(SchedParams p) {
        return p.policy() == Policy.DEADLINE ? (long) ((double) p.runtime() * (1L << BW_SHIFT) / p.period()) : 0;
    }

    private long bwCapacity() {
        return (long) (cfg.dlCapacity() * (1L << BW_SHIFT));
    }

    /**
     * Admission control (partitioned first fit): reserves {@code bw} on {@code own} if it is in
     * {@code mask} and fits there once its old reservation {@code ownBw} is counted as freed
     * (replacing it), else on the first CPU of {@code mask} with room. Holds PI_LOCK.
     *
     * @return the CPU; when it is not {@code own}, the caller still holds {@code ownBw} there
     * @throws IllegalStateException (EBUSY) when no CPU of the mask has room; nothing reserved
     */
    private int reserve(long bw, long mask, int own, long ownBw) {
        long cap = bwCapacity();
        if (own >= 0 && (mask & (1L << own)) != 0) {
            RunQueue rq = rqs[own];
            rq.lock.lock();
            try {
                if (rq.dlBw - ownBw + bw <= cap) {
                    rq.dlBw += bw - ownBw;
                    return own;
                }
            } finally {
                rq.lock.unlock();
            }
        }
        for (RunQueue rq : rqs) {
            if (rq.cpu == own || (mask & (1L << rq.cpu)) == 0) {
                continue;
            }
            rq.lock.lock();
            try {
                if (rq.dlBw + bw <= cap) {
                    rq.dlBw += bw;
                    return rq.cpu;
                }
            } finally {
                rq.lock.unlock();
            }
        }
        throw new IllegalStateException(String.format("EBUSY: deadline bandwidth %.3f does not fit (capacity %.2f per cpu)",
                (double) bw / (1L << BW_SHIFT), cfg.dlCapacity()));
    }

    /** Returns bandwidth reserved on a CPU. Holds PI_LOCK. */
    private void unreserve(int cpu, long bw) {
        RunQueue rq = rqs[cpu];
        rq.lock.lock();
        try {
            rq.dlBw -= bw;
        } finally {
            rq.lock.unlock();
        }
    }

    /**
     * Changes a task's policy and parameters ({@code sched_setattr}), at once, whatever the task
     * is doing (running, queued, blocked): it is requeued in its new class and preemption is
     * checked.
     *
     * <p><b>Deadline.</b> Becoming {@link Policy#DEADLINE}, or a deadline task getting new
     * runtime/deadline/period, goes through admission control first: the partitioned first fit
     * of {@code spawn} over the task's affinity mask, except that a deadline task tries its own
     * CPU first, with its old bandwidth counted as freed. If no CPU has room the call fails with
     * EBUSY and changes nothing. Admitted, the task moves to the CPU it was admitted on
     * (migrated if it is queued or running elsewhere; a running task moves at its next
     * preemption point). A task entering DEADLINE starts a new server instance: full runtime,
     * absolute deadline now + the relative deadline. A deadline task keeps its current instance
     * (its deadline, and its runtime left, cut to the new runtime if that is smaller); the new
     * parameters apply from its next replenishment, as in Linux, so setParams cannot renew a
     * budget. Leaving DEADLINE returns the task's bandwidth and clears its server state (a
     * throttled task becomes runnable at once). Identical deadline parameters change nothing.
     *
     * <p><b>Priority inheritance</b> carries on: a boosted task keeps its boost in its new
     * policy (a deadline task needs none), and a task waiting for a PI mutex passes its new
     * priority on to the owner (deadline waiters boost to real-time 99).
     *
     * @throws IllegalStateException (EBUSY) when admission control refuses the bandwidth
     */
    public void setParams(Task t, SchedParams p) {
        synchronized (Mutex.PI_LOCK) {
            SchedParams old = t.params;
            if (t.state == Task.State.DEAD) {
                t.params = p; // its bandwidth is returned (or being returned) by release
                return;
            }
            if (p.equals(old) && p.policy() == Policy.DEADLINE) {
                return; // same reservation, same server
            }
            int cpu = -1;
            long bw = bw(p);
            if (p.policy() == Policy.DEADLINE) {
                cpu = reserve(bw, t.affinity, t.dlCpu, t.dlBw); // EBUSY: nothing changed
            }
            if (t.dlCpu >= 0 && t.dlCpu != cpu) {
                unreserve(t.dlCpu, t.dlBw);
            }
            // entering DEADLINE starts a server; a deadline task keeps its current instance (new
            // parameters apply from its next replenishment, as Linux's __setparam_dl), so calling
            // setParams again cannot renew a budget
            apply(t, p, t.affinity, cpu, bw, p.policy() == Policy.DEADLINE && old.policy() != Policy.DEADLINE);
            Mutex.adjustPi(t);
        }
    }

    /**
     * Sets the CPUs a task may run on ({@code sched_setaffinity}); a task queued or running
     * elsewhere is migrated (a running one at its next preemption point).
     *
     * <p>A deadline task whose mask no longer holds the CPU it was admitted on is re-admitted
     * on the first CPU of the new mask with room for its bandwidth and migrates there, keeping
     * its server state (runtime left, absolute deadline); if none has room the call fails with
     * EBUSY and changes nothing. (Linux instead refuses affinity changes of deadline tasks
     * that do not span their root domain; deadline tasks here are partitioned, so moving one is
     * just a re-admission.)
     *
     * @throws IllegalArgumentException for an empty mask
     * @throws IllegalStateException (EBUSY) when a deadline task's bandwidth fits no CPU of the mask
     */
    public void setAffinity(Task t, long mask) {
        mask &= allCpus();
        if (mask == 0) {
            throw new IllegalArgumentException("empty affinity mask");
        }
        synchronized (Mutex.PI_LOCK) {
            if (t.state == Task.State.DEAD) {
                t.affinity = mask;
                return;
            }
            int cpu = t.dlCpu;
            if (cpu >= 0 && (mask & (1L << cpu)) == 0) {
                int to = reserve(t.dlBw, mask, -1, 0); // EBUSY: nothing changed
                unreserve(cpu, t.dlBw);
                cpu = to;
            }
            apply(t, t.params, mask, cpu, t.dlBw, false);
        }
    }

    /**
     * Gives {@code t} new parameters and affinity, with its deadline reservation ({@code cpu},
     * {@code bw}; -1 and 0 unless deadline) already made, and moves it: a queued task is
     * requeued in its class (on the right CPU, else migrated), a running one is charged, then
     * rescheduled if it must move, was lowered or may be outranked, a blocked or throttled one
     * takes the new values (a throttled one that is no longer throttled is activated).
     * {@code newServer}: start a new deadline server (full runtime, deadline now + D); otherwise
     * a deadline task keeps its server state. Holds PI_LOCK.
     */
    private void apply(Task t, SchedParams p, long mask, int cpu, long bw, boolean newServer) {
        int prio = p.policy() == Policy.DEADLINE ? p.prio() : Math.min(p.prio(), t.piPrio());
        for (;;) {
            RunQueue rq = t.rq;
            if (rq == null) {
                // blocked, throttled or being activated: its old CPU's lock serialises with replenish()
                int old = t.dlCpu;
                RunQueue dlq = old >= 0 ? rqs[old] : null;
                Timer pending = null;
                boolean activate;
                if (dlq != null) {
                    dlq.lock.lock();
                }
                try {
                    synchronized (t) {
                        if (t.rq != null) {
                            continue; // enqueued meanwhile (activate re-checks under this monitor)
                        }
                        boolean throttled = t.dlThrottled;
                        if (newServer || cpu < 0) {
                            pending = t.dlTimer;
                        }
                        setLocked(t, p, prio, mask, cpu, bw, newServer, t.cpu >= 0 ? rqs[t.cpu] : null);
                        activate = throttled && !t.dlThrottled && t.state == Task.State.RUNNABLE && !t.onCpu;
                    }
                } finally {
                    if (dlq != null) {
                        dlq.lock.unlock();
                    }
                }
                if (pending != null) {
                    pending.cancel(); // one that already fired finds a new generation and does nothing
                }
                if (activate) {
                    activate(t, false, cpu >= 0 ? cpu : t.cpu);
                }
                return;
            }
            rq.lock.lock();
            try {
                if (t.rq != rq) {
                    continue;
                }
                boolean here = (mask & (1L << rq.cpu)) != 0 && (cpu < 0 || cpu == rq.cpu);
                boolean requeue = prio != t.prio || !p.equals(t.params) || newServer;
                if (rq.curr == t) {
                    boolean preempt = updateCurr(rq, now()); // charged to the old class
                    int oldPrio = t.prio;
                    synchronized (t) {
                        setLocked(t, p, prio, mask, cpu, bw, newServer, rq);
                    }
                    if (preempt || !here || prio > oldPrio
                            || (classIndex(t) == SchedClass.DL && rq.classes[SchedClass.DL].size() > 0)) {
                        resched(rq); // moves, or lets the queue decide, when it gives the vCPU up
                    }
                    program(rq); // a deadline task's budget end
                    return;
                }
                if (!t.queued || (here && !requeue)) { // (on a queue and not running: always queued)
                    synchronized (t) {
                        setLocked(t, p, prio, mask, cpu, bw, newServer, rq);
                    }
                    return;
                }
                classOf(rq, t).dequeue(t);
                synchronized (t) {
                    setLocked(t, p, prio, mask, cpu, bw, newServer, rq);
                    if (!here) {
                        t.queued = false;
                        t.rq = null;
                    }
                }
                if (here) {
                    classOf(rq, t).enqueue(t, false);
                    checkPreempt(rq, t);
                    return;
                }
            } finally {
                rq.lock.unlock();
            }
            activate(t, false, cpu >= 0 ? cpu : rq.cpu);
            return;
        }
    }

    /**
     * Sets the fields of {@link #apply}, the task being dequeued, running or detached (caller
     * holds its queue's lock and its monitor). A task entering the fair class is placed as on a
     * wake-up against {@code home}'s {@code min_vruntime}.
     */
    private void setLocked(Task t, SchedParams p, int prio, long mask, int cpu, long bw, boolean newServer, RunQueue home) {
        int oldClass = classIndex(t);
        t.params = p;
        t.prio = prio;
        t.weight = weight(p);
        t.affinity = mask;
        t.dlCpu = cpu;
        t.dlBw = bw;
        if (cpu < 0 || newServer) {
            t.dlGen++; // a pending replenishment is stale
            t.dlTimer = null;
            t.dlThrottled = false;
            t.dlRuntime = cpu < 0 ? 0 : p.runtime();
            t.dlDeadline = cpu < 0 ? 0 : now() + p.deadline();
        } else {
            t.dlRuntime = Math.min(t.dlRuntime, p.runtime()); // a smaller budget applies at once
        }
        if (classIndex(t) == SchedClass.FAIR && oldClass != SchedClass.FAIR && home != null) {
            t.vruntime = Math.max(t.vruntime, home.fair.minVruntime - cfg.latencyNanos() / 2);
        }
    }

    /**
     * Sets a task's effective priority (priority inheritance). Caller holds {@link Mutex#PI_LOCK}.
     */
    void reprio(Task t, int prio) {
        if (t.params.policy() == Policy.DEADLINE) {
            return; // deadline tasks outrank every inherited priority
        }
        for (;;) {
            RunQueue rq = t.rq;
            if (rq == null) {
                synchronized (t) {
                    if (t.rq == null) {
                        t.prio = prio;
                        t.weight = weight(t.params);
                        return;
                    }
                }
                continue;
            }
            rq.lock.lock();
            try {
                if (t.rq != rq) {
                    continue;
                }
                if (t.queued) {
                    classOf(t).dequeue(t);
                    t.prio = prio;
                    t.weight = weight(t.params);
                    classOf(t).enqueue(t, false);
                    checkPreempt(rq, t);
                } else {
                    int old = t.prio;
                    t.prio = prio;
                    t.weight = weight(t.params);
                    if (rq.curr == t && prio > old) {
                        resched(rq); // lowered: let the queue decide
                    }
                }
                return;
            } finally {
                rq.lock.unlock();
            }
        }
    }

    SchedClass classOf(Task t) {
        return classOf(t.rq, t);
    }

    static int classIndex(Task t) {
        int p = t.prio;
        return p < 0 ? SchedClass.DL : p < 100 ? SchedClass.RT : p < 140 ? SchedClass.FAIR : SchedClass.IDLE;
    }

    private static SchedClass classOf(RunQueue rq, Task t) {
        return rq.classes[classIndex(t)];
    }

    // ------------------------------------------------------------------ wake-up and enqueue

    /**
     * Wakes a BLOCKED task (any thread, interrupt context included). False if it was not blocked.
     */
    boolean wake(Task t) {
        synchronized (t) {
            if (t.state != Task.State.BLOCKED) {
                return false;
            }
            t.state = Task.State.RUNNABLE;
            if (t.onCpu) {
                return true; // its CPU requeues it when it gets the vCPU back
            }
        }
        activate(t, true, t.cpu);
        return true;
    }

    /** Makes a task that is RUNNABLE and on no queue runnable on a CPU: wake-up, new task, migration. */
    void activate(Task t, boolean wakeup, int prefer) {
        activate(t, wakeup, prefer, false);
    }

    /**
     * As {@link #activate(Task, boolean, int)}; {@code force}: on {@code prefer} if the task may
     * run there (not for a deadline task: on its CPU). Does nothing if another path activated
     * the task first, or it is no longer RUNNABLE and off every queue.
     */
    void activate(Task t, boolean wakeup, int prefer, boolean force) {
        for (;;) {
            RunQueue rq = force && t.dlCpu < 0 && (t.affinity & (1L << prefer)) != 0 ? rqs[prefer] : select(t, prefer);
            rq.lock.lock();
            try {
                synchronized (t) { // claimed under its monitor: setParams/setAffinity change a detached task there
                    if (t.rq != null || t.state != Task.State.RUNNABLE || t.onCpu) {
                        return; // activated by another path (a racing wake-up or replenishment) meanwhile
                    }
                    if ((t.affinity & (1L << rq.cpu)) == 0 || (t.dlCpu >= 0 && t.dlCpu != rq.cpu)) {
                        continue; // affinity or deadline CPU changed meanwhile
                    }
                    if (t.dlCpu >= 0 && t.dlThrottled) {
                        return; // the replenishment timer activates it
                    }
                    t.rq = rq;
                    t.queued = true;
                }
                if (t.cpu >= 0 && t.cpu != rq.cpu) {
                    t.migrations++;
                    rq.migrations++;
                    // fair: keep the task's lag relative to the new queue's min_vruntime
                    t.vruntime = t.vruntime - rqs[t.cpu].fair.minVruntime + rq.fair.minVruntime;
                }
                classOf(rq, t).enqueue(t, wakeup);
                checkPreempt(rq, t);
                if (rq.curr == null) {
                    queuePass(rq);
                }
                return;
            } finally {
                rq.lock.unlock();
            }
        }
    }

    private void dequeueLocked(RunQueue rq, Task t) {
        classOf(rq, t).dequeue(t);
        synchronized (t) {
            t.queued = false;
            t.rq = null;
        }
    }

    /** select_task_rq: the deadline task's CPU; else the preferred CPU if idle, an idle allowed CPU, or the least loaded. */
    private RunQueue select(Task t, int prefer) {
        long mask = t.affinity;
        int dl = t.dlCpu;
        if (dl >= 0) {
            return rqs[dl];
        }
        if (prefer >= 0 && prefer < rqs.length && (mask & (1L << prefer)) != 0 && idle(rqs[prefer])) {
            return rqs[prefer];
        }
        RunQueue best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (RunQueue rq : rqs) {
            if ((mask & (1L << rq.cpu)) == 0) {
                continue;
            }
            int load = rq.load();
            if (load < bestLoad || (load == bestLoad && rq.cpu == prefer)) {
                best = rq;
                bestLoad = load;
            }
        }
        return best;
    }

    private static boolean idle(RunQueue rq) {
        return rq.curr == null && rq.queuedCount() == 0;
    }

    /** check_preempt_curr: a woken task of a higher class, or one its class prefers, preempts curr. */
    private void checkPreempt(RunQueue rq, Task woken) {
        Task c = rq.curr;
        if (c == null || c == woken) {
            return;
        }
        int wc = classIndex(woken);
        int cc = classIndex(c);
        if (wc < cc || (wc == cc && rq.classes[wc].preempts(c, woken))) {
            resched(rq);
        }
    }

    /** Sets need_resched on a CPU; a CPU in user code gets a reschedule IPI. Caller holds rq.lock. */
    void resched(RunQueue rq) {
        rq.needResched = true;
        // on its own thread (interrupt context) the vCPU checks need_resched after the handler
        if (rq.inUser && rq.reschedVector >= 0 && !rq.vcpu.onVcpuThread()) {
            rq.vcpu.lapic().raise(rq.reschedVector);
        }
    }

    /** Makes a task notice kill(): wakes it if blocked, interrupts its user code if running. */
    void kick(Task t) {
        if (!wake(t)) {
            RunQueue rq = t.rq;
            if (rq != null) {
                rq.lock.lock();
                try {
                    if (rq.curr == t) {
                        resched(rq);
                    }
                } finally {
                    rq.lock.unlock();
                }
            }
        }
    }

    private void queuePass(RunQueue rq) {
        if (rq.passQueued) {
            return;
        }
        rq.passQueued = true;
        try {
            rq.vcpu.execute(() -> pass(rq));
        } catch (RejectedExecutionException e) {
            rq.passQueued = false;
        }
    }

    // ------------------------------------------------------------------ the dispatch pass (vCPU thread)

    /** How a task left the vCPU; SWITCHED: its own thread already put it back (a direct switch left nothing to run). */
    private enum Outcome { PREEMPT, YIELD, BLOCK, EXIT, SWITCHED }

    /** Direct switches in a row before one goes through the vCPU thread (so other vCPU work interleaves). */
    static final int MAX_DIRECT = 64;

    private void pass(RunQueue rq) {
        Task t;
        long now = now();
        rq.lock.lock();
        try {
            rq.passQueued = false;
            rq.vcpuWanted = false; // work queued before this pass has run
            if (rq.curr != null) {
                return;
            }
            t = pickLocked(rq);
            if (t == null) {
                if (rq.idleSince < 0) {
                    rq.idleSince = now;
                }
                program(rq);
            } else {
                startLocked(rq, t, now);
            }
        } finally {
            rq.lock.unlock();
        }
        if (t == null) {
            idleBalance(rq);
            return;
        }
        Outcome o;
        try {
            o = run(rq, t);
        } catch (Throwable e) {
            LOG.error("cpu {}: task {} broke the dispatcher", rq.cpu, rq.vcpuTask.id, e);
            o = Outcome.EXIT;
        }
        if (o != Outcome.SWITCHED) {
            putBack(rq, rq.vcpuTask, o);
        }
        rq.vcpuTask = null;
    }

    /** Makes a picked task the CPU's current one (RUNNING, onCpu, accounting from {@code now}, tick armed). Caller holds rq.lock. */
    private void startLocked(RunQueue rq, Task t, long now) {
        if (rq.idleSince >= 0) {
            rq.idle += Math.max(0, now - rq.idleSince);
            rq.idleSince = -1;
        }
        rq.curr = t;
        rq.needResched = false;
        synchronized (t) {
            t.state = Task.State.RUNNING;
            t.onCpu = true;
            t.queued = false;
            t.rq = rq;
        }
        t.cpu = rq.cpu;
        t.execStart = now;
        t.sliceExec = 0;
        t.switches++;
        rq.switches++;
        rq.tickDeadline = now + cfg.tickNanos();
        program(rq);
    }

    private Task pickLocked(RunQueue rq) {
        for (SchedClass c : rq.classes) {
            Task t = c.pick();
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    /** The vCPU thread's end of a pass: puts the task that gave the vCPU up back, queues the next pass. vCPU thread. */
    private void putBack(RunQueue rq, Task t, Outcome o) {
        boolean requeueElsewhere;
        rq.lock.lock();
        try {
            requeueElsewhere = putBackLocked(rq, t, o, now());
            rq.directRun = 0;
            if (rq.queuedCount() > 0) {
                queuePass(rq);
            } else {
                program(rq);
            }
        } finally {
            rq.lock.unlock();
        }
        if (o == Outcome.EXIT) {
            MmContext mm = t.mm;
            if (mm != null && rq.activeMm == mm) { // its address space may go away with it
                rq.activeMm = null;
                mm.deactivate(rq.vcpu);
            }
        }
        putBackDone(t, o, requeueElsewhere);
    }

    /**
     * Takes {@code t}, the current task, off the CPU for {@code o}: charges it up to {@code now},
     * requeues it (yield, preemption, a wake-up that came while it was on the CPU) or detaches
     * it (blocked, exited), and arms a throttled deadline task's replenishment. Shared by the
     * vCPU thread's pass and a task's direct switch. Caller holds rq.lock.
     *
     * @return true if it must be activated on another CPU once the lock is released
     */
    private boolean putBackLocked(RunQueue rq, Task t, Outcome o, long now) {
        boolean requeueElsewhere = false;
        updateCurr(rq, now);
        rq.curr = null;
        rq.idleSince = now; // idle until a task is started again (at once, if one is queued)
        switch (o) {
            case PREEMPT, YIELD -> {
                rq.preemptions += o == Outcome.PREEMPT ? 1 : 0;
                synchronized (t) {
                    t.state = Task.State.RUNNABLE;
                    t.onCpu = false;
                }
                requeueElsewhere = !putLocked(rq, t, o == Outcome.YIELD);
            }
            case BLOCK -> {
                boolean woken;
                synchronized (t) {
                    woken = t.state == Task.State.RUNNABLE;
                    t.onCpu = false;
                    if (!woken) {
                        t.rq = null;
                    }
                }
                if (woken) {
                    requeueElsewhere = !putLocked(rq, t, true);
                }
            }
            default -> { // EXIT
                synchronized (t) {
                    t.onCpu = false;
                    t.rq = null;
                }
            }
        }
        if (t.dlCpu >= 0 && t.dlThrottled && o != Outcome.EXIT) {
            // budget used up: replenish at the end of the current period
            long at = t.dlDeadline - t.params.deadline() + t.params.period();
            long gen = ++t.dlGen;
            t.dlTimer = addTimerLocked(rq, at, () -> replenish(t, gen));
        }
        return requeueElsewhere;
    }

    /** After {@link #putBackLocked}, without the lock: an exited task's completion, a move to another CPU. */
    private void putBackDone(Task t, Outcome o, boolean requeueElsewhere) {
        if (o == Outcome.EXIT) {
            t.exited.complete();
        }
        if (requeueElsewhere) {
            activate(t, false, -1);
        }
    }

    /** Puts a task back on this queue if it may stay here; false if it must move (affinity, deadline CPU) or wait (throttled). */
    private boolean putLocked(RunQueue rq, Task t, boolean yielded) {
        if ((t.affinity & (1L << rq.cpu)) == 0 || (t.dlCpu >= 0 && t.dlCpu != rq.cpu)) {
            synchronized (t) {
                t.rq = null;
            }
            return false;
        }
        if (t.dlCpu >= 0 && t.dlThrottled) {
            synchronized (t) {
                t.rq = null;
            }
            return true; // neither queued nor moved: the replenishment timer activates it
        }
        synchronized (t) {
            t.rq = rq;
            t.queued = true;
        }
        classOf(rq, t).put(t, yielded);
        return true;
    }

    /** The replenishment timer of generation {@code gen}: a new period for a throttled task. Interrupt context. */
    private void replenish(Task t, long gen) {
        int cpu;
        for (;;) {
            cpu = t.dlCpu;
            if (cpu < 0) {
                return; // no longer a deadline task
            }
            RunQueue rq = rqs[cpu];
            rq.lock.lock();
            try {
                if (t.dlCpu != cpu) {
                    continue; // re-admitted elsewhere meanwhile (setAffinity): follow it
                }
                if (t.dlGen != gen || !t.dlThrottled) {
                    return; // parameters changed since it was armed: setParams took over
                }
                t.dlThrottled = false;
                t.dlTimer = null;
                t.dlDeadline += t.params.period();
                t.dlRuntime = t.params.runtime();
                break;
            } finally {
                rq.lock.unlock();
            }
        }
        synchronized (t) {
            if (t.state != Task.State.RUNNABLE || t.onCpu || t.rq != null) {
                return; // blocked meanwhile (the wake-up enqueues it) or already back
            }
        }
        activate(t, false, cpu);
    }

    /**
     * {@code switch_mm}: makes {@code next} the context active on {@code rq}'s vCPU, deactivating
     * the previous one; nothing if it is already active (lazy). vCPU thread.
     */
    private static void switchMm(RunQueue rq, MmContext next) {
        MmContext prev = rq.activeMm;
        if (next == null || next == prev) {
            return;
        }
        if (prev != null) {
            prev.deactivate(rq.vcpu);
        }
        rq.activeMm = next;
        next.activate(rq.vcpu);
    }

    /**
     * Runs the task until it gives the vCPU back or is preempted, following direct switches:
     * the task that finally gives the vCPU back to this thread, the one the outcome is for, is
     * left in {@code rq.vcpuTask}. vCPU thread.
     */
    private Outcome run(RunQueue rq, Task t) {
        Vcpu v = rq.vcpu;
        for (;;) {
            rq.vcpuTask = t;
            CpuState u = t.user;
            if (u != null) {
                Cpu c = v.cpu();
                c.load(u);
                switchMm(rq, t.mm);
                rq.inUser = true;
                Exit e = null;
                try {
                    for (;;) {
                        if (rq.needResched || t.killed || !running) {
                            e = null;
                            break;
                        }
                        e = v.runUser(Long.MAX_VALUE);
                        if (e == Exit.INTERRUPT) {
                            v.serviceInterrupts();
                            continue;
                        }
                        if (e == Exit.BUDGET) {
                            e = null; // the vCPU is stopping
                        }
                        break;
                    }
                } finally {
                    rq.inUser = false;
                    c.save(u);
                }
                if (e == null && !t.killed) {
                    return Outcome.PREEMPT; // resume this user context when picked again
                }
                t.userExit = e;
                t.userVector = e == Exit.EXCEPTION ? c.vector() : -1;
                t.user = null;
            }
            Task.Handback h = runKernel(rq, t);
            t = rq.handbackTask; // t, or a task a direct switch made current meanwhile
            rq.vcpuTask = t;
            switch (h) {
                case USER -> {
                    continue; // its user code (a request, or a preempted context a direct switch picked)
                }
                case YIELD -> {
                    return t.interruptRequested ? Outcome.PREEMPT : Outcome.YIELD;
                }
                case BLOCK -> {
                    return Outcome.BLOCK;
                }
                case SWITCHED -> {
                    return Outcome.SWITCHED;
                }
                default -> {
                    return Outcome.EXIT;
                }
            }
        }
    }

    /**
     * Grants the task's thread the CPU and waits for a hand-back to this thread (from it, or from
     * whichever task direct switches made current since), taking interrupts meanwhile. A wake-up
     * that brought neither a hand-back nor an interrupt is most likely other work for the vCPU
     * ({@link Vcpu#execute}): the next switch then goes through this thread
     * ({@code vcpuWanted}). Not the first such wake-up of a call: that may be a stale unpark
     * permit (a hand-back taken without parking, the {@code execute} of the next pass by this
     * thread itself, an interrupt kick during user code), and taking it for work would send the
     * next switch through this thread again and again. Work that came first waits for the
     * {@link #MAX_DIRECT} bound (usually a stale permit was there to be taken first).
     */
    private Task.Handback runKernel(RunQueue rq, Task t) {
        t.granted = true;
        LockSupport.unpark(t.thread);
        Task.Handback h;
        int empty = 0;
        while ((h = rq.handback) == null) {
            LockSupport.park(rq);
            if (rq.vcpu.serviceInterrupts() == 0 && rq.handback == null && ++empty > 1) {
                rq.vcpuWanted = true;
            }
        }
        rq.handback = null;
        return h;
    }

    /**
     * The task's side of the handoff: gives the vCPU up and, unless exiting, waits to be granted
     * one again. A switch away from kernel code goes directly to the next task when it can
     * ({@link #switchDirect}); otherwise (or for user code) the vCPU thread is handed the CPU.
     */
    void handback(Task t, Task.Handback h) {
        RunQueue rq = t.rq;
        if (rq == null) {
            rq = rqs[Math.max(0, t.cpu)];
        }
        if (h != Task.Handback.USER && switchDirect(rq, t, h)) {
            return;
        }
        signalVcpu(rq, t, h);
        if (h == Task.Handback.EXIT) {
            return;
        }
        awaitGrant(t);
    }

    /** Hands the vCPU thread of {@code rq} the CPU: {@code h} for {@code t}. */
    private static void signalVcpu(RunQueue rq, Task t, Task.Handback h) {
        rq.handbackTask = t;
        rq.handback = h; // publishes handbackTask
        LockSupport.unpark(rq.vcpu.thread());
    }

    private void awaitGrant(Task t) {
        while (!t.granted) {
            LockSupport.park(this);
        }
        t.granted = false;
    }

    /**
     * A direct switch (one host handoff instead of two): the task giving the CPU up does on its
     * own thread, under the run-queue lock, what the vCPU thread's pass would do
     * ({@link #putBackLocked}, the pick, {@link #startLocked}), then grants the next task's
     * thread the CPU itself; the vCPU thread stays parked in {@link #runKernel}, taking the
     * CPU's interrupts, and follows whichever task is current. The vCPU thread is handed the
     * CPU instead when the next task has a user context to resume (switch_mm and user code run
     * there) or nothing is left to run (the pass ends: idle, passes, load balancing as before).
     *
     * <p>Not done (false, nothing changed; the vCPU thread does it all) for an exiting task with
     * an address space (it is deactivated on the vCPU thread), after {@link #MAX_DIRECT} direct
     * switches in a row, or when the vCPU thread saw other work for the vCPU: passes still
     * interleave with {@link Vcpu#execute} work.
     *
     * @return true once done: the caller (unless exiting) holds a CPU again
     */
    private boolean switchDirect(RunQueue rq, Task t, Task.Handback h) {
        Outcome o = switch (h) {
            case YIELD -> t.interruptRequested ? Outcome.PREEMPT : Outcome.YIELD;
            case BLOCK -> Outcome.BLOCK;
            default -> Outcome.EXIT;
        };
        if ((o == Outcome.EXIT && t.mm != null) || rq.vcpuWanted) {
            return false;
        }
        Task next;
        boolean requeueElsewhere;
        boolean nextUser = false;
        rq.lock.lock();
        try {
            if (rq.curr != t || t.rq != rq || !running || rq.directRun >= MAX_DIRECT || rq.vcpuWanted) {
                return false;
            }
            long now = now();
            requeueElsewhere = putBackLocked(rq, t, o, now);
            next = pickLocked(rq);
            if (next == null) {
                rq.directRun = 0;
                program(rq);
            } else {
                rq.directRun++;
                startLocked(rq, next, now);
                nextUser = next.user != null; // a preempted user context
                if (next != t && !nextUser) {
                    rq.directSwitches++;
                }
            }
        } finally {
            rq.lock.unlock();
        }
        if (next == null) {
            signalVcpu(rq, t, Task.Handback.SWITCHED); // the pass ends
        } else if (nextUser) {
            signalVcpu(rq, next, Task.Handback.USER); // its user code resumes on the vCPU thread
        } else if (next != t) {
            next.granted = true;
            LockSupport.unpark(next.thread);
        }
        putBackDone(t, o, requeueElsewhere);
        if (o != Outcome.EXIT && next != t) {
            awaitGrant(t);
        }
        return true;
    }

    // ------------------------------------------------------------------ called by the current task

    Task self() {
        Task t = CURRENT.get();
        if (t == null || t.sched != this) {
            return null;
        }
        return t;
    }

    /** Marks the current task BLOCKED: the first half of a sleep; call {@link #block} next. */
    void prepareBlock(Task t) {
        synchronized (t) {
            t.state = Task.State.BLOCKED;
        }
    }

    /** Gives the vCPU up unless a wake-up came since {@link #prepareBlock}; returns once woken and running. */
    void block(Task t) {
        synchronized (t) {
            if (t.state != Task.State.BLOCKED) {
                t.state = Task.State.RUNNING;
                return;
            }
        }
        handback(t, Task.Handback.BLOCK);
    }

    /** Undoes {@link #prepareBlock} without sleeping (the condition came true). */
    void cancelBlock(Task t) {
        synchronized (t) {
            t.state = Task.State.RUNNING;
        }
    }

    void yield(Task t, boolean preempt) {
        t.interruptRequested = preempt;
        handback(t, Task.Handback.YIELD);
        t.interruptRequested = false;
    }

    boolean needResched(Task t) {
        RunQueue rq = t.rq;
        return rq != null && rq.needResched;
    }

    Exit runUser(Task t, CpuState s) {
        if (t.killed) {
            throw new Killed();
        }
        t.user = s;
        handback(t, Task.Handback.USER);
        if (t.user != null || t.userExit == null) {
            t.user = null;
            throw new Killed();
        }
        return t.userExit;
    }

    /** Sleeps (task: gives the vCPU up; other thread: parks) until the virtual clock reaches {@code deadline}. */
    public void sleepUntil(long deadline) throws InterruptedException {
        Task t = self();
        if (t == null) {
            Thread th = Thread.currentThread();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            Timer tm = timer(deadline, () -> {
                done.set(true);
                LockSupport.unpark(th);
            });
            while (!done.get()) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    tm.cancel();
                    throw new InterruptedException();
                }
            }
            return;
        }
        while (now() < deadline) {
            prepareBlock(t);
            Timer tm = timer(deadline, () -> wake(t));
            block(t);
            tm.cancel();
            if (t.killed) {
                throw new Killed();
            }
        }
    }

    /** Sleeps {@code nanos} of virtual time. */
    public void sleep(long nanos) throws InterruptedException {
        sleepUntil(now() + nanos);
    }

    // ------------------------------------------------------------------ timers and the tick

    /**
     * Arms a timer on the calling CPU (CPU 0 if the caller is not on one). The callback runs in
     * interrupt context on that vCPU when the virtual clock reaches {@code deadline}.
     */
    public Timer timer(long deadline, Runnable callback) {
        int cpu = currentCpu();
        return timer(cpu < 0 ? 0 : cpu, deadline, callback);
    }

    /** Arms a timer on a given CPU. */
    public Timer timer(int cpu, long deadline, Runnable callback) {
        RunQueue rq = rqs[cpu];
        rq.lock.lock();
        try {
            return addTimerLocked(rq, deadline, callback);
        } finally {
            rq.lock.unlock();
        }
    }

    private Timer addTimerLocked(RunQueue rq, long deadline, Runnable callback) {
        Timer tm = new Timer(deadline, callback, rq);
        rq.timers.add(tm);
        if (rq.timers.peek() == tm) {
            program(rq);
        }
        return tm;
    }

    /**
     * Programs the CPU's LAPIC TSC-deadline timer: the earliest of its timers, the tick (only
     * while a task runs: the idle CPU is tickless) and a running deadline task's budget end.
     */
    private void program(RunQueue rq) {
        if (!running && rq.tickVector < 0) {
            return;
        }
        long next = Long.MAX_VALUE;
        Timer first = rq.timers.peek();
        if (first != null) {
            next = first.deadline;
        }
        Task c = rq.curr;
        if (c != null) {
            next = Math.min(next, rq.tickDeadline);
            if (classIndex(c) == SchedClass.DL) {
                next = Math.min(next, c.execStart + Math.max(0, c.dlRuntime));
            }
        }
        if (next != Long.MAX_VALUE) {
            // far deadlines are armed in steps (the handler re-arms): keeps the APIC's arithmetic in range
            next = Math.min(next, now() + MAX_ARM_NANOS);
        }
        long value = next == Long.MAX_VALUE ? 0 : Math.max(1, next);
        if (value != rq.programmed) {
            rq.programmed = value;
            rq.vcpu.lapic().writeTscDeadline(value);
        }
    }

    /** The tick and timer interrupt (vCPU thread): expire timers, account the running task, reprogram. */
    private void timerInterrupt(RunQueue rq) {
        long now = now();
        List<Timer> due = null;
        rq.lock.lock();
        try {
            Timer tm;
            while ((tm = rq.timers.peek()) != null && tm.deadline <= now) {
                rq.timers.poll();
                tm.state = 1;
                if (due == null) {
                    due = new ArrayList<>(2);
                }
                due.add(tm);
            }
        } finally {
            rq.lock.unlock();
        }
        if (due != null) {
            for (Timer tm : due) {
                try {
                    tm.callback.run();
                } catch (Throwable e) {
                    LOG.error("cpu {}: timer callback failed", rq.cpu, e);
                }
            }
        }
        boolean balance = false;
        rq.lock.lock();
        try {
            if (rq.curr != null) {
                if (updateCurr(rq, now)) {
                    resched(rq);
                }
                if (now >= rq.tickDeadline) {
                    rq.ticks++;
                    rq.tickDeadline = now + cfg.tickNanos();
                    balance = rqs.length > 1 && rq.ticks % cfg.balanceTicks() == 0;
                }
            }
            rq.programmed = -1; // the deadline fired: arm again
            program(rq);
        } finally {
            rq.lock.unlock();
        }
        if (balance) {
            balance(rq);
        }
    }

    private void reschedInterrupt(RunQueue rq) {
        // need_resched is already set; taking the interrupt made user code exit
    }

    /** update_curr: charges the running task the time since it was last charged; true if it should be preempted. */
    private boolean updateCurr(RunQueue rq, long now) {
        Task c = rq.curr;
        if (c == null) {
            return false;
        }
        long delta = now - c.execStart;
        if (delta <= 0) {
            return false;
        }
        c.execStart = now;
        c.sumExec += delta;
        c.sliceExec += delta;
        rq.runtime += delta;
        return classOf(rq, c).charge(c, delta);
    }

    // ------------------------------------------------------------------ load balancing

    /** Periodic balance (from the tick): pulls a task from the busiest CPU if it has at least two more. */
    private void balance(RunQueue rq) {
        // nohz kick: an idle CPU has no tick, so a busy one pushes queued work to it
        for (RunQueue o : rqs) {
            if (o != rq && rq.queuedCount() > 0 && idle(o)) {
                pull(o, rq);
            }
        }
        RunQueue busiest = null;
        int most = rq.load() + 1;
        for (RunQueue o : rqs) {
            if (o != rq && o.load() > most) {
                busiest = o;
                most = o.load();
            }
        }
        if (busiest != null) {
            pull(rq, busiest);
        }
    }

    /** Idle balance: a CPU going idle pulls a queued task from a CPU that has one waiting. */
    private void idleBalance(RunQueue rq) {
        if (rqs.length == 1) {
            return;
        }
        for (RunQueue o : rqs) {
            if (o != rq && o.queuedCount() > 0 && o.curr != null) {
                if (pull(rq, o)) {
                    return;
                }
            }
        }
    }

    /** Moves one queued task that may run on {@code to} from {@code from}; true if one moved. */
    private boolean pull(RunQueue to, RunQueue from) {
        Task moved = null;
        from.lock.lock();
        try {
            for (int ci = SchedClass.RT; ci <= SchedClass.IDLE && moved == null; ci++) {
                for (Task t : from.classes[ci].queued()) {
                    if ((t.affinity & (1L << to.cpu)) != 0) {
                        dequeueLocked(from, t);
                        moved = t;
                        break;
                    }
                }
            }
        } finally {
            from.lock.unlock();
        }
        if (moved != null) {
            if (moved.cpu < 0) {
                moved.cpu = from.cpu; // never ran: it still moves from 'from' (counted, vruntime renormalised)
            }
            activate(moved, false, to.cpu, true);
            return true;
        }
        return false;
    }
}
