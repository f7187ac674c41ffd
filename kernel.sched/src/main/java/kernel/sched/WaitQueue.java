package kernel.sched;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A wait queue ({@code wait_queue_head_t}): tasks wait for a condition, wakers change it and
 * wake them. The condition is evaluated with the queue's monitor held, so a waker that
 * changes it inside {@code synchronized (queue)} (or before calling a wake method, which takes
 * the monitor) can never be missed: a waiter is on the queue, marked BLOCKED, before it gives
 * its vCPU up, and a wake-up between the two keeps it running.
 *
 * <p>Waiters are tasks (they give their vCPU back) or plain threads (they park; timeouts are
 * then in host time). Wakers may run anywhere, interrupt handlers and timer callbacks
 * included.
 */
public final class WaitQueue {
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

    static final class Waiter {
        final Task task;
        final Thread thread;
        volatile boolean woken;

        Waiter(Task task) {
            this.task = task;
            this.thread = Thread.currentThread();
        }

        void wake() {
            woken = true;
            if (task != null) {
                task.sched.wake(task);
            } else {
                LockSupport.unpark(thread);
            }
        }
    }

    /** Waits until {@code condition} holds (evaluated under this queue's monitor; it may consume state). */
    public void await(BooleanSupplier condition) throws InterruptedException {
        await(condition, -1);
    }

    /**
     * Waits until {@code condition} holds or {@code timeoutNanos} pass (virtual clock for a task,
     * host time for a thread; negative: no limit).
     *
     * @return true if the condition holds, false on timeout
     * @throws InterruptedException a thread that is not a task was interrupted
     * @throws Scheduler.Killed the waiting task was killed
     */
    public boolean await(BooleanSupplier condition, long timeoutNanos) throws InterruptedException {
        Task t = Task.current();
        Waiter w = new Waiter(t);
        if (t == null) {
            return awaitThread(w, condition, timeoutNanos);
        }
        Scheduler s = t.sched;
        long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : s.now() + timeoutNanos;
        Timer tm = null;
        try {
            for (;;) {
                synchronized (this) {
                    if (condition.getAsBoolean()) {
                        waiters.remove(w);
                        return true;
                    }
                    if (t.killed) {
                        waiters.remove(w);
                        throw new Scheduler.Killed();
                    }
                    if (deadline != Long.MAX_VALUE && s.now() >= deadline) {
                        waiters.remove(w);
                        if (w.woken) {
                            wakeUpLocked(1); // pass an exclusive wake-up on
                        }
                        return false;
                    }
                    if (!w.woken && !contains(w)) {
                        waiters.addLast(w);
                    } else if (w.woken) {
                        w.woken = false;
                        waiters.addLast(w);
                    }
                    s.prepareBlock(t);
                }
                if (tm == null && deadline != Long.MAX_VALUE) {
                    tm = s.timer(deadline, () -> s.wake(t));
                }
                s.block(t);
            }
        } finally {
            if (tm != null) {
                tm.cancel();
            }
        }
    }

    private boolean contains(Waiter w) {
        for (Waiter x : waiters) {
            if (x == w) {
                return true;
            }
        }
        return false;
    }

    private boolean awaitThread(Waiter w, BooleanSupplier condition, long timeoutNanos) throws InterruptedException {
        long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        try {
            for (;;) {
                synchronized (this) {
                    if (condition.getAsBoolean()) {
                        return true;
                    }
                    if (w.woken || !contains(w)) {
                        w.woken = false;
                        if (!contains(w)) {
                            waiters.addLast(w);
                        }
                    }
                }
                if (deadline == Long.MAX_VALUE) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        synchronized (this) {
                            if (condition.getAsBoolean()) {
                                return true;
                            }
                            if (w.woken) {
                                wakeUpLocked(1);
                            }
                        }
                        return false;
                    }
                    LockSupport.parkNanos(this, left);
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            synchronized (this) {
                waiters.remove(w);
            }
        }
    }

    /** Wakes up to {@code n} waiters, oldest first; returns how many. */
    public synchronized int wakeUp(int n) {
        return wakeUpLocked(n);
    }

    private int wakeUpLocked(int n) {
        int k = 0;
        Iterator<Waiter> it = waiters.iterator();
        while (k < n && it.hasNext()) {
            Waiter w = it.next();
            it.remove();
            w.wake();
            k++;
        }
        return k;
    }

    /** Wakes every waiter. */
    public synchronized int wakeAll() {
        return wakeUpLocked(Integer.MAX_VALUE);
    }

    /** Waiters now. */
    public synchronized int size() {
        return waiters.size();
    }
}
