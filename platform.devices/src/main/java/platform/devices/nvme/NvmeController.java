package platform.devices.nvme;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import platform.devices.BlockBackend;
import platform.pc.BusError;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;
import platform.pc.pci.MmioRouter;
import platform.pc.pci.MsixTable;
import platform.pc.pci.PciFunction;

/**
 * An NVM Express 1.4 controller with one namespace, as a PCI function (NVMe 1.4 sections 2,
 * 3, 4, 5, 6 and 7.6).
 *
 * <p><b>PCI identity:</b> 1B36:0010 (the QEMU NVMe controller's ID, used so that guest
 * drivers written for QEMU match; no vendor ID is registered for Kestrel), class 01 08 02
 * (mass storage, NVM, NVM Express), revision 2, INTA. Capabilities: PCI Express (v2,
 * endpoint, x4 at 2.5 GT/s) and MSI-X with {@link #VECTORS} vectors.
 *
 * <p><b>BAR0</b> (64-bit memory, 16 KiB): controller registers at 0 (section 3.1: CAP, VS,
 * INTMS, INTMC, CC, CSTS, NSSR, AQA, ASQ, ACQ), doorbells at 0x1000 with stride 4
 * (CAP.DSTRD 0: SQ y tail at 0x1000 + 8y, CQ y head at 0x1004 + 8y), the MSI-X table at
 * 0x2000 and the PBA at 0x3000. Registers take 32-bit accesses (CAP, ASQ and ACQ also 64-bit);
 * reads of any width return the covered bytes; other writes are ignored.
 *
 * <p><b>CAP:</b> MQES 1023 (1024 entries), CQR 1 (queues must be physically contiguous),
 * AMS round robin only, TO 10 (5 s), DSTRD 0, CSS NVM, MPSMIN 0 (4 KiB), MPSMAX 4 (64 KiB).
 *
 * <p><b>Enable/disable (section 7.6.1):</b> CC.EN 0→1 checks CC.CSS (NVM), CC.MPS (within
 * MPSMIN..MPSMAX), CC.AMS (round robin) and AQA (both sizes at least 2 entries); the spec
 * leaves a bad value undefined, and this controller reports it by setting CSTS.CFS and not
 * becoming ready. Otherwise the admin queues are created from AQA/ASQ/ACQ and CSTS.RDY is
 * set at once. CC.EN 1→0 is a controller reset: every queue is deleted, outstanding
 * Asynchronous Event Requests are dropped, features return to defaults, CSTS becomes 0.
 * CSS, MPS and AMS only change while EN is 0. CC.SHN 01b or 10b flushes the backend and sets
 * CSTS.SHST to 10b (complete).
 *
 * <p><b>Queues and commands:</b> up to {@link #MAX_QUEUES} submission and completion queue
 * IDs (0 = admin); one MSI-X vector per queue pair is natural but any vector below
 * {@link #VECTORS} may be chosen at Create I/O CQ. Commands run on the controller's worker
 * thread: a doorbell write records the new tail and schedules the worker, which arbitrates
 * round robin (section 4.11), one command per non-empty submission queue per pass, and
 * fetches a command only while its completion queue has room (section 4.1). Admin commands
 * are in {@link NvmeAdmin}, NVM commands in {@link NvmeIo}. A command with FUSE or PSDT set
 * (fused operations, SGLs: not supported) completes with Invalid Field in Command.
 * Completion entries (section 4.6) carry DW0, SQ head, SQ ID, command ID, phase tag and
 * status; the phase-bearing dword is written last. After a pass, each completion queue
 * that received entries and has interrupts enabled signals its MSI-X vector (masking and
 * pending bits by {@link MsixTable}), or, with MSI-X disabled and INTMS bit 0 clear,
 * asserts INTx until all completion queues are consumed.
 *
 * <p><b>Doorbell errors (sections 3.1.24-25, 4.1, 5.2, figure 146):</b> a write to the
 * doorbell of a queue that does not exist (undefined results in the spec), or of a value
 * outside the queue (an SQ tail not below the size, or a CQ head beyond the entries the
 * controller posted) is ignored and raises an Error Status asynchronous event, information
 * 00h (Write to Invalid Doorbell Register) or 01h (Invalid Doorbell Write Value), log page
 * 01h, which completes an outstanding Asynchronous Event Request (up to four are held) or
 * waits for the next one. After such an event, further error events are not generated
 * until the host reads log page 01h without RAE (section 5.2). A doorbell write that is not
 * one aligned dword, or any doorbell write while the controller is not ready, is ignored.
 * CSTS.CFS is never set for a doorbell error.
 *
 * <p><b>Fatal errors (section 9.5):</b> a submission queue entry that cannot be fetched, or a
 * completion entry that cannot be written (the queue memory is outside RAM), cannot be
 * reported through a completion queue: the controller sets CSTS.CFS and stops processing
 * until reset. Data buffers outside RAM are a command error, Data Transfer Error.
 *
 * <p><b>Not implemented:</b> SGLs, fused operations, metadata and protection information,
 * the optional NVM commands (Compare, Write Zeroes, Dataset Management...), namespace
 * management, firmware commands, NVM subsystem reset (NSSR reads 0, writes are ignored),
 * weighted round robin, interrupt coalescing (the feature is stored, not applied), the
 * controller memory buffer and boot partitions. Bus mastering is not checked before DMA
 * (PciFunction does not enforce it yet).
 *
 * <p><b>Threads and locks:</b> all controller state is guarded by one lock, taken by vCPU
 * threads (register and doorbell accesses) and by the worker (per arbitration pass). The
 * backend is used only by the worker (or under the lock at shutdown). {@link #close()}
 * stops the worker and closes the backend. An unexpected runtime exception on the worker
 * (a model bug) sets CSTS.CFS rather than escaping.
 */
