package platform.pc;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time base of the interrupt controllers' timers (LAPIC timer, TSC deadline): a
 * monotonic nanosecond clock and a way to run a callback when it reaches a given time.
 *
 * <p>This is a deliberately tiny interface so that the platform's virtual clock (another
 * module part, {@code platform.pc.time}) can be adapted to it. Contract:
 * <ul>
 *   <li>{@link #nanos()} never goes backwards;</li>
 *   <li>{@link #schedule} never runs the task on the calling thread during the call (the
 *       caller may hold locks); the task runs once, at or after {@code atNanos}, unless
 *       cancelled first;</li>
 *   <li>the TSC is derived from the same clock: {@link #tsc()} and {@link #tscToNanos}.
 *       The defaults model a 1 GHz TSC (one tick per nanosecond).</li>
 * </ul>
 */
public interface TimerSource {
    /** A scheduled callback. */
    interface Handle {
        /** Cancels the callback if it has not run yet (idempotent). */
        void cancel();
    }

    /** The current time in nanoseconds (monotonic, arbitrary origin). */
    long nanos();

    /** Runs {@code task} once when {@link #nanos()} reaches {@code atNanos}. */
    Handle schedule(long atNanos, Runnable task);

    /** The time-stamp counter now. Default: 1 GHz, i.e. {@link #nanos()}. */
    default long tsc() {
        return nanos();
    }

    /** The {@link #nanos()} time at which the TSC reads {@code tsc}. Default: identity. */
    default long tscToNanos(long tsc) {
        return tsc;
    }

    /**
     * Host time ({@link System#nanoTime()}) with callbacks on one shared daemon thread,
     * created at the first {@link #schedule}. Not deterministic: for a machine that has
     * no virtual clock yet.
     */
    static TimerSource host() {
        return HostTimer.INSTANCE;
    }

    /** The implementation of {@link #host()}. */
    final class HostTimer implements TimerSource {
        static final HostTimer INSTANCE = new HostTimer();
        private volatile ScheduledThreadPoolExecutor exec;

        private HostTimer() {
        }

        @Override
        public long nanos() {
            return System.nanoTime();
        }

        private ScheduledThreadPoolExecutor exec() {
            ScheduledThreadPoolExecutor e = exec;
            if (e == null) {
                synchronized (this) {
                    e = exec;
                    if (e == null) {
                        e = new ScheduledThreadPoolExecutor(1, r -> {
                            Thread t = new Thread(r, "apic-timer");
                            t.setDaemon(true);
                            return t;
                        });
                        e.setRemoveOnCancelPolicy(true);
                        exec = e;
                    }
                }
            }
            return e;
        }

        @Override
        public Handle schedule(long atNanos, Runnable task) {
            long delay = Math.max(0, atNanos - System.nanoTime());
            ScheduledFuture<?> f = exec().schedule(task, delay, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
