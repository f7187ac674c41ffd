package kernel.sched.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import kernel.core.selftest.Check;
import kernel.core.selftest.SelfTest;
import kernel.core.selftest.SelfTestSuite;
import kernel.sched.Completion;
import kernel.sched.Mutex;
import kernel.sched.RwSemaphore;
import kernel.sched.Sched;
import kernel.sched.SchedParams;
import kernel.sched.Scheduler;
import kernel.sched.Semaphore;
import kernel.sched.Task;
import kernel.sched.Timer;
import kernel.sched.WaitQueue;
import kernel.sched.Workqueue;
import platform.cpu.CpuState;

/**
 * The scheduler's self-tests, written once: registered as {@link SelfTestSuite}s in the booted
 * kernel (run by {@code selftest sched}) and run by JUnit through a {@code @TestFactory}. Every
 * time is a multiple of the scheduler's tick, so the same tests hold with the 1 ms tick of the
 * booted kernel (host clock) and the 100 µs tick of the unit tests (deterministic clock).
 * CPU-bound work is real user code ({@link UserLoop}), so preemption is by the LAPIC timer.
 */
public final class SchedSuites {
    private final Scheduler s;
    private final Supplier<UserLoop> user;
    /** Host-time limit for joins: a test that hangs (a lost wake-up) fails instead. */
    static final long JOIN_NANOS = 60_000_000_000L;

    public SchedSuites(Scheduler s, Supplier<UserLoop> user) {
        this.s = s;
        this.user = user;
    }

    /** The suites: sched.core, sched.fair, sched.rt, sched.deadline, sched.sync, sched.smp. */
    public List<SelfTestSuite> suites() {
        return List.of(
                suite("sched.core", List.of(
                        new SelfTest("kernel tasks run, yield, sleep and exit; invariants hold", this::churn),
                        new SelfTest("the LAPIC tick preempts user tasks", this::tickPreempts),
                        new SelfTest("kernel code gives way only at preemption points", this::preemptionPoints),
                        new SelfTest("timers fire in deadline order, not before their deadline; cancel works", this::timers),
                        new SelfTest("kill ends a task that is blocked, in user code or queued", this::kill),
                        new SelfTest("setParams moves a task between classes at once", this::setParams),
                        new SelfTest("switch_mm: address spaces are switched lazily on the vCPU that runs the user code", this::switchMm))),
                suite("sched.fair", List.of(
                        new SelfTest("nice 0 and nice 5 share a CPU within 10% of 1024:335", this::niceRatio))),
                suite("sched.rt", List.of(
                        new SelfTest("a FIFO task preempts a fair task within one tick", this::fifoPreemptsFair),
                        new SelfTest("SCHED_RR tasks of equal priority take turns; FIFO runs to completion", this::roundRobin))),
                suite("sched.deadline", List.of(
                        new SelfTest("EDF meets every deadline of an admitted task set", this::edfMeetsDeadlines),
                        new SelfTest("admission control refuses an over-committed task set", this::admission),
                        new SelfTest("a fair task that makes itself DEADLINE meets every deadline beside a fair hog", this::dlSwitchMeetsDeadlines),
                        new SelfTest("setParams to DEADLINE admits a queued task and preempts a FIFO hog at once", this::dlSwitchPreempts),
                        new SelfTest("setParams admission: over-commit refused unchanged, DEADLINE -> fair returns the bandwidth", this::dlSetParamsAdmission))),
                suite("sched.sync", List.of(
                        new SelfTest("priority inversion: a PI mutex lets the high task through", () -> inversion(true)),
                        new SelfTest("priority inversion: a plain mutex stalls the high task (bounded wait)", () -> inversion(false)),
                        new SelfTest("priority inheritance follows setParams to and from DEADLINE", this::dlInheritance),
                        new SelfTest("no lost wake-ups: 100000-item producer/consumer on all vCPUs", this::producerConsumer),
                        new SelfTest("completions: before and after the wait, timeout on the virtual clock", this::completions),
                        new SelfTest("counting semaphore and rw-semaphore exclusion", this::semaphores),
                        new SelfTest("workqueue runs every item, flush waits", this::workqueue))),
                suite("sched.smp", List.of(
                        new SelfTest("affinity: a task moves when its mask excludes its CPU", this::affinity),
                        new SelfTest("load balancing spreads tasks queued on one CPU", this::balancing),
                        new SelfTest("a deadline task is re-admitted and migrated by setAffinity and setParams, or refused", this::dlMigrate),
                        new SelfTest("setParams/setAffinity churn on busy tasks keeps the invariants; all bandwidth returns", this::dlChurn))));
    }

