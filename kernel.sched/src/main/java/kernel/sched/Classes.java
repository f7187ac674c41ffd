package kernel.sched;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/** The four scheduling classes. Each instance is one CPU's queue for its class. */
final class Classes {
    private Classes() {
    }

    /**
     * SCHED_DEADLINE: earliest deadline first among runnable tasks, each served by a
     * constant-bandwidth server: on wake-up, a task whose deadline has passed or whose
     * remaining runtime would exceed its bandwidth before the deadline gets a new deadline
     * ({@code now + D}) and a full budget; a task that uses its budget up is throttled until its
     * next period (replenished by a timer). Tasks are partitioned: each belongs to one CPU,
     * chosen at admission, and moves only when re-admitted elsewhere ({@code setParams},
     * {@code setAffinity}).
     */
    static final class Deadline implements SchedClass {
        private final TreeSet<Task> tree = new TreeSet<>(
                Comparator.comparingLong((Task t) -> t.dlDeadline).thenComparingLong(t -> t.id));
        private final Scheduler s;

        Deadline(Scheduler s) {
            this.s = s;
        }

        @Override
        public void enqueue(Task t, boolean wakeup) {
            if (wakeup) {
                long now = s.now();
                SchedParams p = t.params;
                long left = t.dlDeadline - now;
                // CBS wake-up rule: runtime / (deadline - now) > runtime_max / period -> new server instance
                if (left <= 0 || (double) t.dlRuntime * p.period() > (double) left * p.runtime()) {
                    t.dlDeadline = now + p.deadline();
                    t.dlRuntime = p.runtime();
                }
            }
            tree.add(t);
        }

        @Override
        public void dequeue(Task t) {
            tree.remove(t);
        }

        @Override
        public boolean put(Task t, boolean yielded) {
            if (t.dlThrottled) {
                return false;
            }
            tree.add(t);
            return true;
        }

        @Override
        public Task pick() {
            return tree.pollFirst();
        }

        @Override
        public boolean charge(Task curr, long delta) {
            curr.dlRuntime -= delta;
            if (curr.dlRuntime <= 0) {
                curr.dlThrottled = true;
                return true;
            }
            return !tree.isEmpty() && tree.first().dlDeadline < curr.dlDeadline;
        }

        @Override
        public boolean preempts(Task curr, Task woken) {
            return woken.dlDeadline < curr.dlDeadline;
        }

        @Override
        public int size() {
            return tree.size();
        }

        @Override
        public List<Task> queued() {
            return new ArrayList<>(tree);
        }
    }

    /**
     * SCHED_FIFO and SCHED_RR: one FIFO list per priority; the highest non-empty list runs.
     * A task preempted by a higher priority goes back to the head of its list; an RR task whose
     * quantum ran out, or a task that yields, to the tail.
     */
    static final class RealTime implements SchedClass {
        @SuppressWarnings("unchecked")
        private final ArrayDeque<Task>[] lists = new ArrayDeque[100];
        private int n;
        private final long quantum;

        RealTime(long quantum) {
            this.quantum = quantum;
            for (int i = 0; i < lists.length; i++) {
                lists[i] = new ArrayDeque<>();
            }
        }

        @Override
        public void enqueue(Task t, boolean wakeup) {
            if (t.rrLeft <= 0) {
                t.rrLeft = quantum;
            }
            lists[t.prio].addLast(t);
            n++;
        }

        @Override
        public void dequeue(Task t) {
            if (lists[t.prio].remove(t)) {
                n--;
            }
        }

        @Override
        public boolean put(Task t, boolean yielded) {
            if (yielded || t.rrLeft <= 0) {
                t.rrLeft = quantum;
                lists[t.prio].addLast(t);
            } else {
                lists[t.prio].addFirst(t);
            }
            n++;
            return true;
        }

        @Override
        public Task pick() {
            if (n == 0) {
                return null;
            }
            for (ArrayDeque<Task> l : lists) {
                Task t = l.pollFirst();
                if (t != null) {
                    n--;
                    return t;
                }
            }
            return null;
        }

