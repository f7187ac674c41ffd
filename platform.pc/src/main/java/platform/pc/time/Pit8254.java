package platform.pc.time;

import platform.pc.PortHandler;

/**
 * Intel 8254 programmable interval timer at I/O ports 0x40-0x43 (Intel 8254 datasheet,
 * 231164: "Control Word Format", "Read Operations" incl. the counter latch command, "Mode
 * Definitions" modes 0, 2 and 3), clocked at 1.193182 MHz derived from the {@link VirtualClock}.
 *
 * <p>Ports: 0x40, 0x41, 0x42 are the data ports of counters 0, 1, 2; 0x43 is the control word
 * register (write-only; reads all-ones). Control word: SC (bits 7:6; 11 = read-back, not
 * supported and ignored), RW (bits 5:4: 00 counter latch, 01 LSB, 10 MSB, 11 LSB then MSB),
 * M (bits 3:1; 110 and 111 alias modes 2 and 3), BCD (bit 0: accepted, the counter always
 * counts in binary). A count of 0 means 65536.
 *
 * <p>Counting model: a count written at clock time t is loaded at the current CLK tick and
 * decremented on each following tick. Mode 0: OUT goes high when the count reaches 0 and the
 * counter keeps wrapping; writing the first byte of a two-byte count stops counting. Mode 2:
 * counts N..1, OUT low during count 1, a new period every N ticks. Mode 3: OUT high for
 * ceil(N/2) and low for floor(N/2) ticks, the count decrements by two. In modes 2 and 3 a new
 * count written while counting takes effect at the end of the current period. Modes 1, 4, 5
 * need a gate trigger or strobe: they are accepted and count down like mode 0 but never
 * change OUT. Gates are always high (port 0x61 is not modelled).
 *
 * <p>Interrupts: IRQ 0 is edge-triggered on the PC; each rising edge of OUT0 (terminal count in
 * mode 0, start of each period in modes 2 and 3) is sent to the {@link IrqSink} as a pulse on
 * the line given to the constructor: ISA IRQ {@link #IRQ} by default, or the GSI it is wired to
 * (GSI 2 on a PC IOAPIC, per the usual MADT interrupt source override). In host mode, periods missed by a late timer thread are coalesced into one.
 *
 * <p>Locking: port accesses and clock callbacks run under this object's monitor; the sink is
 * called with it held. Lock order: Pit8254, then VirtualClock.
 */
public final class Pit8254 implements PortHandler {
    public static final int BASE_PORT = 0x40;
    public static final int CONTROL_PORT = 0x43;
    public static final long FREQ_HZ = 1_193_182L;
    public static final int IRQ = 0;

    /** Number of whole CLK ticks elapsed at clock time {@code ns} (floor(ns * f / 1e9)). */
    static long ticksAt(long ns) {
        return VirtualClock.ticksAt(ns, FREQ_HZ);
    }

    /** The clock time at which tick number {@code tick} occurs (the smallest t with ticksAt(t) >= tick). */
    static long timeOfTick(long tick) {
        return VirtualClock.timeOfTick(tick, FREQ_HZ);
    }

    /** One counter. */
    private final class Channel {
        final int index;
        int mode;
        int rw = 3; // access mode
        boolean bcd;
        int reload; // N, 1..65536
        boolean counting;
        long loadTick; // tick at which N was loaded
        int pendingReload; // modes 2/3: next period's N, or 0
        boolean out;
        // write state
        boolean writeHigh; // lohi: next write is the MSB
        int writeLow;
        // read state
        boolean latched;
        int latch;
        boolean readHigh; // lohi: next read is the MSB
        // interrupt scheduling (channel 0)
        VirtualClock.Timer armed;
        long gen;
        long nextEdge; // edge number for periodic modes

        Channel(int index) {
            this.index = index;
        }

        /** Applies a pending reload (modes 2, 3) once its period boundary has been reached. */
        void normalize(long tick) {
            if (pendingReload != 0 && tick >= pendingAt) {
                loadTick = pendingAt;
                reload = pendingReload;
                pendingReload = 0;
                nextEdge = (tick - loadTick) / reload + 1;
            }
        }

        long pendingAt; // tick of the period boundary at which pendingReload is loaded

        /** The counting element's value at {@code tick}. */
        int count(long tick) {
            if (!counting) {
                return reload & 0xFFFF;
            }
            long e = tick - loadTick;
            switch (mode) {
                case 2 -> {
                    return (int) (reload - e % reload) & 0xFFFF;
                }
                case 3 -> {
                    long phase = e % reload;
                    long high = (reload + 1) / 2;
                    long inHalf = phase < high ? phase : phase - high;
                    long c = (reload & ~1) - 2 * inHalf;
                    return (int) (c <= 0 ? 2 : c) & 0xFFFF;
                }
                default -> {
                    return (int) ((reload - e) & 0xFFFF);
                }
            }
        }

        boolean output(long tick) {
            if (!counting) {
                return out;
            }
            long e = tick - loadTick;
            return switch (mode) {
                case 0 -> e >= reload;
                case 2 -> e % reload != reload - 1;
                case 3 -> e % reload < (reload + 1) / 2;
                default -> out;
            };
        }
    }

    private final VirtualClock clock;
    private final IrqSink irq;
    private final Channel[] channels = {new Channel(0), new Channel(1), new Channel(2)};

    private final int line;

    /** A PIT whose OUT0 drives line {@link #IRQ} (0) of {@code irq}. */
    public Pit8254(VirtualClock clock, IrqSink irq) {
        this(clock, irq, IRQ);
    }