    private static SelfTestSuite suite(String name, List<SelfTest> tests) {
        return new SelfTestSuite() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<SelfTest> tests() {
                return tests;
            }
        };
    }

    private long tick() {
        return s.config().tickNanos();
    }

    private volatile double nsPerIteration;

    /**
     * Loop iterations of {@link UserLoop#burn} that take about {@code nanos} of clock time on
     * the test CPU: 2 ns each on the deterministic clock, measured once on the host clock.
     */
    private long iters(long nanos) throws InterruptedException {
        if (nsPerIteration == 0) {
            UserLoop u = user.get();
            double[] r = new double[1];
            Task t = s.spawn("calibrate", SchedParams.fifo(99), mask(), () -> {
                CpuState st = u.newState();
                u.burn(st, 10_000); // warm the code cache
                long[] runs = new long[5]; // the median of five: robust to a host hiccup either way
                for (int i = 0; i < runs.length; i++) {
                    long t0 = Sched.now();
                    u.burn(st, 100_000);
                    runs[i] = Sched.now() - t0;
                }
                java.util.Arrays.sort(runs);
                r[0] = runs[runs.length / 2] / 100_000.0;
            });
            join(t);
            nsPerIteration = Math.max(0.1, r[0]);
        }
        return Math.max(1, (long) (nanos / nsPerIteration));
    }

    /** The CPU single-CPU tests run on: the last one (the BSP has the most other work). */
    private int cpu() {
        return s.cpus() - 1;
    }

    private long mask() {
        return 1L << cpu();
    }

    private static void join(Task... tasks) throws InterruptedException {
        for (Task t : tasks) {
            if (!t.join(JOIN_NANOS)) {
                t.kill();
                throw new AssertionError("task " + t.id() + " (" + t.name() + ") did not finish: " + t.state());
            }
            if (t.failure() != null) {
                throw new AssertionError("task " + t.name() + " failed: " + t.failure(), t.failure());
            }
        }
    }

    private static void killAll(Task... tasks) throws InterruptedException {
        for (Task t : tasks) {
            t.kill();
        }
        for (Task t : tasks) {
            t.join(JOIN_NANOS);
        }
    }

    // ------------------------------------------------------------------ sched.core

    void churn() throws Exception {
        AtomicInteger done = new AtomicInteger();
        List<Task> ts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int k = i;
            ts.add(s.spawn("churn-" + i, SchedParams.normal(k % 3), () -> {
                for (int j = 0; j < 50; j++) {
                    if (j % 5 == 0) {
                        Sched.sleep(tick() / 4 + k);
                    } else {
                        Sched.yield();
                    }
                }
                done.incrementAndGet();
            }));
        }
        long end = System.nanoTime() + JOIN_NANOS;
        while (done.get() < 8 && System.nanoTime() < end) {
            s.checkInvariants();
            Thread.sleep(1);
        }
        join(ts.toArray(Task[]::new));
        s.checkInvariants();
        Check.equal(8, done.get(), "tasks finished");
        for (Task t : ts) {
            Check.equal(Task.State.DEAD, t.state(), "state of " + t.name());
            Check.isTrue(t.switches() >= 10, "switches of " + t.name() + ": " + t.switches());
        }
    }

    void tickPreempts() throws Exception {
        UserLoop u = user.get();
        long[] finish = new long[2];
        long before = stat(cpu()).preemptions();
        long work = iters(40 * tick()); // clock time of work each
        Task a = s.spawn("tick-a", SchedParams.normal(0), mask(), () -> {
            u.burn(u.newState(), work);
            finish[0] = Sched.now();
        });
        Task b = s.spawn("tick-b", SchedParams.normal(0), mask(), () -> {
            u.burn(u.newState(), work);
            finish[1] = Sched.now();
        });
        join(a, b);
        long first = Math.min(finish[0], finish[1]);
        long last = Math.max(finish[0], finish[1]);
        long preempts = stat(cpu()).preemptions() - before;
        Check.isTrue(preempts >= 4, "user tasks preempted by the tick: " + preempts);
        // without preemption the first would end after half the total; interleaved, near the end
        Check.isTrue(first - (last - first) > last - first, "interleaved: finished at " + first + " and " + last);
    }

    void preemptionPoints() throws Exception {
        AtomicBoolean started = new AtomicBoolean();
        AtomicBoolean fifoRan = new AtomicBoolean();
        AtomicLong loops = new AtomicLong();
        long[] seenAt = new long[1];
        Task kernel = s.spawn("cond-resched", SchedParams.normal(0), mask(), () -> {
            started.set(true);
            while (!fifoRan.get()) { // CPU-bound Java: without the preemption point it would never give way
                loops.incrementAndGet();
                Sched.preemptPoint();
            }
            seenAt[0] = loops.get();
        });
        long end = System.nanoTime() + JOIN_NANOS;
        while (!started.get() && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        long before = loops.get();
        Task rt = s.spawn("fifo-over-kernel", SchedParams.fifo(10), mask(), () -> fifoRan.set(true));
        join(rt, kernel);
        Check.isTrue(before > 0 && seenAt[0] >= before, "the kernel task was looping when the FIFO task came: " + before);
        Check.isTrue(kernel.switches() >= 2, "the kernel task gave the vCPU up and got it back: " + kernel.switches());
    }

    void kill() throws Exception {
        UserLoop u = user.get();
        Completion never = new Completion();
        AtomicBoolean userStarted = new AtomicBoolean();
        Task blocked = s.spawn("kill-blocked", SchedParams.normal(0), mask(), never::await);
        long end = System.nanoTime() + JOIN_NANOS;
        while (blocked.state() != Task.State.BLOCKED && System.nanoTime() < end) {
            Thread.sleep(1); // blocked before the FIFO task comes (else it would wait behind it, queued)
        }
        Task spinning = s.spawn("kill-user", SchedParams.fifo(5), mask(), () -> {
            CpuState st = u.newState();
            userStarted.set(true);
            for (;;) {
                u.burn(st, 1L << 40); // effectively forever
            }
        });
        Task queued = s.spawn("kill-queued", SchedParams.idle(), mask(), never::await); // never runs while the FIFO task spins
        while ((!userStarted.get() || blocked.state() != Task.State.BLOCKED) && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        Check.equal(Task.State.RUNNABLE, queued.state(), "the idle-class task waits behind the FIFO one");
        Check.equal(0, queued.switches(), "the idle-class task has not run");
        for (Task t : List.of(blocked, spinning, queued)) {
            t.kill();
        }
        join(blocked, spinning, queued);
        for (Task t : List.of(blocked, spinning, queued)) {
            Check.equal(Task.State.DEAD, t.state(), t.name());
        }
    }

    void setParams() throws Exception {
        UserLoop u = user.get();
        AtomicBoolean stop = new AtomicBoolean();
        long[] ranAfter = new long[1];
        long chunk = iters(tick());
        Task hog = s.spawn("params-hog", SchedParams.fifo(20), mask(), () -> {
            CpuState st = u.newState();
            while (!stop.get()) {
                u.burn(st, chunk);
            }
        });
        Task fair = s.spawn("params-fair", SchedParams.normal(0), mask(), () -> ranAfter[0] = Sched.now());
        s.sleep(20 * tick());
        Check.equal(Task.State.RUNNABLE, fair.state(), "a fair task waits behind a FIFO hog");
        s.setParams(fair, SchedParams.fifo(30));
        join(fair);
        Check.isTrue(ranAfter[0] > 0, "the task ran once it was made FIFO 30");
        s.setParams(hog, SchedParams.normal(19));
        Check.equal(SchedParams.normal(19).prio(), hog.effectivePrio(), "the hog is now fair");
        stop.set(true);
        join(hog);
    }

    void timers() throws Exception {
        List<Long> fired = Collections.synchronizedList(new ArrayList<>());
        List<Long> lateness = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean cancelledRan = new AtomicBoolean();
        WaitQueue wq = new WaitQueue();
        long[] offs = {5_000, 1_000, 3_000, 2_000, 4_000, 17};
        Task t = s.spawn("timers", SchedParams.normal(0), mask(), () -> {
            long base = Sched.now() + 5 * tick();
            for (long o : offs) {
                long at = base + o;
                s.timer(at, () -> {
                    lateness.add(s.now() - at);
                    fired.add(o);
                    wq.wakeAll();
                });
            }
            Timer c = s.timer(base + 2_500, () -> cancelledRan.set(true));
            Check.isTrue(c.cancel(), "cancel before expiry");
            Check.isFalse(c.cancel(), "a second cancel");
            wq.await(() -> fired.size() == offs.length);
        });
        join(t);
        Check.equal(List.of(17L, 1_000L, 2_000L, 3_000L, 4_000L, 5_000L), List.copyOf(fired), "firing order");
        for (long l : lateness) {
            Check.isTrue(l >= 0, "a timer fired " + (-l) + " ns early");
        }
        Check.isFalse(cancelledRan.get(), "the cancelled timer ran");
    }

    private Scheduler.CpuStat stat(int cpu) {
        return s.stats().get(cpu);
    }

    // ------------------------------------------------------------------ sched.fair

    void niceRatio() throws Exception {
        UserLoop u = user.get();
        AtomicBoolean stop = new AtomicBoolean();
        long chunk = iters(tick() / 4);
        Task.Body body = () -> {
            CpuState st = u.newState();
            while (!stop.get()) {
                u.burn(st, chunk);
            }
        };
        Task n0 = s.spawn("nice0", SchedParams.normal(0), mask(), body);
        Task n5 = s.spawn("nice5", SchedParams.normal(5), mask(), body);
        s.sleep(10 * tick());
        long a0 = n0.runtime();
        long b0 = n5.runtime();
        s.sleep(600 * tick()); // long enough that a host-clock hiccup charged to one task is paid back
        long a = n0.runtime() - a0;
        long b = n5.runtime() - b0;
        stop.set(true);
        join(n0, n5);
        Check.isTrue(b > 0, "the nice 5 task ran");
        double ratio = (double) a / b;
        double want = 1024.0 / 335.0;
        Check.within(want * 0.9, want * 1.1, ratio, "runtime ratio nice0/nice5 (" + a + " / " + b + " ns)");
    }

    // ------------------------------------------------------------------ sched.rt

    void fifoPreemptsFair() throws Exception {
        UserLoop u = user.get();
        AtomicBoolean stop = new AtomicBoolean();
        long hog = iters(100 * tick());
        Task fair = s.spawn("fair-hog", SchedParams.normal(0), mask(), () -> {
            CpuState st = u.newState();
            while (!stop.get()) {
                u.burn(st, hog);
            }
        });
        s.sleep(5 * tick());
        Check.isTrue(fair.runtime() > 0, "the fair task runs");
        long[] t = new long[3];
        Task rt = s.spawn("fifo", SchedParams.fifo(50), mask(), () -> {
            t[0] = Sched.now();
            t[1] = Sched.now() + 3 * tick() + tick() / 3;
            Sched.sleepUntil(t[1]);
            t[2] = Sched.now();
        });
        join(rt);
        long fairRan = fair.runtime();
        stop.set(true);
        join(fair);
        // Measured on the task's own CPU: the wake-up is its timer on that CPU, so on the
        // deterministic clock the figure is exact (a time read by another thread would include
        // that thread's host scheduling delay while the vCPU keeps executing).

        Check.isTrue(t[2] - t[1] <= tick(), "a woken FIFO task ran after " + (t[2] - t[1]) + " ns (tick " + tick() + ")");
        Check.isTrue(fairRan >= 5 * tick(), "the fair task was running meanwhile: " + fairRan);
    }

    void roundRobin() throws Exception {
        UserLoop u = user.get();
        long q = s.config().rrQuantumNanos();
        long chunk = iters(q / 10);
        List<Integer> trace = Collections.synchronizedList(new ArrayList<>());
        long[][] t = new long[4][2];
        Task[] ts = new Task[4];
        // a FIFO 30 task holds the CPU until all four priority-20 tasks are queued, in order:
        // rr-0, rr-1 (SCHED_RR), fifo-2, fifo-3 (SCHED_FIFO)
        AtomicBoolean go = new AtomicBoolean();
        Task holder = s.spawn("rr-gate", SchedParams.fifo(30), mask(), () -> {
            CpuState st = u.newState();
            while (!go.get()) {
                u.burn(st, chunk / 10);
            }
        });
        for (int i = 0; i < 4; i++) {
            int k = i;
            int chunks = i < 2 ? 50 : 10; // RR: five quanta of work; FIFO: one
            ts[i] = s.spawn(i < 2 ? "rr-" + i : "fifo-" + i, i < 2 ? SchedParams.rr(20) : SchedParams.fifo(20), mask(), () -> {
                t[k][0] = Sched.now();
                CpuState st = u.newState();
                for (int j = 0; j < chunks; j++) {
                    u.burn(st, chunk);
                    trace.add(k);
                }
                t[k][1] = Sched.now();
            });
        }
        go.set(true);
        join(holder);
        join(ts);
        int turns = 0;
        List<Integer> rr = trace.stream().filter(k -> k < 2).toList();
        for (int i = 1; i < rr.size(); i++) {
            if (!rr.get(i).equals(rr.get(i - 1))) {
                turns++;
            }
        }
        Check.isTrue(turns >= 2, "RR tasks take turns: " + turns + " turns");
        Check.isTrue(t[3][0] >= t[2][1], "FIFO runs to completion: fifo-3 started " + t[3][0] + ", fifo-2 ended " + t[2][1]);
    }

    // ------------------------------------------------------------------ sched.deadline

    void edfMeetsDeadlines() throws Exception {
        UserLoop u = user.get();
        long tk = tick();
        long[][] set = {{3 * tk, 10 * tk}, {6 * tk, 20 * tk}, {9 * tk, 30 * tk}}; // U = 0.9
        long horizon = 60 * tk;
        long[] startBox = new long[1];
        Completion started = new Completion(); // the start time is taken on the test CPU (see inversion)
        AtomicInteger jobs = new AtomicInteger();
        List<String> misses = Collections.synchronizedList(new ArrayList<>());
        List<Task> ts = new ArrayList<>();
        for (long[] p : set) {
            long c = p[0];
            long period = p[1];
            long job = iters(c * 45 / 100); // 45% of the budget: on the host clock a job that overruns its budget is throttled (CBS)
            ts.add(s.spawn("edf-" + period / tk, SchedParams.deadline(c, period, period), mask(), () -> {
                CpuState st = u.newState();
                started.await();
                long start = startBox[0];
                for (long r = start; r + period <= start + horizon; r += period) {
                    Sched.sleepUntil(r);
                    u.burn(st, job);
                    long end = Sched.now();
                    jobs.incrementAndGet();
                    if (end > r + period) {
                        misses.add("period " + period + " job at " + (r - start) + " ended " + (end - r - period) + " ns late");
                    }
                }
            }));
        }
        Task starter = s.spawn("edf-start", SchedParams.fifo(99), mask(), () -> {
            startBox[0] = Sched.now() + 5 * tk;
            started.complete();
        });
        join(starter);
        // a fair hog on the same CPU must not disturb them
        AtomicBoolean stop = new AtomicBoolean();
        long hogChunk = iters(2 * tk);
        Task hog = s.spawn("edf-hog", SchedParams.normal(-10), mask(), () -> {
            CpuState st = u.newState();
            while (!stop.get()) {
                u.burn(st, hogChunk);
            }
        });
        join(ts.toArray(Task[]::new));
        stop.set(true);
        join(hog);
        Check.equal(6 + 3 + 2, jobs.get(), "jobs run");
        Check.isTrue(misses.isEmpty(), "deadline misses: " + misses);
    }

    void admission() throws Exception {
        long tk = tick();
        List<Task> admitted = new ArrayList<>();
        try {
            admitted.add(s.spawn("dl-a", SchedParams.deadline(5 * tk, 10 * tk, 10 * tk), mask(), () -> Sched.sleep(Long.MAX_VALUE / 4)));
            admitted.add(s.spawn("dl-b", SchedParams.deadline(4 * tk, 10 * tk, 10 * tk), mask(), () -> Sched.sleep(Long.MAX_VALUE / 4)));
            IllegalStateException e = Check.fails(IllegalStateException.class,
                    () -> admitted.add(s.spawn("dl-c", SchedParams.deadline(2 * tk, 10 * tk, 10 * tk), mask(), () -> {
                    })), "a third task (total 1.1 of one CPU; reserved " + s.stats() + ")");
            Check.isTrue(e.getMessage().contains("EBUSY"), "error says EBUSY: " + e.getMessage());
            for (Task t : admitted) {
                Check.isTrue(t.failure() == null && t.state() != Task.State.DEAD, t.name() + " is alive: " + t.failure());
            }
            // the whole machine: more than cpus x capacity is refused whatever the mask
            int n = s.cpus();
            Check.fails(IllegalStateException.class, () -> {
                for (int i = 0; i < 2 * n + 1; i++) {
                    admitted.add(s.spawn("dl-all-" + i, SchedParams.deadline(5 * tk, 10 * tk, 10 * tk), () -> Sched.sleep(Long.MAX_VALUE / 4)));
                }
            }, "2n+1 tasks of bandwidth 0.5 on n CPUs");
        } finally {
            killAll(admitted.toArray(Task[]::new));
        }
        // the bandwidth is returned when they exit
        Task again = s.spawn("dl-again", SchedParams.deadline(9 * tk, 10 * tk, 10 * tk), mask(), () -> {
        });
        join(again);
    }

    /** Reserved deadline bandwidth of a CPU (share of the CPU). */
    private double bw(int cpu) {
        return stat(cpu).dlBandwidth();
    }

    private static void near(double want, double got, String what) {
        Check.within(want - 1e-5, want + 1e-5, got, what);
    }

    /** Waits (host time, bounded) until the condition holds. */
    private static void await(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + JOIN_NANOS;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(1);
        }
    }

    /**
     * A fair nice-0 task beside a CPU-bound nice −10 hog gets about a tenth of the CPU; it makes
     * itself DEADLINE (3 of every 10 ticks) while running, then runs jobs of 45% of its budget
     * every period: all of them meet their deadlines (as fair, every one would miss). Its
     * bandwidth is reserved while it lives and returned exactly when it exits.
     */
    void dlSwitchMeetsDeadlines() throws Exception {
        UserLoop u = user.get();
        long tk = tick();
        long period = 10 * tk;
        long job = iters(3 * tk * 45 / 100);
        long warm = iters(tk);
        double before = bw(cpu());
        AtomicBoolean stop = new AtomicBoolean();
        long hogChunk = iters(2 * tk);
        Task hog = s.spawn("dlswitch-hog", SchedParams.normal(-10), mask(), () -> {
            CpuState st = u.newState();
            while (!stop.get()) {
                u.burn(st, hogChunk);
            }
        });
        List<String> misses = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger jobs = new AtomicInteger();
        double[] reserved = new double[1];
        Object[] params = new Object[2];
        Task t = s.spawn("dlswitch", SchedParams.normal(0), mask(), () -> {
            CpuState st = u.newState();
            u.burn(st, warm); // running as a fair task beside the hog
            s.setParams(Task.current(), SchedParams.deadline(3 * tk, period, period));
            params[0] = Task.current().params();
            params[1] = Task.current().effectivePrio();
            reserved[0] = bw(Sched.cpu());
            long start = Sched.now() + 2 * tk;
            for (long r = start; r + period <= start + 60 * tk; r += period) {
                Sched.sleepUntil(r);
                u.burn(st, job);
                long end = Sched.now();
                jobs.incrementAndGet();
                if (end > r + period) {
                    misses.add("job at " + (r - start) + " ended " + (end - r - period) + " ns late");
                }
            }
        });
        join(t);
        stop.set(true);
        join(hog);
        Check.equal(SchedParams.deadline(3 * tk, period, period), params[0], "params after setParams");
        Check.equal(-1, params[1], "effective priority after setParams");
        near(before + 0.3, reserved[0], "bandwidth reserved on cpu " + cpu());
        Check.equal(6, jobs.get(), "jobs run");
        Check.isTrue(misses.isEmpty(), "deadline misses: " + misses);
        Check.isTrue(bw(cpu()) == before, "bandwidth returned at exit: " + bw(cpu()) + ", was " + before);
    }

    /**
     * A fair task waits, queued, behind a CPU-bound FIFO hog; made DEADLINE by another thread it
     * runs at once, while the hog still spins (deadline outranks FIFO): the hog in user code is
     * preempted by the reschedule IPI.
     */
    void dlSwitchPreempts() throws Exception {
        UserLoop u = user.get();
        long tk = tick();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean hogDone = new AtomicBoolean();
        long chunk = iters(tk);
        Task hog = s.spawn("dlpre-hog", SchedParams.fifo(20), mask(), () -> {
            CpuState st = u.newState();
            for (int i = 0; i < 1000 && !stop.get(); i++) { // bounded: 1000 ticks
                u.burn(st, chunk);
            }
            hogDone.set(true);
        });
        Completion ran = new Completion();
        Completion exit = new Completion(); // it keeps its bandwidth until the checks are done
        Object[] seen = new Object[2];
        Task t = s.spawn("dlpre", SchedParams.normal(0), mask(), () -> {
            seen[0] = Task.current().params();
            seen[1] = hogDone.get();
            ran.complete();
            exit.await();
        });
        s.sleep(20 * tk);
        Check.equal(Task.State.RUNNABLE, t.state(), "a fair task waits behind a FIFO hog");
        Check.equal(0, t.switches(), "it has not run");
        double before = bw(cpu());
        try {
            s.setParams(t, SchedParams.deadline(2 * tk, 10 * tk, 10 * tk));
            near(before + 0.2, bw(cpu()), "bandwidth reserved on cpu " + cpu());
            Check.isTrue(ran.await(JOIN_NANOS, TimeUnit.NANOSECONDS), "the task ran once made DEADLINE");
            near(before + 0.2, bw(cpu()), "bandwidth reserved while it runs");
        } finally {
            stop.set(true);
            exit.complete();
        }
        join(t, hog);
        Check.equal(SchedParams.deadline(2 * tk, 10 * tk, 10 * tk), seen[0], "it ran as a deadline task");
        Check.equal(Boolean.FALSE, seen[1], "it ran while the FIFO hog was still spinning (not after it)");
        Check.isTrue(bw(cpu()) == before, "bandwidth returned at exit: " + bw(cpu()) + ", was " + before);
    }

    /**
     * On one CPU: a deadline task of 0.5 and one of 0.4; raising the first to 0.6 is refused
     * (EBUSY) and changes nothing; 0.25 fits (its old 0.5 counted as freed); a fair task asking
     * for 0.55 is refused, and admitted once the first task went back to the fair class.
     * The bandwidth returns exactly to where it was when all exit.
     */
    void dlSetParamsAdmission() throws Exception {
        long tk = tick();
        int cpu = cpu();
        double before0 = bw(0);
        double before = bw(cpu);
        Completion done = new Completion();
        List<Task> ts = new ArrayList<>();
        try {
            Task a = s.spawn("dladm-a", SchedParams.deadline(5 * tk, 10 * tk, 10 * tk), mask(), done::await);
            ts.add(a);
            ts.add(s.spawn("dladm-b", SchedParams.deadline(4 * tk, 10 * tk, 10 * tk), mask(), done::await));
            Task f = s.spawn("dladm-fair", SchedParams.normal(0), mask(), done::await);
            ts.add(f);
            near(before + 0.9, bw(cpu), "reserved by the two deadline tasks");
            double full = bw(cpu);
            IllegalStateException e = Check.fails(IllegalStateException.class,
                    () -> s.setParams(a, SchedParams.deadline(6 * tk, 10 * tk, 10 * tk)), "raising a to 0.6 (total 1.0)");
            Check.isTrue(e.getMessage().contains("EBUSY"), "error says EBUSY: " + e.getMessage());
            Check.equal(SchedParams.deadline(5 * tk, 10 * tk, 10 * tk), a.params(), "a's params after the refusal");
            Check.equal(-1, a.effectivePrio(), "a's priority after the refusal");
            Check.isTrue(bw(cpu) == full, "bandwidth after the refusal: " + bw(cpu) + ", was " + full);
            if (cpu != 0) {
                Check.isTrue(bw(0) == before0, "cpu 0 untouched: " + bw(0));
            }
            long deadline = a.dlDeadline();
            Check.isTrue(deadline > 0 && a.dlRuntimeLeft() <= 5 * tk, "a's server: deadline " + deadline);
            s.setParams(a, SchedParams.deadline(2 * tk, 20 * tk, 20 * tk));
            Check.equal(deadline, a.dlDeadline(), "a deadline task keeps its instance's deadline");
            Check.isTrue(a.dlRuntimeLeft() <= 2 * tk, "runtime left cut to the new runtime: " + a.dlRuntimeLeft());
            s.setParams(a, SchedParams.deadline(5 * tk, 20 * tk, 20 * tk)); // 0.25: fits once its 0.5 is freed
            Check.isTrue(a.dlRuntimeLeft() <= 2 * tk, "setParams does not renew the budget: " + a.dlRuntimeLeft());
            Check.equal(deadline, a.dlDeadline(), "nor the deadline");
            near(before + 0.65, bw(cpu), "reserved after lowering a to 0.25");
            Check.equal(SchedParams.deadline(5 * tk, 20 * tk, 20 * tk), a.params(), "a's new params");
            double mid = bw(cpu);
            Check.fails(IllegalStateException.class,
                    () -> s.setParams(f, SchedParams.deadline(11 * tk, 20 * tk, 20 * tk)), "a fair task asking for 0.55 (total 1.2)");
            Check.equal(SchedParams.normal(0), f.params(), "the fair task's params after the refusal");
            Check.equal(SchedParams.normal(0).prio(), f.effectivePrio(), "the fair task's priority after the refusal");
            Check.isTrue(bw(cpu) == mid, "bandwidth after the refusal: " + bw(cpu) + ", was " + mid);
            s.setParams(a, SchedParams.normal(0)); // DEADLINE -> fair returns its 0.25
            near(before + 0.4, bw(cpu), "reserved after a went back to the fair class");
            Check.equal(SchedParams.normal(0).prio(), a.effectivePrio(), "a's priority as a fair task");
            s.setParams(f, SchedParams.deadline(11 * tk, 20 * tk, 20 * tk)); // now fits: 0.95
            near(before + 0.95, bw(cpu), "reserved after the fair task became DEADLINE");
            Check.equal(-1, f.effectivePrio(), "the former fair task's priority");
        } finally {
            done.complete();
            join(ts.toArray(Task[]::new));
        }
        Check.isTrue(bw(cpu) == before, "bandwidth returned at exit: " + bw(cpu) + ", was " + before);
    }

    // ------------------------------------------------------------------ sched.sync

    /**
     * An owner holds a PI mutex that a waiter wants (both blocked): the waiter made DEADLINE
     * boosts the owner to real-time 99; the owner made DEADLINE runs as one, and back to fair
     * is still boosted; the waiter back to fair drops the boost. Then the owner releases and
     * the waiter gets the mutex.
     */
    void dlInheritance() throws Exception {
        long tk = tick();
        Mutex m = new Mutex("dl-pi", true);
        Completion locked = new Completion();
        Completion release = new Completion();
        boolean[] got = new boolean[1];
        SchedParams dl = SchedParams.deadline(2 * tk, 10 * tk, 10 * tk);
        Task owner = s.spawn("dlpi-owner", SchedParams.normal(0), mask(), () -> {
            m.lock();
            locked.complete();
            try {
                release.await();
            } finally {
                m.unlock();
            }
        });
        Task waiter = null;
        try {
            Check.isTrue(locked.await(JOIN_NANOS, TimeUnit.NANOSECONDS), "the owner took the mutex");
            waiter = s.spawn("dlpi-waiter", SchedParams.normal(0), mask(), () -> {
                m.lock();
                got[0] = true;
                m.unlock();
            });
            Task w = waiter;
            await(() -> w.state() == Task.State.BLOCKED && owner.state() == Task.State.BLOCKED, "both blocked");
            Check.equal(SchedParams.normal(0).prio(), owner.effectivePrio(), "owner before (an equal waiter)");
            s.setParams(waiter, dl);
            Check.equal(0, owner.effectivePrio(), "owner boosted by a deadline waiter (real-time 99)");
            s.setParams(owner, dl);
            Check.equal(-1, owner.effectivePrio(), "owner as a deadline task");
            s.setParams(owner, SchedParams.normal(5));
            Check.equal(0, owner.effectivePrio(), "owner back to fair keeps the boost");
            s.setParams(waiter, SchedParams.normal(10));
            Check.equal(SchedParams.normal(5).prio(), owner.effectivePrio(), "owner's boost gone with the deadline waiter");
            s.setParams(waiter, dl);
            Check.equal(0, owner.effectivePrio(), "boosted again");
        } finally {
            release.complete();
        }
        join(owner);
        if (waiter != null) {
            join(waiter);
        }
        Check.isTrue(got[0], "the waiter got the mutex");
        Check.equal(SchedParams.normal(5).prio(), owner.effectivePrio(), "owner's priority after unlocking");
    }

    /**
     * Low (FIFO 10) takes the mutex and runs a CPU-bound critical section that ends 3 ticks
     * after high wants the mutex; 2 ticks after the lock high (FIFO 90) wants it (waiting at
     * most 20 ticks), and 0.1 tick after that medium (FIFO 50) starts CPU-bound work that lasts
     * until high got the mutex or gave up. With inheritance low runs boosted and high waits
     * about 3 ticks; without, medium starves low and high gives up after 20.
     * Everything happens on one CPU and every time is taken there, relative to low's lock.
     */
    /**
     * Two tasks with their own address-space contexts take turns on one CPU, each running user
     * code several times in a row between yields: a context is activated on the vCPU that runs
     * its user code, on that vCPU's thread, only when another was active there (not again for a
     * task's consecutive user runs), the previous one is deactivated first, and an exiting
     * task's context is deactivated.
     */
    void switchMm() throws Exception {
        UserLoop u = user.get();
        java.util.List<String> log = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        int cpu = cpu();
        java.util.function.Function<String, kernel.sched.MmContext> ctx = name -> kernel.sched.MmContext.of(
                v -> log.add("+" + name + (v.index() == cpu && v.onVcpuThread() ? "" : "?")),
                v -> log.add("-" + name + (v.index() == cpu && v.onVcpuThread() ? "" : "?")));
        kernel.sched.MmContext a = ctx.apply("a");
        kernel.sched.MmContext b = ctx.apply("b");
        Semaphore aTurn = new Semaphore(1);
        Semaphore bTurn = new Semaphore(0);
        Completion go = new Completion(); // the contexts are set before any user code runs
        Task ta = s.spawn("mm-a", SchedParams.normal(0), mask(), () -> {
            go.await();
            CpuState st = u.newState();
            for (int round = 0; round < 2; round++) {
                aTurn.down();
                u.burn(st, 10);
                u.burn(st, 10); // a second user run: no switch
                bTurn.up();
            }
        });
        Task tb = s.spawn("mm-b", SchedParams.normal(0), mask(), () -> {
            go.await();
            CpuState st = u.newState();
            for (int round = 0; round < 2; round++) {
                bTurn.down();
                u.burn(st, 10);
                aTurn.up();
            }
        });
        ta.setMm(a);
        tb.setMm(b);
        go.complete();
        join(ta, tb);
        Check.equal(java.util.List.of("+a", "-a", "+b", "-b", "+a", "-a", "+b", "-b"), java.util.List.copyOf(log),
                "activations on cpu " + cpu + " (+ activate, - deactivate, ? = wrong vCPU or thread)");
    }

    void inversion(boolean inherit) throws Exception {
        UserLoop u = user.get();
        long tk = tick();
        Mutex m = new Mutex("inversion", inherit);
        long chunk = iters(tk / 4);
        AtomicLong highWaits = new AtomicLong(); // when high started to wait for the mutex
        AtomicBoolean resolved = new AtomicBoolean(); // high got the mutex or gave up waiting
        Completion locked = new Completion();
        long[] at = new long[5]; // 0 high got lock, 1 medium done, 2 low's prio at the end of its section, 3 high timed out, 4 lock time
        Task high = s.spawn("pi-high", SchedParams.fifo(90), mask(), () -> {
            locked.await();
            Sched.sleepUntil(at[4] + 2 * tk);
            highWaits.set(Sched.now());
            if (!m.lock(20 * tk)) {
                at[3] = Sched.now();
                resolved.set(true);
                m.lock(); // it does get it, once the medium task is done
            }
            resolved.set(true);
            at[0] = Sched.now();
            m.unlock();
        });
        Task medium = s.spawn("pi-medium", SchedParams.fifo(50), mask(), () -> {
            locked.await();
            Sched.sleepUntil(at[4] + 2 * tk + tk / 10);
            CpuState st = u.newState();
            for (int i = 0; i < 2000 && !resolved.get(); i++) { // CPU-bound until high is through or gave up (bounded)
                u.burn(st, chunk);
            }
            at[1] = Sched.now();
        });
        Task low = s.spawn("pi-low", SchedParams.fifo(10), mask(), () -> {
            m.lock();
            at[4] = Sched.now();
            locked.complete();
            try {
                // CPU-bound critical section, until high has waited 3 ticks for it (bounded)
                CpuState st = u.newState();
                for (int i = 0; i < 20_000; i++) {
                    u.burn(st, chunk);
                    long w = highWaits.get();
                    if (w > 0 && Sched.now() - w >= 3 * tk) {
                        break;
                    }
                }
                at[2] = Task.current().effectivePrio(); // boosted while high waits?
            } finally {
                m.unlock();
            }
        });
        join(low, high, medium);
        long release = at[4] + 2 * tk;
        if (inherit) {
            Check.equal(0, at[3], "the high task timed out (at " + at[3] + ")");
            Check.equal(SchedParams.fifo(90).prio(), at[2], "low's priority while high waits");
            Check.isTrue(at[0] <= at[1], "high got the mutex (" + at[0] + ") before medium finished (" + at[1] + ")");
            // the section ends 3 ticks after high starts waiting (about 3.3 on the deterministic clock;
            // the margin, still below the 20-tick bounded wait, is for the host clock's wake-up latencies)
            Check.isTrue(at[0] - release <= 15 * tk, "high waited " + (at[0] - release) + " ns (low's section ends 3 ticks after)");
        } else {
            Check.isTrue(at[3] > 0, "the high task stalled past its bounded wait");
            Check.equal(SchedParams.fifo(10).prio(), at[2], "low is not boosted");
            Check.isTrue(at[0] > at[1], "high got the mutex (" + at[0] + ") only after medium finished (" + at[1] + ")");
        }
    }

    void producerConsumer() throws Exception {
        int total = 100_000;
        int n = s.cpus();
        int pairs = Math.max(2, n);
        Semaphore slots = new Semaphore(8);
        Semaphore items = new Semaphore(0);
        ArrayDeque<Long> buf = new ArrayDeque<>();
        AtomicLong sum = new AtomicLong();
        AtomicLong consumed = new AtomicLong();
        long[] switchesBefore = new long[n];
        for (int c = 0; c < n; c++) {
            switchesBefore[c] = stat(c).switches();
        }
        List<Task> ts = new ArrayList<>();
        int per = total / pairs;
        for (int p = 0; p < pairs; p++) {
            int k = p;
            ts.add(s.spawn("producer-" + p, SchedParams.normal(0), 1L << (p % n), () -> {
                for (int i = 0; i < per; i++) {
                    slots.down();
                    synchronized (buf) {
                        buf.addLast((long) k * per + i);
                    }
                    items.up();
                }
            }));
            ts.add(s.spawn("consumer-" + p, SchedParams.normal(0), 1L << ((p + 1) % n), () -> {
                for (int i = 0; i < per; i++) {
                    items.down();
                    long v;
                    synchronized (buf) {
                        v = buf.removeFirst();
                    }
                    slots.up();
                    sum.addAndGet(v);
                    consumed.incrementAndGet();
                }
            }));
        }
        long end = System.nanoTime() + JOIN_NANOS;
        while (consumed.get() < (long) per * pairs && System.nanoTime() < end && ts.stream().allMatch(t -> t.failure() == null)) {
            s.checkInvariants();
            Thread.sleep(5);
        }
        join(ts.toArray(Task[]::new));
        long all = (long) per * pairs;
        Check.equal(all, consumed.get(), "items consumed");
        Check.equal(all * (all - 1) / 2, sum.get(), "sum of the items");
        Check.equal(0, buf.size(), "left in the buffer");
        for (int c = 0; c < n; c++) {
            Check.isTrue(stat(c).switches() > switchesBefore[c], "cpu " + c + " took part");
        }
    }

    void completions() throws Exception {
        Completion early = new Completion();
        early.complete();
        Completion later = new Completion();
        long tk = tick();
        long[] r = new long[4];
        Task waiter = s.spawn("completion-waiter", SchedParams.normal(0), mask(), () -> {
            early.await(); // already complete: no wait
            later.await();
            r[0] = Sched.now();
            Completion never = new Completion();
            long t0 = Sched.now();
            r[1] = never.await(3 * tk, TimeUnit.NANOSECONDS) ? 1 : 0;
            r[2] = Sched.now() - t0;
        });
        Task signaller = s.spawn("completion-signal", SchedParams.normal(0), 1L << 0, () -> {
            Sched.sleep(2 * tk);
            r[3] = Sched.now();
            later.complete();
        });
        join(waiter, signaller);
        Check.isTrue(r[0] >= r[3], "the waiter woke after complete()");
        Check.equal(0, r[1], "await on a completion never completed times out");
        Check.isTrue(r[2] >= 3 * tk, "timed out after " + r[2] + " ns (wanted >= " + 3 * tk + ")");
        // a thread that is not a task waits too (drivers do)
        Completion fromTask = new Completion();
        s.spawn("completion-thread", SchedParams.normal(0), fromTask::complete);
        Check.isTrue(fromTask.await(JOIN_NANOS, TimeUnit.NANOSECONDS), "a thread waited for a task");
    }

    void semaphores() throws Exception {
        Semaphore sem = new Semaphore(2);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        RwSemaphore rw = new RwSemaphore();
        AtomicInteger readers = new AtomicInteger();
        AtomicInteger maxReaders = new AtomicInteger();
        AtomicInteger writers = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        List<Task> ts = new ArrayList<>();
        // all start together: a task spawned late could otherwise find the others finished (their
        // sleeps cost no host time when the idle machine warps), and no overlap would be seen
        Completion go = new Completion();
        for (int i = 0; i < 6; i++) {
            ts.add(s.spawn("sem-" + i, SchedParams.normal(0), () -> {
                go.await();
                for (int j = 0; j < 20; j++) {
                    sem.down();
                    int now = inside.incrementAndGet();
                    maxInside.accumulateAndGet(now, Math::max);
                    Sched.sleep(tick() / 10);
                    inside.decrementAndGet();
                    sem.up();
                }
            }));
            int k = i;
            ts.add(s.spawn("rw-" + i, SchedParams.normal(0), () -> {
                go.await();
                for (int j = 0; j < 20; j++) {
                    if ((j + k) % 5 == 0) {
                        rw.downWrite();
                        if (writers.incrementAndGet() != 1 || readers.get() != 0) {
                            violations.incrementAndGet();
                        }
                        Sched.sleep(tick() / 10);
                        writers.decrementAndGet();
                        rw.upWrite();
                    } else {
                        rw.downRead();
                        int now = readers.incrementAndGet();
                        maxReaders.accumulateAndGet(now, Math::max);
                        if (writers.get() != 0) {
                            violations.incrementAndGet();
                        }
                        Sched.sleep(tick() / 10);
                        readers.decrementAndGet();
                        rw.upRead();
                    }
                }
            }));
        }
        go.complete();
        join(ts.toArray(Task[]::new));
        Check.equal(2, maxInside.get(), "tasks inside the semaphore of 2 at once");
        Check.equal(2, sem.count(), "units after all returned");
        Check.equal(0, violations.get(), "rw-semaphore exclusion violations");
        Check.isTrue(maxReaders.get() >= 2, "readers shared the rw-semaphore: " + maxReaders.get());
    }

    void workqueue() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        try (Workqueue wq = new Workqueue(s, "selftest", 2, SchedParams.normal(0))) {
            for (int i = 0; i < 100; i++) {
                int k = i;
                wq.queue(() -> {
                    if (k % 10 == 0) {
                        try {
                            Sched.sleep(tick() / 10); // work items may block
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    ran.incrementAndGet();
                });
            }
            wq.flush();
            Check.equal(100, ran.get(), "items run by flush()");
            Check.equal(0, wq.failures(), "failed items");
        }
    }

    // ------------------------------------------------------------------ sched.smp

    void affinity() throws Exception {
        if (s.cpus() < 2) {
            return;
        }
        int[] seen = new int[2];
        Completion moved = new Completion();
        Completion go = new Completion();
        Task t = s.spawn("affine", SchedParams.normal(0), 1L << 0, () -> {
            seen[0] = Sched.cpu();
            go.complete();
            moved.await();
            Sched.yield();
            seen[1] = Sched.cpu();
        });
        Check.isTrue(go.await(JOIN_NANOS, TimeUnit.NANOSECONDS), "started");
        s.setAffinity(t, 1L << 1);
        moved.complete();
        join(t);
        Check.equal(0, seen[0], "first cpu");
        Check.equal(1, seen[1], "cpu after the mask changed");
        Check.isTrue(t.migrations() >= 1, "migrations counted: " + t.migrations());
    }

    /**
     * Two CPUs. A CPU-bound deadline task (0.3) admitted on CPU 0 cannot move to CPU 1 while a
     * deadline task of 0.8 holds it (EBUSY, mask and bandwidth unchanged); once that one went
     * back to fair, setAffinity re-admits it on CPU 1 and it runs there. Raising it to 0.6 while
     * a 0.5 task sits on CPU 1 moves it (setParams) to CPU 0, where it runs next.
     */
    void dlMigrate() throws Exception {
        if (s.cpus() < 2) {
            return;
        }
        UserLoop u = user.get();
        long tk = tick();
        double b0 = bw(0);
        double b1 = bw(1);
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicIntegerArray ranOn = new java.util.concurrent.atomic.AtomicIntegerArray(2);
        AtomicInteger last = new AtomicInteger(-1);
        long chunk = iters(tk / 2);
        Completion hold = new Completion();
        List<Task> ts = new ArrayList<>();
        try {
            Task d = s.spawn("dlmig", SchedParams.deadline(3 * tk, 10 * tk, 10 * tk), 1L << 0, () -> {
                CpuState st = u.newState();
                while (!stop.get()) {
                    u.burn(st, chunk); // CPU-bound: throttled every period
                    ranOn.incrementAndGet(Sched.cpu());
                    last.set(Sched.cpu());
                }
            });
            ts.add(d);
            Task big = s.spawn("dlmig-big", SchedParams.deadline(8 * tk, 10 * tk, 10 * tk), 1L << 1, hold::await);
            ts.add(big);
            near(b0 + 0.3, bw(0), "cpu 0 reserved");
            near(b1 + 0.8, bw(1), "cpu 1 reserved");
            await(() -> ranOn.get(0) > 3, "the deadline task runs on cpu 0");
            double r0 = bw(0);
            double r1 = bw(1);
            IllegalStateException e = Check.fails(IllegalStateException.class, () -> s.setAffinity(d, 1L << 1),
                    "moving 0.3 to a cpu holding 0.8");
            Check.isTrue(e.getMessage().contains("EBUSY"), "error says EBUSY: " + e.getMessage());
            Check.equal(1L, d.affinity(), "mask after the refusal");
            Check.isTrue(bw(0) == r0 && bw(1) == r1, "bandwidth after the refusal: " + bw(0) + ", " + bw(1));
            s.sleep(5 * tk);
            Check.equal(0, ranOn.get(1), "still only on cpu 0");
            s.setParams(big, SchedParams.normal(0)); // returns its 0.8 on cpu 1
            near(b1, bw(1), "cpu 1 after the big task went fair");
            s.setAffinity(d, 1L << 1);
            Check.equal(2L, d.affinity(), "mask");
            near(b0, bw(0), "cpu 0 after the move");
            near(b1 + 0.3, bw(1), "cpu 1 after the move");
            await(() -> ranOn.get(1) > 3 && last.get() == 1, "the deadline task runs on cpu 1");
            int on0 = ranOn.get(0);
            s.sleep(10 * tk);
            Check.equal(on0, ranOn.get(0), "no more runs on cpu 0");
            // setParams: 0.6 does not fit beside 0.5 on cpu 1: re-admitted on cpu 0 (in its mask again)
            s.setAffinity(d, 3L);
            Task half = s.spawn("dlmig-half", SchedParams.deadline(5 * tk, 10 * tk, 10 * tk), 1L << 1, hold::await);
            ts.add(half);
            near(b1 + 0.8, bw(1), "cpu 1 with the half task");
            s.setParams(d, SchedParams.deadline(6 * tk, 10 * tk, 10 * tk));
            near(b0 + 0.6, bw(0), "cpu 0 after raising to 0.6");
            near(b1 + 0.5, bw(1), "cpu 1 after raising to 0.6");
            await(() -> last.get() == 0, "the deadline task runs on cpu 0 again");
            Check.isTrue(d.migrations() >= 2, "migrations counted: " + d.migrations());
        } finally {
            stop.set(true);
            hold.complete();
        }
        join(ts.toArray(Task[]::new));
        Check.isTrue(bw(0) == b0 && bw(1) == b1, "bandwidth returned at exit: " + bw(0) + ", " + bw(1));
    }

    /**
     * Six tasks run user code (deadline ones get throttled), sleep, yield and share a PI mutex,
     * while this thread switches them at random (fixed seed) between policies, deadline
     * parameters and affinity masks, checking the invariants after every change (reserved
     * bandwidth per CPU equals its tasks'). Refusals (EBUSY) are expected. At the end every
     * CPU's bandwidth is back where it was.
     */
    void dlChurn() throws Exception {
        UserLoop u = user.get();
        long tk = tick();
        int n = s.cpus();
        double[] before = new double[n];
        for (int c = 0; c < n; c++) {
            before[c] = bw(c);
        }
        AtomicBoolean stop = new AtomicBoolean();
        Mutex m = new Mutex("dl-churn", true);
        long chunk = iters(tk / 4);
        List<Task> ts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int k = i;
            ts.add(s.spawn("dlchurn-" + i, SchedParams.normal(0), () -> {
                CpuState st = u.newState();
                for (int j = 0; !stop.get(); j++) {
                    switch ((j + k) % 4) {
                        case 0 -> u.burn(st, chunk);
                        case 1 -> Sched.sleep(tk / 2);
                        case 2 -> {
                            m.lock();
                            try {
                                u.burn(st, chunk / 4);
                            } finally {
                                m.unlock();
                            }
                        }
                        default -> Sched.yield();
                    }
                }
            }));
        }
        java.util.Random r = new java.util.Random(42);
        int refused = 0;
        int changes = 0;
        try {
            for (int i = 0; i < 400; i++) {
                Task t = ts.get(r.nextInt(ts.size()));
                try {
                    switch (r.nextInt(6)) {
                        case 0, 1 -> s.setParams(t, SchedParams.deadline((1 + r.nextInt(5)) * tk, 10 * tk, (10 + 10 * r.nextInt(2)) * tk));
                        case 2 -> s.setParams(t, SchedParams.normal(r.nextInt(10)));
                        case 3 -> s.setParams(t, r.nextBoolean() ? SchedParams.fifo(1 + r.nextInt(5)) : SchedParams.idle());
                        default -> s.setAffinity(t, 1 + r.nextInt((int) Math.min(s.allCpus(), 255)));
                    }
                    changes++;
                } catch (IllegalStateException e) {
                    Check.isTrue(e.getMessage().contains("EBUSY"), "refusal says EBUSY: " + e.getMessage());
                    refused++;
                }
                s.checkInvariants();
                if (i % 4 == 0) {
                    Thread.sleep(1); // let them run
                }
            }
        } finally {
            stop.set(true);
            for (Task t : ts) {
                s.setParams(t, SchedParams.normal(0)); // a FIFO task spinning could keep a fair stopper out
            }
        }
        join(ts.toArray(Task[]::new));
        s.checkInvariants();
        Check.isTrue(changes > 100, "changes made: " + changes + " (refused " + refused + ")");
        for (int c = 0; c < n; c++) {
            Check.isTrue(bw(c) == before[c], "cpu " + c + " bandwidth returned: " + bw(c) + ", was " + before[c]);
        }
    }

    void balancing() throws Exception {
        if (s.cpus() < 2) {
            return;
        }
        UserLoop u = user.get();
        AtomicBoolean stop = new AtomicBoolean();
        List<Task> ts = new ArrayList<>();
        long chunk = iters(tick() / 2);
        Completion gate = new Completion();
        Task holder = s.spawn("balance-gate", SchedParams.fifo(1), 1L << 0, gate::await);
        for (int i = 0; i < 4; i++) {
            ts.add(s.spawn("balance-" + i, SchedParams.normal(0), 1L << 0, () -> {
                CpuState st = u.newState();
                while (!stop.get()) {
                    u.burn(st, chunk);
                }
            }));
        }
        for (Task t : ts) {
            s.setAffinity(t, s.allCpus()); // queued on cpu 0, now free to move
        }
        gate.complete();
        s.sleep(40 * tick());
        stop.set(true);
        join(holder);
        join(ts.toArray(Task[]::new));
        long elsewhere = ts.stream().filter(t -> t.migrations() > 0).count();
        Check.isTrue(elsewhere >= 1, "tasks pulled to another CPU: " + elsewhere);
    }
}
