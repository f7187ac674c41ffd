package platform.pc;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongUnaryOperator;
import platform.cpu.CodeCache;
import platform.cpu.Cpu;
import platform.cpu.Exit;

/**
 * One virtual CPU: a host platform thread named {@code vcpu-N} that owns a {@link LocalApic}
 * and a {@link Cpu} whose memory is the machine's, with the APIC page at
 * {@link LocalApic#DEFAULT_BASE} routed to this vCPU's own APIC.
 *
 * <p><b>Lifecycle.</b> {@link Machine} makes one per CPU; the threads start at
 * {@link Machine#powerOn()} and are stopped and joined at {@link Machine#close()}. vCPU 0, the
 * BSP, is online from power-on. An AP waits, as on hardware, for an INIT then a STARTUP IPI
 * (sent through its APIC: {@link LocalApic#writeRegister} of the ICR, by MMIO, or on the
 * {@link ApicBus}); only then is it {@link #online()} and runs its loop. {@link #startupVector()}
 * tells the SIPI vector (the kernel is Java: no real-mode code runs at {@code vector << 12}).
 * An INIT to an online vCPU resets its APIC but not the vCPU, and is counted.
 *
 * <p><b>The loop</b> (the kernel's idle loop): run queued work ({@link #execute}, {@link #call}),
 * take a pending NMI, accept every deliverable interrupt and pass it to the
 * {@linkplain #setInterruptHandler interrupt handler}, and otherwise HALT: park until work, a
 * deliverable interrupt, an NMI or stop. Without an interrupt handler the vCPU runs with
 * interrupts disabled (RFLAGS.IF = 0 on hardware): vectors stay pending in the APIC for
 * whoever takes them, and HLT is not woken by them. A work item, handler or listener that
 * throws is caught, counted ({@link #errors()}) and reported to the
 * {@linkplain #setErrorListener error listener}; the vCPU keeps running.
 *
 * <p><b>User code.</b> On its own thread the kernel loads state into {@link #cpu()} and calls
 * {@link #runUser}. A deliverable interrupt (or NMI) raises {@link Cpu#interrupt()} from the
 * thread that caused it, so user code stops at the next instruction boundary with
 * {@link Exit#INTERRUPT}; the kernel then calls {@link #serviceInterrupts()}.
 *
 * <p><b>Time.</b> The TSC runs at {@link #TSC_HZ} on the machine's clock: the rate the local
 * APIC's TSC-deadline mode assumes ({@link TimerSource#tsc()}). With a deterministic clock the
 * clock advances {@link #NANOS_PER_INSTRUCTION} per instruction executed in {@link #runUser}
 * (slices end exactly at timer deadlines; RDTSC counts the slice's instructions so far, so it
 * is exact and monotonic), and jumps to the next deadline when every online vCPU is halted
 * with interrupts enabled (see {@link VcpuClock}). Runs are reproducible while one vCPU
 * executes at a time; vCPUs running user code at the same moment advance the one clock in an
 * order set by host scheduling.
 *
 * <p><b>Threading.</b> {@link #runUser}, {@link #serviceInterrupts} and {@link #cpu()}'s
 * state belong to the vCPU's thread. {@link #execute}, {@link #call}, the setters and the
 * counters are thread-safe. Nothing allocates per slice or per instruction.
 */
public final class Vcpu implements Executor {
    /** TSC frequency: 1 GHz, one tick per clock nanosecond (as {@link TimerSource#tsc()} and the LAPIC assume). */
    public static final long TSC_HZ = 1_000_000_000L;
    /** Deterministic clock: nanoseconds of clock time per executed instruction. */
    public static final long NANOS_PER_INSTRUCTION = 1;
    /** Longest run slice, in instructions: how often {@link #runUser} checks for stop and deadlines. */
    public static final long MAX_SLICE = 1L << 20;

    /** Takes an accepted vector on the vCPU's thread; must end it with {@link LocalApic#eoi()}. */
    @FunctionalInterface
    public interface InterruptHandler {
        void interrupt(Vcpu vcpu, int vector);
    }

    /** Takes an NMI on the vCPU's thread. */
    @FunctionalInterface
    public interface NmiHandler {
        void nmi(Vcpu vcpu);
    }

