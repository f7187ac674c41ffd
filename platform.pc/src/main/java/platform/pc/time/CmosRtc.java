package platform.pc.time;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import platform.pc.PortHandler;

/**
 * CMOS real-time clock and NVRAM at I/O ports 0x70 (index) and 0x71 (data), after the Motorola
 * MC146818A datasheet ("Address Map", "Time, Calendar and Alarm Locations", "Registers A-D",
 * "Update Cycle") and the PC's century byte at index 0x32 (ACPI FADT CENTURY).
 *
 * <p>Time: the wall clock is a base instant plus the {@link VirtualClock}'s elapsed time since
 * the base was set. By default the base is the host wall clock at power-on on a host-time
 * clock, and {@link #DETERMINISTIC_EPOCH} on a deterministic clock; {@link #setTime} changes it.
 * Registers 0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of week (1 = Sunday), 0x07 day of
 * month, 0x08 month, 0x09 year (two digits), 0x32 century read the current time, in BCD or
 * binary per register B's DM bit and in 24- or 12-hour form per its 24/12 bit (12-hour: 1..12,
 * bit 7 set for PM). The register values are always derived from the time, so changing DM or
 * 24/12 converts them at once (the chip would reinterpret stale bytes). Writing a time register
 * sets that field (an invalid value, e.g. month 13, is ignored); while register B's SET bit is
 * 1 the time is frozen and then resumes from the written time, at the start of a second, when
 * SET is cleared.
 *
 * <p>Register A: UIP (bit 7, read-only) is 1 during the last 244 us before each second's
 * update (with SET = 0 and the divider at its normal 010), so a reader that sees UIP = 0 has at
 * least 244 us to read a consistent time; DV is stored; RS selects the periodic rate (0: none,
 * 1: 256 Hz, 2: 128 Hz, n = 3..15: 65536 >> n Hz). Register D reads 0x80 (VRT: valid RAM and
 * time). The rest of the 128 bytes is plain NVRAM.
 *
 * <p>Interrupts (register C, read-only, cleared by reading it): UF is set at each update (each
 * second while SET = 0), AF at an update whose seconds, minutes and hours match the alarm
 * registers 0x01, 0x03, 0x05 (a byte with bits 7:6 = 11 matches anything), PF at each edge of
 * the periodic rate. The flags are set whether or not their enables in register B (UIE, AIE,
 * PIE) are; IRQF (bit 7) is set when an enabled flag is set, and then IRQ 8 is asserted
 * (level, like the chip's /IRQ) until register C is read. Flags are computed from the clock
 * when read; a clock timer is armed only while an interrupt is enabled. SQWE is stored only.
 *
 * <p>Port 0x70: bits 6:0 select the register; bit 7 (NMI disable) is accepted and ignored; the
 * port reads all-ones. Only 1-byte accesses are honoured; others are ignored (reads all-ones).
 *
 * <p>Locking: all accesses are serialised by this object's monitor.
 */
public final class CmosRtc implements PortHandler {
    public static final int INDEX_PORT = 0x70;
    public static final int DATA_PORT = 0x71;
    public static final int IRQ = 8;
    /** The wall-clock time at power-on of a deterministic machine. */
    public static final Instant DETERMINISTIC_EPOCH = Instant.parse("2000-01-01T00:00:00Z");

    public static final int SECONDS = 0x00;
    public static final int MINUTES = 0x02;
    public static final int HOURS = 0x04;
    public static final int DAY_OF_WEEK = 0x06;
    public static final int DAY_OF_MONTH = 0x07;
    public static final int MONTH = 0x08;
    public static final int YEAR = 0x09;
    public static final int REG_A = 0x0A;
    public static final int REG_B = 0x0B;
    public static final int REG_C = 0x0C;
    public static final int REG_D = 0x0D;
    public static final int CENTURY = 0x32;

    public static final int A_UIP = 0x80;
    public static final int B_SET = 0x80;
    public static final int B_DM_BINARY = 0x04;
    public static final int B_24H = 0x02;
    /** Duration of the UIP window before each update. */
    public static final long UIP_NS = 244_000;

