package platform.pc.uart;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import platform.pc.PortHandler;

/**
 * Contract: a National Semiconductor PC16550D (16550A) UART at 8 consecutive I/O ports,
 * following the PC16550D datasheet: section 8 (registers: Table II register summary,
 * 8.1 LCR, 8.2 programmable baud generator, 8.3 LSR, 8.4 FCR, 8.5 IIR/IER, 8.6 MCR and
 * loopback, 8.7 MSR, 8.8 SCR, 8.10 FIFO interrupt mode), Table III (interrupt control
 * functions and priorities) and Table IV (reset states).
 *
 * <p>Registers (offset from the base, DLAB = LCR bit 7):
 * <pre>
 *   0  read RBR / write THR          DLAB=1: DLL (divisor latch low)
 *   1  IER (bits 0..3)               DLAB=1: DLM (divisor latch high)
 *   2  read IIR / write FCR
 *   3  LCR     4  MCR (bits 0..4)     5  LSR     6  MSR     7  SCR
 * </pre>
 *
 * <p>Modelling choices (documented simplifications):
 * <ul>
 *   <li><b>Transmission is immediate.</b> A byte written to THR goes to the backend (or, in
 *       loopback mode, into the receiver) during the write, so the transmitter is always
 *       empty: LSR THRE and TEMT read 1 at all times, and the THR-empty interrupt event
 *       happens at the end of every THR write. Writing THR clears a pending THRE interrupt
 *       and the immediate transmission raises it again, as on the chip a moment later.</li>
 *   <li>Enabling ETBEI (IER bit 1 going 0 to 1) while THR is empty raises the THRE
 *       interrupt, as the 16550A does (drivers rely on it to start transmission).</li>
 *   <li><b>Character timeout</b> (IIR 0xC, section 8.10): in FIFO mode, with at least one
 *       character in the receive FIFO, when no character has been received into or read
 *       from the FIFO for 4 character times. A character time is the frame length (start
 *       bit, 5..8 data bits, parity, 1/1.5/2 stop bits from LCR) at the baud rate
 *       115200 / divisor (a divisor of 0 counts as 1). Time comes from the injected clock;
 *       the condition is evaluated on every register access, on {@link #poll}, and, if a
 *       timer was given, by a timer task armed when the FIFO holds data. It clears when a
 *       character is read or received.</li>
 *   <li>The receive path holds up to 16 characters in FIFO mode and 1 (the RBR) in 16450
 *       mode. An overrun (a character arriving when it is full) sets LSR OE; in FIFO mode
 *       the new character is lost, in 16450 mode it overwrites the RBR (section 8.3 LSR1).
 *       Each lost character is counted in {@link #overruns}. Characters discarded because
 *       the guest reset the receive FIFO (FCR bit 1) or switched FIFO mode (FCR bit 0) are
 *       discarded as the guest asked, as on the chip.</li>
 *   <li>LSR PE/FE/BI are latched when a character carrying them reaches the top of the
 *       FIFO and cleared by reading LSR. LSR bit 7 (FIFO mode) is set when a character
 *       carrying an error enters the FIFO and cleared by an LSR read if no character with an
 *       error remains in the FIFO (section 8.3, LSR7); it is always 0 in 16450 mode.</li>
 *   <li><b>Interrupt output on a PC:</b> the INTR pin ({@link #interruptPending}) reaches the
 *       {@link IrqLine} only through the OUT2 output (MCR bit 3). In loopback mode the
 *       chip forces OUT2 inactive (section 8.6), so the IRQ line stays low while INTR is
 *       still computed, as on a PC board.</li>
 *   <li>In loopback mode the serial input is disconnected: flow-controlled input from the
 *       backend waits ({@link #put}) and wire-like input ({@link #push}) is dropped and
 *       counted in {@link #lineDrops}. LCR bit 6 (break) and FCR bit 3 (DMA mode) are
 *       stored but have no effect.</li>
 *   <li>Registers are 8 bits wide. Accesses of size 2 or 4, or outside the 8 ports, are
 *       ignored (reads return all-ones) and counted in {@link #badAccesses}; they never
 *       throw.</li>
 *   <li>At power-on the divisor latch holds 12 (9600 baud; the datasheet leaves it
 *       undefined) and SCR holds 0. {@link #reset} (the MR pin) follows Table IV and leaves
 *       DLL/DLM, SCR and RBR alone.</li>
 * </ul>
 *
 * <p>Thread-safe: register accesses, backend input and timer tasks serialise on this
 * object. {@link IrqLine#set} and {@link SerialBackend#transmit} are called with that lock
 * held, so they must not call back into the UART.
 */
