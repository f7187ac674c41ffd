package kernel.sched;

/**
 * A one-shot timer on the machine's virtual clock with nanosecond resolution ({@code hrtimer}):
 * each CPU keeps its timers in a heap and programs its local APIC's TSC-deadline timer for the
 * earliest (or the scheduler tick, if earlier). The callback runs on that vCPU's thread in
 * interrupt context: it must not block (it may wake tasks, complete completions, arm timers).
 * Made by {@link Scheduler#timer}.
 */
public final class Timer implements Comparable<Timer> {
    private static final java.util.concurrent.atomic.AtomicLong SEQ = new java.util.concurrent.atomic.AtomicLong();
    final long deadline;
    final Runnable callback;
    final RunQueue rq;
    private final long seq = SEQ.incrementAndGet();
    /** 0 armed, 1 fired, 2 cancelled; guarded by rq.lock. */
    int state;

    Timer(long deadline, Runnable callback, RunQueue rq) {
        this.deadline = deadline;
        this.callback = callback;
        this.rq = rq;
    }

    /** The expiry time, ns on the virtual clock. */
    public long deadline() {
        return deadline;
    }

    /** Cancels the timer; true if it had not fired yet. */
    public boolean cancel() {
        rq.lock.lock();
        try {
            if (state != 0) {
                return false;
            }
            state = 2;
            rq.timers.remove(this);
            return true;
        } finally {
            rq.lock.unlock();
        }
    }

    /** True once the callback has been run. */
    public boolean fired() {
        rq.lock.lock();
        try {
            return state == 1;
        } finally {
            rq.lock.unlock();
        }
    }

    @Override
    public int compareTo(Timer o) {
        int c = Long.compare(deadline, o.deadline);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }
}
