package platform.devices.virtio;

import java.lang.invoke.VarHandle;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import platform.pc.BusError;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;
import platform.pc.pci.MmioRouter;
import platform.pc.pci.MsixTable;
import platform.pc.pci.PciFunction;

/**
 * Base class of every virtio device: the virtio 1.x <em>modern</em> PCI transport (virtio
 * 1.2, section 4.1) with split virtqueues (section 2.7). A device model supplies its virtio
 * device ID, features, device-specific configuration and a request handler; this class does
 * everything else.
 *
 * <p><b>PCI identity:</b> vendor 0x1AF4, device 0x1040 + virtio device ID, revision 1,
 * subsystem 0x1AF4:0x1100, INTA.
 *
 * <p><b>BARs</b> (QEMU-like): BAR1 = 32-bit memory, 4 KiB: MSI-X table at 0, PBA at 0x800
 * (numQueues + 1 vectors). BAR4 = 64-bit prefetchable memory, 16 KiB: common configuration
 * at 0x0000, ISR status at 0x1000, device configuration at 0x2000, notifications at 0x3000
 * with {@code notify_off_multiplier} 4 and {@code queue_notify_off} = queue index.
 * Capabilities: COMMON, ISR, DEVICE, NOTIFY, PCI_CFG (vendor-specific, ID 0x09), then MSI-X.
 *
 * <p><b>Common configuration</b> is implemented completely (device/driver feature windows,
 * config_msix_vector, num_queues, device_status, config_generation, queue_select,
 * queue_size, queue_msix_vector, queue_enable, queue_notify_off, queue_desc/driver/device).
 * Rules: writing 0 to device_status resets the device; FEATURES_OK sticks only if the
 * accepted features are a subset of the offered ones and include VIRTIO_F_VERSION_1;
 * queue_size accepts a power of two from 1 to the maximum (others are ignored, the old value
 * stays); an MSI-X vector beyond the table reads back NO_VECTOR (0xFFFF); queue registers
 * are frozen while the queue is enabled. Reads may be any width; a write must hit a field
 * exactly (64-bit fields also take 32-bit halves), others are ignored.
 *
 * <p><b>Queue processing:</b> a notification schedules the queue on the device's single
 * worker thread (an "iothread"). The worker walks each new available chain through the
 * {@link PhysicalBus} — NEXT and WRITE flags, no INDIRECT (not offered), device-readable
 * descriptors first — hands it to {@link #processRequest}, writes the used element
 * (id, bytes written) and the used index (release-fenced), and then, unless the driver set
 * VIRTQ_AVAIL_F_NO_INTERRUPT, signals the queue's MSI-X vector, or with MSI-X disabled sets
 * ISR bit 0 and asserts INTx. EVENT_IDX is not offered.
 *
 * <p><b>Receive queues:</b> a queue the device names in {@link #isReceiveQueue} is not
 * drained on notification; its buffers wait until the device has data and calls
 * {@link #fillReceiveBuffer} (on any thread), which takes the next available chain, lets the
 * device fill it, completes it and interrupts under the same rules.
 *
 * <p><b>Errors:</b> a malformed chain (head or next out of range, a loop or a chain longer
 * than the queue, a buffer outside RAM, a readable descriptor after a writable one, an
 * INDIRECT flag), a ring outside RAM, or a {@link VirtioException} from the device sets
 * DEVICE_NEEDS_RESET, raises a configuration-change interrupt and stops all processing until
 * the driver resets the device. Nothing escapes to the vCPU thread.
 *
 * <p><b>Threads and locks:</b> transport state is guarded by one lock taken by vCPU threads
 * (register accesses) and by the worker (per request). {@link #close()} stops the worker
 * and then calls {@link #closeDevice()}.
 */
