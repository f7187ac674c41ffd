package kernel.sched;

import java.util.concurrent.TimeUnit;

/**
 * A one-shot event a task waits for and an interrupt handler signals ({@code struct
 * completion}). {@link #complete()} never blocks and may be called from interrupt context,
 * before or after the waiter starts waiting: a completion is never lost.
 * {@link #reinit()} makes it usable again for the next request.
 */
public final class Completion {
    private boolean done;

    /** Signals the completion and wakes every waiter. Interrupt-safe. */
    public synchronized void complete() {
        done = true;
        notifyAll();
    }

    /** True once {@link #complete()} has been called (and not reinitialised since). */
    public synchronized boolean isDone() {
        return done;
    }

    /** Waits until completed. */
    public synchronized void await() throws InterruptedException {
        while (!done) {
            wait();
        }
    }

    /**
     * Waits until completed or until {@code timeout} passes.
     *
     * @return true if completed, false on timeout
     */
    public synchronized boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!done) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Resets to not-completed. The caller must know no one is waiting. */
    public synchronized void reinit() {
        done = false;
    }
}
