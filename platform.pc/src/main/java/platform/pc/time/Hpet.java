package platform.pc.time;

import platform.pc.MmioHandler;

/**
 * High Precision Event Timer: the 1 KiB register block of the IA-PC HPET specification 1.0a,
 * chapter 2 ("Register Descriptions": General Capabilities and ID, General Configuration,
 * General Interrupt Status, Main Counter Value, Timer N Configuration and Capabilities,
 * Timer N Comparator Value, Timer N FSB Interrupt Route; and the non-periodic and periodic
 * modes of timer operation).
 *
 * <p>This model: a 64-bit main counter at 10 MHz (period 100 ns = 100000000 fs) derived from the
 * {@link VirtualClock}; three 64-bit comparators, timer 0 and timer 1 periodic-capable, timer 2
 * one-shot only; legacy replacement routing (timer 0 to GSI 2 and timer 1 to GSI 8, the IOAPIC
 * inputs of IRQ 0 and IRQ 8); {@code Tn_INT_ROUTE_CAP} = GSIs 20..23 for every timer (a route
 * outside it is not accepted and reads back unchanged). FSB (MSI) delivery is <b>not</b>
 * supported: {@code Tn_FSB_INT_DEL_CAP} reads 0, {@code Tn_FSB_EN_CNF} is read-only 0 and the
 * FSB route registers read 0.
 *
 * <p>Interrupts: a match of an enabled comparator ({@code ENABLE_CNF} set) in level mode sets
 * its {@code GINTR_STA} bit (whether or not {@code Tn_INT_ENB_CNF} is set; the bit is cleared
 * by writing 1) and, if {@code Tn_INT_ENB_CNF} is set, holds the routed line asserted until the
 * bit is cleared; in edge mode it sends a pulse and leaves the status bit 0 (General Interrupt
 * Status). A periodic timer adds the last value written to its comparator (its period) on each
 * match (periodic mode);
 * a comparator write with {@code Tn_VAL_SET_CNF} set also sets the comparator itself, and clears
 * {@code Tn_VAL_SET_CNF}. In 32-bit mode ({@code Tn_32MODE_CNF}) the comparator is 32 bits and
 * matches the low half of the counter; a 32-bit one-shot timer also interrupts when the low
 * half of the counter wraps from FFFFFFFFh to 0 (non-periodic mode).
 *
 * <p>Accesses: aligned 4- or 8-byte reads and writes; a 4-byte access reaches the low or high
 * half of a 64-bit register. Other sizes or misaligned accesses read all-ones and are ignored
 * when written; reserved registers and reserved bits read 0 and ignore writes. The main counter
 * is writable only while the counter is halted.
 *
 * <p>Locking: every register access and comparator callback runs under this object's monitor;
 * the {@link IrqSink} is called with it held. Lock order: Hpet, then VirtualClock.
 */
public final class Hpet implements MmioHandler {
    /** Size of the register block (the ACPI HPET table's address describes its base). */
    public static final long SIZE = 0x400;
    public static final int TIMERS = 3;
    /** Main counter tick in femtoseconds: 10 MHz. */
    public static final long PERIOD_FS = 100_000_000L;
    private static final long TICK_NS = PERIOD_FS / 1_000_000L;
    public static final int VENDOR_ID = 0x8086;
    public static final int REV_ID = 0x01;
    /** {@code Tn_INT_ROUTE_CAP}: the IOAPIC inputs a timer may be routed to (GSIs 20..23). */
    public static final long ROUTE_CAP = 0x00F0_0000L;
    public static final int LEGACY_GSI_TIMER0 = 2;
    public static final int LEGACY_GSI_TIMER1 = 8;

    // register offsets (register overview)
    static final int GCAP_ID = 0x000;
    static final int GEN_CONF = 0x010;
    static final int GINTR_STA = 0x020;
    static final int MAIN_CNT = 0x0F0;
    static final int TIMER_BASE = 0x100;
    static final int TIMER_STRIDE = 0x20;
    static final int T_CONF = 0x00;
    static final int T_CMP = 0x08;
    static final int T_FSB = 0x10;

    // GEN_CONF bits (General Configuration)
    public static final long ENABLE_CNF = 1L << 0;
    public static final long LEG_RT_CNF = 1L << 1;

    // Tn_CONF_CAP bits (Timer N Configuration and Capabilities)
    public static final long TN_INT_TYPE_CNF = 1L << 1; // 1 = level
    public static final long TN_INT_ENB_CNF = 1L << 2;
    public static final long TN_TYPE_CNF = 1L << 3; // 1 = periodic
    public static final long TN_PER_INT_CAP = 1L << 4;
    public static final long TN_SIZE_CAP = 1L << 5;
    public static final long TN_VAL_SET_CNF = 1L << 6;
    public static final long TN_32MODE_CNF = 1L << 8;
    public static final int TN_INT_ROUTE_SHIFT = 9;
    public static final long TN_INT_ROUTE_CNF = 0x1FL << TN_INT_ROUTE_SHIFT;
    public static final long TN_FSB_EN_CNF = 1L << 14;
    public static final long TN_FSB_INT_DEL_CAP = 1L << 15;