public final class Uart16550 implements PortHandler, SerialReceiver, AutoCloseable {
    public static final int COM1_BASE = 0x3F8;
    public static final int COM1_IRQ = 4;
    public static final int COM2_BASE = 0x2F8;
    public static final int COM2_IRQ = 3;
    public static final int PORT_COUNT = 8;
    public static final int FIFO_SIZE = 16;
    /** 1.8432 MHz / 16: the baud rate for a divisor of 1. */
    public static final int BASE_BAUD = 115200;

    // Register offsets (Table II).
    public static final int RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2;
    public static final int LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

    // IER bits (section 8.5).
    public static final int IER_ERBFI = 0x01, IER_ETBEI = 0x02, IER_ELSI = 0x04, IER_EDSSI = 0x08;
    // IIR values (Table III); FIFO-enabled bits 6..7.
    public static final int IIR_NONE = 0x01, IIR_MODEM = 0x00, IIR_THRE = 0x02, IIR_RDA = 0x04;
    public static final int IIR_RLS = 0x06, IIR_TIMEOUT = 0x0C, IIR_FIFO_ENABLED = 0xC0;
    // FCR bits (section 8.4).
    public static final int FCR_ENABLE = 0x01, FCR_RX_RESET = 0x02, FCR_TX_RESET = 0x04, FCR_DMA = 0x08;
    // LCR bits (section 8.1).
    public static final int LCR_DLAB = 0x80;
    // MCR bits (section 8.6).
    public static final int MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
    // LSR bits (section 8.3).
    public static final int LSR_DR = 0x01, LSR_OE = 0x02, LSR_PE = 0x04, LSR_FE = 0x08, LSR_BI = 0x10;
    public static final int LSR_THRE = 0x20, LSR_TEMT = 0x40, LSR_RX_FIFO_ERROR = 0x80;
    // MSR bits (section 8.7).
    public static final int MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08;
    public static final int MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;

    private static final int[] TRIGGER = {1, 4, 8, 14};

    private final int base;
    private final SerialBackend backend;
    private final IrqLine irq;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;

    private int ier, lcr, mcr, fcr, scr, dll = 12, dlm;
    private final short[] rx = new short[FIFO_SIZE]; // data | errors << 8
    private int rxHead, rxCount, lastRbr;
    private int lsrErrors;        // latched OE/PE/FE/BI
    private boolean fifoError;    // LSR bit 7
    private boolean thrInterrupt; // the THR-empty interrupt source is pending
    private int modemInputs;      // MSR bits 4..7 from the backend
    private int msrDelta;         // MSR bits 0..3
    private long lastRxActivity;
    private boolean timeout, timerArmed;
    private boolean irqLevel, closed;
    private long overruns, lineDrops, badAccesses, transmitted;

    /** A UART using host time and no timer thread (call {@link #poll} for character timeouts). */
    public Uart16550(int base, SerialBackend backend, IrqLine irq) {
        this(base, backend, irq, System::nanoTime, null);
    }

