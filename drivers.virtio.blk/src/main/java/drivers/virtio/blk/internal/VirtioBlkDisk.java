package drivers.virtio.blk.internal;

import static drivers.virtio.blk.internal.VirtioBlk.*;

import drivers.pci.PciDevice;
import drivers.virtio.Virtio;
import drivers.virtio.VirtioException;
import drivers.virtio.VirtioPciDevice;
import drivers.virtio.Virtqueue;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import kernel.block.BlockDevice;
import kernel.core.hal.Interrupts;
import kernel.core.hal.IrqVector;
import kernel.mm.DmaAllocator;
import kernel.mm.DmaBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtio-blk disk: device bring-up ({@link #attach}), the request path (the
 * {@link BlockDevice} methods) and teardown ({@link #detach}).
 *
 * <p>Request path: a caller takes a free {@link Request} slot, fills its header and bounce
 * buffer, posts header + data segments + status as one chain on the request queue, kicks, and
 * sleeps on the slot's completion; the queue's MSI-X handler harvests used chains and completes
 * them. Transfers larger than one request (seg_max segments of at most a page / size_max) are
 * split. Slots are preallocated, so the path allocates nothing.
 *
 * <p>Device failure: if the device flags DEVICE_NEEDS_RESET (it found a malformed request), it
 * raises the configuration interrupt; the disk is then marked broken, waiters are woken and every
 * request fails at once with an {@link IOException} until the driver is rebound (which resets).
 *
 * <p>Teardown: the disk is marked removed, the device reset and its rings freed, and every
 * waiter woken with an {@link IOException}; the slots' DMA memory is freed once the last caller
 * has left (the lifecycle lock: callers hold it shared, teardown exclusively).
 */
final class VirtioBlkDisk implements BlockDevice {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.virtio.blk");

    static final int QUEUE_SIZE = 256;
    static final int MAX_SEGMENTS = 32;
    static final int MAX_SLOTS = 8;
    static final int PAGE = 4096;
    static final long DEFAULT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final String name;
    private final DmaAllocator dma;
    private final Interrupts irqs;
    private final VirtioPciDevice vdev;
    private final List<DmaBuffer> buffers = new ArrayList<>();
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ReentrantLock poolLock = new ReentrantLock();
    private final Condition slotFree = poolLock.newCondition();
    private final ArrayDeque<Request> pool = new ArrayDeque<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean removed;
    private volatile boolean broken;
    private final List<Request> slots = new ArrayList<>();
    private volatile long timeoutNanos = DEFAULT_TIMEOUT_NANOS;

    private volatile Virtqueue queue;
    private List<IrqVector> vectors = List.of();
    private int sectorSize;
    private long sectorCount;
    private boolean readOnly;
    private boolean canFlush;
    private int segmentBytes;
    private int maxSegments;
    private int maxRequestBytes;

    private VirtioBlkDisk(String name, DmaAllocator dma, Interrupts irqs, VirtioPciDevice vdev) {
        this.name = name;
        this.dma = dma;
        this.irqs = irqs;
        this.vdev = vdev;
    }

    /**
     * Brings up the virtio-blk function {@code pci} as disk {@code name}: features, geometry,
     * MSI-X, request queue, slots, DRIVER_OK. DMA memory comes from {@code dma} and interrupt
     * vectors from {@code irqs}, both the driver module's own.
     *
     * @throws IOException if the device cannot be driven; everything acquired is released
     */
    static VirtioBlkDisk attach(PciDevice pci, DmaAllocator dma, Interrupts irqs, String name) throws IOException {
        VirtioPciDevice vdev = VirtioPciDevice.open(pci, dma, "virtio-blk " + name);
        VirtioBlkDisk disk = new VirtioBlkDisk(name, dma, irqs, vdev);
        try {
            disk.start();
        } catch (IOException | RuntimeException e) {
            vdev.fail();
            disk.release();
            throw e;
        }
        return disk;
    }

    private void start() throws IOException {
        long f = vdev.negotiate(Virtio.bit(F_SIZE_MAX) | Virtio.bit(F_SEG_MAX) | Virtio.bit(F_BLK_SIZE)
                | Virtio.bit(F_RO) | Virtio.bit(F_FLUSH));
        long capacity = vdev.readConfig64(CFG_CAPACITY);
        sectorSize = SECTOR;
        if (vdev.hasFeature(F_BLK_SIZE)) {
            int b = vdev.readConfig32(CFG_BLK_SIZE);
            if (b >= SECTOR && b <= 65536 && Integer.bitCount(b) == 1) {
                sectorSize = b;
            } else {
                LOG.warn("{}: ignoring bad blk_size {}", name, b);
            }
        }
        sectorCount = capacity / (sectorSize / SECTOR);
        readOnly = vdev.hasFeature(F_RO);
        canFlush = vdev.hasFeature(F_FLUSH);

        segmentBytes = PAGE;
        if (vdev.hasFeature(F_SIZE_MAX)) {
            long sizeMax = vdev.readConfig32(CFG_SIZE_MAX) & 0xFFFF_FFFFL;
            if (sizeMax < SECTOR) {
                throw new VirtioException(name + ": size_max " + sizeMax + " is smaller than a sector");
            }
            segmentBytes = (int) Math.min(PAGE, sizeMax & ~(SECTOR - 1L));
        }
        maxSegments = 1;
        if (vdev.hasFeature(F_SEG_MAX)) {
            long segMax = vdev.readConfig32(CFG_SEG_MAX) & 0xFFFF_FFFFL;
            maxSegments = (int) Math.max(1, Math.min(MAX_SEGMENTS, segMax));
        }

        vectors = vdev.enableMsix(irqs, List.of(v -> configInterrupt(), v -> interrupt()));
        vdev.setConfigVector(0);
        Virtqueue q = vdev.setupQueue(0, QUEUE_SIZE, 1);
        maxSegments = Math.min(maxSegments, q.size() - 2);
        maxRequestBytes = (maxSegments * segmentBytes) / sectorSize * sectorSize;
        if (maxSegments < 1 || maxRequestBytes == 0) {
            throw new VirtioException(name + ": queue of " + q.size() + " entries with " + segmentBytes
                    + "-byte segments cannot carry a " + sectorSize + "-byte sector");
        }
        int slotCount = Math.max(1, Math.min(MAX_SLOTS, q.size() / (maxSegments + 2)));
        DmaBuffer headers = allocate(slotCount * 32, "headers");
        for (int i = 0; i < slotCount; i++) {
            slots.add(new Request(headers, i, allocate(maxRequestBytes, "bounce" + i), maxSegments));
        }
        pool.addAll(slots);
        queue = q;
        vdev.driverOk();
        LOG.info("{}: {}: {} sectors of {} bytes ({} MiB){}{}, {} x {} segments per request, {} slots, features {}",
                name, vdev.pci().address(), sectorCount, sectorSize, sectorCount * sectorSize >> 20, readOnly ? ", read-only" : "",
                canFlush ? ", flush" : "", maxSegments, segmentBytes, slotCount, Long.toHexString(f));
    }

    private DmaBuffer allocate(int size, String what) {
        DmaBuffer b = dma.allocate(size, "virtio-blk " + name + " " + what);
        buffers.add(b);
        return b;
    }

    /**
     * Takes the disk away: fails every waiting and future request, resets the device, frees its
     * vector and rings, then (once no caller is inside) the slots' DMA memory. Idempotent.
     */
    void detach() {
        removed = true;
        poolLock.lock();
        try {
            slotFree.signalAll();
        } finally {
            poolLock.unlock();
        }
        release();
        LOG.info("{}: removed", name);
    }

    private void release() {
        removed = true;
        vdev.close(this::completed); // reset, MSI-X off, rings freed, waiters woken
        lifecycle.writeLock().lock();
        try {
            buffers.forEach(DmaBuffer::close);
            buffers.clear();
            pool.clear();
            slots.clear();
            queue = null;
            vectors = List.of();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    // ---- interrupt side ------------------------------------------------------------------------

    /**
     * The configuration-change MSI-X handler: if the device needs a reset, mark the disk broken and
     * wake every submitter (each then fails); other changes are only logged.
     */
    private void configInterrupt() {
        if (queue == null || removed) {
            return;
        }
        int status = vdev.status();
        if ((status & Virtio.STATUS_DEVICE_NEEDS_RESET) == 0) {
            LOG.info("{}: device configuration changed", name);
            return;
        }
        if (broken) {
            return;
        }
        broken = true;
        errors.incrementAndGet();
        LOG.error("{}: device reports DEVICE_NEEDS_RESET: failing all requests until the driver is rebound", name);
        poolLock.lock();
        try {
            for (Request r : slots) {
                if (r.state == Request.BUSY) {
                    r.done.complete();
                }
            }
            slotFree.signalAll();
        } finally {
            poolLock.unlock();
        }
    }

    /** The request queue's MSI-X handler: harvest what the device finished. */
    private void interrupt() {
        Virtqueue q = queue;
        if (q != null) {
            q.harvest(this::completed);
        }
    }

    /** A chain came back (or was dropped at teardown): wake its submitter, or recycle an abandoned slot. */
    private void completed(Object token, int written) {
        if (!(token instanceof Request r)) {
            return;
        }
        poolLock.lock();
        try {
            if (r.state == Request.ABANDONED) {
                r.state = Request.FREE;
                pool.add(r);
                slotFree.signal();
            } else {
                r.done.complete();
            }
        } finally {
            poolLock.unlock();
        }
    }

    // ---- BlockDevice -----------------------------------------------------------------------------

    @Override public String name() { return name; }
    @Override public int sectorSize() { return sectorSize; }
    @Override public long sectorCount() { return sectorCount; }
    @Override public boolean readOnly() { return readOnly; }

    @Override
    public void read(long sector, byte[] dst, int off, int count) throws IOException {
        transfer(T_IN, sector, dst, off, count);
    }

    @Override
    public void write(long sector, byte[] src, int off, int count) throws IOException {
        if (readOnly) {
            throw new IOException(name + ": read-only disk");
        }
        transfer(T_OUT, sector, src, off, count);
    }

    @Override
    public void flush() throws IOException {
        if (!canFlush) {
            return; // without VIRTIO_BLK_F_FLUSH the device writes through
        }
        enter();
        try {
            Request r = acquire();
            try {
                submit(r, T_FLUSH, 0, 0);
            } finally {
                release(r);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Reads or writes {@code count} sectors in requests of at most {@link #maxRequestBytes}. */
    private void transfer(int type, long sector, byte[] buf, int off, int count) throws IOException {
        if (off < 0 || count < 0 || (long) off + (long) count * sectorSize > buf.length) {
            throw new IndexOutOfBoundsException(name + ": buffer too small for " + count + " sectors at offset " + off);
        }
        if (sector < 0 || sector > sectorCount || count > sectorCount - sector) {
            throw new IOException(String.format("%s: %s of sectors %d..%d is outside the disk (%d sectors)",
                    name, typeName(type), sector, sector + count - 1, sectorCount));
        }
        if (count == 0) {
            return;
        }
        enter();
        try {
            int perRequest = maxRequestBytes / sectorSize;
            while (count > 0) {
                int n = Math.min(count, perRequest);
                int bytes = n * sectorSize;
                Request r = acquire();
                try {
                    if (type == T_OUT) {
                        r.data.put(0, buf, off, bytes);
                    }
                    submit(r, type, sector * (sectorSize / SECTOR), bytes);
                    if (type == T_IN) {
                        r.data.get(0, buf, off, bytes);
                    }
                } finally {
                    release(r);
                }
                sector += n;
                off += bytes;
                count -= n;
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Takes the lifecycle lock shared; fails if the disk is gone. */
    private void enter() throws IOException {
        lifecycle.readLock().lock();
        if (removed || broken) {
            lifecycle.readLock().unlock();
            throw gone();
        }
    }

    private IOException gone() {
        return new IOException(name + (removed ? ": device removed"
                : ": device needs a reset (it reported DEVICE_NEEDS_RESET); rebind the driver"));
    }

    private Request acquire() throws IOException {
        poolLock.lock();
        try {
            while (pool.isEmpty() && !removed && !broken) {
                slotFree.awaitUninterruptibly();
            }
            if (removed || broken) {
                throw gone();
            }
            Request r = pool.poll();
            r.state = Request.BUSY;
            return r;
        } finally {
            poolLock.unlock();
        }
    }

    /** Returns a slot to the pool unless it was abandoned to the device. */
    private void release(Request r) {
        poolLock.lock();
        try {
            if (r.state != Request.BUSY) {
                return;
            }
            r.state = Request.FREE;
            pool.add(r);
            slotFree.signal();
        } finally {
            poolLock.unlock();
        }
    }

    /**
     * Posts header + {@code bytes} of r's bounce buffer (in page / size_max segments) + status as
     * one chain and waits for it.
     *
     * @throws IOException on timeout (the slot is then abandoned to the device), device error
     *     status or removal
     */
    private void submit(Request r, int type, long sector512, int bytes) throws IOException {
        r.headers.put32(r.headerOff, type);
        r.headers.put32(r.headerOff + 4, 0);
        r.headers.put64(r.headerOff + 8, sector512);
        r.headers.put8(r.statusOff, 0xFF);
        int n = 0;
        r.addr[n] = r.headerPhys();
        r.len[n++] = HEADER_BYTES;
        for (int at = 0; at < bytes; at += segmentBytes) {
            r.addr[n] = r.data.phys() + at;
            r.len[n++] = Math.min(segmentBytes, bytes - at);
        }
        r.addr[n] = r.statusPhys();
        r.len[n++] = 1;
        int outs = type == T_OUT ? n - 1 : 1;
        r.done.reinit();
        Virtqueue q = queue;
        try {
            if (q == null || !q.add(r.addr, r.len, outs, n - outs, r)) {
                throw new IOException(name + ": request queue full"); // cannot happen: slots bound the chains
            }
            q.kick();
        } catch (IllegalStateException shutDown) {
            throw gone();
        }
        if (broken) {
            throw gone(); // the config interrupt may have run before our reinit: do not wait for nothing
        }
        requests.incrementAndGet();
        boolean finished;
        try {
            finished = r.done.await(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(r);
            throw new InterruptedIOException(name + ": interrupted waiting for " + typeName(type));
        }
        if (!finished && abandon(r)) {
            errors.incrementAndGet();
            throw new IOException(String.format("%s: timeout: %s of sector %d (+%d bytes) got no answer in %d s",
                    name, typeName(type), sector512, bytes, TimeUnit.NANOSECONDS.toSeconds(timeoutNanos)));
        }
        if (removed || broken) {
            throw gone();
        }
        int status = r.headers.get8(r.statusOff);
        if (status != S_OK) {
            errors.incrementAndGet();
            throw new IOException(String.format("%s: %s: %s of sector %d (+%d bytes)", name, statusName(status),
                    typeName(type), sector512, bytes));
        }
    }

    /** Gives up on r unless it completed meanwhile; true if it is now abandoned to the device. */
    private boolean abandon(Request r) {
        poolLock.lock();
        try {
            if (r.done.isDone()) {
                return false;
            }
            r.state = Request.ABANDONED;
            return true;
        } finally {
            poolLock.unlock();
        }
    }

    // ---- diagnostics (tests) -----------------------------------------------------------------

    long requestsIssued() { return requests.get(); }
    long errors() { return errors.get(); }
    int maxSegments() { return maxSegments; }
    int segmentBytes() { return segmentBytes; }
    int maxRequestBytes() { return maxRequestBytes; }
    List<IrqVector> vectors() { return vectors; }
    Virtqueue queue() { return queue; }
    boolean canFlush() { return canFlush; }
    void timeout(long nanos) { timeoutNanos = nanos; }

    @Override
    public String toString() {
        return name + " (" + vdev.pci().address() + ")";
    }
}
