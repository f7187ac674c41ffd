package kernel.sched;

/**
 * One scheduling class's part of a per-CPU run queue ({@code struct sched_class}). The core
 * calls every method with the run queue's lock held. A task that holds the vCPU ({@code curr})
 * is not in its class's queue; it is put back with {@link #put} when it gives the vCPU up.
 *
 * <p>Classes are tried in order ({@link #DL}, {@link #RT}, {@link #FAIR}, {@link #IDLE}); the
 * first with a runnable task provides the next one, and a woken task of a higher class
 * always preempts the current one.
 */
interface SchedClass {
    int DL = 0, RT = 1, FAIR = 2, IDLE = 3;

    /** Adds a task that became runnable ({@code wakeup}: woken or new, else moved here). */
    void enqueue(Task t, boolean wakeup);

    /** Removes a queued task (migration, parameter change). */
    void dequeue(Task t);

    /**
     * Puts back the task that held the vCPU. {@code yielded}: it gave the vCPU up itself.
     *
     * @return false if the task must not be queued now (a throttled deadline task)
     */
    boolean put(Task t, boolean yielded);

    /** Removes and returns the task to run next, or null. */
    Task pick();

    /** Charges {@code delta} ns to {@code curr}; true if it should give up the vCPU. */
    boolean charge(Task curr, long delta);

    /** True if {@code woken} (same class) should preempt {@code curr}. */
    boolean preempts(Task curr, Task woken);

    /** Queued tasks (not counting the running one). */
    int size();

    /** The queued tasks, for statistics and invariant checks. */
    java.util.List<Task> queued();
}