    /**
     * @param base   first I/O port (e.g. {@link #COM1_BASE})
     * @param clock  time in nanoseconds, for the character timeout
     * @param timer  optional (null): used to re-evaluate the character timeout on time
     */
    public Uart16550(int base, SerialBackend backend, IrqLine irq, LongSupplier clock,
            ScheduledExecutorService timer) {
        if (base < 0 || base + PORT_COUNT > 0x10000 || backend == null || irq == null || clock == null) {
            throw new IllegalArgumentException("bad UART configuration");
        }
        this.base = base;
        this.backend = backend;
        this.irq = irq;
        this.clock = clock;
        this.timer = timer;
        this.lastRxActivity = clock.getAsLong();
        backend.attach(this);
        synchronized (this) {
            msrDelta = 0; // power-on: no deltas, whatever the backend reported while attaching
        }
    }

    public int base() {
        return base;
    }

    /** Master reset (MR pin), PC16550D Table IV. */
    public synchronized void reset() {
        int before = effectiveModemInputs();
        ier = 0;
        lcr = 0;
        mcr = 0;
        fcr = 0;
        clearRx();
        lsrErrors = 0;
        thrInterrupt = false;
        msrDelta = 0;
        noteModemChange(before);
        msrDelta = 0;
        update();
        notifyAll();
    }

    // ---- port I/O -------------------------------------------------------------------

    @Override
    public synchronized int in(int port, int size) {
        int reg = port - base;
        if (size != 1 || reg < 0 || reg >= PORT_COUNT) {
            badAccesses++;
            return 0xFFFF_FFFF;
        }
        checkTimeout();
        int v = switch (reg) {
            case RBR -> (lcr & LCR_DLAB) != 0 ? dll : readRbr();
            case IER -> (lcr & LCR_DLAB) != 0 ? dlm : ier;
            case IIR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLsr();
            case MSR -> readMsr();
            default -> scr;
        };
        update();
        return v;
    }

    @Override
    public synchronized void out(int port, int size, int value) {
        int reg = port - base;
        if (size != 1 || reg < 0 || reg >= PORT_COUNT) {
            badAccesses++;
            return;
        }
        int v = value & 0xFF;
        checkTimeout();
        switch (reg) {
            case THR -> {
                if ((lcr & LCR_DLAB) != 0) {
                    dll = v;
                } else {
                    writeThr(v);
                }
            }
            case IER -> {
                if ((lcr & LCR_DLAB) != 0) {
                    dlm = v;
                } else {
                    writeIer(v);
                }
            }
            case FCR -> writeFcr(v);
            case LCR -> lcr = v;
            case MCR -> writeMcr(v);
            case LSR, MSR -> { } // read-only (factory test use only on the chip)
            default -> scr = v;
        }
        update();
    }

    private int readRbr() {
        if (rxCount == 0) {
            return lastRbr;
        }
        int c = rx[rxHead];
        rxHead = (rxHead + 1) % FIFO_SIZE;
        rxCount--;
        lastRbr = c & 0xFF;
        if (rxCount > 0) {
            lsrErrors |= (rx[rxHead] >> 8) & (LSR_PE | LSR_FE | LSR_BI);
        }
        rxActivity();
        notifyAll();
        return lastRbr;
    }

    private int readIir() {
        int s = source();
        if (s == IIR_THRE) {
            thrInterrupt = false; // section 8.5: reading IIR clears THRE if it is the source
        }
        return s | (fifoEnabled() ? IIR_FIFO_ENABLED : 0);
    }

    private int readLsr() {
        int v = lsrErrors | LSR_THRE | LSR_TEMT;
        if (rxCount > 0) {
            v |= LSR_DR;
        }
        if (fifoEnabled() && fifoError) {
            v |= LSR_RX_FIFO_ERROR;
        }
        lsrErrors = 0;
        fifoError = fifoHoldsError();
        return v;
    }

    private int readMsr() {
        int v = msrDelta | effectiveModemInputs();
        msrDelta = 0;
        return v;
    }

    private void writeThr(int v) {
        thrInterrupt = false;
        transmitted++;
        if ((mcr & MCR_LOOP) != 0) {
            receive(v, 0);
        } else {
            backend.transmit(v);
        }
        thrInterrupt = true; // the transmitter emptied at once
    }

