package kernel.sched;

/**
 * A task's scheduling parameters ({@code struct sched_attr}).
 *
 * @param policy the policy
 * @param priority real-time priority 1..99 for {@link Policy#FIFO} and {@link Policy#RR}, else 0
 * @param nice nice value −20..19 for {@link Policy#NORMAL}, else 0
 * @param runtime {@link Policy#DEADLINE}: budget per period, ns
 * @param deadline {@link Policy#DEADLINE}: relative deadline, ns (runtime ≤ deadline ≤ period)
 * @param period {@link Policy#DEADLINE}: period, ns
 */
public record SchedParams(Policy policy, int priority, int nice, long runtime, long deadline, long period) {
    public SchedParams {
        if (policy == null) {
            throw new IllegalArgumentException("policy");
        }
        switch (policy) {
            case FIFO, RR -> {
                if (priority < 1 || priority > 99) {
                    throw new IllegalArgumentException("real-time priority must be 1..99: " + priority);
                }
            }
            case NORMAL -> {
                if (nice < -20 || nice > 19) {
                    throw new IllegalArgumentException("nice must be -20..19: " + nice);
                }
            }
            case DEADLINE -> {
                if (runtime <= 0 || deadline < runtime || period < deadline) {
                    throw new IllegalArgumentException("deadline task needs 0 < runtime <= deadline <= period: "
                            + runtime + "/" + deadline + "/" + period);
                }
            }
            case IDLE -> {
            }
        }
    }

    public static SchedParams normal(int nice) {
        return new SchedParams(Policy.NORMAL, 0, nice, 0, 0, 0);
    }

    public static SchedParams fifo(int priority) {
        return new SchedParams(Policy.FIFO, priority, 0, 0, 0, 0);
    }

    public static SchedParams rr(int priority) {
        return new SchedParams(Policy.RR, priority, 0, 0, 0, 0);
    }

    public static SchedParams idle() {
        return new SchedParams(Policy.IDLE, 0, 0, 0, 0, 0);
    }

    public static SchedParams deadline(long runtime, long deadline, long period) {
        return new SchedParams(Policy.DEADLINE, 0, 0, runtime, deadline, period);
    }

    /**
     * The kernel's single priority scale (lower is more important), as Linux's {@code prio}:
     * −1 for deadline, 0..98 for real-time (99 − priority), 100..139 for fair (120 + nice),
     * 140 for idle.
     */
    public int prio() {
        return switch (policy) {
            case DEADLINE -> -1;
            case FIFO, RR -> 99 - priority;
            case NORMAL -> 120 + nice;
            case IDLE -> 140;
        };
    }

    /** Runtime over period: the CPU share a deadline task reserves (0 for other policies). */
    public double bandwidth() {
        return policy == Policy.DEADLINE ? (double) runtime / period : 0;
    }

    @Override
    public String toString() {
        return switch (policy) {
            case FIFO, RR -> policy + "/" + priority;
            case NORMAL -> "NORMAL/nice " + nice;
            case DEADLINE -> "DEADLINE/" + runtime + "/" + deadline + "/" + period;
            case IDLE -> "IDLE";
        };
    }
}
