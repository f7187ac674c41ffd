package platform.devices.nvme;

/**
 * One submission or completion queue of the controller (NVMe 1.4, section 4.1): a
 * physically contiguous ring of {@code size} entries at {@code base}, with the head and tail
 * pointers of section 4.1.1 and, for a completion queue, the phase tag of section 4.6 and
 * the interrupt vector of section 5.3 (Create I/O Completion Queue).
 *
 * <p>Submission queue: the host owns {@code tail} (doorbell), the controller advances
 * {@code head} as it fetches. Completion queue: the controller owns {@code tail} and the
 * phase it writes (inverted at every wrap), the host owns {@code head} (doorbell). A queue is
 * full when {@code head == (tail + 1) % size}, empty when {@code head == tail}.
 * Guarded by the controller's lock.
 */
final class NvmeQueue {
    final int id;
    final boolean submission;
    final long base;
    final int size;
    final int cqId; // submission queue: its completion queue
    final boolean interruptsEnabled; // completion queue
    final int vector; // completion queue
    int head;
    int tail;
    boolean phase = true; // completion queue: the phase tag the controller writes next
    int sqAttached; // completion queue: submission queues using it
    boolean interruptDue; // completion queue: entries posted since the last interrupt

    private NvmeQueue(int id, boolean submission, long base, int size, int cqId, boolean ien, int vector) {
        this.id = id;
        this.submission = submission;
        this.base = base;
        this.size = size;
        this.cqId = cqId;
        this.interruptsEnabled = ien;
        this.vector = vector;
    }

    static NvmeQueue submissionQueue(int id, long base, int size, int cqId) {
        return new NvmeQueue(id, true, base, size, cqId, false, 0);
    }

    static NvmeQueue completionQueue(int id, long base, int size, boolean ien, int vector) {
        return new NvmeQueue(id, false, base, size, -1, ien, vector);
    }

    boolean empty() {
        return head == tail;
    }

    boolean full() {
        return (tail + 1) % size == head;
    }

    /** Physical address of entry {@code index} for entries of {@code entrySize} bytes. */
    long entry(int index, int entrySize) {
        return base + (long) index * entrySize;
    }
}
