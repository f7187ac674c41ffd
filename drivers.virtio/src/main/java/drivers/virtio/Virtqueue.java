package drivers.virtio;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;
import kernel.core.hal.Mmio;
import kernel.mm.DmaBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A split virtqueue (virtio 1.2 §2.7) in one DMA buffer: the descriptor table (16 bytes per
 * entry, 16-aligned), the driver ("available") ring and the device ("used") ring (4-aligned).
 *
 * <p>The driver side of the protocol: {@link #add} writes a chain of descriptors (device-readable
 * buffers first, then device-writable ones) and publishes its head in the available ring;
 * {@link #kick} notifies the device unless it asked not to be; {@link #harvest} (typically from
 * the queue's interrupt handler) takes used elements, frees their descriptors and hands back
 * the token given to {@code add}.
 *
 * <p>Free descriptors are tracked in a private shadow of the {@code next} links, so a device
 * that scribbles on the descriptor table cannot corrupt the free list; a used element naming
 * a descriptor that is not the head of an outstanding chain is counted and ignored.
 *
 * <p>Thread-safe: one lock guards the rings; completion callbacks run outside it. Nothing is
 * allocated per request.
 */
public final class Virtqueue {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.virtio");

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int USED_F_NO_NOTIFY = 1;

    /** Receives one used buffer: the token given to {@link #add} and the bytes the device wrote. */
    @FunctionalInterface
    public interface Completer {
        void complete(Object token, int written);
    }

    private final String name;
    private final int index;
    private final int size;
    private final DmaBuffer ring;
    private final int availOff;
    private final int usedOff;
    private final Mmio notify;
    private final long notifyOffset;
    private final ReentrantLock lock = new ReentrantLock();
    private final Object[] tokens;
    private final int[] chainLength;
    private final int[] next;
    private int freeHead;
    private int freeCount;
    private int availIdx;
    private int lastUsed;
    private int outstanding;
    private long badUsed;
    private boolean closed;

    /** Bytes of DMA memory a queue of {@code size} entries needs. */
    static int ringBytes(int size) {
        return usedOffset(size) + 6 + 8 * size;
    }

    private static int usedOffset(int size) {
        return (16 * size + 6 + 2 * size + 3) & ~3;
    }

    /** Lays the rings out in {@code ring} (zeroed, page-aligned) and links every descriptor into the free list. */
    Virtqueue(String name, int index, int size, DmaBuffer ring, Mmio notify, long notifyOffset) {
        this.name = name;
        this.index = index;
        this.size = size;
        this.ring = ring;
        this.availOff = 16 * size;
        this.usedOff = usedOffset(size);
        this.notify = notify;
        this.notifyOffset = notifyOffset;
        this.tokens = new Object[size];
        this.chainLength = new int[size];
        this.next = new int[size];
        for (int i = 0; i < size; i++) {
            next[i] = (i + 1) % size;
        }
        this.freeCount = size;
    }

    public int index() { return index; }

    /** Number of descriptors (and ring entries). */
    public int size() { return size; }

    /** Physical addresses of the three parts, for queue_desc / queue_driver / queue_device. */
    long descPhys() { return ring.phys(); }
    long availPhys() { return ring.phys() + availOff; }
    long usedPhys() { return ring.phys() + usedOff; }

    /** Descriptors currently free. */
    public int freeDescriptors() {
        lock.lock();
        try {
            return freeCount;
        } finally {
            lock.unlock();
        }
    }

    /** Chains posted and not yet harvested. */
    public int outstanding() {
        lock.lock();
        try {
            return outstanding;
        } finally {
            lock.unlock();
        }
    }

    /** Used elements that named no outstanding chain (a misbehaving device). */
    public long badUsedElements() {
        lock.lock();
        try {
            return badUsed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Posts one chain: {@code addr[0..outs)} / {@code len[0..outs)} are buffers the device reads,
     * the next {@code ins} entries buffers it writes. Does not notify the device (see {@link #kick}).
     *
     * @param token handed back by {@link #harvest} when the device has used the chain; not null
     * @return false, posting nothing, if fewer than {@code outs + ins} descriptors are free
     */
    public boolean add(long[] addr, int[] len, int outs, int ins, Object token) {
        int n = outs + ins;
        if (token == null || outs < 0 || ins < 0 || n == 0 || n > size || n > addr.length || n > len.length) {
            throw new IllegalArgumentException("bad chain: " + outs + " out + " + ins + " in");
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException(this + " is shut down");
            }
            if (freeCount < n) {
                return false;
            }
            int head = freeHead;
            int d = head;
            for (int i = 0; i < n; i++) {
                int off = 16 * d;
                boolean last = i == n - 1;
                ring.put64(off, addr[i]);
                ring.put32(off + 8, len[i]);
                ring.put16(off + 12, (i >= outs ? DESC_F_WRITE : 0) | (last ? 0 : DESC_F_NEXT));
                ring.put16(off + 14, last ? 0 : next[d]);
                if (!last) {
                    d = next[d];
                }
            }
            freeHead = next[d];
            freeCount -= n;
            tokens[head] = token;
            chainLength[head] = n;
            outstanding++;
            ring.put16(availOff + 4 + 2 * (availIdx % size), head);
            availIdx = (availIdx + 1) & 0xFFFF;
            VarHandle.releaseFence(); // the ring entry before the index that publishes it
            ring.put16(availOff + 2, availIdx);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Notifies the device that new chains are available, unless it set VIRTQ_USED_F_NO_NOTIFY. */
    public void kick() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            VarHandle.fullFence(); // the available index before the flag check (virtio_mb)
            if ((ring.get16(usedOff) & USED_F_NO_NOTIFY) == 0) {
                notify.write16(notifyOffset, index);
            }
        } finally {
            lock.unlock();
        }
    }

    /** True if the device has used chains not yet harvested. */
    public boolean hasUsed() {
        lock.lock();
        try {
            return !closed && ring.get16(usedOff + 2) != lastUsed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes every used element, frees its descriptors and calls {@code completer} with its token
     * (outside the queue lock, in ring order). Safe from an interrupt handler.
     *
     * @return the number of chains completed
     */
    public int harvest(Completer completer) {
        int done = 0;
        while (true) {
            Object token;
            int written;
            lock.lock();
            try {
                if (closed) {
                    return done;
                }
                int usedIdx = ring.get16(usedOff + 2);
                VarHandle.acquireFence(); // the index before the element it covers
                if (usedIdx == lastUsed) {
                    return done;
                }
                int e = usedOff + 4 + 8 * (lastUsed % size);
                int id = ring.get32(e);
                written = ring.get32(e + 4);
                lastUsed = (lastUsed + 1) & 0xFFFF;
                if (id < 0 || id >= size || tokens[id] == null) {
                    badUsed++;
                    LOG.warn("{}: queue {}: device returned descriptor {} which is not outstanding", name, index, id);
                    continue;
                }
                token = tokens[id];
                tokens[id] = null;
                freeChain(id);
                outstanding--;
            } finally {
                lock.unlock();
            }
            completer.complete(token, written);
            done++;
        }
    }

    private void freeChain(int head) {
        int d = head;
        for (int i = 1; i < chainLength[head]; i++) {
            d = next[d];
        }
        next[d] = freeHead;
        freeHead = head;
        freeCount += chainLength[head];
        chainLength[head] = 0;
    }

    /**
     * After a device reset: marks the queue shut down (later {@code add} calls throw, {@code kick}
     * and {@code harvest} do nothing), frees the ring memory and hands the token of every chain
     * still outstanding to {@code abandoned} (if not null). Idempotent.
     */
    void shutdown(Completer abandoned) {
        Object[] left;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            left = new Object[outstanding];
            int k = 0;
            for (int head = 0; head < size; head++) {
                if (tokens[head] != null && k < left.length) {
                    left[k++] = tokens[head];
                }
                tokens[head] = null;
            }
            outstanding = 0;
            ring.close();
        } finally {
            lock.unlock();
        }
        if (abandoned != null) {
            for (Object t : left) {
                if (t != null) {
                    abandoned.complete(t, 0);
                }
            }
        }
    }

    @Override
    public String toString() {
        return name + " queue " + index + " (" + size + " entries)";
    }
}