    private void writeIer(int v) {
        int old = ier;
        ier = v & 0x0F;
        if ((ier & IER_ETBEI) != 0 && (old & IER_ETBEI) == 0) {
            thrInterrupt = true; // THR is empty
        }
    }

    private void writeFcr(int v) {
        boolean enable = (v & FCR_ENABLE) != 0;
        if (enable != fifoEnabled()) {
            clearRx(); // switching 16450/FIFO mode clears the FIFOs
        }
        if (!enable) {
            fcr = 0; // FCR0 must be 1 for the other bits to be programmed
            return;
        }
        fcr = v & (FCR_ENABLE | FCR_DMA | 0xC0);
        if ((v & FCR_RX_RESET) != 0) {
            clearRx();
        }
        // FCR_TX_RESET: the transmit FIFO is always empty (immediate transmission).
    }

    private void writeMcr(int v) {
        int before = effectiveModemInputs();
        boolean wasLoop = (mcr & MCR_LOOP) != 0;
        mcr = v & 0x1F;
        noteModemChange(before);
        if (wasLoop && (mcr & MCR_LOOP) == 0) {
            notifyAll(); // serial input reconnected
        }
    }

    // ---- receive path -------------------------------------------------------------------

    @Override
    public synchronized boolean put(int b) throws InterruptedException {
        while (!closed && (rxCount >= capacity() || (mcr & MCR_LOOP) != 0)) {
            wait();
        }
        if (closed) {
            return false;
        }
        receive(b & 0xFF, 0);
        update();
        return true;
    }

    @Override
    public synchronized void push(int b, int errors) {
        if (closed) {
            return;
        }
        if ((mcr & MCR_LOOP) != 0) {
            lineDrops++;
            return;
        }
        receive(b & 0xFF, errors);
        update();
    }

    /** A character completely received into the shift register is moved to the FIFO. */
    private void receive(int b, int errors) {
        int e = errors & (LSR_PE | LSR_FE | LSR_BI);
        short entry = (short) (b | e << 8);
        if (rxCount >= capacity()) {
            overruns++;
            lsrErrors |= LSR_OE;
            if (!fifoEnabled()) {
                rx[rxHead] = entry; // 16450 mode: the new character overwrites RBR
                lsrErrors |= e;
            }
        } else {
            rx[(rxHead + rxCount) % FIFO_SIZE] = entry;
            rxCount++;
            fifoError |= e != 0;
            if (rxCount == 1) {
                lsrErrors |= e;
            }
        }
        rxActivity();
    }

    @Override
    public synchronized void setModemInputs(int msrBits) {
        int before = effectiveModemInputs();
        modemInputs = msrBits & 0xF0;
        noteModemChange(before);
        update();
    }

    private int effectiveModemInputs() {
        if ((mcr & MCR_LOOP) == 0) {
            return modemInputs;
        }
        // Section 8.6: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
        int v = 0;
        if ((mcr & MCR_RTS) != 0) {
            v |= MSR_CTS;
        }
        if ((mcr & MCR_DTR) != 0) {
            v |= MSR_DSR;
        }
        if ((mcr & MCR_OUT1) != 0) {
            v |= MSR_RI;
        }
        if ((mcr & MCR_OUT2) != 0) {
            v |= MSR_DCD;
        }
        return v;
    }

    private void noteModemChange(int before) {
        int now = effectiveModemInputs();
        int changed = before ^ now;
        if ((changed & MSR_CTS) != 0) {
            msrDelta |= MSR_DCTS;
        }
        if ((changed & MSR_DSR) != 0) {
            msrDelta |= MSR_DDSR;
        }
        if ((changed & MSR_DCD) != 0) {
            msrDelta |= MSR_DDCD;
        }
        if ((before & MSR_RI) != 0 && (now & MSR_RI) == 0) {
            msrDelta |= MSR_TERI; // trailing edge of ring
        }
    }

    // ---- interrupts and time ------------------------------------------------------------

