package platform.pc.time;

import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The machine's time base: nanoseconds since power-on, from which the TSC, the HPET, the PIT,
 * the LAPIC timer and the RTC derive (issue 4, point 1).
 *
 * <p><b>Modes.</b> A {@linkplain #host() host} clock follows {@link System#nanoTime()} (monotonic)
 * plus an offset; its timer callbacks are fired by one daemon thread that sleeps until the next
 * deadline. A {@linkplain #deterministic() deterministic} clock stands still until
 * {@link #advance(long)} is called (for instance by the vCPU loop, per executed instruction);
 * callbacks whose deadline is reached are fired synchronously inside {@code advance}, in
 * deadline order (ties in scheduling order), with {@link #now()} equal to their deadline while
 * they run. Two deterministic runs that make the same calls therefore see the same times.
 *
 * <p><b>Timers.</b> {@link #schedule(long, Runnable)} arms a one-shot callback at an absolute
 * clock time and returns a {@link Timer} handle; {@link Timer#cancel()} disarms it. A deadline
 * already in the past fires at the next opportunity (the next {@code advance}, or at once in
 * host mode). Callbacks may schedule and cancel timers and read the clock; a deterministic
 * callback must not call {@code advance}. An exception thrown by a deterministic callback
 * propagates out of {@code advance} (the clock then reads that callback's deadline); on the
 * host thread it is logged and the thread keeps running.
 *
 * <p><b>Locking.</b> One lock guards the timer queue and the deterministic time. Callbacks are
 * always run with that lock released, so a device may hold its own lock while calling
 * {@code schedule}/{@code cancel} (lock order: device, then clock) and take it again inside its
 * callback. In host mode a cancel racing with the firing thread may still let the callback run
 * once; devices guard against stale callbacks themselves (e.g. with a generation number).
 */
public final class VirtualClock implements AutoCloseable {
    /** A scheduled callback. */
    public static final class Timer {
        private final VirtualClock clock;
        private final long deadline;
        private final long seq;
        private final Runnable callback;
        private boolean queued; // guarded by clock.lock

        private Timer(VirtualClock clock, long deadline, long seq, Runnable callback) {
            this.clock = clock;
            this.deadline = deadline;
            this.seq = seq;
            this.callback = callback;
        }

        /** The clock time at which the callback fires. */
        public long deadline() {
            return deadline;
        }

        /** Disarms the timer; returns whether it was still pending. */
        public boolean cancel() {
            return clock.cancel(this);
        }
    }

    private final boolean deterministic;
    private final long hostOrigin; // System.nanoTime() at construction (host mode)
    private final long offset; // added to host time
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Timer> queue = new PriorityQueue<>((a, b) -> a.deadline != b.deadline
            ? Long.compare(a.deadline, b.deadline) : Long.compare(a.seq, b.seq));
    private long seq;
    private long detNow; // deterministic time, guarded by lock
    private boolean advancing; // deterministic: inside advance()
    private Thread firer; // host mode: started on first schedule
    private boolean closed;

    private VirtualClock(boolean deterministic, long start) {
        this.deterministic = deterministic;
        this.hostOrigin = System.nanoTime();
        this.offset = start;
        this.detNow = start;
    }

    /** A clock following host monotonic time, reading 0 now. */
    public static VirtualClock host() {
        return new VirtualClock(false, 0);
    }

    /** A clock following host monotonic time, reading {@code offsetNanos} now. */
    public static VirtualClock host(long offsetNanos) {
        return new VirtualClock(false, offsetNanos);
    }

    /** A clock that reads 0 and moves only through {@link #advance(long)}. */
    public static VirtualClock deterministic() {
        return new VirtualClock(true, 0);
    }

    public boolean isDeterministic() {
        return deterministic;
    }

    /** The current time in nanoseconds since power-on. Never decreases. */
    public long now() {
        if (!deterministic) {
            return System.nanoTime() - hostOrigin + offset;
        }
        lock.lock();
        try {
            return detNow;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The value of a counter running at {@code hz} (1..9e9) from power-on, now: e.g. the TSC.
     * Exact: {@code floor(now() * hz / 1e9)} without overflow.
     */
    public long ticks(long hz) {
        return ticksAt(now(), hz);
    }

    /** {@code floor(ns * hz / 1e9)}, exactly, for {@code ns} >= 0 and {@code hz} in 1..9e9. */
    public static long ticksAt(long ns, long hz) {
        return ns / NS * hz + (ns % NS) * hz / NS;
    }

    /** The first clock time at which a counter at {@code hz} reads {@code tick}: the inverse of {@link #ticksAt}. */
    public static long timeOfTick(long tick, long hz) {
        return tick / hz * NS + ((tick % hz) * NS + hz - 1) / hz;
    }

    private static final long NS = 1_000_000_000L;

    /**
     * Deterministic mode: moves time forward by {@code nanos} (>= 0), firing every callback whose
     * deadline is reached, in order, each with the clock set to its deadline.
     *
     * @throws IllegalStateException on a host clock, or if called from inside a callback
     */
    public void advance(long nanos) {
        if (!deterministic) {
            throw new IllegalStateException("advance() on a host-time clock");
        }
        if (nanos < 0) {
            throw new IllegalArgumentException("negative advance " + nanos);
        }
        lock.lock();
        try {
            if (advancing) {
                throw new IllegalStateException("advance() from inside a timer callback");
            }
            advancing = true;
        } finally {
            lock.unlock();
        }
        try {
            long target;
            lock.lock();
            try {
                target = detNow + nanos < detNow ? Long.MAX_VALUE : detNow + nanos;
            } finally {
                lock.unlock();
            }
            while (true) {
                Timer t;
                lock.lock();
                try {
                    t = queue.peek();
                    if (t == null || t.deadline > target) {
                        detNow = target;
                        return;
                    }
                    queue.poll();
                    t.queued = false;
                    if (t.deadline > detNow) {
                        detNow = t.deadline;
                    }
                } finally {
                    lock.unlock();
                }
                t.callback.run();
            }
        } finally {
            lock.lock();
            try {
                advancing = false;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Arms {@code callback} to run once when the clock reaches {@code deadline}. */
    public Timer schedule(long deadline, Runnable callback) {
        if (callback == null) {
            throw new NullPointerException("callback");
        }
        lock.lock();
        try {
            Timer t = new Timer(this, deadline, seq++, callback);
            if (closed) {
                return t; // never fires
            }
            queue.add(t);
            t.queued = true;
            if (!deterministic) {
                if (firer == null) {
                    firer = new Thread(this::fireLoop, "virtual-clock");
                    firer.setDaemon(true);
                    firer.start();
                }
                changed.signalAll();
            }
            return t;
        } finally {
            lock.unlock();
        }
    }

    private boolean cancel(Timer t) {
        lock.lock();
        try {
            if (!t.queued) {
                return false;
            }
            queue.remove(t);
            t.queued = false;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The deadline of the earliest armed timer, or {@link Long#MAX_VALUE} if none: lets a
     * deterministic vCPU end its run slice exactly where a timer falls, and an idle machine
     * warp to it. Never allocates.
     */
    public long nextDeadline() {
        lock.lock();
        try {
            Timer t = queue.peek();
            return t == null ? Long.MAX_VALUE : t.deadline;
        } finally {
            lock.unlock();
        }
    }

    /** Number of armed timers (for tests and diagnostics). */
    public int pendingTimers() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Host mode: the firing thread. Sleeps until the earliest deadline, fires it unlocked. */
    private void fireLoop() {
        while (true) {
            Timer t;
            lock.lock();
            try {
                while (true) {
                    if (closed) {
                        return;
                    }
                    t = queue.peek();
                    if (t == null) {
                        changed.awaitUninterruptibly();
                        continue;
                    }
                    long wait = t.deadline - now();
                    if (wait <= 0) {
                        queue.poll();
                        t.queued = false;
                        break;
                    }
                    try {
                        changed.awaitNanos(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            } finally {
                lock.unlock();
            }
            try {
                t.callback.run();
            } catch (RuntimeException e) {
                // a faulty device callback must not stop time for the others
                System.getLogger("platform.pc.time").log(System.Logger.Level.ERROR, "timer callback failed", e);
            }
        }
    }

    /** Disarms every timer and stops the firing thread. The clock still reads time. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            for (Timer t : queue) {
                t.queued = false;
            }
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