public final class NvmeController extends PciFunction {
    public static final int VENDOR = 0x1B36;
    public static final int DEVICE = 0x0010;
    public static final int CLASS = 0x010802;
    public static final int MAX_QUEUES = 16;
    public static final int VECTORS = MAX_QUEUES;
    public static final int MQES = 1023;
    public static final int MDTS = 5; // 2^5 minimum pages = 128 KiB
    public static final int VERSION = 0x0001_0400;
    public static final int LBA_SIZE = 512;

    public static final int REG_CAP = 0x00, REG_VS = 0x08, REG_INTMS = 0x0C, REG_INTMC = 0x10, REG_CC = 0x14,
            REG_CSTS = 0x1C, REG_NSSR = 0x20, REG_AQA = 0x24, REG_ASQ = 0x28, REG_ACQ = 0x30;
    public static final int DOORBELLS = 0x1000;
    public static final int MSIX_TABLE = 0x2000;
    public static final int MSIX_PBA = 0x3000;
    public static final int BAR0_SIZE = 0x4000;

    public static final int CSTS_RDY = 1, CSTS_CFS = 2, CSTS_SHST_COMPLETE = 2 << 2;
    static final int AEN_INVALID_DOORBELL_REGISTER = 0x00;
    static final int AEN_INVALID_DOORBELL_VALUE = 0x01;
    static final int SQE_SIZE = 64;
    static final int CQE_SIZE = 16;

    static final long CAP = MQES | 1L << 16 | 10L << 24 | 0L << 32 | 1L << 37 | 0L << 48 | 4L << 52;

    private final Object lock = new Object();
    private final BlockBackend backend;
    private final String serial;
    private final MsixTable msix;
    private final NvmeAdmin admin;
    private final NvmeIo io;
    private final ExecutorService worker;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable task = this::runQueues;
    private boolean closed;

    // registers, guarded by lock
    private int cc;
    private int csts;
    private int intms;
    private int aqa;
    private long asq;
    private long acq;
    private boolean intx;

    // queue state, guarded by lock (package-private for NvmeAdmin)
    final NvmeQueue[] sqs = new NvmeQueue[MAX_QUEUES];
    final NvmeQueue[] cqs = new NvmeQueue[MAX_QUEUES];
    int ioQueuesAllocated = MAX_QUEUES - 1; // Number of Queues feature (1's based here)
    boolean writeCacheEnabled = true;
    int asyncEventConfig;
    int interruptCoalescing;
    private final ArrayDeque<Integer> aerCommands = new ArrayDeque<>();
    private final ArrayDeque<Integer> events = new ArrayDeque<>();
    private boolean errorEventsMasked;

    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong invalidDoorbells = new AtomicLong();
    private final AtomicLong ignoredWrites = new AtomicLong();

