package kernel.sched;

import platform.cpu.CpuState;
import platform.cpu.Exit;

/**
 * A schedulable task: a kernel thread, or the kernel side of a user thread. Its code is Java
 * running on a host thread of its own (a virtual thread by default: its kernel stack), and it
 * runs only while it holds a vCPU (see {@link Scheduler}). User code is run with
 * {@link Sched#runUser(CpuState)}, which the vCPU executes on its own thread.
 *
 * <p>Fields without accessors are the scheduler's, guarded as noted: {@code rq.lock} for
 * run-queue membership and class data; the task's monitor for {@link #state} and
 * {@code onCpu}.
 */
public final class Task {
    /** What a task is doing. */
    public enum State {
        /** Created, not yet started. */
        NEW,
        /** On a run queue, waiting for a vCPU. */
        RUNNABLE,
        /** Holding a vCPU. */
        RUNNING,
        /** Waiting (wait queue, mutex, sleep): gave its vCPU back. */
        BLOCKED,
        /** Finished. */
        DEAD
    }

    /** A task's code. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    final long id;
    final String name;
    final Scheduler sched;
    final Body body;
    Thread thread;

    // -- guarded by this task's monitor
    volatile State state = State.NEW;
    /** True from being picked by a vCPU until that vCPU has put it back (it may still be running its last instructions). */
    boolean onCpu;

    // -- parameters: changed under Mutex.PI_LOCK, and the rq lock of the queue the task is on (queued
    // or running) or else its monitor (off every queue), see Scheduler#setParams
    volatile SchedParams params;
    /** Effective priority (see {@link SchedParams#prio()}), lowered by priority inheritance. */
    volatile int prio;
    volatile long affinity;

    // -- run-queue membership (rq lock)
    volatile RunQueue rq; // the queue it is on (queued or running), null if neither
    boolean queued;
    volatile int cpu = -1; // last CPU
    // fair
    long vruntime;
    int weight = 1024;
    // real-time
    long rrLeft;
    // deadline: the server state (runtime, deadline, throttled) under rqs[dlCpu].lock (or the
    // lock of the queue it runs on); the reservation (dlCpu, dlBw) also under Mutex.PI_LOCK
    long dlRuntime;
    long dlDeadline;
    boolean dlThrottled;
    /** The CPU its bandwidth is reserved on (admission), -1 unless a live deadline task. */
    volatile int dlCpu = -1;
    /** The bandwidth reserved on {@link #dlCpu} (fixed point, see {@link Scheduler#bw}). */
    long dlBw;
    /** Generation of the pending replenishment timer: a stale one (parameters changed since) does nothing. */
    volatile long dlGen;
    /** The pending replenishment timer of a throttled task, or null. */
    volatile Timer dlTimer;
    // accounting
    volatile long sumExec;
    long execStart;
    long sliceExec;
    volatile long switches;
    volatile long migrations;

    // -- handoff between the vCPU thread and the task's thread
    volatile boolean granted;
    volatile boolean killed;
    CpuState user; // a run-user request (or a preempted user context), vCPU thread while on CPU
    volatile MmContext mm; // the address space its user code runs in, or null (see MmContext)
    Exit userExit;
    int userVector;
    volatile boolean interruptRequested;

    // -- priority inheritance (guarded by Mutex.PI_LOCK)
    final java.util.List<Mutex> heldPi = new java.util.ArrayList<>();
    Mutex blockedOn;

    /** The boost inherited through held PI mutexes (MAX if none); deadline waiters boost to real-time 99. Holds Mutex.PI_LOCK. */
    int piPrio() {
        int p = Integer.MAX_VALUE;
        for (Mutex m : heldPi) {
            if (m.inheritsPriority()) {
                p = Math.min(p, m.topWaiterPrio());
            }
        }
        return p < 0 ? 0 : p;
    }

    final Completion exited = new Completion();
    volatile Throwable failure;

    /** Why a task's thread gives the CPU up; SWITCHED (to the vCPU thread only): a direct switch found nothing to run. */
    enum Handback { BLOCK, YIELD, USER, EXIT, SWITCHED }

    Task(Scheduler sched, long id, String name, SchedParams params, long affinity, Body body) {
        this.sched = sched;
        this.id = id;
        this.name = name;
        this.params = params;
        this.prio = params.prio();
        this.affinity = affinity;
        this.body = body;
        this.weight = Scheduler.weight(params);
    }

    /** The calling task, or null if the caller is not a task's thread. */
    public static Task current() {
        return Scheduler.CURRENT.get();
    }

    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    public State state() {
        return state;
    }

    /** The task's own scheduling parameters. */
    public SchedParams params() {
        return params;
    }

    /** The effective priority on {@link SchedParams#prio()}'s scale (boosted while it holds a contended PI mutex). */
    public int effectivePrio() {
        return prio;
    }

    /** The CPU it runs on or last ran on, -1 before its first run. */
    public int cpu() {
        return cpu;
    }

    /** The address space this task's user code runs in (null: the CR3 in its CpuState only). */
    public MmContext mm() {
        return mm;
    }

    /**
     * Sets the address space the scheduler switches in when this task's user code runs (see
     * {@link MmContext}); takes effect at its next user run.
     */
    public void setMm(MmContext context) {
        this.mm = context;
    }

    /** The CPUs it may run on, as a bit mask (bit n = CPU n). */
    public long affinity() {
        return affinity;
    }

    /**
     * A deadline task's runtime left in its current instance, in nanoseconds (Linux's
     * {@code dl.runtime} in {@code /proc/PID/sched}); 0 for other policies.
     */
    public long dlRuntimeLeft() {
        return params.policy() == Policy.DEADLINE ? dlRuntime : 0;
    }

    /** A deadline task's current absolute deadline on the virtual clock ({@code dl.deadline}); 0 for other policies. */
    public long dlDeadline() {
        return params.policy() == Policy.DEADLINE ? dlDeadline : 0;
    }

    /** Nanoseconds (virtual clock) spent holding a vCPU. */
    public long runtime() {
        return sumExec;
    }

    /** Times it was given a vCPU. */
    public long switches() {
        return switches;
    }

    /** Times it moved to another CPU's run queue. */
    public long migrations() {
        return migrations;
    }

    public Scheduler scheduler() {
        return sched;
    }

    /** Waits until the task has ended (any thread; a task waiting gives its vCPU back). */
    public void join() throws InterruptedException {
        exited.await();
    }

    /** Waits up to {@code timeoutNanos} of host time; true if the task ended. */
    public boolean join(long timeoutNanos) throws InterruptedException {
        return exited.await(timeoutNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** The exception the body threw, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Asks the task to end: {@link Sched#killed()} turns true, and user code stops at the next tick. */
    public void kill() {
        killed = true;
        sched.kick(this);
    }

    @Override
    public String toString() {
        return "Task[" + id + " " + name + " " + state + " " + params + "]";
    }
}
