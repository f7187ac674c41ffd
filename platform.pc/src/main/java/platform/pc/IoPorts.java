package platform.pc;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The x86 I/O port space (64 Ki ports). A device claims a range with {@link #register};
 * {@link #in}/{@link #out} dispatch to the handler that claims the first port of the
 * access, passing the <em>absolute</em> port number. Unclaimed ports read all-ones of
 * the access size; writes to them are dropped. Thread-safe; dispatch does not lock.
 */
public final class IoPorts {
    private final AtomicReferenceArray<PortHandler> handlers = new AtomicReferenceArray<>(65536);
    private final LongAdder unclaimed = new LongAdder();

    /**
     * Claims ports {@code [base, base+count)} for {@code handler}.
     *
     * @throws IllegalArgumentException if the range is outside 0..0xFFFF or a port is already claimed
     */
    public synchronized void register(int base, int count, PortHandler handler) {
        if (base < 0 || count <= 0 || base + count > 65536 || handler == null) {
            throw new IllegalArgumentException("bad port range " + base + "+" + count);
        }
        for (int p = base; p < base + count; p++) {
            if (handlers.get(p) != null) {
                throw new IllegalArgumentException(String.format("port %#x already claimed", p));
            }
        }
        for (int p = base; p < base + count; p++) {
            handlers.set(p, handler);
        }
    }

    /** Releases ports {@code [base, base+count)} claimed by {@code handler} (others are left alone). */
    public synchronized void unregister(int base, int count, PortHandler handler) {
        for (int p = Math.max(0, base); p < Math.min(65536, base + count); p++) {
            handlers.compareAndSet(p, handler, null);
        }
    }

    private static int mask(int size) {
        return switch (size) {
            case 1 -> 0xFF;
            case 2 -> 0xFFFF;
            case 4 -> 0xFFFF_FFFF;
            default -> throw new IllegalArgumentException("port access size " + size);
        };
    }

    /** Reads {@code size} (1, 2, 4) bytes from {@code port}. */
    public int in(int port, int size) {
        int mask = mask(size);
        PortHandler h = handlers.get(port & 0xFFFF);
        if (h == null) {
            unclaimed.increment();
            return mask;
        }
        return h.in(port & 0xFFFF, size) & mask;
    }

    /** Writes the low {@code size} (1, 2, 4) bytes of {@code value} to {@code port}. */
    public void out(int port, int size, int value) {
        int mask = mask(size);
        PortHandler h = handlers.get(port & 0xFFFF);
        if (h == null) {
            unclaimed.increment();
            return;
        }
        h.out(port & 0xFFFF, size, value & mask);
    }

    /** Accesses to unclaimed ports so far. */
    public long unclaimedAccesses() {
        return unclaimed.sum();
    }
}