    private static final long NS = 1_000_000_000L;

    public static final int B_PIE = 0x40;
    public static final int B_AIE = 0x20;
    public static final int B_UIE = 0x10;
    public static final int C_IRQF = 0x80;
    public static final int C_PF = 0x40;
    public static final int C_AF = 0x20;
    public static final int C_UF = 0x10;
    public static final int SECONDS_ALARM = 0x01;
    public static final int MINUTES_ALARM = 0x03;
    public static final int HOURS_ALARM = 0x05;

    private final VirtualClock clock;
    private final IrqSink irq;
    private final byte[] nvram = new byte[128];
    private int sticky; // flags (PF, AF, UF) collected before the last time-base change
    private long lastClear; // clock time since which flags are computed
    private boolean irqAsserted;
    private VirtualClock.Timer armed;
    private long gen;
    private int index;
    private long baseSeconds; // epoch seconds at clock time baseNs
    private long baseNs;
    private LocalDateTime frozen; // non-null while SET = 1

    public CmosRtc(VirtualClock clock, IrqSink irq) {
        this(clock, irq, clock.isDeterministic() ? DETERMINISTIC_EPOCH : Instant.now());
    }

    public CmosRtc(VirtualClock clock, IrqSink irq, Instant base) {
        this.clock = clock;
        this.irq = irq == null ? IrqSink.NONE : irq;
        this.lastClear = clock.now();
        nvram[REG_A] = 0x26; // DV = 010 (32.768 kHz time base), RS = 0110 (1024 Hz)
        nvram[REG_B] = B_24H;
        setTime(base);
    }

    /** Sets the wall-clock time to {@code t} now (whole seconds; the update cycle restarts). */
    public synchronized void setTime(Instant t) {
        fold();
        baseSeconds = t.getEpochSecond();
        baseNs = clock.now();
        if (frozen != null) {
            frozen = toDateTime(baseSeconds);
        }
        update();
    }

    /** The current wall-clock time (UTC) as the RTC counts it. */
    public synchronized Instant time() {
        return frozen != null ? frozen.toInstant(ZoneOffset.UTC) : Instant.ofEpochSecond(seconds(clock.now()));
    }

    private long seconds(long now) {
        return baseSeconds + Math.floorDiv(now - baseNs, NS);
    }

    private static LocalDateTime toDateTime(long epochSeconds) {
        return LocalDateTime.ofEpochSecond(epochSeconds, 0, ZoneOffset.UTC);
    }

    private LocalDateTime current() {
        return frozen != null ? frozen : toDateTime(seconds(clock.now()));
    }

    // ---- ports --------------------------------------------------------------------------------

    @Override
    public synchronized int in(int port, int size) {
        if (size != 1 || port != DATA_PORT) {
            return -1; // the index port is write-only
        }
        return read(index) & 0xFF;
    }

    @Override
    public synchronized void out(int port, int size, int value) {
        if (size != 1) {
            return;
        }
        if (port == INDEX_PORT) {
            index = value & 0x7F; // bit 7: NMI disable, ignored
        } else if (port == DATA_PORT) {
            write(index, value & 0xFF);
        }
    }

    private boolean binary() {
        return (nvram[REG_B] & B_DM_BINARY) != 0;
    }

    private int encode(int v) {
        return binary() ? v : (v / 10) << 4 | (v % 10);
    }

    /** Decodes a written field value, or -1 if it is not a valid BCD byte. */
    private int decode(int v) {
        if (binary()) {
            return v;
        }
        int hi = v >>> 4;
        int lo = v & 0xF;
        return hi > 9 || lo > 9 ? -1 : hi * 10 + lo;
    }

