package kernel.sched;

/** A counting semaphore ({@code struct semaphore}): {@link #down()} waits for a unit, {@link #up()} adds one. */
public final class Semaphore {
    private final WaitQueue wq = new WaitQueue();
    private long count;

    public Semaphore(long initial) {
        if (initial < 0) {
            throw new IllegalArgumentException("initial count " + initial);
        }
        this.count = initial;
    }

    /** Takes a unit, waiting for one. */
    public void down() throws InterruptedException {
        wq.await(this::take);
    }

    /** Takes a unit, waiting up to {@code timeoutNanos}; false on timeout. */
    public boolean down(long timeoutNanos) throws InterruptedException {
        return wq.await(this::take, timeoutNanos);
    }

    /** Takes a unit if one is free. */
    public boolean tryDown() {
        synchronized (wq) {
            return take();
        }
    }

    private boolean take() {
        if (count > 0) {
            count--;
            return true;
        }
        return false;
    }

    /** Returns a unit and wakes a waiter. Interrupt-safe. */
    public void up() {
        synchronized (wq) {
            count++;
            wq.wakeUp(1);
        }
    }

    public long count() {
        synchronized (wq) {
            return count;
        }
    }
}
