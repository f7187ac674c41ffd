package kernel.sched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A sleeping mutual-exclusion lock ({@code struct rt_mutex} / {@code struct mutex}), not
 * reentrant, released only by its owner. Waiters queue by priority and the lock is handed
 * to the most important one on {@link #unlock()}.
 *
 * <p><b>Priority inheritance</b> (default): while a task waits, the owner runs at the higher
 * of its own priority and its waiters' (transitively: an owner that itself waits on another
 * PI mutex passes the boost on). A boost to a real-time priority moves a fair task into the
 * real-time class. Without inheritance ({@code new Mutex(false)}) the classic priority
 * inversion can stall a high-priority waiter behind a medium-priority CPU hog.
 *
 * <p>All PI state (owners, waiter lists, boosts) is guarded by one lock, {@link #PI_LOCK}
 * (taken before run-queue locks). Threads that are not tasks may use the mutex too; they
 * neither give nor get boosts.
 */
public final class Mutex {
    static final Object PI_LOCK = new Object();

    private final boolean inherit;
    private final String name;
    private Object owner; // Task or Thread
    private final List<W> waiters = new ArrayList<>(); // by prio, then arrival

    private static final class W {
        final Object who;
        final Task task;
        int prio;
        volatile boolean granted;

        W(Object who, Task task) {
            this.who = who;
            this.task = task;
            this.prio = task != null ? task.prio : 200;
        }
    }

    public Mutex() {
        this("mutex", true);
    }

    public Mutex(boolean priorityInheritance) {
        this("mutex", priorityInheritance);
    }

    public Mutex(String name, boolean priorityInheritance) {
        this.name = name;
        this.inherit = priorityInheritance;
    }

    public boolean inheritsPriority() {
        return inherit;
    }

    /** The owner (a {@link Task} or a {@link Thread}), or null. */
    public Object owner() {
        synchronized (PI_LOCK) {
            return owner;
        }
    }

    /** Takes the mutex if free. */
    public boolean tryLock() {
        Task me = Task.current();
        Object self = me != null ? me : Thread.currentThread();
        synchronized (PI_LOCK) {
            if (owner == null) {
                acquired(self, me);
                return true;
            }
            return false;
        }
    }

    /** Takes the mutex, waiting as long as needed. */
    public void lock() throws InterruptedException {
        lock(-1);
    }

    /**
     * Takes the mutex, waiting at most {@code timeoutNanos} (virtual clock for a task, host
     * time for a thread; negative: no limit).
     *
     * @return false on timeout
     */
    public boolean lock(long timeoutNanos) throws InterruptedException {
        Task me = Task.current();
        Object self = me != null ? me : Thread.currentThread();
        W w;
        synchronized (PI_LOCK) {
            if (owner == self) {
                throw new IllegalStateException(name + ": already held by the caller");
            }
            if (owner == null) {
                acquired(self, me);
                return true;
            }
            w = new W(self, me);
            insert(w);
            if (me != null) {
                me.blockedOn = this;
            }
            if (inherit) {
                boostOwner();
            }
        }
        if (me == null) {
            return waitThread(w, timeoutNanos);
        }
        Scheduler s = me.sched;
        long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : s.now() + timeoutNanos;
        Timer tm = deadline == Long.MAX_VALUE ? null : s.timer(deadline, () -> s.wake(me));
        try {
            for (;;) {
                synchronized (PI_LOCK) {
                    if (w.granted) {
                        me.blockedOn = null;
                        return true;
                    }
                    if (me.killed || s.now() >= deadline) {
                        giveUp(w, me);
                        if (me.killed) {
                            throw new Scheduler.Killed();
                        }
                        return false;
                    }
                    s.prepareBlock(me);
                }
                s.block(me);
            }
        } finally {
            if (tm != null) {
                tm.cancel();
            }
        }
    }

    private boolean waitThread(W w, long timeoutNanos) throws InterruptedException {
        long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        for (;;) {
            synchronized (PI_LOCK) {
                if (w.granted) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (deadline != Long.MAX_VALUE && left <= 0) {
                    giveUp(w, null);
                    return false;
                }
            }
            if (deadline == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, Math.max(1, deadline - System.nanoTime()));
            }
            if (Thread.interrupted()) {
                synchronized (PI_LOCK) {
                    if (w.granted) {
                        Thread.currentThread().interrupt();
                        return true;
                    }
                    giveUp(w, null);
                }
                throw new InterruptedException();
            }
        }
    }

    /** A waiter leaves (timeout, kill): the owner's boost is recomputed. Holds PI_LOCK. */
    private void giveUp(W w, Task me) {
        waiters.remove(w);
        if (me != null) {
            me.blockedOn = null;
        }
        if (inherit) {
            boostOwner();
        }
    }

    private void acquired(Object self, Task me) {
        owner = self;
        if (me != null) {
            me.heldPi.add(this);
        }
    }

    private void insert(W w) {
        int i = 0;
        while (i < waiters.size() && waiters.get(i).prio <= w.prio) {
            i++;
        }
        waiters.add(i, w);
    }

    /** Releases the mutex and hands it to the most important waiter. */
    public void unlock() {
        Task me = Task.current();
        Object self = me != null ? me : Thread.currentThread();
        W next;
        synchronized (PI_LOCK) {
            if (owner != self) {
                throw new IllegalStateException(name + ": unlock by a non-owner");
            }
            if (me != null) {
                me.heldPi.remove(this);
            }
            next = waiters.isEmpty() ? null : waiters.remove(0);
            owner = null;
            if (next != null) {
                owner = next.who;
                if (next.task != null) {
                    next.task.heldPi.add(this);
                    next.task.blockedOn = null;
                }
                next.granted = true;
                if (inherit && next.task != null) {
                    recompute(next.task); // inherits from the remaining waiters
                }
            }
            if (me != null) {
                recompute(me); // drops the boost this mutex gave
            }
        }
        if (next != null) {
            if (next.task != null) {
                next.task.sched.wake(next.task);
            } else {
                LockSupport.unpark((Thread) next.who);
            }
        }
    }

    /** The most important waiter's priority, or MAX if none. Holds PI_LOCK. */
    int topWaiterPrio() {
        return waiters.isEmpty() ? Integer.MAX_VALUE : waiters.get(0).prio;
    }

    private void boostOwner() {
        if (owner instanceof Task o) {
            recompute(o);
        }
    }

    /**
     * After {@code t}'s own parameters changed ({@code setParams}): re-sorts it among the
     * waiters of the mutex it waits for and passes its new priority on to that mutex's owner
     * ({@code rt_mutex_adjust_pi}). Holds PI_LOCK.
     */
    static void adjustPi(Task t) {
        Mutex m = t.blockedOn;
        if (m == null) {
            return;
        }
        for (W w : m.waiters) {
            if (w.task == t) {
                if (w.prio == t.prio) {
                    return;
                }
                m.waiters.remove(w);
                w.prio = t.prio;
                m.insert(w);
                break;
            }
        }
        if (m.inherit && m.owner instanceof Task o) {
            recompute(o);
        }
    }

    /**
     * Sets {@code t}'s effective priority from its own and its PI mutexes' waiters, and passes
     * a change on along the chain of mutexes it waits for. Holds PI_LOCK.
     */
    static void recompute(Task t) {
        for (int depth = 0; t != null && depth < 64; depth++) {
            int prio = Math.min(t.params.prio(), t.piPrio());
            if (t.params.policy() == Policy.DEADLINE || prio == t.prio) {
                return;
            }
            t.sched.reprio(t, prio);
            Mutex m = t.blockedOn;
            if (m == null) {
                return;
            }
            for (W w : m.waiters) {
                if (w.task == t) {
                    m.waiters.remove(w);
                    w.prio = t.prio;
                    m.insert(w);
                    break;
                }
            }
            t = m.inherit && m.owner instanceof Task o ? o : null;
        }
    }

    @Override
    public String toString() {
        synchronized (PI_LOCK) {
            return "Mutex[" + name + ", owner=" + owner + ", waiters=" + waiters.size() + "]";
        }
    }
}