    private int read(int reg) {
        switch (reg) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> {
                return timeField(reg, current());
            }
            case REG_A -> {
                return (nvram[REG_A] & 0x7F) | (updateInProgress() ? A_UIP : 0);
            }
            case REG_C -> {
                int c = flags(clock.now());
                sticky = 0;
                lastClear = clock.now();
                if (irqAsserted) {
                    irq.deassertIrq(IRQ);
                    irqAsserted = false;
                }
                arm();
                return c;
            }
            case REG_D -> {
                return 0x80; // VRT
            }
            default -> {
                return nvram[reg] & 0xFF;
            }
        }
    }

    private boolean updateInProgress() {
        if (frozen != null || (nvram[REG_A] & 0x70) != 0x20) {
            return false;
        }
        long frac = Math.floorMod(clock.now() - baseNs, NS);
        return frac >= NS - UIP_NS;
    }

    private int timeField(int reg, LocalDateTime t) {
        return switch (reg) {
            case SECONDS -> encode(t.getSecond());
            case MINUTES -> encode(t.getMinute());
            case HOURS -> {
                int h = t.getHour();
                if ((nvram[REG_B] & B_24H) != 0) {
                    yield encode(h);
                }
                int h12 = h % 12 == 0 ? 12 : h % 12;
                yield encode(h12) | (h >= 12 ? 0x80 : 0);
            }
            case DAY_OF_WEEK -> encode(t.getDayOfWeek().getValue() % 7 + 1); // Sunday = 1
            case DAY_OF_MONTH -> encode(t.getDayOfMonth());
            case MONTH -> encode(t.getMonthValue());
            case YEAR -> encode(t.getYear() % 100);
            default -> encode(t.getYear() / 100 % 100); // CENTURY
        };
    }

    private void write(int reg, int v) {
        switch (reg) {
            case SECONDS, MINUTES, HOURS, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> writeTime(reg, v);
            case DAY_OF_WEEK -> {
            } // derived from the date
            case REG_A -> {
                fold();
                nvram[REG_A] = (byte) (v & 0x7F); // UIP is read-only
                update();
            }
            case REG_B -> {
                fold();
                boolean wasSet = frozen != null;
                nvram[REG_B] = (byte) v;
                boolean set = (v & B_SET) != 0;
                if (set && !wasSet) {
                    frozen = current();
                } else if (!set && wasSet) {
                    baseSeconds = frozen.toEpochSecond(ZoneOffset.UTC);
                    baseNs = clock.now();
                    frozen = null;
                }
                update();
            }
            case REG_C, REG_D -> {
            } // read-only
            default -> nvram[reg] = (byte) v;
        }
    }

    private void writeTime(int reg, int raw) {
        LocalDateTime t = current();
        int v;
        if (reg == HOURS && (nvram[REG_B] & B_24H) == 0) {
            int h12 = decode(raw & 0x7F);
            if (h12 < 1 || h12 > 12) {
                return;
            }
            v = h12 % 12 + ((raw & 0x80) != 0 ? 12 : 0);
        } else {
            v = decode(raw);
        }
        if (v < 0) {
            return;
        }
        LocalDateTime n;
        try {
            n = switch (reg) {
                case SECONDS -> t.withSecond(v);
                case MINUTES -> t.withMinute(v);
                case HOURS -> t.withHour(v);
                case DAY_OF_MONTH -> t.withDayOfMonth(v);
                case MONTH -> t.withMonth(v);
                case YEAR -> v > 99 ? null : t.withYear(t.getYear() / 100 * 100 + v);
                default -> v > 99 ? null : t.withYear(v * 100 + t.getYear() % 100); // CENTURY
            };
        } catch (java.time.DateTimeException e) {
            return; // invalid field value: ignored
        }
        if (n == null) {
            return;
        }
        fold();
        if (frozen != null) {
            frozen = n;
        } else {
            // keep the position within the current second
            long shift = n.toEpochSecond(ZoneOffset.UTC) - t.toEpochSecond(ZoneOffset.UTC);
            baseSeconds += shift;
        }
        update();
    }

    // ---- interrupt flags ----------------------------------------------------------------------

    private static final long NO_TIME = Long.MAX_VALUE;

    /** Periodic rate in Hz selected by register A's RS, or 0. */
    private int periodicHz() {
        int rs = nvram[REG_A] & 0xF;
        return switch (rs) {
            case 0 -> 0;
            case 1 -> 256;
            case 2 -> 128;
            default -> 65536 >> rs;
        };
    }

    private static long edges(long ns, long hz) {
        return Math.floorDiv(ns, NS) * hz + Math.floorMod(ns, NS) * hz / NS;
    }

    private static long timeOfEdge(long k, long hz) {
        return Math.floorDiv(k, hz) * NS + (Math.floorMod(k, hz) * NS + hz - 1) / hz;
    }

    /** Whether second {@code epochSecond} matches the alarm registers. */
    private boolean alarmMatches(long epochSecond) {
        LocalDateTime t = toDateTime(epochSecond);
        return alarmField(SECONDS_ALARM, SECONDS, t) && alarmField(MINUTES_ALARM, MINUTES, t)
                && alarmField(HOURS_ALARM, HOURS, t);
    }

    private boolean alarmField(int alarmReg, int reg, LocalDateTime t) {
        int a = nvram[alarmReg] & 0xFF;
        return (a & 0xC0) == 0xC0 || a == timeField(reg, t);
    }

    /** The first update (second boundary) time in (from, to] whose second matches the alarm, or NO_TIME. */
    private long nextAlarm(long from, long to) {
        long k0 = Math.floorDiv(from - baseNs, NS) + 1;
        long k1 = Math.floorDiv(Math.min(to, Long.MAX_VALUE - NS) - baseNs, NS);
        long n = Math.min(k1 - k0 + 1, 86_400); // the alarm repeats at most daily
        for (long k = k0; k < k0 + n; k++) {
            if (alarmMatches(baseSeconds + k)) {
                return baseNs + k * NS;
            }
        }
        return NO_TIME;
    }

    /** PF, AF and UF set by events in (lastClear, now], plus the sticky ones, plus IRQF. */
    private int flags(long now) {
        int f = sticky;
        int hz = periodicHz();
        if (hz != 0 && edges(now, hz) > edges(lastClear, hz)) {
            f |= C_PF;
        }
        if (frozen == null && (nvram[REG_A] & 0x70) == 0x20) {
            if (Math.floorDiv(now - baseNs, NS) > Math.floorDiv(lastClear - baseNs, NS)) {
                f |= C_UF;
                if (nextAlarm(lastClear, now) != NO_TIME) {
                    f |= C_AF;
                }
            }
        }
        if ((f & nvram[REG_B] & (B_PIE | B_AIE | B_UIE)) != 0) {
            f |= C_IRQF;
        }
        return f;
    }

    /** Collects the flags so far before the time base or the rates change. */
    private void fold() {
        long now = clock.now();
        sticky = flags(now) & (C_PF | C_AF | C_UF);
        lastClear = now;
    }

    /** Asserts IRQ 8 if an enabled flag is set; otherwise arms a timer for the next one. */
    private void update() {
        if (!irqAsserted && (flags(clock.now()) & C_IRQF) != 0) {
            irq.assertIrq(IRQ);
            irqAsserted = true;
        }
        arm();
    }

    private void arm() {
        gen++;
        if (armed != null) {
            armed.cancel();
            armed = null;
        }
        int b = nvram[REG_B];
        if (irqAsserted || (b & (B_PIE | B_AIE | B_UIE)) == 0) {
            return;
        }
        long now = clock.now();
        long next = NO_TIME;
        int hz = periodicHz();
        if ((b & B_PIE) != 0 && hz != 0) {
            next = Math.min(next, timeOfEdge(edges(now, hz) + 1, hz));
        }
        if (frozen == null && (nvram[REG_A] & 0x70) == 0x20) {
            long second = baseNs + (Math.floorDiv(now - baseNs, NS) + 1) * NS;
            if ((b & B_UIE) != 0) {
                next = Math.min(next, second);
            }
            if ((b & B_AIE) != 0) {
                next = Math.min(next, nextAlarm(now, now + 86_400 * NS));
            }
        }
        if (next != NO_TIME) {
            long g = gen;
            armed = clock.schedule(next, () -> timer(g));
        }
    }

    private synchronized void timer(long g) {
        if (g == gen) {
            armed = null;
            update();
        }
    }
}
