package drivers.virtio;

import static drivers.virtio.Virtio.*;

import drivers.pci.PciDevice;
import drivers.virtio.internal.MmioWindow;
import drivers.virtio.internal.VirtioCaps;
import java.util.ArrayList;
import java.util.List;
import kernel.core.hal.Interrupts;
import kernel.core.hal.IrqHandler;
import kernel.core.hal.IrqVector;
import kernel.core.hal.Mmio;
import kernel.mm.DmaAllocator;
import kernel.mm.DmaBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio device behind the modern PCI transport (virtio 1.2 §4.1), driver side
 * ({@code virtio_pci_modern_device}).
 *
 * <p>The initialisation sequence of §3.1.1, one call per step:
 * <pre>
 *   dev = VirtioPciDevice.open(pci, dma, "virtio-blk vda"); // map, reset, ACKNOWLEDGE, DRIVER
 *   long f = dev.negotiate(wanted);                          // features, FEATURES_OK checked
 *   ... read device configuration ...
 *   dev.enableMsix(handlers); dev.setConfigVector(...);      // interrupts
 *   Virtqueue q = dev.setupQueue(0, 256, 1);                 // rings, vector, enable
 *   dev.driverOk();
 *   ...
 *   dev.close();                                             // reset, free rings, MSI-X off
 * </pre>
 * The common configuration is accessed with naturally sized accesses, 64-bit fields as two
 * 32-bit halves (§4.1.3.1). Setup calls are made by one thread (the probe); {@link Virtqueue}
 * is the concurrent part.
 */
