package platform.pc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A deterministic {@link TimerSource}: time moves only with {@link #advance}. */
final class FakeTimer implements TimerSource {
    private static final class Task implements Handle {
        final long at;
        final Runnable run;
        boolean cancelled;

        Task(long at, Runnable run) {
            this.at = at;
            this.run = run;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private long now = 1_000_000; // arbitrary non-zero origin
    private final List<Task> tasks = new ArrayList<>();

    @Override
    public synchronized long nanos() {
        return now;
    }

    @Override
    public synchronized Handle schedule(long atNanos, Runnable task) {
        Task t = new Task(atNanos, task);
        tasks.add(t);
        return t;
    }

    /** Advances time by {@code ns}, running each due task at its own time, in time order. */
    void advance(long ns) {
        long end;
        synchronized (this) {
            end = now + ns;
        }
        while (true) {
            Task next;
            synchronized (this) {
                tasks.removeIf(t -> t.cancelled);
                next = tasks.stream().filter(t -> t.at <= end).min(Comparator.comparingLong(t -> t.at)).orElse(null);
                if (next == null) {
                    now = end;
                    return;
                }
                tasks.remove(next);
                now = Math.max(now, next.at);
            }
            next.run.run();
        }
    }

    synchronized int scheduledCount() {
        tasks.removeIf(t -> t.cancelled);
        return tasks.size();
    }
}