        @Override
        public boolean charge(Task curr, long delta) {
            if (curr.params.policy() == Policy.RR && curr.prio == curr.params.prio()) {
                curr.rrLeft -= delta;
                if (curr.rrLeft <= 0) {
                    return !lists[curr.prio].isEmpty() || higherThan(curr.prio);
                }
            }
            return higherThan(curr.prio);
        }

        private boolean higherThan(int prio) {
            for (int p = 0; p < prio; p++) {
                if (!lists[p].isEmpty()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean preempts(Task curr, Task woken) {
            return woken.prio < curr.prio;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public List<Task> queued() {
            List<Task> out = new ArrayList<>();
            for (ArrayDeque<Task> l : lists) {
                out.addAll(l);
            }
            return out;
        }
    }

    /**
     * The fair class, CFS: each task's virtual runtime grows by {@code delta * 1024 / weight}
     * (weights from nice, as Linux's {@code sched_prio_to_weight}); the task with the smallest
     * virtual runtime runs next, for a slice of the scheduling period proportional to its
     * weight. A woken task is placed no earlier than {@code min_vruntime - latency/2} and
     * preempts the current task when it is ahead by more than the wake-up granularity.
     */
    static final class Fair implements SchedClass {
        private final TreeSet<Task> tree = new TreeSet<>(
                Comparator.comparingLong((Task t) -> t.vruntime).thenComparingLong(t -> t.id));
        volatile long minVruntime;
        private long load;
        private final Scheduler.Config cfg;

        Fair(Scheduler.Config cfg) {
            this.cfg = cfg;
        }

        @Override
        public void enqueue(Task t, boolean wakeup) {
            if (wakeup) {
                t.vruntime = Math.max(t.vruntime, minVruntime - cfg.latencyNanos() / 2);
            }
            tree.add(t);
            load += t.weight;
        }

        @Override
        public void dequeue(Task t) {
            if (tree.remove(t)) {
                load -= t.weight;
            }
        }

        @Override
        public boolean put(Task t, boolean yielded) {
            tree.add(t);
            load += t.weight;
            return true;
        }

        @Override
        public Task pick() {
            Task t = tree.pollFirst();
            if (t != null) {
                load -= t.weight;
                minVruntime = Math.max(minVruntime, t.vruntime);
            }
            return t;
        }

        @Override
        public boolean charge(Task curr, long delta) {
            curr.vruntime += delta * 1024 / curr.weight;
            long min = curr.vruntime;
            if (!tree.isEmpty()) {
                min = Math.min(min, tree.first().vruntime);
            }
            minVruntime = Math.max(minVruntime, min);
            if (tree.isEmpty()) {
                return false;
            }
            int nr = tree.size() + 1;
            long period = Math.max(cfg.latencyNanos(), nr * cfg.minGranularityNanos());
            long slice = Math.max(cfg.minGranularityNanos(), period * curr.weight / (load + curr.weight));
            return curr.sliceExec >= slice;
        }

        @Override
        public boolean preempts(Task curr, Task woken) {
            return woken.vruntime + cfg.wakeupGranularityNanos() < curr.vruntime;
        }

        @Override
        public int size() {
            return tree.size();
        }

        @Override
        public List<Task> queued() {
            return new ArrayList<>(tree);
        }
    }

    /** SCHED_IDLE: round robin, runs only when no other class has a task. */
    static final class Idle implements SchedClass {
        private final ArrayDeque<Task> list = new ArrayDeque<>();

        @Override
        public void enqueue(Task t, boolean wakeup) {
            list.addLast(t);
        }

        @Override
        public void dequeue(Task t) {
            list.remove(t);
        }

        @Override
        public boolean put(Task t, boolean yielded) {
            list.addLast(t);
            return true;
        }

        @Override
        public Task pick() {
            return list.pollFirst();
        }

        @Override
        public boolean charge(Task curr, long delta) {
            return !list.isEmpty() && curr.sliceExec >= 4_000_000L;
        }

        @Override
        public boolean preempts(Task curr, Task woken) {
            return false;
        }

        @Override
        public int size() {
            return list.size();
        }

        @Override
        public List<Task> queued() {
            return new ArrayList<>(list);
        }
    }
}