public final class VirtioPciDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.virtio");

    // struct virtio_pci_common_cfg (§4.1.4.3)
    private static final int DEVICE_FEATURE_SELECT = 0x00;
    private static final int DEVICE_FEATURE = 0x04;
    private static final int DRIVER_FEATURE_SELECT = 0x08;
    private static final int DRIVER_FEATURE = 0x0C;
    private static final int CONFIG_MSIX_VECTOR = 0x10;
    private static final int NUM_QUEUES = 0x12;
    private static final int DEVICE_STATUS = 0x14;
    private static final int CONFIG_GENERATION = 0x15;
    private static final int QUEUE_SELECT = 0x16;
    private static final int QUEUE_SIZE = 0x18;
    private static final int QUEUE_MSIX_VECTOR = 0x1A;
    private static final int QUEUE_ENABLE = 0x1C;
    private static final int QUEUE_NOTIFY_OFF = 0x1E;
    private static final int QUEUE_DESC = 0x20;
    private static final int QUEUE_DRIVER = 0x28;
    private static final int QUEUE_DEVICE = 0x30;

    private static final long RESET_TIMEOUT_NANOS = 1_000_000_000L;

    private final PciDevice pci;
    private final DmaAllocator dma;
    private final String name;
    private final Mmio common;
    private final Mmio notify;
    private final Mmio isr;
    private final Mmio config;
    private final int notifyMultiplier;
    private final List<Virtqueue> queues = new ArrayList<>();
    private long features;
    private boolean closed;

    private VirtioPciDevice(PciDevice pci, DmaAllocator dma, String name, VirtioCaps caps) {
        this.pci = pci;
        this.dma = dma;
        this.name = name;
        this.common = window(pci, caps.common);
        this.notify = window(pci, caps.notify);
        this.isr = caps.isr == null ? null : window(pci, caps.isr);
        this.config = caps.device == null ? null : window(pci, caps.device);
        this.notifyMultiplier = caps.notifyMultiplier;
    }

    private static Mmio window(PciDevice pci, VirtioCaps.Region r) {
        return new MmioWindow(pci.mapBar(r.bar()), r.offset(), r.length());
    }

    /**
     * Finds the virtio structures of {@code pci}, turns on memory decoding and bus mastering,
     * resets the device and sets ACKNOWLEDGE and DRIVER.
     *
     * @param dma  where ring memory comes from (the calling driver's allocator)
     * @param name for log messages and DMA tags, e.g. {@code "virtio-blk vda"}
     * @throws VirtioException if the function is not a modern virtio device or does not reset;
     *     nothing is left enabled then
     */
    public static VirtioPciDevice open(PciDevice pci, DmaAllocator dma, String name) throws VirtioException {
        VirtioCaps caps = VirtioCaps.read(pci);
        pci.enableMemory();
        VirtioPciDevice dev = new VirtioPciDevice(pci, dma, name, caps);
        try {
            dev.reset();
            dev.addStatus(STATUS_ACKNOWLEDGE);
            dev.addStatus(STATUS_DRIVER);
            pci.enableBusMaster();
        } catch (VirtioException | RuntimeException e) {
            dev.close();
            throw e;
        }
        return dev;
    }

    public PciDevice pci() {
        return pci;
    }

    public String name() {
        return name;
    }

    // ---- status ------------------------------------------------------------------------------

    public int status() {
        return common.read8(DEVICE_STATUS);
    }

    private void addStatus(int bits) {
        common.write8(DEVICE_STATUS, common.read8(DEVICE_STATUS) | bits);
    }

    /**
     * Resets the device (writes 0 to device_status and waits until it reads back 0, §4.1.4.3.2).
     * After a reset the device no longer touches the rings; queues must be set up again.
     *
     * @throws VirtioException if the device does not finish resetting within a second
     */
    public void reset() throws VirtioException {
        common.write8(DEVICE_STATUS, 0);
        if (pci.disconnected()) {
            return; // the device is gone: nothing will read back
        }
        long deadline = System.nanoTime() + RESET_TIMEOUT_NANOS;
        while (common.read8(DEVICE_STATUS) != 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new VirtioException(name + ": device did not reset");
            }
            Thread.onSpinWait();
        }
    }

    /** Sets FAILED: the driver gave up on the device (§2.1). */
    public void fail() {
        addStatus(STATUS_FAILED);
    }

    /** Sets DRIVER_OK: the device is live from now on. */
    public void driverOk() throws VirtioException {
        addStatus(STATUS_DRIVER_OK);
        if ((status() & STATUS_DEVICE_NEEDS_RESET) != 0) {
            throw new VirtioException(name + ": device needs reset after DRIVER_OK");
        }
    }

    // ---- features ----------------------------------------------------------------------------

    /** The 64 feature bits the device offers. */
    public long deviceFeatures() {
        common.write32(DEVICE_FEATURE_SELECT, 0);
        long lo = common.read32(DEVICE_FEATURE) & 0xFFFF_FFFFL;
        common.write32(DEVICE_FEATURE_SELECT, 1);
        long hi = common.read32(DEVICE_FEATURE) & 0xFFFF_FFFFL;
        return hi << 32 | lo;
    }

    /**
     * Accepts the offered features among {@code wanted} (plus VERSION_1, and ACCESS_PLATFORM if
     * offered: our DMA addresses are bus addresses), sets FEATURES_OK and checks that it stuck.
     *
     * @return the negotiated features
     * @throws VirtioException if the device does not offer VERSION_1 or refuses FEATURES_OK
     *     (FAILED is set then)
     */
    public long negotiate(long wanted) throws VirtioException {
        long offered = deviceFeatures();
        if ((offered & bit(F_VERSION_1)) == 0) {
            fail();
            throw new VirtioException(name + ": device does not offer VIRTIO_F_VERSION_1");
        }
        long accept = offered & (wanted | bit(F_VERSION_1) | bit(F_ACCESS_PLATFORM));
        common.write32(DRIVER_FEATURE_SELECT, 0);
        common.write32(DRIVER_FEATURE, (int) accept);
        common.write32(DRIVER_FEATURE_SELECT, 1);
        common.write32(DRIVER_FEATURE, (int) (accept >>> 32));
        addStatus(STATUS_FEATURES_OK);
        if ((status() & STATUS_FEATURES_OK) == 0) {
            fail();
            throw new VirtioException(String.format("%s: device refused features %#x", name, accept));
        }
        features = accept;
        LOG.debug("{}: features offered {} accepted {}", name, Long.toHexString(offered), Long.toHexString(accept));
        return accept;
    }

    /** True if feature {@code bit} was negotiated. */
    public boolean hasFeature(int bit) {
        return (features & bit(bit)) != 0;
    }

    // ---- device configuration ----------------------------------------------------------------

    /** The device-specific configuration window, or null if the device has none. */
    public Mmio config() {
        return config;
    }

    public int configGeneration() {
        return common.read8(CONFIG_GENERATION);
    }

    public int readConfig8(int offset) throws VirtioException {
        return requireConfig().read8(offset);
    }

    public int readConfig16(int offset) throws VirtioException {
        return requireConfig().read16(offset);
    }

    public int readConfig32(int offset) throws VirtioException {
        return requireConfig().read32(offset);
    }

    /** Reads a 64-bit field as two 32-bit halves, retrying until config_generation is stable (§2.5.1). */
    public long readConfig64(int offset) throws VirtioException {
        Mmio c = requireConfig();
        for (int attempt = 0; attempt < 100; attempt++) {
            int gen = configGeneration();
            long lo = c.read32(offset) & 0xFFFF_FFFFL;
            long hi = c.read32(offset + 4) & 0xFFFF_FFFFL;
            if (configGeneration() == gen) {
                return hi << 32 | lo;
            }
        }
        throw new VirtioException(name + ": device configuration keeps changing");
    }

    private Mmio requireConfig() throws VirtioException {
        if (config == null) {
            throw new VirtioException(name + ": device has no device configuration structure");
        }
        return config;
    }

    /** Reads and clears the ISR status (bit 0 queue, bit 1 configuration change); 0 without an ISR structure. */
    public int readIsr() {
        return isr == null ? 0 : isr.read8(0);
    }

    // ---- interrupts --------------------------------------------------------------------------

    /**
     * Enables MSI-X on the PCI function with one vector per handler (entry {@code i} →
     * {@code handlers.get(i)}), named after this device and allocated from {@code irqs} (the
     * driver's own {@code Hal.interrupts()}). Refer to entries by index in
     * {@link #setConfigVector} and {@link #setupQueue}. {@link #close()} frees them.
     */
    public List<IrqVector> enableMsix(Interrupts irqs, List<IrqHandler> handlers) {
        return pci.enableMsix(irqs, name, handlers);
    }

    /** {@link #enableMsix(Interrupts, List)} with vectors allocated by the PCI bus module. */
    public List<IrqVector> enableMsix(List<IrqHandler> handlers) {
        return pci.enableMsix(name, handlers);
    }

    /**
     * Routes configuration-change interrupts to MSI-X entry {@code entry}, or nowhere with
     * {@link Virtio#NO_VECTOR}.
     *
     * @throws VirtioException if the device does not accept the entry (reads back NO_VECTOR)
     */
    public void setConfigVector(int entry) throws VirtioException {
        common.write16(CONFIG_MSIX_VECTOR, entry);
        int got = common.read16(CONFIG_MSIX_VECTOR);
        if (got != entry) {
            throw new VirtioException(name + ": device refused MSI-X entry " + entry + " for configuration changes");
        }
    }

    // ---- queues ------------------------------------------------------------------------------

    public int numQueues() {
        return common.read16(NUM_QUEUES);
    }

    /**
     * Sets up virtqueue {@code index}: picks a size (the device's maximum, capped at {@code maxSize},
     * rounded down to a power of two), allocates and programs the rings, routes its interrupts to
     * MSI-X entry {@code msixEntry} (or {@link Virtio#NO_VECTOR}) and enables it. Call before
     * {@link #driverOk()}.
     *
     * @throws VirtioException if the queue does not exist, is already enabled, or the device
     *     refuses the vector or a setting
     */
    public Virtqueue setupQueue(int index, int maxSize, int msixEntry) throws VirtioException {
        if (index < 0 || index >= numQueues()) {
            throw new VirtioException(name + ": no queue " + index + " (device has " + numQueues() + ")");
        }
        common.write16(QUEUE_SELECT, index);
        int max = common.read16(QUEUE_SIZE);
        if (max == 0) {
            throw new VirtioException(name + ": queue " + index + " is not available");
        }
        if (common.read16(QUEUE_ENABLE) != 0) {
            throw new VirtioException(name + ": queue " + index + " is already enabled");
        }
        int size = Integer.highestOneBit(Math.min(max, Math.max(1, maxSize)));
        common.write16(QUEUE_SIZE, size);
        if (common.read16(QUEUE_SIZE) != size) {
            throw new VirtioException(name + ": queue " + index + " refused size " + size);
        }
        long notifyOffset = (long) common.read16(QUEUE_NOTIFY_OFF) * notifyMultiplier;
        if (notifyOffset + 2 > notify.size()) {
            throw new VirtioException(name + ": queue " + index + " notify offset outside the notify structure");
        }
        DmaBuffer ring = dma.allocate(Virtqueue.ringBytes(size), name + " vq" + index);
        Virtqueue q = new Virtqueue(name, index, size, ring, notify, notifyOffset);
        try {
            write64(QUEUE_DESC, q.descPhys());
            write64(QUEUE_DRIVER, q.availPhys());
            write64(QUEUE_DEVICE, q.usedPhys());
            common.write16(QUEUE_MSIX_VECTOR, msixEntry);
            if (common.read16(QUEUE_MSIX_VECTOR) != msixEntry) {
                throw new VirtioException(name + ": device refused MSI-X entry " + msixEntry + " for queue " + index);
            }
            common.write16(QUEUE_ENABLE, 1);
            if (common.read16(QUEUE_ENABLE) != 1) {
                throw new VirtioException(name + ": queue " + index + " did not enable");
            }
        } catch (VirtioException | RuntimeException e) {
            ring.close();
            throw e;
        }
        queues.add(q);
        LOG.debug("{}: queue {} size {} at {}", name, index, size, Long.toHexString(ring.phys()));
        return q;
    }

    private void write64(int off, long v) {
        common.write32(off, (int) v);
        common.write32(off + 4, (int) (v >>> 32));
    }

    // ---- teardown ----------------------------------------------------------------------------

    /**
     * Shuts the device down: reset (so it stops using the rings), disable MSI-X (freeing the
     * vectors) and bus mastering, then free the rings, handing the token of every chain still
     * outstanding to {@code abandoned} (if not null) so that its waiter can be failed. Idempotent.
     */
    public synchronized void close(Virtqueue.Completer abandoned) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            reset();
        } catch (VirtioException | RuntimeException e) {
            LOG.warn("{}: reset during teardown failed: {}", name, e.getMessage());
        }
        pci.disableMsix();
        pci.disableBusMaster();
        for (Virtqueue q : queues) {
            q.shutdown(abandoned);
        }
        queues.clear();
    }

    /** {@link #close(Virtqueue.Completer)} dropping outstanding chains silently. */
    @Override
    public void close() {
        close(null);
    }

    @Override
    public String toString() {
        return name + " (" + pci.address() + ")";
    }
}
