package kernel.sched;

/**
 * Scheduling policies, grouped into classes that are tried in this order (highest first):
 * {@link #DEADLINE}; {@link #FIFO} and {@link #RR} (the real-time class, priorities 1–99);
 * {@link #NORMAL} (the fair class, nice −20..19); {@link #IDLE}.
 */
public enum Policy {
    /** SCHED_DEADLINE: EDF with a runtime budget per period (constant-bandwidth server). */
    DEADLINE,
    /** SCHED_FIFO: runs until it blocks, yields or a higher priority task wakes. */
    FIFO,
    /** SCHED_RR: FIFO with a time quantum among tasks of equal priority. */
    RR,
    /** SCHED_NORMAL: the fair class (CFS with nice weights). */
    NORMAL,
    /** SCHED_IDLE: runs only when nothing else is runnable. */
    IDLE
}
