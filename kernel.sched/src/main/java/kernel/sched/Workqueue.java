package kernel.sched;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A workqueue: work items run in process context by a pool of kernel tasks
 * ({@code kworker}s), which may block. {@link #queue} is interrupt-safe; {@link #flush()}
 * waits until everything queued before it has run; {@link #close()} drains and ends the
 * workers.
 */
public final class Workqueue implements AutoCloseable {
    private final WaitQueue wq = new WaitQueue();
    private final ArrayDeque<Runnable> items = new ArrayDeque<>();
    private final List<Task> workers = new ArrayList<>();
    private final String name;
    private long queued;
    private long done;
    private boolean closing;
    private long failures;

    /**
     * @param workers how many worker tasks (1: items run one at a time, in order)
     * @param params their scheduling parameters
     */
    public Workqueue(Scheduler sched, String name, int workers, SchedParams params) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers " + workers);
        }
        this.name = name;
        for (int i = 0; i < workers; i++) {
            this.workers.add(sched.spawn("kworker/" + name + ":" + i, params, this::work));
        }
    }

    private void work() throws InterruptedException {
        for (;;) {
            Runnable[] next = new Runnable[1];
            wq.await(() -> {
                next[0] = items.pollFirst();
                return next[0] != null || closing;
            });
            if (next[0] == null) {
                return;
            }
            try {
                next[0].run();
            } catch (Scheduler.Killed k) {
                throw k;
            } catch (Throwable t) {
                synchronized (wq) {
                    failures++;
                }
            }
            synchronized (wq) {
                done++;
                wq.wakeAll();
            }
        }
    }

    /** Queues a work item. */
    public void queue(Runnable item) {
        synchronized (wq) {
            if (closing) {
                throw new IllegalStateException(name + " is closed");
            }
            items.addLast(item);
            queued++;
            wq.wakeAll();
        }
    }

    /** Waits until every item queued so far has run. */
    public void flush() throws InterruptedException {
        long target;
        synchronized (wq) {
            target = queued;
        }
        wq.await(() -> done >= target);
    }

    /** Items that threw. */
    public long failures() {
        synchronized (wq) {
            return failures;
        }
    }

    @Override
    public void close() throws InterruptedException {
        flush();
        synchronized (wq) {
            closing = true;
            wq.wakeAll();
        }
        for (Task t : workers) {
            t.join();
        }
    }
}