    /** The highest-priority enabled pending source, as IIR bits 0..3 (Table III). */
    private int source() {
        if ((ier & IER_ELSI) != 0 && lsrErrors != 0) {
            return IIR_RLS;
        }
        if ((ier & IER_ERBFI) != 0 && rxCount > 0) {
            if (rxCount >= trigger()) {
                return IIR_RDA;
            }
            if (timeout) {
                return IIR_TIMEOUT;
            }
        }
        if ((ier & IER_ETBEI) != 0 && thrInterrupt) {
            return IIR_THRE;
        }
        if ((ier & IER_EDSSI) != 0 && msrDelta != 0) {
            return IIR_MODEM;
        }
        return IIR_NONE;
    }

    private void update() {
        boolean level = interruptPendingLocked() && (mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
        armTimer();
    }

    private boolean interruptPendingLocked() {
        return source() != IIR_NONE;
    }

    private void rxActivity() {
        lastRxActivity = clock.getAsLong();
        timeout = false;
    }

    private void checkTimeout() {
        if (!timeout && fifoEnabled() && rxCount > 0
                && clock.getAsLong() - lastRxActivity >= 4 * characterTimeNanos()) {
            timeout = true;
        }
    }

    private void armTimer() {
        if (timer == null || timerArmed || closed || timeout || !fifoEnabled() || rxCount == 0) {
            return;
        }
        long delay = Math.max(0, lastRxActivity + 4 * characterTimeNanos() - clock.getAsLong());
        try {
            timer.schedule(this::timerFired, delay + 1000, TimeUnit.NANOSECONDS);
            timerArmed = true;
        } catch (RejectedExecutionException e) {
            // the machine's timer is shutting down; poll() still works
        }
    }

    private synchronized void timerFired() {
        timerArmed = false;
        checkTimeout();
        update();
    }

    /** Re-evaluates time-dependent state (the character timeout) and the IRQ line. */
    public synchronized void poll() {
        checkTimeout();
        update();
    }

    /** The length of one frame at the programmed baud rate and line format. */
    public synchronized long characterTimeNanos() {
        int divisor = dll | dlm << 8;
        if (divisor == 0) {
            divisor = 1;
        }
        int dataBits = 5 + (lcr & 3);
        int halfBits = 2 * (1 + dataBits) + ((lcr & 0x08) != 0 ? 2 : 0);
        if ((lcr & 0x04) == 0) {
            halfBits += 2;
        } else {
            halfBits += dataBits == 5 ? 3 : 4;
        }
        return halfBits * 1_000_000_000L * divisor / (2L * BASE_BAUD);
    }

    // ---- helpers and observation --------------------------------------------------------

    private boolean fifoEnabled() {
        return (fcr & FCR_ENABLE) != 0;
    }

    private int capacity() {
        return fifoEnabled() ? FIFO_SIZE : 1;
    }

    private int trigger() {
        return fifoEnabled() ? TRIGGER[fcr >> 6 & 3] : 1;
    }

    private boolean fifoHoldsError() {
        for (int i = 0; i < rxCount; i++) {
            if ((rx[(rxHead + i) % FIFO_SIZE] >> 8) != 0) {
                return true;
            }
        }
        return false;
    }

    private void clearRx() {
        rxHead = 0;
        rxCount = 0;
        fifoError = false;
        timeout = false;
        notifyAll();
    }

    /** The chip's INTR output, before the PC's OUT2 gate. */
    public synchronized boolean interruptPending() {
        return interruptPendingLocked();
    }

    /** The level last driven on the IRQ line. */
    public synchronized boolean irqLevel() {
        return irqLevel;
    }

    @Override
    public synchronized long overruns() {
        return overruns;
    }

    /** Characters pushed while the serial input was disconnected (loopback mode). */
    public synchronized long lineDrops() {
        return lineDrops;
    }

    /** Ignored accesses (wrong size or port). */
    public synchronized long badAccesses() {
        return badAccesses;
    }

    /** Bytes written to THR. */
    public synchronized long transmittedBytes() {
        return transmitted;
    }

    /** Detaches from the backend and closes it (stopping its threads). Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        backend.close();
    }
}
