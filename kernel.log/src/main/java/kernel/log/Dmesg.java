package kernel.log;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The kernel message ring buffer.
 *
 * <p>Every SLF4J logger in the system writes here (through {@link KernelLogProvider}). The
 * buffer keeps the last {@link #CAPACITY} records at every level; records at or above the
 * console level are also printed on the console as they arrive, like printk. There is one
 * buffer per JVM, as there is one kernel per machine.
 *
 * <p>Locking: all state is guarded by the buffer's monitor; printing happens outside it.
 */
public final class Dmesg {
    /** One log record. {@code nanos} is time since boot. */
    public record Entry(long seq, long nanos, Level level, String component, String message) {
        /** The record as dmesg prints it: {@code [    1.234567] component: message}. */
        public String format() {
            return String.format(Locale.ROOT, "[%5d.%06d] %s: %s", nanos / 1_000_000_000L,
                    (nanos / 1_000) % 1_000_000, component, message);
        }
    }

    public static final int CAPACITY = 4096;
    private static final Dmesg INSTANCE = new Dmesg();

    private final Entry[] ring = new Entry[CAPACITY];
    private long next; // sequence number of the next record
    private long bootNanos = System.nanoTime();
    private volatile Level consoleLevel = Level.INFO;
    private volatile Level recordLevel = Level.DEBUG;
    private volatile PrintStream console = System.out;

    private Dmesg() {}

    public static Dmesg get() {
        return INSTANCE;
    }

    /** Restarts the clock: record times count from now. Called once when the kernel boots. */
    public synchronized void markBoot() {
        bootNanos = System.nanoTime();
    }

    public long uptimeNanos() {
        return System.nanoTime() - bootNanos;
    }

    public void setConsoleLevel(Level level) {
        consoleLevel = level;
    }

    public Level consoleLevel() {
        return consoleLevel;
    }

    /** Records below this level are dropped altogether (default DEBUG). */
    public void setRecordLevel(Level level) {
        recordLevel = level;
    }

    public Level recordLevel() {
        return recordLevel;
    }

    /** Where console records go; {@code null} silences the console. */
    public void setConsole(PrintStream out) {
        console = out;
    }

    /** True if a record at {@code level} would be kept or printed. */
    public boolean enabled(Level level) {
        return level.atLeast(recordLevel) || level.atLeast(consoleLevel);
    }

    /** Appends a record; prints it if it reaches the console level. */
    public void log(Level level, String component, String message) {
        Entry e;
        synchronized (this) {
            e = new Entry(next, System.nanoTime() - bootNanos, level, component, message);
            if (level.atLeast(recordLevel)) {
                ring[(int) (next % CAPACITY)] = e;
                next++;
            }
        }
        PrintStream out = console;
        if (out != null && level.atLeast(consoleLevel)) {
            out.println(e.format());
            out.flush();
        }
    }

    /**
     * The buffered records at or above {@code minLevel} whose component equals
     * {@code component} or starts with {@code component + "."} ({@code null}: all), oldest first.
     */
    public synchronized List<Entry> entries(Level minLevel, String component) {
        List<Entry> out = new ArrayList<>();
        long first = Math.max(0, next - CAPACITY);
        for (long s = first; s < next; s++) {
            Entry e = ring[(int) (s % CAPACITY)];
            if (e.level().atLeast(minLevel) && matches(e.component(), component)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Drops every buffered record ({@code dmesg -C}). */
    public synchronized void clear() {
        java.util.Arrays.fill(ring, null);
        next = 0;
    }

    private static boolean matches(String c, String filter) {
        return filter == null || c.equals(filter) || c.startsWith(filter + ".");
    }
}