    /** A PIT whose OUT0 drives line {@code line} of {@code irq} (e.g. GSI 2 of an IOAPIC). */
    public Pit8254(VirtualClock clock, IrqSink irq, int line) {
        this.clock = clock;
        this.irq = irq == null ? IrqSink.NONE : irq;
        this.line = line;
    }

    private long tick() {
        return ticksAt(clock.now());
    }

    @Override
    public synchronized int in(int port, int size) {
        if (size != 1 || port < BASE_PORT || port > CONTROL_PORT) {
            return -1;
        }
        if (port == CONTROL_PORT) {
            return 0xFF; // the control word register cannot be read
        }
        Channel c = channels[port - BASE_PORT];
        int value;
        if (c.latched) {
            value = c.latch;
        } else {
            long t = tick();
            c.normalize(t);
            value = c.count(t);
        }
        int b;
        switch (c.rw) {
            case 1 -> {
                b = value & 0xFF;
                c.latched = false;
            }
            case 2 -> {
                b = (value >>> 8) & 0xFF;
                c.latched = false;
            }
            default -> {
                if (!c.readHigh) {
                    b = value & 0xFF;
                    c.readHigh = true;
                    if (!c.latched) {
                        c.latch = value; // the MSB read next belongs to the same count
                        c.latched = true;
                    }
                } else {
                    b = (value >>> 8) & 0xFF;
                    c.readHigh = false;
                    c.latched = false;
                }
            }
        }
        return b;
    }

    @Override
    public synchronized void out(int port, int size, int value) {
        if (size != 1 || port < BASE_PORT || port > CONTROL_PORT) {
            return;
        }
        value &= 0xFF;
        if (port == CONTROL_PORT) {
            control(value);
            return;
        }
        Channel c = channels[port - BASE_PORT];
        switch (c.rw) {
            case 1 -> load(c, value);
            case 2 -> load(c, value << 8);
            default -> {
                if (!c.writeHigh) {
                    c.writeLow = value;
                    c.writeHigh = true;
                    if (c.mode == 0 && c.counting) { // mode 0: the first byte stops counting
                        long t = tick();
                        c.reload = Math.max(1, c.count(t));
                        c.counting = false;
                        c.out = false;
                        disarm(c);
                    }
                } else {
                    c.writeHigh = false;
                    load(c, c.writeLow | value << 8);
                }
            }
        }
    }

    private void control(int cw) {
        int sc = cw >>> 6;
        if (sc == 3) {
            return; // read-back command: not supported
        }
        Channel c = channels[sc];
        int rw = (cw >>> 4) & 3;
        if (rw == 0) { // counter latch command; a second latch before reading is ignored
            if (!c.latched) {
                long t = tick();
                c.normalize(t);
                c.latch = c.count(t);
                c.latched = true;
            }
            return;
        }
        c.rw = rw;
        int m = (cw >>> 1) & 7;
        c.mode = m >= 6 ? m - 4 : m;
        c.bcd = (cw & 1) != 0;
        c.counting = false;
        c.pendingReload = 0;
        c.latched = false;
        c.readHigh = false;
        c.writeHigh = false;
        c.out = c.mode != 0; // mode 0: OUT low after the control word; other modes: high
        disarm(c);
    }

    private void load(Channel c, int value) {
        int n = value == 0 ? 0x10000 : value;
        long t = tick();
        if (c.counting && (c.mode == 2 || c.mode == 3)) {
            c.normalize(t);
            c.pendingReload = n;
            c.pendingAt = c.loadTick + ((t - c.loadTick) / c.reload + 1) * c.reload;
            return; // takes effect at the end of the current period
        }
        c.reload = n;
        c.loadTick = t;
        c.counting = true;
        c.nextEdge = 1;
        arm(c);
    }

    private void disarm(Channel c) {
        c.gen++;
        if (c.armed != null) {
            c.armed.cancel();
            c.armed = null;
        }
    }

    /** Channel 0: schedules the callback for the next rising edge of OUT. */
    private void arm(Channel c) {
        disarm(c);
        if (c.index != 0 || !c.counting) {
            return;
        }
        long edgeTick;
        switch (c.mode) {
            case 0 -> {
                if (c.nextEdge > 1) {
                    return; // terminal count already signalled
                }
                edgeTick = c.loadTick + c.reload;
            }
            case 2, 3 -> {
                edgeTick = c.loadTick + c.nextEdge * c.reload;
                if (c.pendingReload != 0) {
                    edgeTick = Math.min(edgeTick, c.pendingAt);
                }
            }
            default -> {
                return;
            }
        }
        long g = c.gen;
        c.armed = clock.schedule(timeOfTick(edgeTick), () -> edge(c, g));
    }

    private synchronized void edge(Channel c, long g) {
        if (g != c.gen) {
            return;
        }
        c.armed = null;
        long t = tick();
        if (c.mode == 2 || c.mode == 3) {
            c.normalize(t);
            c.nextEdge = (t - c.loadTick) / c.reload + 1;
        } else {
            c.nextEdge = 2;
            c.out = true;
        }
        irq.assertIrq(line);
        irq.deassertIrq(line);
        arm(c);
    }

    /** OUT of counter {@code n} now (for tests and for a future port 0x61). */
    public synchronized boolean output(int n) {
        Channel c = channels[n];
        long t = tick();
        c.normalize(t);
        return c.output(t);
    }
}
