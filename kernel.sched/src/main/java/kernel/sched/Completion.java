package kernel.sched;

import java.util.concurrent.TimeUnit;

/**
 * A one-shot event a task waits for and an interrupt handler signals ({@code struct
 * completion}). {@link #complete()} never blocks and may be called from interrupt context,
 * before or after the waiter starts waiting: a completion is never lost.
 * {@link #reinit()} makes it usable again for the next request.
 *
 * <p>A waiting task gives its vCPU back (timeouts on the virtual clock); a waiting thread
 * that is not a task parks (timeouts in host time).
 */
public final class Completion {
    private final WaitQueue wq = new WaitQueue();
    private boolean done;

    /** Signals the completion and wakes every waiter. Interrupt-safe. */
    public void complete() {
        synchronized (wq) {
            done = true;
        }
        wq.wakeAll();
    }

    /** True once {@link #complete()} has been called (and not reinitialised since). */
    public boolean isDone() {
        synchronized (wq) {
            return done;
        }
    }

    /** Waits until completed. */
    public void await() throws InterruptedException {
        wq.await(() -> done);
    }

    /**
     * Waits until completed or until {@code timeout} passes.
     *
     * @return true if completed, false on timeout
     */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return wq.await(() -> done, Math.max(0, unit.toNanos(timeout)));
    }

    /** Resets to not-completed. The caller must know no one is waiting. */
    public void reinit() {
        synchronized (wq) {
            done = false;
        }
    }
}
