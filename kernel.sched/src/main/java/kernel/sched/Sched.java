package kernel.sched;

import platform.cpu.CpuState;
import platform.cpu.Exit;

/**
 * What a running task calls on itself ({@code schedule()}, {@code cond_resched()},
 * {@code msleep()}...). Every method requires the caller to be a task's thread.
 */
public final class Sched {
    private Sched() {
    }

    private static Task self() {
        Task t = Task.current();
        if (t == null) {
            throw new IllegalStateException("not a task: " + Thread.currentThread().getName());
        }
        return t;
    }

    /** Gives the vCPU up; the task stays runnable (a real-time task goes to the tail of its list). */
    public static void yield() {
        Task t = self();
        t.sched.yield(t, false);
        checkKilled();
    }

    /**
     * A preemption point ({@code cond_resched}): gives the vCPU up if the tick or a wake-up asked
     * for a reschedule. Kernel code is not preempted anywhere else: long loops call this.
     */
    public static void preemptPoint() {
        Task t = self();
        if (t.sched.needResched(t)) {
            t.sched.yield(t, true);
        }
        checkKilled();
    }

    /** True if the scheduler wants the vCPU back ({@code need_resched}). */
    public static boolean needResched() {
        Task t = self();
        return t.sched.needResched(t);
    }

    /**
     * Runs user code: the vCPU loads {@code state}, runs it (preempted by the tick and by more
     * important tasks, transparently) until it exits to the kernel, saves the registers back into
     * {@code state} and returns the exit: {@link Exit#SYSCALL}, {@link Exit#EXCEPTION} (see
     * {@link #lastVector()}) or {@link Exit#HLT}.
     *
     * @throws Scheduler.Killed if the task was killed
     */
    public static Exit runUser(CpuState state) {
        Task t = self();
        return t.sched.runUser(t, state);
    }

    /** The exception vector of the last {@link Exit#EXCEPTION} from {@link #runUser}. */
    public static int lastVector() {
        return self().userVector;
    }

    /** Sleeps {@code nanos} of virtual time, giving the vCPU back. */
    public static void sleep(long nanos) throws InterruptedException {
        self().sched.sleep(nanos);
    }

    /** Sleeps until the virtual clock reads {@code deadline}. */
    public static void sleepUntil(long deadline) throws InterruptedException {
        self().sched.sleepUntil(deadline);
    }

    /** The virtual clock, ns. */
    public static long now() {
        return self().sched.now();
    }

    /** The CPU the task runs on. */
    public static int cpu() {
        return self().cpu;
    }

    /** True once {@link Task#kill()} was called on the current task. */
    public static boolean killed() {
        return self().killed;
    }

    /** Throws {@link Scheduler.Killed} if the current task was killed. */
    public static void checkKilled() {
        if (self().killed) {
            throw new Scheduler.Killed();
        }
    }
}