    /** Told of a work item, handler or timer callback that threw on the vCPU's thread. */
    @FunctionalInterface
    public interface ErrorListener {
        void failed(Vcpu vcpu, Throwable error);
    }

    private final int index;
    private final LocalApic lapic;
    private final Cpu cpu;
    private final VcpuClock clock;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> work = new ConcurrentLinkedQueue<>();
    /** 0: running; HALTED: in HLT with interrupts disabled; IDLE: in HLT, counted idle by the clock. */
    private final AtomicInteger haltState = new AtomicInteger();
    private static final int HALTED = 1, IDLE = 2;
    private final AtomicBoolean started = new AtomicBoolean(); // SIPI taken (APs) or power-on (BSP)
    private volatile boolean online;
    private volatile boolean stopping;
    private volatile boolean stopped;
    private volatile boolean nmi;
    private volatile int startupVector = -1;
    private volatile InterruptHandler handler;
    private volatile NmiHandler nmiHandler;
    private volatile ErrorListener errorListener;
    private final LongAdder interrupts = new LongAdder();
    private final LongAdder nmis = new LongAdder();
    private final LongAdder unhandledNmis = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder ignoredInits = new LongAdder();
    private final LongAdder halts = new LongAdder();
    /** Cpu.retired() at the start of the current slice: the instructions the clock has not seen yet. vCPU thread only. */
    private long sliceBase;

    Vcpu(int index, LocalApic lapic, VcpuMemory memory, CodeCache code, VcpuClock clock) {
        this.index = index;
        this.lapic = lapic;
        this.clock = clock;
        this.cpu = new Cpu(memory, code);
        LongUnaryOperator tsc = retired -> clock.tsc(retired - sliceBase);
        cpu.setTscSource(tsc);
        this.thread = Thread.ofPlatform().name("vcpu-" + index).daemon().unstarted(this::main);
        lapic.setKick(() -> {
            if (handler != null) {
                cpu.interrupt();
                wake();
            }
        });
        lapic.setEventListener(new LocalApic.EventListener() {
            @Override
            public void onNmi(LocalApic a) {
                nmi = true;
                cpu.interrupt();
                wake();
            }

            @Override
            public void onInit(LocalApic a) {
                if (online) {
                    ignoredInits.increment();
                }
            }

            @Override
            public void onStartup(LocalApic a, int vector) {
                if (!online && started.compareAndSet(false, true)) {
                    startupVector = vector;
                    clock.busy(); // counted before the wake-up (see VcpuClock)
                    LockSupport.unpark(thread);
                } else {
                    ignoredInits.increment();
                }
            }
        });
    }

    // ---------------------------------------------------------------- identity

    /** The CPU index (0 = BSP), also the initial APIC ID. */
    public int index() {
        return index;
    }

    public LocalApic lapic() {
        return lapic;
    }

    /** The instruction engine; its register file belongs to the vCPU's thread. */
    public Cpu cpu() {
        return cpu;
    }

    /** The host thread ({@code vcpu-N}). */
    public Thread thread() {
        return thread;
    }

    /** True once the vCPU runs its loop (BSP: from power-on; AP: after INIT/SIPI), until stopped. */
    public boolean online() {
        return online && !stopped;
    }

    /** The vector of the STARTUP IPI that started this AP, or -1 (BSP, or not started). */
    public int startupVector() {
        return startupVector;
    }

    /** True if the calling thread is this vCPU's. */
    public boolean onVcpuThread() {
        return Thread.currentThread() == thread;
    }

    /** True while halted (parked in HLT). */
    public boolean halted() {
        return haltState.get() != 0;
    }

    /** The TSC now, as RDTSC between instructions would read it. */
    public long tsc() {
        return onVcpuThread() ? cpu.tsc() : clock.tsc(0);
    }

    // ---------------------------------------------------------------- handlers and counters

    /** Installs the interrupt handler (null: none, interrupts disabled). Wakes the vCPU to take pending ones. */
    public void setInterruptHandler(InterruptHandler h) {
        this.handler = h;
        if (h != null && lapic.pending()) {
            cpu.interrupt();
        }
        wake();
    }

    public InterruptHandler interruptHandler() {
        return handler;
    }

    /** Installs the NMI handler (null: NMIs are taken and counted in {@link #unhandledNmis()}). */
    public void setNmiHandler(NmiHandler h) {
        this.nmiHandler = h;
    }