    /**
     * @param backend the namespace's storage (size a multiple of 512 bytes); owned by the
     *                controller from now on
     * @param serial  the serial number reported by Identify (at most 20 ASCII characters)
     */
    public NvmeController(BlockBackend backend, String serial) {
        super(VENDOR, DEVICE, CLASS, 2);
        if (backend.size() < LBA_SIZE || backend.size() % LBA_SIZE != 0 || serial.length() > 20) {
            throw new IllegalArgumentException("nvme: backend size must be a non-zero multiple of 512, serial <= 20");
        }
        this.backend = backend;
        this.serial = serial;
        setSubsystem(VENDOR, 0x1100);
        setInterruptPin(1);
        addCapability(CAP_ID_PCI_EXPRESS, pcieCapability());
        msix = addMsix(VECTORS, 0, MSIX_TABLE, 0, MSIX_PBA);
        addMemoryBar(0, BAR0_SIZE, true, false, new MmioRouter()
                .add(0, 0x1000, MmioHandler.of(this::regRead, this::regWrite))
                .add(DOORBELLS, 0x1000, MmioHandler.of((o, s) -> 0L, this::doorbellWrite))
                .add(MSIX_TABLE, msix.tableBytes(), msix.tableHandler())
                .add(MSIX_PBA, msix.pbaBytes(), msix.pbaHandler()));
        this.admin = new NvmeAdmin(this);
        this.io = new NvmeIo(this, backend);
        this.worker = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().name("nvme-" + serial).unstarted(r));
    }

    /** PCI Express capability structure v2 (PCIe base 4.0, 7.5.3), body after ID and next. */
    private static byte[] pcieCapability() {
        byte[] b = new byte[0x3C - 2];
        NvmeIdentify.put(b, 0, 2, 0x0002); // PCIe Capabilities: version 2, endpoint
        NvmeIdentify.put(b, 2, 4, 0); // Device Capabilities: MPS 128 bytes, no FLR
        NvmeIdentify.put(b, 10, 4, 4 << 4 | 1); // Link Capabilities: x4, 2.5 GT/s
        NvmeIdentify.put(b, 16, 2, 4 << 4 | 1); // Link Status: x4, 2.5 GT/s
        return b;
    }




    // ---- public state ---------------------------------------------------------------------

    /** The CSTS register. */
    public int status() {
        synchronized (lock) {
            return csts;
        }
    }

    /** Commands completed so far (each posted a completion entry). */
    public long commandsCompleted() {
        return completed.get();
    }

    /** Doorbell writes ignored as invalid (no such queue, or a value outside the queue). */
    public long invalidDoorbellWrites() {
        return invalidDoorbells.get();
    }

    /** Register writes ignored (bad width or alignment, read-only register). */
    public long ignoredWrites() {
        return ignoredWrites.get();
    }

    /** Stops the worker (waiting for the pass in flight) and closes the backend. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            backend.close();
        } catch (IOException ignored) {
            // nothing more can be done at power-off
        }
    }

    // ---- registers (section 3.1) ----------------------------------------------------------

    private long regRead(long offset, int size) {
        long base = offset & ~3L;
        long v = reg32(base) | reg32(base + 4) << 32;
        return (v >>> (8 * (offset - base))) & (size == 8 ? -1L : (1L << (8 * size)) - 1);
    }

    private long reg32(long off) {
        synchronized (lock) {
            return switch ((int) off) {
                case REG_CAP -> CAP & 0xFFFF_FFFFL;
                case REG_CAP + 4 -> CAP >>> 32;
                case REG_VS -> VERSION;
                case REG_INTMS, REG_INTMC -> intms & 0xFFFF_FFFFL;
                case REG_CC -> cc & 0xFFFF_FFFFL;
                case REG_CSTS -> csts & 0xFFFF_FFFFL;
                case REG_AQA -> aqa & 0xFFFF_FFFFL;
                case REG_ASQ -> asq & 0xFFFF_FFFFL;
                case REG_ASQ + 4 -> asq >>> 32;
                case REG_ACQ -> acq & 0xFFFF_FFFFL;
                case REG_ACQ + 4 -> acq >>> 32;
                default -> 0;
            };
        }
    }

    private void regWrite(long offset, int size, long value) {
        if (size == 8 && (offset == REG_ASQ || offset == REG_ACQ)) {
            regWrite(offset, 4, value & 0xFFFF_FFFFL);
            regWrite(offset + 4, 4, value >>> 32);
            return;
        }
        if (size != 4 || (offset & 3) != 0) {
            ignoredWrites.incrementAndGet();
            return;
        }
        int v = (int) value;
        synchronized (lock) {
            switch ((int) offset) {
                case REG_INTMS -> intms |= v;
                case REG_INTMC -> {
                    intms &= ~v;
                    updateIntx();
                }
                case REG_CC -> writeCc(v);
                case REG_AQA -> aqa = v & 0x0FFF_0FFF;
                case REG_ASQ -> asq = (asq & ~0xFFFF_FFFFL) | (v & 0xFFFF_F000L);
                case REG_ASQ + 4 -> asq = (asq & 0xFFFF_FFFFL) | (long) v << 32;
                case REG_ACQ -> acq = (acq & ~0xFFFF_FFFFL) | (v & 0xFFFF_F000L);
                case REG_ACQ + 4 -> acq = (acq & 0xFFFF_FFFFL) | (long) v << 32;
                default -> ignoredWrites.incrementAndGet(); // CAP, VS, CSTS, NSSR (not supported)
            }
        }
    }

    private void writeCc(int v) {
        int old = cc;
        boolean wasEnabled = (old & 1) != 0;
        int frozen = 0x3FF0; // CSS, MPS, AMS: only while EN = 0
        int nv = v & 0x00FF_FFF1;
        if (wasEnabled) {
            nv = (nv & ~frozen) | (old & frozen);
        }
        cc = nv;
        if (!wasEnabled && (nv & 1) != 0) {
            enable();
        } else if (wasEnabled && (nv & 1) == 0) {
            reset();
        }
        int shn = (nv >>> 14) & 3;
        if (shn != 0 && ((old >>> 14) & 3) == 0) {
            try {
                backend.flush();
            } catch (IOException ignored) {
                // the shutdown still completes; nothing more can be reported
            }
            csts = (csts & ~0xC) | CSTS_SHST_COMPLETE;
        }
    }

    private void enable() {
        int css = (cc >>> 4) & 7;
        int mps = (cc >>> 7) & 0xF;
        int ams = (cc >>> 11) & 7;
        int asqs = (aqa & 0xFFF) + 1;
        int acqs = ((aqa >>> 16) & 0xFFF) + 1;
        if (css != 0 || mps > 4 || ams != 0 || asqs < 2 || acqs < 2) {
            csts |= CSTS_CFS;
            return;
        }
        sqs[0] = NvmeQueue.submissionQueue(0, asq, asqs, 0);
        cqs[0] = NvmeQueue.completionQueue(0, acq, acqs, true, 0);
        cqs[0].sqAttached = 1;
        csts = CSTS_RDY;
    }

    private void reset() {
        java.util.Arrays.fill(sqs, null);
        java.util.Arrays.fill(cqs, null);
        aerCommands.clear();
        events.clear();
        errorEventsMasked = false;
        ioQueuesAllocated = MAX_QUEUES - 1;
        writeCacheEnabled = true;
        asyncEventConfig = 0;
        interruptCoalescing = 0;
        csts = 0;
        updateIntx();
    }

    private boolean ready() {
        return (csts & (CSTS_RDY | CSTS_CFS)) == CSTS_RDY;
    }

    /** Memory page size from CC.MPS (section 3.1.5). */
    int pageSize() {
        return 4096 << ((cc >>> 7) & 0xF);
    }

    int ioSqEntrySize() {
        return 1 << ((cc >>> 16) & 0xF);
    }

    int ioCqEntrySize() {
        return 1 << ((cc >>> 20) & 0xF);
    }

    // ---- doorbells (section 3.1.24, 3.1.25) -----------------------------------------------

    private void doorbellWrite(long offset, int size, long value) {
        if (size != 4 || (offset & 3) != 0) {
            ignoredWrites.incrementAndGet();
            return;
        }
        int index = (int) (offset >>> 2);
        int qid = index >>> 1;
        boolean cqHead = (index & 1) != 0;
        int v = (int) value;
        synchronized (lock) {
            if (!ready()) {
                ignoredWrites.incrementAndGet();
                return;
            }
            NvmeQueue q = qid < MAX_QUEUES ? (cqHead ? cqs[qid] : sqs[qid]) : null;
            if (q == null) {
                invalidDoorbell(AEN_INVALID_DOORBELL_REGISTER);
                return;
            }
            if (Integer.compareUnsigned(v, q.size) >= 0) {
                invalidDoorbell(AEN_INVALID_DOORBELL_VALUE);
                return;
            }
            if (cqHead) {
                int posted = Math.floorMod(q.tail - q.head, q.size);
                if (Math.floorMod(v - q.head, q.size) > posted) {
                    invalidDoorbell(AEN_INVALID_DOORBELL_VALUE);
                    return;
                }
                q.head = v;
                updateIntx();
            } else {
                q.tail = v;
            }
        }
        schedule();
    }

    private void invalidDoorbell(int info) {
        invalidDoorbells.incrementAndGet();
        if (!errorEventsMasked) {
            events.add(info << 8 | 0x01 << 16); // type 0 (error status), log page 01h
            errorEventsMasked = true;
            deliverEvents();
        }
        schedule();
    }

    /** Log page 01h was read without RAE: error events are reported again (section 5.2). */
    void errorLogRead() {
        errorEventsMasked = false;
    }

    /** Completes outstanding Asynchronous Event Requests with queued events. Lock held. */
    private void deliverEvents() {
        NvmeQueue acq0 = cqs[0];
        boolean posted = false;
        while (!aerCommands.isEmpty() && !events.isEmpty() && acq0 != null && !acq0.full()) {
            int cid = aerCommands.poll();
            int event = events.poll();
            post(acq0, event, sqs[0].head, 0, cid, NvmeStatus.SUCCESS);
            posted = true;
        }
        if (posted) {
            interrupts();
        }
    }

    // ---- command processing ---------------------------------------------------------------

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                worker.execute(task);
            } catch (RejectedExecutionException closing) {
                scheduled.set(false);
            }
        }
    }

    private void runQueues() {
        scheduled.set(false);
        try {
            arbitrate();
        } catch (RuntimeException internal) {
            // a model bug must not take the emulator down: report it as a controller fatal status
            synchronized (lock) {
                csts |= CSTS_CFS;
            }
        }
    }

    private void arbitrate() {
        boolean progress = true;
        while (progress && !Thread.currentThread().isInterrupted()) {
            progress = false;
            synchronized (lock) {
                for (int i = 0; i < MAX_QUEUES && ready(); i++) {
                    NvmeQueue sq = sqs[i];
                    if (sq != null && !sq.empty() && cqs[sq.cqId] != null && !cqs[sq.cqId].full()) {
                        execute(sq);
                        progress = true;
                    }
                }
                deliverEvents();
                interrupts();
            }
        }
    }

    /** Fetches and executes the command at the head of {@code sq}. Lock held. */
    private void execute(NvmeQueue sq) {
        PhysicalBus bus = bus();
        byte[] entry = new byte[SQE_SIZE];
        try {
            if (bus == null) {
                throw new BusError(sq.entry(sq.head, SQE_SIZE), SQE_SIZE);
            }
            bus.read(sq.entry(sq.head, SQE_SIZE), entry, 0, SQE_SIZE);
        } catch (BusError e) {
            csts |= CSTS_CFS;
            return;
        }
        sq.head = (sq.head + 1) % sq.size;
        NvmeCommand c = new NvmeCommand(entry);
        NvmeQueue cq = cqs[sq.cqId];
        int status = NvmeStatus.SUCCESS;
        int dw0 = 0;
        try {
            if (c.fuse() != 0 || c.psdt() != 0) {
                throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
            }
            if (sq.id == 0 && c.opcode() == NvmeAdmin.ASYNC_EVENT_REQUEST) {
                if (aerCommands.size() > 3) {
                    throw new NvmeStatus(NvmeStatus.AER_LIMIT_EXCEEDED);
                }
                aerCommands.add(c.cid());
                return; // completes when an event occurs
            }
            dw0 = sq.id == 0 ? admin.execute(c) : io.execute(c);
        } catch (NvmeStatus s) {
            status = s.status;
        }
        post(cq, dw0, sq.head, sq.id, c.cid(), status);
    }

    /** Posts a completion entry (section 4.6): DW3 with the phase tag is written last. Lock held. */
    private void post(NvmeQueue cq, int dw0, int sqHead, int sqId, int cid, int status) {
        PhysicalBus bus = bus();
        long a = cq.entry(cq.tail, CQE_SIZE);
        byte[] b = new byte[12];
        NvmeIdentify.put(b, 0, 4, dw0);
        NvmeIdentify.put(b, 8, 4, (sqHead & 0xFFFF) | sqId << 16);
        byte[] dw3 = new byte[4];
        NvmeIdentify.put(dw3, 0, 4, cid | (cq.phase ? 1 : 0) << 16 | NvmeStatus.field(status) << 17);
        try {
            if (bus == null || !bus.isRam(a, CQE_SIZE)) {
                throw new BusError(a, CQE_SIZE);
            }
            bus.write(a, b, 0, 12);
            VarHandle.releaseFence();
            bus.write(a + 12, dw3, 0, 4);
        } catch (BusError e) {
            csts |= CSTS_CFS;
            return;
        }
        cq.tail = (cq.tail + 1) % cq.size;
        if (cq.tail == 0) {
            cq.phase = !cq.phase;
        }
        cq.interruptDue = true;
        completed.incrementAndGet();
    }

    /** Signals every completion queue that received entries (section 7.5). Lock held. */
    private void interrupts() {
        for (NvmeQueue cq : cqs) {
            if (cq == null || !cq.interruptDue) {
                continue;
            }
            cq.interruptDue = false;
            if (!cq.interruptsEnabled) {
                continue;
            }
            if (!msix.signal(cq.vector)) {
                intx = true;
            }
        }
        updateIntx();
    }

    /** INTx follows "some interrupt-enabled CQ has unconsumed entries" and INTMS bit 0. Lock held. */
    private void updateIntx() {
        boolean pending = false;
        for (NvmeQueue cq : cqs) {
            pending |= cq != null && cq.interruptsEnabled && !cq.empty();
        }
        intx &= pending;
        if (intx && (intms & 1) == 0 && !msix.enabled()) {
            assertIntx();
        } else {
            deassertIntx();
        }
    }

    /** Copies {@code len} bytes of {@code data} to the host buffer the command's PRPs describe. */
    void toHost(NvmeCommand c, byte[] data, int len) throws NvmeStatus {
        transfer(c, data, len, true);
    }

    /** Copies {@code len} bytes from the host buffer the command's PRPs describe into {@code data}. */
    void fromHost(NvmeCommand c, byte[] data, int len) throws NvmeStatus {
        transfer(c, data, len, false);
    }

    private void transfer(NvmeCommand c, byte[] data, int len, boolean toHost) throws NvmeStatus {
        PhysicalBus bus = bus();
        if (bus == null) {
            throw new NvmeStatus(NvmeStatus.DATA_TRANSFER_ERROR);
        }
        long[] seg = Prp.segments(bus, pageSize(), c.prp1(), c.prp2(), len);
        int off = 0;
        try {
            for (int i = 0; i < seg.length; i += 2) {
                if (toHost) {
                    bus.write(seg[i], data, off, (int) seg[i + 1]);
                } else {
                    bus.read(seg[i], data, off, (int) seg[i + 1]);
                }
                off += (int) seg[i + 1];
            }
        } catch (BusError e) {
            throw new NvmeStatus(NvmeStatus.DATA_TRANSFER_ERROR);
        }
    }

    int maxTransfer() {
        return 4096 << MDTS;
    }

    String serial() {
        return serial;
    }

    long blocks() {
        return backend.size() / LBA_SIZE;
    }

    boolean readOnly() {
        return backend.readOnly();
    }
}
