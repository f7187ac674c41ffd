package platform.devices.virtio;

import platform.pc.BusError;
import platform.pc.PhysicalBus;

/**
 * One available buffer: a walked and validated split-virtqueue descriptor chain. Its
 * device-readable descriptors (which come first) form one byte stream, its
 * device-writable descriptors another; a device reads the request from the first and
 * writes its answer into the second at stream positions, without caring where the
 * descriptor boundaries are.
 *
 * <p>The transport owns the object and reuses it for every request of a queue: a device
 * must not keep it after {@code processRequest} returns. Every descriptor was checked to lie
 * in RAM when the chain was walked, so {@link BusError} can only come from a concurrent
 * remapping; devices still treat it as an I/O error.
 */
public final class DescriptorChain {
    private final long[] addr;
    private final long[] len;
    private int count;
    private int firstWritable;
    private int head;
    private long readable;
    private long writable;
    private PhysicalBus bus;

    DescriptorChain(int capacity) {
        addr = new long[capacity];
        len = new long[capacity];
    }

    void reset(PhysicalBus bus, int head) {
        this.bus = bus;
        this.head = head;
        count = 0;
        firstWritable = 0;
        readable = 0;
        writable = 0;
    }

    void add(long address, long length, boolean deviceWritable) {
        addr[count] = address;
        len[count] = length;
        count++;
        if (deviceWritable) {
            writable += length;
        } else {
            readable += length;
            firstWritable = count;
        }
    }

    /** Index of the head descriptor (the id reported in the used ring). */
    public int head() {
        return head;
    }

    /** Number of descriptors in the chain. */
    public int descriptors() {
        return count;
    }

    /** Total bytes of the device-readable part. */
    public long readableLength() {
        return readable;
    }

    /** Total bytes of the device-writable part. */
    public long writableLength() {
        return writable;
    }

    /** Copies {@code n} bytes at position {@code pos} of the readable stream into {@code dst[off..]}. */
    public void read(long pos, byte[] dst, int off, int n) {
        if (pos < 0 || n < 0 || pos + n > readable) {
            throw new IndexOutOfBoundsException("read past readable part");
        }
        transfer(0, firstWritable, pos, dst, off, n, false);
    }

    /** Copies {@code src[off..off+n)} to position {@code pos} of the writable stream. */
    public void write(long pos, byte[] src, int off, int n) {
        if (pos < 0 || n < 0 || pos + n > writable) {
            throw new IndexOutOfBoundsException("write past writable part");
        }
        transfer(firstWritable, count, pos, src, off, n, true);
    }

    /** Writes one byte at position {@code pos} of the writable stream. */
    public void writeByte(long pos, int value) {
        if (pos < 0 || pos >= writable) {
            throw new IndexOutOfBoundsException("write past writable part");
        }
        long p = pos;
        for (int i = firstWritable; i < count; i++) {
            if (p < len[i]) {
                bus.write(addr[i] + p, 1, value);
                return;
            }
            p -= len[i];
        }
    }

    private void transfer(int from, int to, long pos, byte[] buf, int off, int n, boolean toGuest) {
        long p = pos;
        int o = off;
        int left = n;
        for (int i = from; i < to && left > 0; i++) {
            if (p >= len[i]) {
                p -= len[i];
                continue;
            }
            int k = (int) Math.min(left, len[i] - p);
            if (toGuest) {
                bus.write(addr[i] + p, buf, o, k);
            } else {
                bus.read(addr[i] + p, buf, o, k);
            }
            o += k;
            left -= k;
            p = 0;
        }
    }
}