public abstract class VirtioPciFunction extends PciFunction {
    public static final int VENDOR = 0x1AF4;
    public static final int DEVICE_ID_BASE = 0x1040;
    public static final long F_VERSION_1 = 1L << 32;
    public static final int NO_VECTOR = 0xFFFF;

    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    public static final int CAP_COMMON = 1;
    public static final int CAP_NOTIFY = 2;
    public static final int CAP_ISR = 3;
    public static final int CAP_DEVICE = 4;
    public static final int CAP_PCI_CFG = 5;

    public static final int MSIX_BAR = 1;
    public static final int REGS_BAR = 4;
    public static final int COMMON_OFFSET = 0x0000;
    public static final int COMMON_LENGTH = 0x38;
    public static final int ISR_OFFSET = 0x1000;
    public static final int DEVICE_OFFSET = 0x2000;
    public static final int NOTIFY_OFFSET = 0x3000;
    public static final int NOTIFY_MULTIPLIER = 4;
    public static final int REGS_BAR_SIZE = 0x4000;

    static final int VIRTQ_DESC_F_NEXT = 1;
    static final int VIRTQ_DESC_F_WRITE = 2;
    static final int VIRTQ_DESC_F_INDIRECT = 4;
    static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

    /** Common-configuration field offsets and widths (virtio 1.2, 4.1.4.3). */
    private static final int[] FIELD_START = {0x00, 0x04, 0x08, 0x0C, 0x10, 0x12, 0x14, 0x15, 0x16, 0x18, 0x1A, 0x1C,
        0x1E, 0x20, 0x28, 0x30};
    private static final int[] FIELD_WIDTH = {4, 4, 4, 4, 2, 2, 1, 1, 2, 2, 2, 2, 2, 8, 8, 8};

    /** Per-queue state. */
    private static final class Queue {
        final int index;
        final int maxSize;
        final DescriptorChain chain;
        final AtomicBoolean scheduled = new AtomicBoolean();
        Runnable task; // pre-built worker task: no allocation per notification
        int size;
        int msixVector = NO_VECTOR;
        boolean enabled;
        long desc;
        long driver;
        long device;
        int lastAvail;
        int usedIdx;

        Queue(int index, int maxSize) {
            this.index = index;
            this.maxSize = maxSize;
            this.size = maxSize;
            this.chain = new DescriptorChain(maxSize);
        }

        void reset() {
            size = maxSize;
            msixVector = NO_VECTOR;
            enabled = false;
            desc = 0;
            driver = 0;
            device = 0;
            lastAvail = 0;
            usedIdx = 0;
        }
    }

    private final Object lock = new Object();
    private final String name;
    private final long offeredFeatures;
    private final Queue[] queues;
    private final MsixTable msixTable;
    private final MmioRouter regs;
    private final int pciCfgCap;
    private final ExecutorService worker;
    private final ReceiveFiller[] requestHandlers;
    private volatile boolean closed;

    // transport state, guarded by lock
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private long driverFeatures;
    private long negotiatedFeatures;
    private int configMsixVector = NO_VECTOR;
    private int status;
    private int configGeneration;
    private int queueSelect;
    private int isr;
    private String lastError;

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong protocolErrors = new AtomicLong();
    private final AtomicLong ignoredWrites = new AtomicLong();
    private final AtomicLong intxInterrupts = new AtomicLong();

