package platform.pc;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import platform.pc.time.VirtualClock;

/**
 * The machine's {@link VirtualClock} as the vCPUs drive it: the TSC, run-slice bounds, and
 * the idle warp. Shared by all vCPUs of one machine.
 *
 * <p><b>Host clock:</b> the TSC is the clock's nanoseconds ({@link Vcpu#TSC_HZ} = 1 GHz);
 * slices are not bounded by deadlines and nothing here advances time.
 *
 * <p><b>Deterministic clock:</b> time is executed work. After each run slice the vCPU calls
 * {@link #retire} and the clock advances {@link Vcpu#NANOS_PER_INSTRUCTION} per retired
 * instruction, firing due timers on the vCPU's thread. {@link #room} bounds a slice so that it
 * ends at the first instruction at which the next timer deadline is reached, so the timer's
 * interrupt is taken at an exact retired-instruction count. When every online vCPU is halted
 * with interrupts enabled, {@link #warp} jumps the clock to the next deadline at once (QEMU's
 * {@code -icount sleep=off}): idle time costs no host time.
 *
 * <p>Threading: {@link #retire}, {@link #room} and {@link #warp} are serialised by one lock, as
 * {@link VirtualClock#advance} must not run twice at once. While vCPUs run, nothing else may
 * advance a deterministic clock. {@code running} counts online vCPUs that are not halted (or
 * halted with interrupts disabled); it is changed by the vCPUs and by whoever wakes one, before
 * the wake-up, so a warp never overtakes a vCPU that has just been given something to do.
 */
final class VcpuClock {
    private final VirtualClock clock;
    private final boolean deterministic;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger running = new AtomicInteger();

    VcpuClock(VirtualClock clock) {
        this.clock = clock;
        this.deterministic = clock.isDeterministic();
    }

    VirtualClock clock() {
        return clock;
    }

    boolean deterministic() {
        return deterministic;
    }

    /** The TSC with {@code pendingInstructions} retired but not yet applied to the clock (0 in host mode). */
    long tsc(long pendingInstructions) {
        long now = clock.now(); // TSC_HZ == 1 GHz: one tick per nanosecond
        return deterministic ? now + pendingInstructions * Vcpu.NANOS_PER_INSTRUCTION : now;
    }

    /**
     * The length of the next slice, at most {@code want} (>= 1): in deterministic mode cut at
     * the next timer deadline (at least 1). Fires timers already due first.
     */
    long room(long want) {
        if (!deterministic) {
            return want;
        }
        lock.lock();
        try {
            long next = clock.nextDeadline();
            long now = clock.now();
            if (next <= now) {
                clock.advance(0);
                next = clock.nextDeadline();
                now = clock.now();
            }
            if (next == Long.MAX_VALUE) {
                return want;
            }
            long gap = next - now;
            long k = gap <= 0 ? 1 : (gap + Vcpu.NANOS_PER_INSTRUCTION - 1) / Vcpu.NANOS_PER_INSTRUCTION;
            return Math.min(want, k);
        } finally {
            lock.unlock();
        }
    }

    /** Deterministic mode: {@code instructions} were executed; advances the clock, firing due timers. */
    void retire(long instructions) {
        if (!deterministic || instructions <= 0) {
            return;
        }
        lock.lock();
        try {
            clock.advance(instructions * Vcpu.NANOS_PER_INSTRUCTION);
        } finally {
            lock.unlock();
        }
    }

    /** A vCPU became busy (came online, or was woken from HLT). */
    void busy() {
        running.incrementAndGet();
    }

    /** A vCPU halted with interrupts enabled. */
    void idle() {
        running.decrementAndGet();
    }

    /** Online vCPUs not halted (with interrupts enabled). */
    int running() {
        return running.get();
    }

    /**
     * Deterministic mode, called by a halted vCPU: if every online vCPU is halted, advances the
     * clock to the next deadline (firing it) and returns true; false if someone runs, there is
     * no deadline, or the clock is host time.
     */
    boolean warp() {
        if (!deterministic || running.get() != 0) {
            return false;
        }
        lock.lock();
        try {
            if (running.get() != 0) {
                return false;
            }
            long next = clock.nextDeadline();
            if (next == Long.MAX_VALUE) {
                return false;
            }
            clock.advance(Math.max(0, next - clock.now()));
            return true;
        } finally {
            lock.unlock();
        }
    }
}