    private static final long M32 = 0xFFFF_FFFFL;

    /** One comparator (timer n). */
    private static final class Comparator {
        final int index;
        final boolean periodicCapable;
        long conf; // writable bits only
        long cmp = -1L; // reset value: all ones
        long period;
        VirtualClock.Timer armed;
        long gen;
        int assertedGsi = -1;

        Comparator(int index, boolean periodicCapable) {
            this.index = index;
            this.periodicCapable = periodicCapable;
        }

        long writable() {
            return TN_INT_TYPE_CNF | TN_INT_ENB_CNF | (periodicCapable ? TN_TYPE_CNF : 0) | TN_VAL_SET_CNF
                    | TN_32MODE_CNF | TN_INT_ROUTE_CNF;
        }

        boolean level() {
            return (conf & TN_INT_TYPE_CNF) != 0;
        }

        boolean periodic() {
            return (conf & TN_TYPE_CNF) != 0;
        }

        boolean mode32() {
            return (conf & TN_32MODE_CNF) != 0;
        }
    }

    private final VirtualClock clock;
    private final IrqSink irq;
    private final Comparator[] timers = new Comparator[TIMERS];
    private long genConf;
    private long isr;
    private long counterBase; // counter value at startNs (or the halted value)
    private long startNs; // clock time when the counter was last enabled

    public Hpet(VirtualClock clock, IrqSink irq) {
        this.clock = clock;
        this.irq = irq == null ? IrqSink.NONE : irq;
        for (int i = 0; i < TIMERS; i++) {
            timers[i] = new Comparator(i, i < 2);
        }
    }

    private boolean enabled() {
        return (genConf & ENABLE_CNF) != 0;
    }

    private long counter(long now) {
        return enabled() ? counterBase + (now - startNs) / TICK_NS : counterBase;
    }

    // ---- MMIO -------------------------------------------------------------------------------

    @Override
    public synchronized long read(long offset, int size) {
        if (!goodAccess(offset, size)) {
            return size == 8 ? -1L : (1L << (8 * Math.max(1, Math.min(size, 4)))) - 1;
        }
        long v = readReg((int) (offset & ~7L));
        return size == 8 ? v : (v >>> (8 * (offset & 4))) & M32;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (!goodAccess(offset, size)) {
            return;
        }
        long mask = size == 8 ? -1L : M32 << (8 * (offset & 4));
        long v = size == 8 ? value : (value & M32) << (8 * (offset & 4));
        writeReg((int) (offset & ~7L), v & mask, mask);
    }

    private static boolean goodAccess(long offset, int size) {
        return offset >= 0 && offset < SIZE && (size == 4 || size == 8) && (offset & (size - 1)) == 0;
    }

    private static long merge(long old, long value, long mask) {
        return (old & ~mask) | (value & mask);
    }

    private long readReg(int reg) {
        switch (reg) {
            case GCAP_ID:
                return REV_ID | (long) (TIMERS - 1) << 8 | 1L << 13 /* COUNT_SIZE_CAP */ | 1L << 15 /* LEG_RT_CAP */
                        | (long) VENDOR_ID << 16 | PERIOD_FS << 32;
            case GEN_CONF:
                return genConf;
            case GINTR_STA:
                return isr;
            case MAIN_CNT:
                return counter(clock.now());
            default:
                break;
        }
        Comparator t = timerAt(reg);
        if (t == null) {
            return 0; // reserved
        }
        return switch ((reg - TIMER_BASE) % TIMER_STRIDE) {
            case T_CONF -> t.conf | (t.periodicCapable ? TN_PER_INT_CAP : 0) | TN_SIZE_CAP | ROUTE_CAP << 32;
            case T_CMP -> t.mode32() ? t.cmp & M32 : t.cmp;
            default -> 0; // FSB route: FSB delivery not supported
        };
    }

    private Comparator timerAt(int reg) {
        if (reg < TIMER_BASE) {
            return null;
        }
        int n = (reg - TIMER_BASE) / TIMER_STRIDE;
        return n < TIMERS ? timers[n] : null;
    }

    private void writeReg(int reg, long value, long mask) {
        switch (reg) {
            case GEN_CONF -> {
                long now = clock.now();
                long n = merge(genConf, value, mask) & (ENABLE_CNF | LEG_RT_CNF);
                boolean was = enabled();
                boolean will = (n & ENABLE_CNF) != 0;
                if (was && !will) {
                    counterBase = counter(now);
                } else if (!was && will) {
                    startNs = now;
                }
                genConf = n;
                for (Comparator t : timers) {
                    arm(t);
                }
                updateLines();
            }
            case GINTR_STA -> {
                isr &= ~(value & mask & ((1L << TIMERS) - 1));
                updateLines();
            }
            case MAIN_CNT -> {
                if (!enabled()) {
                    counterBase = merge(counterBase, value, mask);
                }
            }
            default -> {
                Comparator t = timerAt(reg);
                if (t == null) {
                    return; // reserved
                }
                switch ((reg - TIMER_BASE) % TIMER_STRIDE) {
                    case T_CONF -> writeConf(t, value, mask);
                    case T_CMP -> writeComparator(t, value, mask);
                    default -> {
                    } // FSB route: not supported
                }
            }
        }
    }