    public void setErrorListener(ErrorListener l) {
        this.errorListener = l;
    }

    /** Interrupts accepted and passed to the handler. */
    public long interrupts() {
        return interrupts.sum();
    }

    /** NMIs taken (handled or not). */
    public long nmis() {
        return nmis.sum();
    }

    /** NMIs taken with no NMI handler installed. */
    public long unhandledNmis() {
        return unhandledNmis.sum();
    }

    /** Work items, handlers and callbacks that threw. */
    public long errors() {
        return errors.sum();
    }

    /** INIT or STARTUP IPIs that reached the vCPU while it was already started (ignored). */
    public long ignoredInits() {
        return ignoredInits.sum();
    }

    /** Times the vCPU halted. */
    public long halts() {
        return halts.sum();
    }

    // ---------------------------------------------------------------- work

    /**
     * Queues {@code task} to run on this vCPU's thread, in order, from its loop (not while it
     * runs user code: that needs an interrupt). Work for an AP that is not started waits.
     *
     * @throws RejectedExecutionException once the vCPU is stopped
     */
    @Override
    public void execute(Runnable task) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        if (stopping) {
            throw new RejectedExecutionException(thread.getName() + " is stopped");
        }
        work.add(task);
        if (stopping && work.remove(task)) { // lost the race with stop(): it will not drain this one
            throw new RejectedExecutionException(thread.getName() + " is stopped");
        }
        wake();
    }

    /**
     * Runs {@code task} on this vCPU and returns its result (at once if called on the vCPU's
     * own thread). The task's exception is rethrown (an {@link Error} or a non-checked one as is,
     * a checked one as is too).
     *
     * @throws IllegalStateException if the vCPU is stopped before the task runs
     */
    public <T> T call(Callable<T> task) throws Exception {
        if (onVcpuThread()) {
            return task.call();
        }
        FutureTask<T> f = new FutureTask<>(task);
        try {
            execute(f);
            return f.get();
        } catch (RejectedExecutionException | CancellationException e) {
            throw new IllegalStateException(thread.getName() + " is stopped", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception x) {
                throw x;
            }
            if (c instanceof Error x) {
                throw x;
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- user code and interrupts

    /**
     * Runs {@link #cpu()} for at most {@code budget} instructions, in slices, until an exit
     * other than {@link Exit#BUDGET}; returns it. {@link Exit#INTERRUPT} means an interrupt or
     * NMI is pending: call {@link #serviceInterrupts()}. Returns {@link Exit#BUDGET} early if
     * the vCPU is being stopped. With a deterministic clock, advances it per instruction and
     * fires due timers between slices.
     *
     * @throws IllegalStateException if not called on this vCPU's thread
     */
    public Exit runUser(long budget) {
        checkThread();
        if (budget < 0) {
            throw new IllegalArgumentException("budget " + budget);
        }
        long left = budget;
        while (left > 0 && !stopping) {
            long slice = clock.room(Math.min(left, MAX_SLICE)); // may fire due timers (kicks this CPU)
            cpu.clearInterrupt();
            if (nmi || (handler != null && lapic.pending())) {
                cpu.interrupt();
            }
            sliceBase = cpu.retired();
            Exit e;
            try {
                e = cpu.run(slice);
            } finally {
                long done = cpu.retired() - sliceBase;
                left -= done;
                try {
                    clock.retire(done);
                } finally {
                    sliceBase = cpu.retired();
                }
            }
            if (e != Exit.BUDGET) {
                return e;
            }
        }
        return Exit.BUDGET;
    }

    /**
     * Takes a pending NMI (to the NMI handler) and then every deliverable interrupt (to the
     * interrupt handler, which EOIs); returns how many were taken. Does nothing with the
     * vectors when no interrupt handler is installed. Leaves {@link Cpu#interrupt()} requested
     * only if something is still pending.
     *
     * @throws IllegalStateException if not called on this vCPU's thread
     */
    public int serviceInterrupts() {
        checkThread();
        int n = 0;
        if (nmi) {
            nmi = false;
            if (lapic.takeNmi()) {
                n++;
                takeNmi();
            }
        }
        InterruptHandler h;
        int v;
        while (n < 512 && (h = handler) != null && (v = lapic.poll()) >= 0) {
            n++;
            interrupts.increment();
            try {
                h.interrupt(this, v);
            } catch (Throwable t) {
                failed(t);
            }
        }
        cpu.clearInterrupt();
        if (nmi || (handler != null && lapic.pending())) {
            cpu.interrupt();
        }
        return n;
    }

    private void takeNmi() {
        nmis.increment();
        NmiHandler h = nmiHandler;
        if (h == null) {
            unhandledNmis.increment();
            return;
        }
        try {
            h.nmi(this);
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void checkThread() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("not on " + thread.getName() + ": " + Thread.currentThread().getName());
        }
    }

    private void failed(Throwable t) {
        errors.increment();
        ErrorListener l = errorListener;
        if (l != null) {
            try {
                l.failed(this, t);
            } catch (Throwable ignored) {
                // a broken listener must not kill the vCPU
            }
        }
    }

    // ---------------------------------------------------------------- the thread

    /** Starts the thread (power-on). The BSP is started at once; an AP waits for SIPI. */
    void start() {
        if (index == 0 && started.compareAndSet(false, true)) {
            clock.busy();
            online = true; // from power-on, before its thread is scheduled
        }
        thread.start();
    }

    /** Asks the thread to stop: it finishes the current work item or slice, then exits. */
    void stop() {
        stopping = true;
        cpu.interrupt();
        LockSupport.unpark(thread);
    }

    /** Waits for the thread to end; false on timeout. */
    boolean join(long timeout, TimeUnit unit) {
        if (thread.getState() == Thread.State.NEW) {
            return true;
        }
        if (onVcpuThread()) {
            return false;
        }
        try {
            return thread.join(java.time.Duration.ofNanos(unit.toNanos(timeout)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void main() {
        try {
            while (!started.get() && !stopping) { // an AP in wait-for-SIPI
                LockSupport.park(this);
            }
            if (stopping) {
                return;
            }
            if (index != 0) {
                lapic.takeStartup();
                lapic.takeInit();
            }
            online = true;
            loop();
        } finally {
            stopped = true;
            online = false;
            Runnable r;
            while ((r = work.poll()) != null) {
                if (r instanceof FutureTask<?> f) {
                    f.cancel(false);
                }
            }
        }
    }

    private void loop() {
        while (!stopping) {
            Runnable r;
            for (int k = 0; k < 64 && !stopping && (r = work.poll()) != null; k++) {
                try {
                    r.run();
                } catch (Throwable t) {
                    failed(t);
                }
            }
            if (stopping) {
                return;
            }
            serviceInterrupts();
            if (!hasWork()) {
                halt();
            }
        }
    }

    /** Something for the loop to do: work, an NMI, a deliverable interrupt (if enabled), or stop. */
    private boolean hasWork() {
        return stopping || nmi || !work.isEmpty() || (handler != null && lapic.pending());
    }

    /**
     * HLT: parks until {@link #wake()}. With interrupts enabled the vCPU counts as idle for the
     * deterministic clock, and the last vCPU to go idle warps the clock to the next deadline.
     */
    private void halt() {
        halts.increment();
        boolean enabled = handler != null;
        if (enabled) {
            clock.idle(); // before IDLE is visible, so a waker's busy() balances it
        }
        haltState.set(enabled ? IDLE : HALTED);
        if (hasWork()) {
            unhalt();
            return;
        }
        while (haltState.get() != 0) {
            boolean warped = false;
            if (enabled && handler != null) {
                try {
                    warped = clock.warp(); // fires the next deadline; its interrupt may wake us
                } catch (Throwable t) {
                    failed(t);
                }
            }
            if (!warped && haltState.get() != 0) {
                LockSupport.park(this);
            }
            if (stopping || (enabled && handler == null)) {
                unhalt(); // stop, or interrupts disabled meanwhile: leave the idle count
            }
        }
    }

    /** Leaves HLT; a vCPU that was counted idle counts as busy again. */
    private void unhalt() {
        if (haltState.getAndSet(0) == IDLE) {
            clock.busy();
        }
    }

    /** Wakes the vCPU from HLT (any thread): it counts as busy before it is unparked. */
    private void wake() {
        if (haltState.get() != 0) {
            unhalt();
        }
        LockSupport.unpark(thread);
    }

    @Override
    public String toString() {
        return "Vcpu[" + index + (online() ? ", online" : "") + "]";
    }
}
