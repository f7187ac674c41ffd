package platform.pc;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The local APIC of one vCPU in xAPIC mode (Intel SDM vol. 3, chapter 11).
 *
 * <h2>The kernel's interface</h2>
 * Interrupt sources call {@link #raise(int)} (a fixed, edge-triggered interrupt) from any
 * thread; it sets the vector's IRR bit. The vCPU takes interrupts with
 * {@link #acceptInterrupt(long)} (which blocks like HLT) or polls {@link #pending()} between
 * instructions and then calls {@link #poll()}. Accepting moves the highest deliverable vector
 * from IRR to ISR; the handler ends with {@link #eoi()} (or a write to the EOI register),
 * which clears the highest ISR bit and, if that vector was accepted level-triggered (TMR
 * bit set), broadcasts an EOI for it to the IOAPICs.
 * The owning {@link Vcpu} installs a {@linkplain #setKick kick}, run without the lock whenever
 * an update leaves an interrupt deliverable, so that it leaves HLT or stops user code.
 *
 * <p>Priority (11.8.3): a vector's class is {@code vector >> 4}; PPR is TPR if
 * {@code TPR[7:4] >= ISRV[7:4]}, else {@code ISRV & 0xF0}, ISRV being the highest vector in
 * service. The highest IRR vector is deliverable only when its class is above {@code PPR[7:4]}.
 * Vectors 0..31 are CPU exceptions; raising one as an external interrupt is ignored and
 * counted in {@link #illegalVectors()} (vectors 0..15 arriving by message also set
 * "received illegal vector" in the ESR).
 *
 * <h2>The register page and which CPU issues an access</h2>
 * The xAPIC register page lives at {@link #DEFAULT_BASE} in every CPU's physical address
 * space, but each CPU reaches its <em>own</em> APIC there. So the page is not mapped on the
 * shared {@link PhysicalBus} (which is also the DMA view of devices, where 0xFEE00000 is the
 * MSI window): each vCPU owns one {@code LocalApic}, and its memory path (platform.cpu, or
 * the kernel's HAL for the vCPU it runs on) sends accesses to the 4 KiB page at
 * {@link #DEFAULT_BASE} to {@link #mmio()} of that vCPU's APIC before consulting the bus.
 * Registers are also reachable directly with {@link #readRegister}/{@link #writeRegister}.
 * Registers are 32 bits at 16-byte-aligned offsets; a write must be a 4-byte aligned store,
 * a read may be 1, 2 or 4 bytes inside the first dword. Other accesses are ignored (read 0)
 * and counted; an access to an unimplemented offset also sets ESR bit 7 (illegal register
 * address).
 *
 * <h2>Modelled</h2>
 * ID (writable bits 31:24), version {@code 0x00050014} (6 LVT entries, no EOI-broadcast
 * suppression), TPR, APR (reads 0), PPR, EOI, LDR, DFR (flat/cluster), SVR, ISR/TMR/IRR,
 * ESR (write-to-latch), ICR with fixed, lowest-priority, NMI, INIT (and INIT level
 * de-assert, ignored), STARTUP, destination modes and shorthands; LVT timer, thermal,
 * performance (storage only), LINT0, LINT1, error; the timer in one-shot, periodic and
 * TSC-deadline modes with the divide configuration. The timer counts at {@link #TIMER_HZ}
 * divided by the divide configuration, in time taken from a {@link TimerSource}.
 *
 * <p>Software disable (SVR bit 8 clear, the reset state): LVT mask bits read as set and cannot
 * be cleared. Fixed interrupts are still accepted (the Java kernel takes interrupts through
 * {@link #raise} without programming the SVR first). NMI, INIT and STARTUP are recorded for the
 * vCPU ({@link #takeNmi()}, {@link #takeInit()}, {@link #takeStartup()}) and announced to the
 * {@linkplain #setEventListener listener}; SMI and ExtINT messages are ignored and counted.
 *
 * <p>Thread-safe. Messages to other APICs and EOI broadcasts are sent after this APIC's lock
 * is released.
 */
public final class LocalApic {
    /** The default physical base of the xAPIC register page (IA32_APIC_BASE reset value). */
    public static final long DEFAULT_BASE = 0xFEE0_0000L;
    /** The size of the register page. */
    public static final long PAGE_SIZE = 0x1000;
    /** The timer's base clock before the divider (the "bus clock"): 1 GHz. */
    public static final long TIMER_HZ = 1_000_000_000L;
    /** The version register: version 0x14, max LVT entry 5 (bits 23:16). */
    public static final int VERSION = 0x0005_0014;

    // register offsets
    public static final int REG_ID = 0x020, REG_VERSION = 0x030, REG_TPR = 0x080, REG_APR = 0x090, REG_PPR = 0x0A0,
            REG_EOI = 0x0B0, REG_RRD = 0x0C0, REG_LDR = 0x0D0, REG_DFR = 0x0E0, REG_SVR = 0x0F0, REG_ISR = 0x100,
            REG_TMR = 0x180, REG_IRR = 0x200, REG_ESR = 0x280, REG_ICR_LOW = 0x300, REG_ICR_HIGH = 0x310,
            REG_LVT_TIMER = 0x320, REG_LVT_THERMAL = 0x330, REG_LVT_PERF = 0x340, REG_LVT_LINT0 = 0x350,
            REG_LVT_LINT1 = 0x360, REG_LVT_ERROR = 0x370, REG_TIMER_INITIAL = 0x380, REG_TIMER_CURRENT = 0x390,
            REG_TIMER_DIVIDE = 0x3E0;

    /** LVT bits. */
    public static final int LVT_MASKED = 1 << 16, LVT_LEVEL = 1 << 15;
    /** LVT timer modes (bits 18:17). */
    public static final int TIMER_ONE_SHOT = 0, TIMER_PERIODIC = 1, TIMER_TSC_DEADLINE = 2;
    /** ESR bits. */
    public static final int ESR_SEND_ILLEGAL_VECTOR = 1 << 5, ESR_RECEIVE_ILLEGAL_VECTOR = 1 << 6,
            ESR_ILLEGAL_REGISTER = 1 << 7;
    /** SVR bit 8: APIC software enable. */
    public static final int SVR_ENABLE = 1 << 8;

    /** NMI, INIT and STARTUP arrivals, for the vCPU that owns this APIC. */
    public interface EventListener {
        void onNmi(LocalApic apic);

        void onInit(LocalApic apic);

        void onStartup(LocalApic apic, int vector);
    }

    private final TimerSource timer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition deliverableCond = lock.newCondition();
    private final long[] irr = new long[4];
    private final long[] isr = new long[4];
    private final long[] tmr = new long[4];
    private volatile int idReg;
    private volatile int tpr;
    private int ldr;
    private int dfr;
    private int svr;
    private int esr;
    private int esrPending;
    private int icrLow;
    private int icrHigh;
    private int lvtTimer, lvtThermal, lvtPerf, lvtLint0, lvtLint1, lvtError;
    private final boolean[] lintLevel = new boolean[2];
    // timer
    private long initialCount;
    private int divideConfig;
    private long timerStart;
    private long tscDeadline;
    private long timerGen;
    private TimerSource.Handle timerHandle;
    // special events
    private boolean nmiPending;
    private boolean initPending;
    private boolean waitForSipi;
    private int sipiVector = -1;
    private volatile EventListener listener;
    private volatile ApicBus bus;
    private volatile boolean deliverable;
    private volatile Runnable kick;
    private boolean kickDue; // guarded by lock
    private final LongAdder illegal = new LongAdder();
    private final LongAdder raised = new LongAdder();
    private final LongAdder badAccesses = new LongAdder();
    private final LongAdder ignoredMessages = new LongAdder();
    private final MmioHandler mmio = new MmioHandler() {
        @Override
        public long read(long offset, int size) {
            return mmioRead(offset, size);
        }

        @Override
        public void write(long offset, int size, long value) {
            mmioWrite(offset, size, value);
        }
    };

    /** An APIC with ID {@code id}, on host time ({@link TimerSource#host()}). */
    public LocalApic(int id) {
        this(id, TimerSource.host());
    }

    /** An APIC with ID {@code id} (0..254) whose timer runs on {@code timer}. */
    public LocalApic(int id, TimerSource timer) {
        if (id < 0 || id > 0xFE) {
            throw new IllegalArgumentException("APIC ID " + id);
        }
        if (timer == null) {
            throw new IllegalArgumentException("timer source");
        }
        this.timer = timer;
        this.idReg = id << 24;
        resetRegisters();
    }

    void attachBus(ApicBus b) {
        this.bus = b;
    }

    /** The current APIC ID (ID register bits 31:24; initially the CPU index). */
    public int id() {
        return (idReg >>> 24) & 0xFF;
    }

    /** Same as {@link #id()}. */
    public int apicId() {
        return id();
    }

    /** The register page as seen by the owning vCPU (offsets relative to the page base). */
    public MmioHandler mmio() {
        return mmio;
    }

    /**
     * Sets the kick (null: none): run after an interrupt has become, or remains, deliverable
     * ({@link #pending()} true), on the thread that caused it, with this APIC's lock released.
     * The owning vCPU uses it to leave HLT or to stop user code at the next instruction
     * boundary. It must be quick and must not block.
     */
    public void setKick(Runnable kick) {
        this.kick = kick;
    }

    /** Releases the lock; the outermost release runs the kick if an update made a vector deliverable. */
    private void unlock() {
        Runnable k = null;
        if (kickDue && lock.getHoldCount() == 1) {
            kickDue = false;
            k = kick;
        }
        lock.unlock();
        if (k != null) {
            k.run();
        }
    }

    /** Sets the listener told of NMI, INIT and STARTUP arrivals (null: none). */
    public void setEventListener(EventListener l) {
        this.listener = l;
    }

    // ---------------------------------------------------------------- interrupt acceptance

    /** Requests fixed, edge-triggered interrupt {@code vector} (32..255). Thread-safe. */
    public void raise(int vector) {
        if (vector < 32 || vector > 255) {
            illegal.increment();
            return;
        }
        lock.lock();
        try {
            setIrr(vector, false);
        } finally {
            unlock();
        }
    }

    /** Receives an interrupt message from the APIC bus (IOAPIC, MSI or IPI). */
    void receive(int vector, int deliveryMode, boolean level) {
        EventListener l = listener;
        int startup = -1;
        boolean nmi = false, init = false;
        lock.lock();
        try {
            switch (deliveryMode) {
                case ApicBus.FIXED, ApicBus.LOWEST_PRIORITY -> {
                    if (vector < 16) {
                        illegal.increment();
                        setError(ESR_RECEIVE_ILLEGAL_VECTOR);
                    } else if (vector < 32) {
                        illegal.increment();
                    } else {
                        setIrr(vector, level);
                    }
                }
                case ApicBus.NMI -> {
                    nmiPending = true;
                    nmi = true;
                }
                case ApicBus.INIT -> {
                    resetRegisters();
                    initPending = true;
                    waitForSipi = true;
                    init = true;
                }
                case ApicBus.STARTUP -> {
                    if (waitForSipi) {
                        waitForSipi = false;
                        sipiVector = vector & 0xFF;
                        startup = sipiVector;
                    } else {
                        ignoredMessages.increment();
                    }
                }
                default -> ignoredMessages.increment(); // SMI, ExtINT, reserved
            }
        } finally {
            unlock();
        }
        if (l != null) {
            if (nmi) {
                l.onNmi(this);
            }
            if (init) {
                l.onInit(this);
            }
            if (startup >= 0) {
                l.onStartup(this, startup);
            }
        }
    }

    private void setIrr(int vector, boolean level) {
        raised.increment();
        irr[vector >> 6] |= 1L << (vector & 63);
        if (level) {
            tmr[vector >> 6] |= 1L << (vector & 63);
        } else {
            tmr[vector >> 6] &= ~(1L << (vector & 63));
        }
        update();
    }

    /** Raises an LVT-sourced interrupt (fixed, edge) under the lock. */
    private void raiseLocal(int vector) {
        if (vector < 16) {
            illegal.increment();
            setError(ESR_RECEIVE_ILLEGAL_VECTOR);
        } else if (vector < 32) {
            illegal.increment();
        } else {
            setIrr(vector, false);
        }
    }

    private void setError(int bits) {
        boolean fresh = (esrPending & bits) != bits;
        esrPending |= bits;
        int lvt = effectiveLvt(lvtError);
        if (fresh && (lvt & LVT_MASKED) == 0 && (lvt & 0xFF) >= 32) {
            setIrr(lvt & 0xFF, false);
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
            unlock();
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
            unlock();
        }
    }

    /**
     * End of interrupt: clears the highest in-service vector (no-op if none); if it was
     * level-triggered, broadcasts an EOI for it to the IOAPICs.
     */
    public void eoi() {
        int broadcast = -1;
        lock.lock();
        try {
            int v = highest(isr);
            if (v >= 0) {
                isr[v >> 6] &= ~(1L << (v & 63));
                if ((tmr[v >> 6] & (1L << (v & 63))) != 0) {
                    broadcast = v;
                }
                update();
            }
        } finally {
            unlock();
        }
        ApicBus b = bus;
        if (broadcast >= 0 && b != null) {
            b.eoiBroadcast(broadcast);
        }
    }

    /** True if an interrupt is deliverable now (a cheap volatile read for the vCPU loop). */
    public boolean pending() {
        return deliverable;
    }

    /** Sets the task priority (TPR, 0..255). */
    public void setTaskPriority(int tpr) {
        lock.lock();
        try {
            this.tpr = tpr & 0xFF;
            update();
        } finally {
            unlock();
        }
    }

    public int taskPriority() {
        return tpr;
    }

    /** The processor priority (PPR), computed from TPR and the highest in-service vector. */
    public int processorPriority() {
        lock.lock();
        try {
            return ppr();
        } finally {
            unlock();
        }
    }

    /** True if {@code vector} is in service (for tests and diagnostics). */
    public boolean inService(int vector) {
        return bit(isr, vector);
    }

    /** True if {@code vector} is requested but not yet accepted. */
    public boolean requested(int vector) {
        return bit(irr, vector);
    }

    /** True if {@code vector} was accepted level-triggered (TMR bit). */
    public boolean levelTriggered(int vector) {
        return bit(tmr, vector);
    }

    private boolean bit(long[] bits, int vector) {
        lock.lock();
        try {
            return (bits[(vector >> 6) & 3] & (1L << (vector & 63))) != 0;
        } finally {
            unlock();
        }
    }

    /** Takes a pending NMI: true once per NMI received. */
    public boolean takeNmi() {
        lock.lock();
        try {
            boolean n = nmiPending;
            nmiPending = false;
            return n;
        } finally {
            unlock();
        }
    }

    /** Takes a pending INIT: true once per INIT received (the APIC is then waiting for SIPI). */
    public boolean takeInit() {
        lock.lock();
        try {
            boolean n = initPending;
            initPending = false;
            return n;
        } finally {
            unlock();
        }
    }

    /** Takes the vector of a pending STARTUP IPI (start at {@code vector << 12}), or -1. */
    public int takeStartup() {
        lock.lock();
        try {
            int v = sipiVector;
            sipiVector = -1;
            return v;
        } finally {
            unlock();
        }
    }

    /** True if this APIC would match logical destination {@code mda} under its LDR/DFR. */
    boolean matchesLogical(int mda) {
        lock.lock();
        try {
            if (mda == 0xFF) {
                return true;
            }
            int logicalId = (ldr >>> 24) & 0xFF;
            if ((dfr >>> 28) == 0xF) { // flat model
                return (logicalId & mda) != 0;
            }
            // cluster model
            return (logicalId >>> 4) == (mda >>> 4) && (logicalId & mda & 0xF) != 0;
        } finally {
            unlock();
        }
    }

    /** External interrupts raised with an illegal vector (0..31, or out of range) and ignored. */
    public long illegalVectors() {
        return illegal.sum();
    }

    /** Interrupts accepted into IRR so far. */
    public long raisedCount() {
        return raised.sum();
    }

    /** Register accesses of a bad size or alignment, ignored. */
    public long badAccesses() {
        return badAccesses.sum();
    }

    /** SMI, ExtINT, reserved-mode and unexpected STARTUP messages, ignored. */
    public long ignoredMessages() {
        return ignoredMessages.sum();
    }

    // ---------------------------------------------------------------- LINT pins

    /**
     * Drives local interrupt pin LINT0 ({@code pin} 0) or LINT1 (1). On a rising edge (or
     * while high, for a level-triggered fixed entry) an unmasked LVT entry delivers its
     * vector (fixed) or an NMI; ExtINT is ignored and counted.
     */
    public void setLint(int pin, boolean high) {
        if (pin != 0 && pin != 1) {
            return;
        }
        boolean nmi = false;
        lock.lock();
        try {
            boolean was = lintLevel[pin];
            lintLevel[pin] = high;
            int lvt = effectiveLvt(pin == 0 ? lvtLint0 : lvtLint1);
            if (!high || (was && (lvt & LVT_LEVEL) == 0) || (lvt & LVT_MASKED) != 0) {
                return;
            }
            switch ((lvt >> 8) & 7) {
                case ApicBus.FIXED -> raiseLocal(lvt & 0xFF);
                case ApicBus.NMI -> {
                    nmiPending = true;
                    nmi = true;
                }
                default -> ignoredMessages.increment();
            }
        } finally {
            unlock();
        }
        EventListener l = listener;
        if (nmi && l != null) {
            l.onNmi(this);
        }
    }

    // ---------------------------------------------------------------- registers

    /** Reads the 32-bit register at {@code offset} (16-byte aligned) of the register page. */
    public int readRegister(int offset) {
        lock.lock();
        try {
            return switch (offset) {
                case REG_ID -> idReg;
                case REG_VERSION -> VERSION;
                case REG_TPR -> tpr;
                case REG_APR, REG_EOI, REG_RRD -> 0;
                case REG_PPR -> ppr();
                case REG_LDR -> ldr;
                case REG_DFR -> dfr;
                case REG_SVR -> svr;
                case REG_ESR -> esr;
                case REG_ICR_LOW -> icrLow;
                case REG_ICR_HIGH -> icrHigh;
                case REG_LVT_TIMER -> effectiveLvt(lvtTimer);
                case REG_LVT_THERMAL -> effectiveLvt(lvtThermal);
                case REG_LVT_PERF -> effectiveLvt(lvtPerf);
                case REG_LVT_LINT0 -> effectiveLvt(lvtLint0);
                case REG_LVT_LINT1 -> effectiveLvt(lvtLint1);
                case REG_LVT_ERROR -> effectiveLvt(lvtError);
                case REG_TIMER_INITIAL -> (int) initialCount;
                case REG_TIMER_CURRENT -> (int) currentCount();
                case REG_TIMER_DIVIDE -> divideConfig;
                default -> {
                    if (offset >= REG_ISR && offset < REG_ESR && (offset & 0xF) == 0) {
                        int i = (offset - REG_ISR) >> 4; // 0..23
                        long[] bits = i < 8 ? isr : i < 16 ? tmr : irr;
                        int word = i & 7;
                        yield (int) (bits[word >> 1] >>> ((word & 1) * 32));
                    }
                    setError(ESR_ILLEGAL_REGISTER);
                    yield 0;
                }
            };
        } finally {
            unlock();
        }
    }

    /** Writes the 32-bit register at {@code offset} (16-byte aligned) of the register page. */
    public void writeRegister(int offset, int value) {
        int[] ipi = null;
        boolean eoi = false;
        lock.lock();
        try {
            switch (offset) {
                case REG_ID -> idReg = value & 0xFF00_0000;
                case REG_TPR -> {
                    tpr = value & 0xFF;
                    update();
                }
                case REG_EOI -> eoi = true;
                case REG_LDR -> ldr = value & 0xFF00_0000;
                case REG_DFR -> dfr = value | 0x0FFF_FFFF;
                case REG_SVR -> {
                    svr = value & 0x3FF; // vector, enable, focus (bit 12 unsupported: reserved)
                    if ((svr & SVR_ENABLE) == 0) {
                        maskAllLvts();
                    }
                }
                case REG_ESR -> {
                    esr = esrPending;
                    esrPending = 0;
                }
                case REG_ICR_HIGH -> icrHigh = value & 0xFF00_0000;
                case REG_ICR_LOW -> {
                    icrLow = value & 0x000C_CFFF; // delivery status (bit 12) reads 0: sent at once
                    ipi = prepareIpi(value);
                }
                case REG_LVT_TIMER -> writeLvtTimer(value);
                case REG_LVT_THERMAL -> lvtThermal = lvtValue(value & 0x0001_07FF);
                case REG_LVT_PERF -> lvtPerf = lvtValue(value & 0x0001_07FF);
                case REG_LVT_LINT0 -> lvtLint0 = lvtValue(value & 0x0001_A7FF);
                case REG_LVT_LINT1 -> lvtLint1 = lvtValue(value & 0x0001_A7FF);
                case REG_LVT_ERROR -> lvtError = lvtValue(value & 0x0001_00FF);
                case REG_TIMER_INITIAL -> writeInitialCount(value & 0xFFFF_FFFFL);
                case REG_TIMER_DIVIDE -> writeDivide(value & 0xB);
                case REG_VERSION, REG_APR, REG_PPR, REG_RRD, REG_TIMER_CURRENT -> {
                    // read-only
                }
                default -> {
                    if (!(offset >= REG_ISR && offset < REG_ESR && (offset & 0xF) == 0)) {
                        setError(ESR_ILLEGAL_REGISTER);
                    }
                }
            }
        } finally {
            unlock();
        }
        if (eoi) {
            eoi();
        }
        if (ipi != null) {
            sendIpi(ipi);
        }
    }

    private long mmioRead(long offset, int size) {
        int within = (int) (offset & 0xF);
        if (offset < 0 || offset >= PAGE_SIZE || (size != 1 && size != 2 && size != 4) || within + size > 4) {
            badAccesses.increment();
            return 0;
        }
        long v = readRegister((int) (offset & ~0xFL)) & 0xFFFF_FFFFL;
        v >>>= 8 * within;
        return size == 4 ? v : v & ((1L << (8 * size)) - 1);
    }

    private void mmioWrite(long offset, int size, long value) {
        if (offset < 0 || offset >= PAGE_SIZE || size != 4 || (offset & 0xF) != 0) {
            badAccesses.increment();
            return;
        }
        writeRegister((int) offset, (int) value);
    }

    private int ppr() {
        int s = highest(isr);
        int isrv = s < 0 ? 0 : s;
        return (tpr >> 4) >= (isrv >> 4) ? tpr : isrv & 0xF0;
    }

    private boolean softwareEnabled() {
        return (svr & SVR_ENABLE) != 0;
    }

    private int effectiveLvt(int lvt) {
        return softwareEnabled() ? lvt : lvt | LVT_MASKED;
    }

    private int lvtValue(int v) {
        return softwareEnabled() ? v : v | LVT_MASKED;
    }

    private void maskAllLvts() {
        lvtTimer |= LVT_MASKED;
        lvtThermal |= LVT_MASKED;
        lvtPerf |= LVT_MASKED;
        lvtLint0 |= LVT_MASKED;
        lvtLint1 |= LVT_MASKED;
        lvtError |= LVT_MASKED;
    }

    private void resetRegisters() {
        cancelTimer();
        java.util.Arrays.fill(irr, 0);
        java.util.Arrays.fill(isr, 0);
        java.util.Arrays.fill(tmr, 0);
        tpr = 0;
        ldr = 0;
        dfr = 0xFFFF_FFFF;
        svr = 0xFF;
        esr = 0;
        esrPending = 0;
        icrLow = 0;
        icrHigh = 0;
        lvtTimer = lvtThermal = lvtPerf = lvtLint0 = lvtLint1 = lvtError = LVT_MASKED;
        initialCount = 0;
        divideConfig = 0;
        tscDeadline = 0;
        nmiPending = false;
        sipiVector = -1;
        update();
    }

    // ---------------------------------------------------------------- IPIs

    /** Validates an ICR low write; returns {vector, mode, logical, dest, level, shorthand} or null. */
    private int[] prepareIpi(int low) {
        int vector = low & 0xFF;
        int mode = (low >> 8) & 7;
        boolean logical = (low & (1 << 11)) != 0;
        boolean assertLevel = (low & (1 << 14)) != 0;
        boolean levelTrigger = (low & (1 << 15)) != 0;
        int shorthand = (low >> 18) & 3;
        if (mode == ApicBus.INIT && levelTrigger && !assertLevel) {
            return null; // INIT level de-assert: arbitration ID sync only
        }
        if ((mode == ApicBus.FIXED || mode == ApicBus.LOWEST_PRIORITY) && vector < 16) {
            setError(ESR_SEND_ILLEGAL_VECTOR);
            return null;
        }
        int dest = (icrHigh >>> 24) & 0xFF;
        return new int[] {vector, mode, logical ? 1 : 0, dest, 0, shorthand};
    }

    private void sendIpi(int[] m) {
        ApicBus b = bus;
        if (b != null) {
            b.deliver(m[0], m[1], m[2] != 0, m[3], m[4] != 0, m[5], this);
        } else if (m[5] == ApicBus.SELF || m[5] == ApicBus.ALL_INCLUDING_SELF
                || (m[5] == ApicBus.NO_SHORTHAND && m[2] == 0 && (m[3] == id() || m[3] == 0xFF))) {
            receive(m[0], m[1], false); // stand-alone APIC: only itself is reachable
        }
    }

    // ---------------------------------------------------------------- timer

    /** The timer mode (LVT timer bits 18:17). */
    private int timerMode() {
        return (lvtTimer >> 17) & 3;
    }

    private int divisor() {
        int v = ((divideConfig >> 1) & 4) | (divideConfig & 3);
        return 1 << ((v + 1) & 7);
    }

    private void writeLvtTimer(int value) {
        int old = timerMode();
        lvtTimer = lvtValue(value & 0x0007_00FF);
        if (timerMode() != old) { // a mode change disarms the timer (SDM 11.5.4.1)
            cancelTimer();
            initialCount = 0;
            tscDeadline = 0;
        }
    }

    private void writeInitialCount(long count) {
        if (timerMode() == TIMER_TSC_DEADLINE) {
            return; // ignored in TSC-deadline mode
        }
        cancelTimer();
        initialCount = count;
        if (count != 0) {
            timerStart = timer.nanos();
            scheduleTimer(timerStart + count * divisor());
        }
    }

    private void writeDivide(int value) {
        if (initialCount != 0 && timerHandle != null && timerMode() != TIMER_TSC_DEADLINE) {
            long cur = currentCount();
            divideConfig = value;
            cancelTimer();
            long now = timer.nanos();
            long elapsedTicks = initialCount - cur;
            timerStart = now - elapsedTicks * divisor();
            scheduleTimer(now + cur * divisor());
        } else {
            divideConfig = value;
        }
    }

    private long currentCount() {
        if (initialCount == 0 || timerMode() == TIMER_TSC_DEADLINE) {
            return 0;
        }
        long elapsed = Math.max(0, timer.nanos() - timerStart) / divisor();
        if (timerMode() == TIMER_PERIODIC) {
            return initialCount - (elapsed % initialCount);
        }
        return elapsed >= initialCount ? 0 : initialCount - elapsed;
    }

    private void cancelTimer() {
        timerGen++;
        if (timerHandle != null) {
            timerHandle.cancel();
            timerHandle = null;
        }
    }

    private void scheduleTimer(long at) {
        long gen = ++timerGen;
        timerHandle = timer.schedule(at, () -> timerExpired(gen));
    }

    private void timerExpired(long gen) {
        lock.lock();
        try {
            if (gen != timerGen) {
                return; // cancelled or re-armed meanwhile
            }
            timerHandle = null;
            switch (timerMode()) {
                case TIMER_PERIODIC -> {
                    long period = initialCount * divisor();
                    long now = timer.nanos();
                    long n = Math.max(0, now - timerStart) / period + 1;
                    scheduleTimer(timerStart + n * period);
                }
                case TIMER_TSC_DEADLINE -> tscDeadline = 0;
                default -> {
                    // one-shot: the current count has reached 0
                }
            }
            int lvt = effectiveLvt(lvtTimer);
            if ((lvt & LVT_MASKED) == 0) {
                raiseLocal(lvt & 0xFF);
            }
        } finally {
            unlock();
        }
    }

    /** Disarms the timer (any mode), e.g. at power-off; a later register write may arm it again. */
    public void stopTimer() {
        lock.lock();
        try {
            cancelTimer();
            initialCount = 0;
            tscDeadline = 0;
        } finally {
            unlock();
        }
    }

    /**
     * WRMSR IA32_TSC_DEADLINE (0x6E0). In TSC-deadline mode, arms the timer to fire when the
     * TSC reaches {@code deadline} (at once if already passed); 0 disarms. In other timer
     * modes the write is ignored.
     */
    public void writeTscDeadline(long deadline) {
        lock.lock();
        try {
            if (timerMode() != TIMER_TSC_DEADLINE) {
                return;
            }
            cancelTimer();
            tscDeadline = deadline;
            if (deadline == 0) {
                return;
            }
            if (Long.compareUnsigned(deadline, timer.tsc()) <= 0) {
                tscDeadline = 0;
                int lvt = effectiveLvt(lvtTimer);
                if ((lvt & LVT_MASKED) == 0) {
                    raiseLocal(lvt & 0xFF);
                }
            } else {
                scheduleTimer(timer.tscToNanos(deadline));
            }
        } finally {
            unlock();
        }
    }

    /** RDMSR IA32_TSC_DEADLINE: the armed deadline, 0 once fired or disarmed or outside TSC-deadline mode. */
    public long readTscDeadline() {
        lock.lock();
        try {
            return timerMode() == TIMER_TSC_DEADLINE ? tscDeadline : 0;
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------- helpers

    private int deliverableVector() {
        int v = highest(irr);
        if (v < 0) {
            return -1;
        }
        return (v >> 4) > (ppr() >> 4) ? v : -1;
    }

    private void update() {
        boolean d = deliverableVector() >= 0;
        deliverable = d;
        if (d) {
            deliverableCond.signalAll();
            kickDue = true;
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
        return "LocalApic[" + id() + "]";
    }
}
