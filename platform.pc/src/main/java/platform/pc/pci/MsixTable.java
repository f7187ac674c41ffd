package platform.pc.pci;

import java.util.concurrent.atomic.LongAdder;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;

/**
 * The MSI-X table and pending-bit array (PBA) of one {@link PciFunction}, created by
 * {@link PciFunction#addMsix}.
 *
 * <p>Table: 16 bytes per vector — message address low, message address high, message data,
 * vector control (bit 0 = mask, set at reset). The PBA holds one read-only pending bit per
 * vector, in 64-bit words. Both are exposed as MMIO through {@link #tableHandler()} and
 * {@link #pbaHandler()}, which the device routes from its BAR; offsets are relative to the
 * start of the table and of the PBA respectively. Dword and qword accesses are supported;
 * narrower ones are merged.
 *
 * <p>A device raises vector {@code n} with {@link #signal(int)} from any thread: if MSI-X is
 * disabled it returns false (the device falls back to INTx); if the function or the vector
 * is masked the pending bit is set and the message is sent when both are unmasked;
 * otherwise the message (a 32-bit write of data to address) goes out on the
 * {@link PhysicalBus}, where it normally reaches the MSI decoder.
 */
public final class MsixTable {
    private final PciFunction function;
    private final int vectors;
    private final int[] table; // 4 dwords per vector
    private final long[] pba;
    private boolean enabled;
    private boolean functionMasked;
    private final LongAdder sent = new LongAdder();

    MsixTable(PciFunction function, int vectors) {
        this.function = function;
        this.vectors = vectors;
        this.table = new int[vectors * 4];
        this.pba = new long[(vectors + 63) / 64];
        for (int v = 0; v < vectors; v++) {
            table[v * 4 + 3] = 1;
        }
    }

    /** Number of vectors (table entries). */
    public int size() {
        return vectors;
    }

    /** Bytes occupied by the table. */
    public int tableBytes() {
        return vectors * 16;
    }

    /** Bytes occupied by the PBA. */
    public int pbaBytes() {
        return pba.length * 8;
    }

    /** True if the MSI-X enable bit of the capability is set. */
    public synchronized boolean enabled() {
        return enabled;
    }

    /**
     * Signals vector {@code vector}. Returns false if MSI-X is disabled or the vector does
     * not exist (nothing happened), true if the message was sent or left pending.
     */
    public synchronized boolean signal(int vector) {
        if (!enabled || vector < 0 || vector >= vectors) {
            return false;
        }
        if (functionMasked || (table[vector * 4 + 3] & 1) != 0) {
            pba[vector >> 6] |= 1L << (vector & 63);
            return true;
        }
        send(vector);
        return true;
    }

    /** True if {@code vector}'s pending bit is set. */
    public synchronized boolean isPending(int vector) {
        return (pba[vector >> 6] & (1L << (vector & 63))) != 0;
    }

    /** Messages sent so far. */
    public long messagesSent() {
        return sent.sum();
    }

    synchronized void controlWritten(boolean enable, boolean mask) {
        this.enabled = enable;
        this.functionMasked = mask;
        deliverPending();
    }

    private void deliverPending() {
        if (!enabled || functionMasked) {
            return;
        }
        for (int v = 0; v < vectors; v++) {
            if ((pba[v >> 6] & (1L << (v & 63))) != 0 && (table[v * 4 + 3] & 1) == 0) {
                send(v);
            }
        }
    }

    private void send(int vector) {
        pba[vector >> 6] &= ~(1L << (vector & 63));
        PhysicalBus bus = function.bus();
        if (bus == null) {
            return;
        }
        long addr = (table[vector * 4] & 0xFFFF_FFFFL) | ((long) table[vector * 4 + 1] << 32);
        sent.increment();
        bus.write(addr, 4, table[vector * 4 + 2] & 0xFFFF_FFFFL);
    }

    private synchronized long readTable(long offset, int size) {
        return readDwords(offset, size, true);
    }

    private synchronized long readPba(long offset, int size) {
        return readDwords(offset, size, false);
    }

    private long readDwords(long offset, int size, boolean isTable) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            long o = offset + i;
            int dw = (int) (o >> 2);
            long word;
            if (isTable) {
                word = dw < table.length ? table[dw] & 0xFFFF_FFFFL : 0;
            } else {
                word = (dw >> 1) < pba.length ? (pba[dw >> 1] >>> (32 * (dw & 1))) & 0xFFFF_FFFFL : 0;
            }
            v |= ((word >>> (8 * (o & 3))) & 0xFF) << (8 * i);
        }
        return v;
    }

    private synchronized void writeTable(long offset, int size, long value) {
        boolean unmasked = false;
        for (int i = 0; i < size; i++) {
            long o = offset + i;
            int dw = (int) (o >> 2);
            if (dw >= table.length) {
                continue;
            }
            int shift = (int) (8 * (o & 3));
            int b = (int) (value >>> (8 * i)) & 0xFF;
            int nv = (table[dw] & ~(0xFF << shift)) | (b << shift);
            if ((dw & 3) == 3) {
                nv &= 1; // only the mask bit is implemented
                unmasked |= (table[dw] & 1) != 0 && (nv & 1) == 0;
            }
            table[dw] = nv;
        }
        if (unmasked) {
            deliverPending();
        }
    }

    /** MMIO view of the table (offset 0 = entry 0). */
    public MmioHandler tableHandler() {
        return new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return readTable(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                writeTable(offset, size, value);
            }
        };
    }

    /** MMIO view of the PBA (read-only; writes are ignored). */
    public MmioHandler pbaHandler() {
        return new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return readPba(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
            }
        };
    }
}
