package platform.pc;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The local APIC of one vCPU (minimal model: IRR, ISR, task priority; no timer or ICR yet).
 *
 * <p>Interrupt sources (MSI decoder, IOAPIC, IPIs) call {@link #raise(int)} from any thread;
 * it sets the vector's IRR bit. The vCPU takes interrupts with {@link #acceptInterrupt(long)}
 * (which blocks like HLT) or polls {@link #pending()} between instructions and then calls
 * {@link #acceptInterrupt(long) acceptInterrupt(0)}. Accepting moves the highest deliverable
 * vector from IRR to ISR; the handler ends with {@link #eoi()}, which clears the highest ISR
 * bit.
 *
 * <p>Priority: a vector's class is {@code vector >> 4}. The highest pending vector is
 * deliverable only when its class is above the processor priority class, i.e. the higher of
 * the highest in-service class and the task-priority class ({@code TPR >> 4}).
 * Vectors 0..31 are CPU exceptions; raising one as an external interrupt is ignored and
 * counted in {@link #illegalVectors()}.
 */
public final class LocalApic {
    private final int id;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition deliverableCond = lock.newCondition();
    private final long[] irr = new long[4];
    private final long[] isr = new long[4];
    private int tpr;
    private volatile boolean deliverable;
    private final LongAdder illegal = new LongAdder();
    private final LongAdder raised = new LongAdder();

    public LocalApic(int id) {
        if (id < 0 || id > 0xFE) {
            throw new IllegalArgumentException("APIC ID " + id);
        }
        this.id = id;
    }

    /** The APIC ID (equal to the CPU index on this machine). */
    public int id() {
        return id;
    }

    /** Requests interrupt {@code vector} (32..255). Thread-safe, never blocks for long. */
    public void raise(int vector) {
        if (vector < 32 || vector > 255) {
            illegal.increment();
            return;
        }
        raised.increment();
        lock.lock();
        try {
            irr[vector >> 6] |= 1L << (vector & 63);
            update();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutNanos} (0: don't wait) until an interrupt is deliverable,
     * then accepts it: returns its vector, now in service, or -1 on timeout.
     */
    public int acceptInterrupt(long timeoutNanos) throws InterruptedException {
        long nanos = timeoutNanos;
        lock.lockInterruptibly();
        try {
            while (true) {
                int v = deliverableVector();
                if (v >= 0) {
                    irr[v >> 6] &= ~(1L << (v & 63));
                    isr[v >> 6] |= 1L << (v & 63);
                    update();
                    return v;
                }
                if (nanos <= 0) {
                    return -1;
                }
                nanos = deliverableCond.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Non-blocking {@link #acceptInterrupt(long)}: the accepted vector or -1. */
    public int poll() {
        lock.lock();
        try {
            int v = deliverableVector();
            if (v >= 0) {
                irr[v >> 6] &= ~(1L << (v & 63));
                isr[v >> 6] |= 1L << (v & 63);
                update();
            }
            return v;
        } finally {
            lock.unlock();
        }
    }

    /** End of interrupt: clears the highest in-service vector (no-op if none). */
    public void eoi() {
        lock.lock();
        try {
            int v = highest(isr);
            if (v >= 0) {
                isr[v >> 6] &= ~(1L << (v & 63));
                update();
            }
        } finally {
            lock.unlock();
        }
    }

    /** True if an interrupt is deliverable now (a cheap volatile read for the vCPU loop). */
    public boolean pending() {
        return deliverable;
    }

    /** Sets the task priority (TPR, 0..255); only its class {@code tpr >> 4} matters here. */
    public void setTaskPriority(int tpr) {
        lock.lock();
        try {
            this.tpr = tpr & 0xFF;
            update();
        } finally {
            lock.unlock();
        }
    }

    public int taskPriority() {
        lock.lock();
        try {
            return tpr;
        } finally {
            lock.unlock();
        }
    }

    /** True if {@code vector} is in service (for tests and diagnostics). */
    public boolean inService(int vector) {
        lock.lock();
        try {
            return (isr[(vector >> 6) & 3] & (1L << (vector & 63))) != 0;
        } finally {
            lock.unlock();
        }
    }

    /** True if {@code vector} is requested but not yet accepted. */
    public boolean requested(int vector) {
        lock.lock();
        try {
            return (irr[(vector >> 6) & 3] & (1L << (vector & 63))) != 0;
        } finally {
            lock.unlock();
        }
    }

    /** External interrupts raised with an exception vector (0..31) or out of range, and ignored. */
    public long illegalVectors() {
        return illegal.sum();
    }

    /** Interrupts raised (accepted into IRR) so far. */
    public long raisedCount() {
        return raised.sum();
    }

    private int deliverableVector() {
        int v = highest(irr);
        if (v < 0) {
            return -1;
        }
        int s = highest(isr);
        int ppr = Math.max(tpr >> 4, s < 0 ? 0 : s >> 4);
        return (v >> 4) > ppr ? v : -1;
    }

    private void update() {
        boolean d = deliverableVector() >= 0;
        deliverable = d;
        if (d) {
            deliverableCond.signalAll();
        }
    }

    private static int highest(long[] bits) {
        for (int i = 3; i >= 0; i--) {
            if (bits[i] != 0) {
                return i * 64 + 63 - Long.numberOfLeadingZeros(bits[i]);
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "LocalApic[" + id + "]";
    }

}
