package platform.devices.net;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * An in-process learning Ethernet switch (an unmanaged 802.1D bridge without spanning tree).
 * Any number of ports, from any number of emulated machines in one JVM; thread-safe.
 *
 * <p>For each frame sent into a port: a frame of bad size is dropped and counted on that
 * port. Otherwise the source MAC, if unicast, is learnt for that port (a MAC seen on a new port
 * moves). A unicast destination learnt less than the aging time ago goes to its port only —
 * and nowhere if that is the source port (filtering); an unknown or aged unicast destination,
 * broadcast and multicast are flooded to every other port. A frame is never sent back out of
 * the port it came in on.
 *
 * <p>Delivery is synchronous on the sender's thread (see {@link FrameSink}); no lock is held
 * while a sink runs, so a sink may send in turn. The MAC table holds at most
 * {@link #MAX_ENTRIES} entries; when full, expired entries are purged and, if it is still full,
 * new addresses are not learnt (their frames are flooded: correct, merely slower). An entry's
 * time is refreshed at most every 1/64 of the aging time, so it may expire that much early. Time comes
 * from an injectable nanosecond clock so tests can age entries without waiting.
 */
public final class EthernetSwitch {
    /** Default aging time, as in 802.1D: 300 seconds. */
    public static final long DEFAULT_AGING_NANOS = 300_000_000_000L;
    public static final int MAX_ENTRIES = 4096;

    private record Entry(Port port, long seenNanos) {
    }

    private final String name;
    private final int maxFrame;
    private final long agingNanos;
    private final LongSupplier clock;
    private final List<Port> ports = new CopyOnWriteArrayList<>();
    private final Map<Long, Entry> table = new ConcurrentHashMap<>();
    private final AtomicInteger nextPort = new AtomicInteger();
    private final LongAdder notLearnt = new LongAdder();

    /** A switch for standard frames, with 300-second aging on the host's monotonic clock. */
    public EthernetSwitch(String name) {
        this(name, Frames.MAX_LEN, DEFAULT_AGING_NANOS, System::nanoTime);
    }

    /**
     * @param maxFrame   largest frame carried ({@link Frames#MAX_LEN}, or up to
     *                   {@link Frames#JUMBO_MAX_LEN} for jumbo frames)
     * @param agingNanos how long a learnt address stays valid without being seen again
     * @param clock      monotonic time in nanoseconds
     */
    public EthernetSwitch(String name, int maxFrame, long agingNanos, LongSupplier clock) {
        if (agingNanos <= 0) {
            throw new IllegalArgumentException("aging time must be positive: " + agingNanos);
        }
        this.name = name;
        this.maxFrame = Frames.checkMaxFrame(maxFrame);
        this.agingNanos = agingNanos;
        this.clock = clock;
    }

    public String name() {
        return name;
    }

    /** Adds a port; {@code label} (may be null) is appended to its name for logs. */
    public NetPort newPort(String label) {
        int n = nextPort.getAndIncrement();
        Port p = new Port(name + ".port" + n + (label == null || label.isEmpty() ? "" : "(" + label + ")"));
        ports.add(p);
        return p;
    }

    /** The ports currently attached, in creation order. */
    public List<NetPort> ports() {
        return List.copyOf(ports);
    }

    /** The port {@code mac} is learnt on (and not aged out), or null. */
    public NetPort lookup(long mac48) {
        Entry e = table.get(mac48);
        return e != null && clock.getAsLong() - e.seenNanos <= agingNanos ? e.port : null;
    }

    /** Number of MAC table entries, expired ones included until they are purged. */
    public int tableSize() {
        return table.size();
    }

    /** Addresses that could not be learnt because the table was full. */
    public long notLearnt() {
        return notLearnt.sum();
    }

    private void learn(long src, Port p, long now) {
        if (Frames.isGroup(src)) {
            return; // a group address as source is bogus; never learn it
        }
        Entry e = table.get(src);
        if (e != null && e.port == p && now - e.seenNanos < agingNanos / 64) {
            return; // fresh enough: refreshing costs an allocation per frame
        }
        if (e == null && table.size() >= MAX_ENTRIES) {
            table.values().removeIf(x -> now - x.seenNanos > agingNanos);
            if (table.size() >= MAX_ENTRIES) {
                notLearnt.increment();
                return;
            }
        }
        table.put(src, new Entry(p, now));
    }

    private boolean forward(Port from, byte[] buf, int off, int len) {
        long now = clock.getAsLong();
        learn(Frames.src(buf, off), from, now);
        long dst = Frames.dst(buf, off);
        if (!Frames.isGroup(dst)) {
            Entry e = table.get(dst);
            if (e != null && now - e.seenNanos <= agingNanos) {
                if (e.port != from && !e.port.closed) {
                    e.port.receive(buf, off, len);
                }
                return true; // known: filtered when it is on the source's own segment
            }
            if (e != null) {
                table.remove(dst, e); // aged out: flood and relearn
            }
        }
        for (Port p : ports) {
            if (p != from) {
                p.receive(buf, off, len);
            }
        }
        return true;
    }

    /** One switch port. */
    private final class Port implements NetPort {
        private final String portName;
        private final PortCounters counters = new PortCounters();
        private volatile FrameSink sink;
        private volatile boolean closed;

        Port(String portName) {
            this.portName = portName;
        }

        @Override
        public boolean send(byte[] buf, int off, int len) {
            if (!Frames.valid(buf, off, len, maxFrame)) {
                counters.malformed();
                return false;
            }
            if (closed) {
                counters.dropped();
                return false;
            }
            counters.tx(len);
            return forward(this, buf, off, len);
        }

        void receive(byte[] buf, int off, int len) {
            if (!closed) {
                NetPorts.deliver(sink, buf, off, len, counters);
            }
        }

        @Override
        public void attach(FrameSink s) {
            sink = s;
        }

        @Override
        public PortStats stats() {
            return counters.snapshot();
        }

        @Override
        public int maxFrame() {
            return maxFrame;
        }

        @Override
        public String name() {
            return portName;
        }

        /** Unplugs the port: it leaves the switch and its learnt addresses are forgotten. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                sink = null;
                ports.remove(this);
                table.values().removeIf(e -> e.port == this);
            }
        }

        @Override
        public String toString() {
            return portName;
        }
    }

    @Override
    public String toString() {
        return "switch " + name + " (" + ports.size() + " ports)";
    }
}