    private void writeConf(Comparator t, long value, long mask) {
        long w = t.writable() & mask;
        long n = (t.conf & ~w) | (value & w);
        long route = (n & TN_INT_ROUTE_CNF) >>> TN_INT_ROUTE_SHIFT;
        if ((ROUTE_CAP & (1L << route)) == 0) {
            n = (n & ~TN_INT_ROUTE_CNF) | (t.conf & TN_INT_ROUTE_CNF); // unsupported route: not taken
        }
        t.conf = n;
        if (t.mode32()) {
            t.cmp &= M32;
            t.period &= M32;
        }
        arm(t);
        updateLines();
    }

    private void writeComparator(Comparator t, long value, long mask) {
        if (t.mode32()) {
            mask &= M32; // high half ignored in 32-bit mode
        }
        if (!t.periodic() || (t.conf & TN_VAL_SET_CNF) != 0) {
            t.cmp = merge(t.cmp, value, mask);
        }
        t.period = merge(t.period, value, mask);
        t.conf &= ~TN_VAL_SET_CNF;
        arm(t);
    }

    // ---- comparator timing ------------------------------------------------------------------

    /** (Re)arms timer {@code t}'s clock callback for its next match, or disarms it. */
    private void arm(Comparator t) {
        if (t.armed != null) {
            t.armed.cancel();
            t.armed = null;
        }
        long g = ++t.gen;
        if (!enabled()) {
            return;
        }
        long now = clock.now();
        long elapsed = (now - startNs) / TICK_NS;
        long cur = counterBase + elapsed;
        long delta;
        if (t.mode32()) {
            delta = (t.cmp - cur) & M32;
            if (delta == 0) {
                delta = 1L << 32; // already matched at this count: next match after the wrap
            }
            if (!t.periodic()) {
                long wrap = -cur & M32; // one-shot 32-bit timers also fire on the wrap to 0
                delta = Math.min(delta, wrap == 0 ? 1L << 32 : wrap);
            }
        } else {
            delta = t.cmp - cur;
            if (delta == 0) {
                return; // next match after a 64-bit wrap: never
            }
        }
        long limit = (Long.MAX_VALUE - startNs) / TICK_NS - elapsed;
        if (delta < 0 || delta > limit) {
            return; // beyond the end of time
        }
        long deadline = startNs + (elapsed + delta) * TICK_NS;
        t.armed = clock.schedule(deadline, () -> fire(t, g));
    }

    private synchronized void fire(Comparator t, long g) {
        if (g != t.gen || !enabled()) {
            return; // stale callback
        }
        t.armed = null;
        if (t.level()) {
            isr |= 1L << t.index;
        } else if ((t.conf & TN_INT_ENB_CNF) != 0) {
            int gsi = route(t);
            if (gsi >= 0) {
                irq.assertIrq(gsi);
                irq.deassertIrq(gsi);
            }
        }
        if (t.periodic() && t.period != 0) {
            long cur = counter(clock.now());
            if (t.mode32()) {
                long next = (t.cmp + t.period) & M32;
                int behind = (int) (cur - next);
                if (behind >= 0) { // late (host mode): skip the missed periods
                    next = (next + (behind / t.period + 1) * t.period) & M32;
                }
                t.cmp = next;
            } else {
                long next = t.cmp + t.period;
                long behind = cur - next;
                if (behind >= 0) {
                    next += (behind / t.period + 1) * t.period;
                }
                t.cmp = next;
            }
        }
        updateLines();
        arm(t);
    }

    /** The GSI timer {@code t} drives, or -1 if its route is unusable. */
    private int route(Comparator t) {
        if ((genConf & LEG_RT_CNF) != 0 && t.index < 2) {
            return t.index == 0 ? LEGACY_GSI_TIMER0 : LEGACY_GSI_TIMER1;
        }
        int r = (int) ((t.conf & TN_INT_ROUTE_CNF) >>> TN_INT_ROUTE_SHIFT);
        return (ROUTE_CAP & (1L << r)) != 0 ? r : -1;
    }

    /** Brings the level-triggered lines in line with status, enables and routes. */
    private void updateLines() {
        for (Comparator t : timers) {
            boolean want = enabled() && t.level() && (t.conf & TN_INT_ENB_CNF) != 0 && (isr & (1L << t.index)) != 0;
            int gsi = want ? route(t) : -1;
            if (gsi != t.assertedGsi) {
                if (t.assertedGsi >= 0) {
                    irq.deassertIrq(t.assertedGsi);
                }
                if (gsi >= 0) {
                    irq.assertIrq(gsi);
                }
                t.assertedGsi = gsi;
            }
        }
    }
}
