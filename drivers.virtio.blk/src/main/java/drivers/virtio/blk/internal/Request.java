package drivers.virtio.blk.internal;

import kernel.mm.DmaBuffer;
import kernel.sched.Completion;

/**
 * One request slot, reused for every request it carries: a 16-byte header and a status byte
 * (in the disk's shared header page), a bounce buffer for the data, the descriptor scratch
 * arrays, and the completion the submitter waits on.
 *
 * <p>{@code state} (guarded by the disk's pool lock) says who owns the slot: the pool, a
 * submitter, or — after the submitter timed out while the device still held the chain — the
 * device alone, in which case the slot returns to the pool when the device hands it back.
 */
final class Request {
    final DmaBuffer headers;
    final int headerOff;
    final int statusOff;
    final DmaBuffer data;
    final long[] addr;
    final int[] len;
    final Completion done = new Completion();
    static final int FREE = 0;
    static final int BUSY = 1;
    static final int ABANDONED = 2;
    int state = FREE;

    Request(DmaBuffer headers, int slot, DmaBuffer data, int maxSegments) {
        this.headers = headers;
        this.headerOff = slot * 32;
        this.statusOff = slot * 32 + VirtioBlk.HEADER_BYTES;
        this.data = data;
        this.addr = new long[maxSegments + 2];
        this.len = new int[maxSegments + 2];
    }

    long headerPhys() {
        return headers.phys() + headerOff;
    }

    long statusPhys() {
        return headers.phys() + statusOff;
    }
}