    /**
     * @param virtioDeviceId  the virtio device ID (2 = block, 1 = network, ...)
     * @param classCode       PCI class code (e.g. 0x010000 for storage)
     * @param name            short name for the worker thread and diagnostics
     * @param numQueues       number of virtqueues
     * @param maxQueueSize    maximum (and reset) queue size, a power of two up to 32768
     * @param deviceFeatures  device-specific feature bits offered (VERSION_1 is added)
     * @param deviceConfigSize bytes of device-specific configuration (at most 4096)
     */
    protected VirtioPciFunction(int virtioDeviceId, int classCode, String name, int numQueues, int maxQueueSize,
            long deviceFeatures, int deviceConfigSize) {
        super(VENDOR, DEVICE_ID_BASE + virtioDeviceId, classCode, 1);
        if (numQueues < 1 || Integer.bitCount(maxQueueSize) != 1 || maxQueueSize > 32768
                || deviceConfigSize < 0 || deviceConfigSize > 0x1000) {
            throw new IllegalArgumentException("bad virtio device parameters");
        }
        this.name = name;
        this.offeredFeatures = deviceFeatures | F_VERSION_1;
        this.queues = new Queue[numQueues];
        for (int i = 0; i < numQueues; i++) {
            Queue q = new Queue(i, maxQueueSize);
            q.task = () -> runQueue(q);
            queues[i] = q;
        }
        this.requestHandlers = new ReceiveFiller[numQueues];
        for (int i = 0; i < numQueues; i++) {
            int qi = i;
            requestHandlers[i] = chain -> processRequest(qi, chain);
        }
        setSubsystem(VENDOR, 0x1100);
        setInterruptPin(1);

        addVirtioCap(CAP_COMMON, COMMON_OFFSET, COMMON_LENGTH, null);
        addVirtioCap(CAP_ISR, ISR_OFFSET, 1, null);
        if (deviceConfigSize > 0) {
            addVirtioCap(CAP_DEVICE, DEVICE_OFFSET, deviceConfigSize, null);
        }
        addVirtioCap(CAP_NOTIFY, NOTIFY_OFFSET, NOTIFY_MULTIPLIER * numQueues, NOTIFY_MULTIPLIER);
        pciCfgCap = addVirtioCap(CAP_PCI_CFG, 0, 0, 0);
        setWritable(pciCfgCap + 4, 1, 0xFF); // bar
        setWritable(pciCfgCap + 8, 4, 0xFFFF_FFFFL); // offset
        setWritable(pciCfgCap + 12, 4, 0xFFFF_FFFFL); // length

        msixTable = addMsix(numQueues + 1, MSIX_BAR, 0, MSIX_BAR, 0x800);
        addMemoryBar(MSIX_BAR, 0x1000, false, false, new MmioRouter()
                .add(0, msixTable.tableBytes(), msixTable.tableHandler())
                .add(0x800, msixTable.pbaBytes(), msixTable.pbaHandler()));
        regs = new MmioRouter()
                .add(COMMON_OFFSET, COMMON_LENGTH, MmioHandler.of(this::commonRead, this::commonWrite))
                .add(ISR_OFFSET, 4, MmioHandler.of(this::isrRead, (o, s, v) -> { }))
                .add(NOTIFY_OFFSET, (long) NOTIFY_MULTIPLIER * numQueues, MmioHandler.of((o, s) -> 0L, this::notifyWrite));
        if (deviceConfigSize > 0) {
            regs.add(DEVICE_OFFSET, deviceConfigSize, MmioHandler.of(this::deviceRead, this::deviceWrite));
        }
        addMemoryBar(REGS_BAR, REGS_BAR_SIZE, true, true, regs);
        this.worker = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().name("virtio-" + name).unstarted(r));
    }

    // ---- device model hooks ----------------------------------------------------------------

    /**
     * Handles one request on {@code queue}, on the worker thread with the transport lock
     * held. Returns the number of bytes written into the chain's writable part (never
     * negative: {@link #DECLINED} would leave the chain available and stall the queue). Throws
     * {@link VirtioException} if the request is malformed beyond what a status code can
     * report (the device then needs a reset).
     */
    protected abstract int processRequest(int queue, DescriptorChain chain) throws VirtioException;

    /**
     * Called on the worker thread, without the transport lock, after each request of
     * {@code queue} completed: where a device does the work it must not do under the lock
     * (handing a transmitted frame to a network port that may deliver it synchronously).
     * Default: nothing.
     */
    protected void requestCompleted(int queue) {
    }

    /**
     * True for a queue whose buffers the device fills when it has data (a network receive
     * queue): notifications for it do not drain it. Default: false.
     */
    protected boolean isReceiveQueue(int queue) {
        return false;
    }

    /** Fills one receive buffer; see {@link #fillReceiveBuffer}. */
    @FunctionalInterface
    protected interface ReceiveFiller {
        /**
         * Writes into {@code chain} (lock held) and returns the bytes written, or
         * {@link #DECLINED} to leave the buffer available. Throws {@link VirtioException} for
         * a malformed buffer (the device then needs a reset).
         */
        int fill(DescriptorChain chain) throws VirtioException;
    }

    /** {@link ReceiveFiller#fill} result: buffer not used; {@link #fillReceiveBuffer} result likewise. */
    protected static final int DECLINED = -1;
    /** {@link #fillReceiveBuffer} result: the chain was malformed, DEVICE_NEEDS_RESET is set. */
    protected static final int BROKEN = -2;

    /**
     * Takes the next available chain of receive queue {@code queue}, has {@code filler} fill
     * it, completes it and interrupts (unless VIRTQ_AVAIL_F_NO_INTERRUPT). Any thread; never
     * blocks on the guest. Returns 1 if a buffer was filled, 0 if the queue is not running or
     * has no buffer available, {@link #DECLINED} or {@link #BROKEN}.
     */
    protected final int fillReceiveBuffer(int queue, ReceiveFiller filler) {
        synchronized (lock) {
            if (queue < 0 || queue >= queues.length) {
                return 0;
            }
            Queue q = queues[queue];
            if (closed || !runnable(q)) {
                return 0;
            }
            try {
                int r = processOne(q, filler);
                if (r == 1) {
                    interruptUnlessSuppressed(q);
                }
                return r;
            } catch (RuntimeException bug) {
                needsReset("internal error: " + bug);
                return BROKEN;
            }
        }
    }

    /** Reads device-specific configuration (little-endian, zero-extended); never throws. */
    protected abstract long readDeviceConfig(int offset, int size);

    /** Writes device-specific configuration. Default: ignored. */
    protected void writeDeviceConfig(int offset, int size, long value) {
    }

    /** Called when the driver resets the device (lock held). Default: nothing. */
    protected void deviceReset() {
    }

    /** Called once by {@link #close()} after the worker stopped: release backends. */
    protected void closeDevice() {
    }

    // ---- public state ----------------------------------------------------------------------

    /** Feature bits offered to the driver (device features | VERSION_1). */
    public final long offeredFeatures() {
        return offeredFeatures;
    }

    /** Features accepted with FEATURES_OK (0 before negotiation). */
    public final long negotiatedFeatures() {
        synchronized (lock) {
            return negotiatedFeatures;
        }
    }

    /** The device_status register. */
    public final int deviceStatus() {
        synchronized (lock) {
            return status;
        }
    }

    /** The last protocol error that set DEVICE_NEEDS_RESET, or null. */
    public final String lastError() {
        synchronized (lock) {
            return lastError;
        }
    }

    /** Protocol errors so far (each set DEVICE_NEEDS_RESET). */
    public final long protocolErrors() {
        return protocolErrors.get();
    }

    /** Requests completed so far. */
    public final long requestsCompleted() {
        return requests.get();
    }

    /** Register writes ignored because they were malformed (bad width, bad queue size...). */
    public final long ignoredWrites() {
        return ignoredWrites.get();
    }

    /** Stops the worker thread (waiting for the request in flight) and closes the device. Idempotent. */
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
        closeDevice();
    }

    /** Signals a configuration change to the driver (bumps config_generation). */
    protected final void configChanged() {
        synchronized (lock) {
            configGeneration = (configGeneration + 1) & 0xFF;
            configInterrupt();
        }
    }

    // ---- capabilities ---------------------------------------------------------------------

    private int addVirtioCap(int type, int offset, int length, Integer multiplier) {
        int capLen = type == CAP_PCI_CFG ? 20 : multiplier != null ? 20 : 16;
        byte[] body = new byte[capLen - 2];
        body[0] = (byte) capLen;
        body[1] = (byte) type;
        body[2] = (byte) (type == CAP_PCI_CFG ? 0 : REGS_BAR);
        body[3] = 0; // id
        le(body, 6, 4, offset);
        le(body, 10, 4, length);
        if (multiplier != null && type == CAP_NOTIFY) {
            le(body, 14, 4, multiplier);
        }
        return addCapability(CAP_ID_VENDOR, body);
    }

    /** Config access, with the VIRTIO_PCI_CAP_PCI_CFG window (pci_cfg_data) routed to a BAR. */
    @Override
    public long configRead(int offset, int size) {
        if (offset == pciCfgCap + 16 && size <= 4) {
            int bar = (int) super.configRead(pciCfgCap + 4, 1);
            long off = super.configRead(pciCfgCap + 8, 4);
            int len = (int) super.configRead(pciCfgCap + 12, 4);
            if (bar == REGS_BAR && (len == 1 || len == 2 || len == 4) && off + len <= REGS_BAR_SIZE) {
                return regs.read(off, len) & ((1L << (8 * size)) - 1);
            }
            return 0;
        }
        return super.configRead(offset, size);
    }

    @Override
    public void configWrite(int offset, int size, long value) {
        if (offset == pciCfgCap + 16 && size <= 4) {
            int bar = (int) super.configRead(pciCfgCap + 4, 1);
            long off = super.configRead(pciCfgCap + 8, 4);
            int len = (int) super.configRead(pciCfgCap + 12, 4);
            if (bar == REGS_BAR && (len == 1 || len == 2 || len == 4) && off + len <= REGS_BAR_SIZE) {
                regs.write(off, len, value);
            }
            return;
        }
        super.configWrite(offset, size, value);
    }

    // ---- register windows ------------------------------------------------------------------




    private long commonRead(long offset, int size) {
        synchronized (lock) {
            long v = 0;
            for (int i = 0; i < size; i++) {
                int o = (int) offset + i;
                int f = fieldAt(o);
                if (f < 0) {
                    continue;
                }
                long fv = fieldValue(FIELD_START[f]);
                v |= ((fv >>> (8 * (o - FIELD_START[f]))) & 0xFF) << (8 * i);
            }
            return v;
        }
    }

    private static int fieldAt(int o) {
        for (int f = 0; f < FIELD_START.length; f++) {
            if (o >= FIELD_START[f] && o < FIELD_START[f] + FIELD_WIDTH[f]) {
                return f;
            }
        }
        return -1;
    }

    private Queue selected() {
        return queueSelect < queues.length ? queues[queueSelect] : null;
    }

    private long fieldValue(int start) {
        Queue q = selected();
        return switch (start) {
            case 0x00 -> deviceFeatureSelect;
            case 0x04 -> deviceFeatureSelect == 0 ? offeredFeatures & 0xFFFF_FFFFL
                    : deviceFeatureSelect == 1 ? offeredFeatures >>> 32 : 0;
            case 0x08 -> driverFeatureSelect;
            case 0x0C -> driverFeatureSelect == 0 ? driverFeatures & 0xFFFF_FFFFL
                    : driverFeatureSelect == 1 ? driverFeatures >>> 32 : 0;
            case 0x10 -> configMsixVector;
            case 0x12 -> queues.length;
            case 0x14 -> status;
            case 0x15 -> configGeneration;
            case 0x16 -> queueSelect;
            case 0x18 -> q == null ? 0 : q.size;
            case 0x1A -> q == null ? NO_VECTOR : q.msixVector;
            case 0x1C -> q != null && q.enabled ? 1 : 0;
            case 0x1E -> q == null ? 0 : q.index;
            case 0x20 -> q == null ? 0 : q.desc;
            case 0x28 -> q == null ? 0 : q.driver;
            case 0x30 -> q == null ? 0 : q.device;
            default -> 0;
        };
    }

    private void commonWrite(long offset, int size, long value) {
        int o = (int) offset;
        int f = fieldAt(o);
        Queue kick = null;
        synchronized (lock) {
            if (f < 0) {
                ignoredWrites.incrementAndGet();
                return;
            }
            int start = FIELD_START[f];
            int width = FIELD_WIDTH[f];
            boolean exact = o == start && size == width;
            boolean half = width == 8 && size == 4 && (o == start || o == start + 4);
            if (!exact && !half) {
                ignoredWrites.incrementAndGet();
                return;
            }
            int v = (int) value;
            Queue q = selected();
            switch (start) {
                case 0x00 -> deviceFeatureSelect = v;
                case 0x08 -> driverFeatureSelect = v;
                case 0x0C -> {
                    if ((status & STATUS_FEATURES_OK) == 0 && driverFeatureSelect < 2) {
                        int shift = 32 * driverFeatureSelect;
                        driverFeatures = (driverFeatures & ~(0xFFFF_FFFFL << shift)) | ((v & 0xFFFF_FFFFL) << shift);
                    }
                }
                case 0x10 -> configMsixVector = validVector(v & 0xFFFF);
                case 0x14 -> {
                    writeStatus(v & 0xFF);
                    return;
                }
                case 0x16 -> queueSelect = v & 0xFFFF;
                case 0x18 -> {
                    int n = v & 0xFFFF;
                    if (q == null || q.enabled || n == 0 || Integer.bitCount(n) != 1 || n > q.maxSize) {
                        ignoredWrites.incrementAndGet();
                    } else {
                        q.size = n;
                    }
                }
                case 0x1A -> {
                    if (q != null) {
                        q.msixVector = validVector(v & 0xFFFF);
                    }
                }
                case 0x1C -> {
                    if (q != null && !q.enabled && (v & 0xFFFF) == 1) {
                        enableQueue(q);
                        kick = q;
                    }
                }
                case 0x20, 0x28, 0x30 -> {
                    if (q == null || q.enabled) {
                        ignoredWrites.incrementAndGet();
                        return;
                    }
                    long cur = start == 0x20 ? q.desc : start == 0x28 ? q.driver : q.device;
                    long nv;
                    if (exact) {
                        nv = value;
                    } else if (o == start) {
                        nv = (cur & 0xFFFF_FFFF_0000_0000L) | (value & 0xFFFF_FFFFL);
                    } else {
                        nv = (cur & 0xFFFF_FFFFL) | (value << 32);
                    }
                    switch (start) {
                        case 0x20 -> q.desc = nv;
                        case 0x28 -> q.driver = nv;
                        default -> q.device = nv;
                    }
                }
                default -> ignoredWrites.incrementAndGet(); // read-only field
            }
        }
        if (kick != null) {
            schedule(kick);
        }
    }

    private int validVector(int v) {
        return v == NO_VECTOR || v < msixTable.size() ? v : NO_VECTOR;
    }

    private void writeStatus(int v) {
        if (v == 0) {
            resetLocked();
            return;
        }
        int keep = status & STATUS_DEVICE_NEEDS_RESET;
        if ((v & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0) {
            boolean subset = (driverFeatures & ~offeredFeatures) == 0;
            if (subset && (driverFeatures & F_VERSION_1) != 0) {
                negotiatedFeatures = driverFeatures;
            } else {
                v &= ~STATUS_FEATURES_OK;
            }
        }
        boolean driverOkNow = (v & STATUS_DRIVER_OK) != 0 && (status & STATUS_DRIVER_OK) == 0;
        status = v | keep;
        if (driverOkNow) {
            for (Queue q : queues) {
                if (q.enabled) {
                    schedule(q);
                }
            }
        }
    }

    private void resetLocked() {
        status = 0;
        deviceFeatureSelect = 0;
        driverFeatureSelect = 0;
        driverFeatures = 0;
        negotiatedFeatures = 0;
        configMsixVector = NO_VECTOR;
        queueSelect = 0;
        isr = 0;
        lastError = null;
        for (Queue q : queues) {
            q.reset();
        }
        deassertIntx();
        deviceReset();
    }

    private void enableQueue(Queue q) {
        PhysicalBus bus = bus();
        long n = q.size;
        if ((q.desc & 15) != 0 || (q.driver & 1) != 0 || (q.device & 3) != 0 || bus == null
                || !bus.isRam(q.desc, 16 * n) || !bus.isRam(q.driver, 6 + 2 * n) || !bus.isRam(q.device, 6 + 8 * n)) {
            needsReset("queue " + q.index + ": rings misaligned or outside RAM");
            return;
        }
        q.enabled = true;
        q.lastAvail = 0;
        q.usedIdx = 0;
    }

    private long isrRead(long offset, int size) {
        synchronized (lock) {
            if (offset != 0) {
                return 0;
            }
            int v = isr;
            isr = 0; // read-to-clear
            deassertIntx();
            return v;
        }
    }

    private long deviceRead(long offset, int size) {
        return readDeviceConfig((int) offset, size);
    }

    private void deviceWrite(long offset, int size, long value) {
        synchronized (lock) {
            writeDeviceConfig((int) offset, size, value);
        }
    }

    private void notifyWrite(long offset, int size, long value) {
        int qi = (int) (offset / NOTIFY_MULTIPLIER);
        if (qi < queues.length && !isReceiveQueue(qi)) {
            schedule(queues[qi]);
        }
    }

    // ---- queue processing (worker thread) --------------------------------------------------

    private void schedule(Queue q) {
        if (closed || isReceiveQueue(q.index) || !q.scheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            worker.execute(q.task);
        } catch (RejectedExecutionException shutDown) {
            q.scheduled.set(false);
        }
    }

    private void runQueue(Queue q) {
        q.scheduled.set(false);
        try {
            boolean completed = false;
            while (true) {
                synchronized (lock) {
                    if (closed || !runnable(q)) {
                        break;
                    }
                    int r = processOne(q, requestHandlers[q.index]);
                    if (r != 1) {
                        break;
                    }
                    completed = true;
                }
                requestCompleted(q.index);
            }
            if (completed) {
                synchronized (lock) {
                    if (runnable(q)) {
                        interruptUnlessSuppressed(q);
                    }
                }
            }
        } catch (RuntimeException bug) {
            // a device-model bug must not kill the iothread silently or reach the guest
            synchronized (lock) {
                needsReset("internal error: " + bug);
            }
        }
    }

    private void interruptUnlessSuppressed(Queue q) {
        VarHandle.fullFence();
        if ((bus().read(q.driver, 2) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0) {
            queueInterrupt(q);
        }
    }

    private boolean runnable(Queue q) {
        return q.enabled && bus() != null
                && (status & (STATUS_DRIVER_OK | STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED)) == STATUS_DRIVER_OK;
    }

    /**
     * Processes one available chain: 1 done, 0 nothing available, {@link #DECLINED} left
     * available by the handler, {@link #BROKEN} protocol error (device stopped).
     */
    private int processOne(Queue q, ReceiveFiller handler) {
        PhysicalBus bus = bus();
        int availIdx = (int) bus.read(q.driver + 2, 2);
        VarHandle.acquireFence();
        int pending = (availIdx - q.lastAvail) & 0xFFFF;
        if (pending == 0) {
            return 0;
        }
        try {
            if (pending > q.size) {
                throw new VirtioException("queue " + q.index + ": avail idx moved by " + pending);
            }
            int head = (int) bus.read(q.driver + 4 + 2L * (q.lastAvail % q.size), 2);
            DescriptorChain chain = walk(bus, q, head);
            int written;
            try {
                written = handler.fill(chain);
            } catch (BusError e) {
                throw new VirtioException("queue " + q.index + ": DMA outside RAM at 0x" + Long.toHexString(e.address()));
            }
            if (written == DECLINED) {
                return DECLINED;
            }
            long e = q.device + 4 + 8L * (q.usedIdx % q.size);
            bus.write(e, 4, head);
            bus.write(e + 4, 4, written & 0xFFFF_FFFFL);
            q.lastAvail = (q.lastAvail + 1) & 0xFFFF;
            q.usedIdx = (q.usedIdx + 1) & 0xFFFF;
            VarHandle.releaseFence();
            bus.write(q.device + 2, 2, q.usedIdx);
            requests.incrementAndGet();
            return 1;
        } catch (VirtioException e) {
            needsReset(e.getMessage());
            return BROKEN;
        }
    }

    private DescriptorChain walk(PhysicalBus bus, Queue q, int head) throws VirtioException {
        if (head >= q.size) {
            throw new VirtioException("queue " + q.index + ": head descriptor " + head + " out of range");
        }
        DescriptorChain chain = q.chain;
        chain.reset(bus, head);
        int i = head;
        boolean seenWritable = false;
        for (int n = 1; ; n++) {
            if (n > q.size) {
                throw new VirtioException("queue " + q.index + ": descriptor chain loops or exceeds queue size");
            }
            long d = q.desc + 16L * i;
            long addr = bus.read(d, 8);
            long len = bus.read(d + 8, 4);
            int flags = (int) bus.read(d + 12, 2);
            int next = (int) bus.read(d + 14, 2);
            if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                throw new VirtioException("queue " + q.index + ": INDIRECT descriptor not negotiated");
            }
            boolean w = (flags & VIRTQ_DESC_F_WRITE) != 0;
            if (!w && seenWritable) {
                throw new VirtioException("queue " + q.index + ": device-readable descriptor after a writable one");
            }
            seenWritable |= w;
            if (!bus.isRam(addr, len)) {
                throw new VirtioException("queue " + q.index + ": descriptor " + i + " buffer 0x"
                        + Long.toHexString(addr) + "+" + len + " is outside RAM");
            }
            chain.add(addr, len, w);
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) {
                return chain;
            }
            if (next >= q.size) {
                throw new VirtioException("queue " + q.index + ": next descriptor " + next + " out of range");
            }
            i = next;
        }
    }

    // ---- interrupts -----------------------------------------------------------------------

    private void needsReset(String reason) {
        protocolErrors.incrementAndGet();
        lastError = reason;
        if ((status & STATUS_DEVICE_NEEDS_RESET) != 0) {
            return;
        }
        status |= STATUS_DEVICE_NEEDS_RESET;
        if ((status & STATUS_DRIVER_OK) != 0) {
            configInterrupt();
        }
    }

    private void configInterrupt() {
        isr |= 2;
        if (msixTable.enabled()) {
            if (configMsixVector != NO_VECTOR) {
                msixTable.signal(configMsixVector);
            }
        } else {
            intx();
        }
    }

    private void queueInterrupt(Queue q) {
        if (msixTable.enabled()) {
            if (q.msixVector != NO_VECTOR) {
                msixTable.signal(q.msixVector);
            }
        } else {
            isr |= 1;
            intx();
        }
    }

    private void intx() {
        if ((command() & CMD_INTX_DISABLE) == 0) {
            intxInterrupts.incrementAndGet();
        }
        // the interrupt is pending (ISR) whatever INTx Disable says: PciFunction masks the wire
        // while it is set and drives it again when it is cleared (PCI 3.0 6.2.2)
        assertIntx();
    }

    /** INTx assertions so far (interrupts sent while MSI-X was disabled). */
    public final long intxInterrupts() {
        return intxInterrupts.get();
    }

    @Override
    public String toString() {
        return "virtio-" + name + "@" + location();
    }
}
