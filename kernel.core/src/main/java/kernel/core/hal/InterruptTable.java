package kernel.core.hal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import platform.pc.Machine;

/**
 * The interrupt descriptor table of every vCPU: which handler runs for which vector.
 *
 * <p>Device vectors are 0x30..0xEF. Allocation spreads vectors over CPUs round-robin.
 * Dispatch reads a volatile slot without locking; allocation and freeing lock the table.
 */
final class InterruptTable implements Interrupts {
    static final int FIRST = 0x30;
    static final int LAST = 0xEF;

    private final Machine machine;
    private final Slot[][] slots;
    private int nextCpu;

    InterruptTable(Machine machine) {
        this.machine = machine;
        this.slots = new Slot[machine.cpuCount()][256];
    }

    /** An installed handler. */
    final class Slot implements IrqVector {
        final int cpu;
        final int vector;
        final String name;
        final String owner;
        final IrqHandler handler;
        final AtomicLong count = new AtomicLong();
        volatile boolean closed;

        Slot(int cpu, int vector, String owner, String name, IrqHandler handler) {
            this.owner = owner;
            this.cpu = cpu;
            this.vector = vector;
            this.name = name;
            this.handler = handler;
        }

        @Override public int vector() { return vector; }
        @Override public int cpu() { return cpu; }
        @Override public long msiAddress() { return 0xFEE0_0000L | ((long) machine.lapic(cpu).id() << 12); }
        @Override public int msiData() { return vector; }
        @Override public long count() { return count.get(); }

        @Override
        public void close() {
            free(this);
        }
    }

    @Override
    public IrqVector allocate(String name, IrqHandler handler) {
        return allocate("kernel", name, handler);
    }

    /** Allocates a vector on behalf of module {@code owner}. */
    synchronized IrqVector allocate(String owner, String name, IrqHandler handler) {
        int cpus = slots.length;
        for (int attempt = 0; attempt < cpus; attempt++) {
            int cpu = (nextCpu + attempt) % cpus;
            for (int v = FIRST; v <= LAST; v++) {
                if (slots[cpu][v] == null) {
                    Slot s = new Slot(cpu, v, owner, name, handler);
                    slots[cpu][v] = s;
                    nextCpu = (cpu + 1) % cpus;
                    return s;
                }
            }
        }
        throw new IllegalStateException("no free interrupt vector for " + name);
    }

    private synchronized void free(Slot s) {
        if (!s.closed) {
            s.closed = true;
            if (slots[s.cpu][s.vector] == s) {
                slots[s.cpu][s.vector] = null;
            }
        }
    }

    /** Runs the handler of {@code vector} on {@code cpu}; a vector with no handler is spurious. */
    void dispatch(int cpu, int vector) {
        Slot s = slots[cpu][vector];
        if (s == null) {
            spurious.incrementAndGet();
            return;
        }
        s.count.incrementAndGet();
        s.handler.handle(vector);
    }

    private final AtomicLong spurious = new AtomicLong();

    long spurious() {
        return spurious.get();
    }

    @Override
    public synchronized List<Line> lines() {
        List<Line> out = new ArrayList<>();
        for (int cpu = 0; cpu < slots.length; cpu++) {
            for (int v = FIRST; v <= LAST; v++) {
                Slot s = slots[cpu][v];
                if (s != null) {
                    out.add(new Line(v, cpu, s.name, s.owner, s.count()));
                }
            }
        }
        return out;
    }
}
