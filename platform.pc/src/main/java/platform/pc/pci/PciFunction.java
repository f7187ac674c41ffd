package platform.pc.pci;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import platform.pc.IoPorts;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;
import platform.pc.PortHandler;

/**
 * One PCI device function: its 4 KiB configuration space (a type-0 header; {@link PciRootPort}
 * lays out a type-1 header on the same machinery) and its BARs.
 *
 * <p>A device model subclasses this, declares its identity in the constructor, its BARs with
 * {@link #addMemoryBar}/{@link #addIoBar}, and its capabilities with {@link #addCapability}
 * and {@link #addMsix}, all before the function is attached to a {@link PciHostBridge}.
 *
 * <p>Config space rules (enforced here, per byte): vendor, device, revision, class, header
 * type, subsystem IDs, capability pointer and capability bodies are read-only unless marked
 * writable with {@link #setWritable}; COMMAND has the writable bits I/O space, memory space,
 * bus master and INTx disable; STATUS error bits are write-1-to-clear; cache line size and
 * interrupt line are read/write. BARs keep their type bits read-only and their low address
 * bits (below the BAR size) read as zero, which implements the sizing protocol: writing
 * all-ones and reading back yields the size mask (for 64-bit BARs across both dwords).
 *
 * <p>Decoding: whenever COMMAND or a BAR changes, memory BARs are (re)mapped on the
 * {@link PhysicalBus} while memory space is enabled and their address is non-zero, and I/O
 * BARs are registered on {@link IoPorts} while I/O space is enabled; otherwise they are
 * unmapped. An address conflict is not an error for the guest: the BAR stays unmapped and
 * {@link #mappingConflicts()} counts it.
 *
 * <p>Behind a bridge ({@link PciRootPort}): only the part of a BAR that lies inside what the
 * bridge forwards decodes, i.e. inside its memory or prefetchable window while its COMMAND.Memory
 * Space Enable is set, inside its I/O window while its I/O Space Enable is set; the rest reads
 * all-ones and drops writes, as an address no one claims. The decoding is recomputed when the
 * bridge's windows or COMMAND change (never per access). Upstream, {@link #bus()} is the bus a
 * device masters on (DMA, MSI/MSI-X writes): behind a bridge whose COMMAND.Bus Master Enable is
 * clear it is a bus on which nothing is mapped, so scalar reads return all-ones, writes are
 * dropped and bulk DMA throws {@link platform.pc.BusError} (the bridge discards the request).
 * Likewise while the function's own COMMAND.Bus Master Enable is clear (PCI 3.0 section 6.2.2:
 * the function may not generate memory requests, MSI and MSI-X writes included, so a driver
 * must set it before it starts DMA); {@link #masterAborts()} counts what a device tried then.
 *
 * <p>INTx (PCI 3.0 sections 2.2.6, 6.2.2, 6.2.3): a device model calls {@link #assertIntx()}
 * and {@link #deassertIntx()} to set its internal interrupt state, which STATUS.Interrupt
 * Status always shows. The function drives its wire (the GSI its host bridge routed its pin
 * to, {@link #intxGsi()}) while that state is set and COMMAND.INTx Disable is clear: setting
 * INTx Disable while asserted releases the wire, clearing it while still pending drives it
 * again. The wire is a shared, level-triggered (wired-OR) line: it stays asserted at the
 * IOAPIC while any function drives it. A function that is detached or powered off releases it.
 *
 * <p>Threads: config accesses are serialised on this object; device worker threads may call
 * {@link #bus()} and the read-only accessors at any time. Subclasses that own threads or
 * files release them in {@link #close()}.
 */
public class PciFunction {
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_CODE = 0x09; // 3 bytes: prog-if, subclass, base class
    public static final int CACHE_LINE_SIZE = 0x0C;
    public static final int HEADER_TYPE = 0x0E;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int CAPABILITIES_POINTER = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;

    public static final int CMD_IO_SPACE = 0x1;
    public static final int CMD_MEMORY_SPACE = 0x2;
    public static final int CMD_BUS_MASTER = 0x4;
    public static final int CMD_INTX_DISABLE = 0x400;
    public static final int STATUS_INTERRUPT = 0x8;
    public static final int STATUS_CAPABILITIES_LIST = 0x10;

    public static final int CAP_ID_PCI_EXPRESS = 0x10;
    public static final int CAP_ID_MSIX = 0x11;
    public static final int CAP_ID_VENDOR = 0x09;

    /** Kind of a base address register. */
    public enum BarType { MEMORY32, MEMORY64, IO }

    /** A declared BAR: its index, type, size (a power of two) and the handler behind it. */
    public record Bar(int index, BarType type, long size, boolean prefetchable, MmioHandler mmio, PortHandler io) {
    }

    private final byte[] cfg = new byte[4096];
    private final byte[] writable = new byte[4096];
    private final byte[] writeOneToClear = new byte[4096];
    private final Bar[] bars = new Bar[6];
    /** Per BAR, the mapped pieces as {start, length} pairs (a BAR that straddles a bridge window maps only its inside), or null. */
    private final long[][] mapped = new long[6][];
    private int nextCapOffset = 0x40;
    private int lastNextPointer = CAPABILITIES_POINTER;
    private MsixTable msix;
    private int msixCap = -1;
    private final LongAdder conflicts = new LongAdder();

    private volatile PhysicalBus bus; // where BARs decode
    private volatile PhysicalBus dmaBus; // what bus() gives device models: bus, or the bridge's master-abort bus
    private PciRootPort upstream; // the bridge above this function, or null on bus 0
    private final PhysicalBus noMaster = new PhysicalBus(); // bus() while our own Bus Master Enable is clear
    private volatile IoPorts io;
    private volatile String location = "unattached";
    private IntxRouter intxRouter;
    private int intxGsi = -1;
    private boolean intxPending;
    private boolean intxDriven;

    /**
     * @param vendorId  16-bit vendor ID
     * @param deviceId  16-bit device ID
     * @param classCode 24-bit class code (base class << 16 | subclass << 8 | prog-if)
     * @param revision  8-bit revision ID
     */
    protected PciFunction(int vendorId, int deviceId, int classCode, int revision) {
        put(VENDOR_ID, 2, vendorId);
        put(DEVICE_ID, 2, deviceId);
        put(REVISION_ID, 1, revision);
        put(CLASS_CODE, 3, classCode);
        put(HEADER_TYPE, 1, 0);
        writable[COMMAND] = (byte) (CMD_IO_SPACE | CMD_MEMORY_SPACE | CMD_BUS_MASTER);
        writable[COMMAND + 1] = (byte) (CMD_INTX_DISABLE >> 8);
        writeOneToClear[STATUS + 1] = (byte) 0xF9; // parity, target/master abort, SERR, parity error
        writable[CACHE_LINE_SIZE] = (byte) 0xFF;
        writable[INTERRUPT_LINE] = (byte) 0xFF;
    }

    // ---- declaration (before attach) ------------------------------------------------------

    /** Sets the subsystem vendor and subsystem IDs. */
    protected final void setSubsystem(int subsystemVendorId, int subsystemId) {
        put(SUBSYSTEM_VENDOR_ID, 2, subsystemVendorId);
        put(SUBSYSTEM_ID, 2, subsystemId);
    }

    /** Sets the INTx pin (0 none, 1 INTA .. 4 INTD). */
    protected final void setInterruptPin(int pin) {
        put(INTERRUPT_PIN, 1, pin);
    }

    /**
     * Declares memory BAR {@code index} of {@code size} bytes (a power of two, at least 16)
     * backed by {@code handler}. A 64-bit BAR also occupies {@code index + 1}.
     */
    protected final void addMemoryBar(int index, long size, boolean is64, boolean prefetchable, MmioHandler handler) {
        int last = is64 ? index + 1 : index;
        if (index < 0 || last > 5 || Long.bitCount(size) != 1 || size < 16 || (!is64 && size > 0x8000_0000L)
                || bars[index] != null || bars[last] != null || handler == null) {
            throw new IllegalArgumentException("bad memory BAR " + index);
        }
        bars[index] = new Bar(index, is64 ? BarType.MEMORY64 : BarType.MEMORY32, size, prefetchable, handler, null);
        int typeBits = (is64 ? 0x4 : 0) | (prefetchable ? 0x8 : 0);
        int off = BAR0 + 4 * index;
        put(off, 4, typeBits);
        long mask = ~(size - 1) & ~0xFL;
        putMask(off, 4, mask);
        if (is64) {
            putMask(off + 4, 4, mask >>> 32);
        }
    }

    /** Declares I/O BAR {@code index} of {@code size} ports (a power of two, 4..256). */
    protected final void addIoBar(int index, int size, PortHandler handler) {
        if (index < 0 || index > 5 || Integer.bitCount(size) != 1 || size < 4 || size > 256
                || bars[index] != null || handler == null) {
            throw new IllegalArgumentException("bad I/O BAR " + index);
        }
        bars[index] = new Bar(index, BarType.IO, size, false, null, handler);
        int off = BAR0 + 4 * index;
        put(off, 4, 0x1);
        putMask(off, 4, ~(size - 1) & ~0x3L);
    }

    /**
     * Appends a capability with ID {@code id} to the capability list; {@code body} is its
     * content after the ID and next-pointer bytes. The body is read-only unless parts are
     * later marked with {@link #setWritable}. Returns the capability's config offset.
     */
    protected final int addCapability(int id, byte[] body) {
        int off = nextCapOffset;
        int len = 2 + body.length;
        if (off + len > 256) {
            throw new IllegalStateException("capability list full");
        }
        cfg[off] = (byte) id;
        cfg[off + 1] = 0;
        System.arraycopy(body, 0, cfg, off + 2, body.length);
        cfg[lastNextPointer] = (byte) off;
        lastNextPointer = off + 1;
        nextCapOffset = (off + len + 3) & ~3;
        put(STATUS, 2, get(STATUS, 2) | STATUS_CAPABILITIES_LIST);
        return off;
    }

    /** Makes the bits of {@code mask} (little-endian, {@code size} bytes) at {@code offset} writable. */
    protected final void setWritable(int offset, int size, long mask) {
        putMask(offset, size, mask);
    }

    /**
     * Adds an MSI-X capability with {@code vectors} table entries, the table at
     * {@code tableOffset} of BAR {@code tableBar} and the PBA at {@code pbaOffset} of BAR
     * {@code pbaBar} (offsets 8-byte aligned). The subclass must route those BAR ranges to
     * {@link MsixTable#tableHandler()} and {@link MsixTable#pbaHandler()}.
     */
    protected final MsixTable addMsix(int vectors, int tableBar, int tableOffset, int pbaBar, int pbaOffset) {
        if (msix != null || vectors < 1 || vectors > 2048 || ((tableOffset | pbaOffset) & 7) != 0) {
            throw new IllegalArgumentException("bad MSI-X capability");
        }
        byte[] body = new byte[10];
        le(body, 0, 2, vectors - 1);
        le(body, 2, 4, tableOffset | tableBar);
        le(body, 6, 4, pbaOffset | pbaBar);
        msixCap = addCapability(CAP_ID_MSIX, body);
        setWritable(msixCap + 2, 2, 0xC000); // enable, function mask
        msix = new MsixTable(this, vectors);
        return msix;
    }

    // ---- attach / detach (by the host bridge) --------------------------------------------

    /**
     * Connects the function: BARs decode on {@code bus}/{@code io}; its INTx pin (if any) drives
     * GSI {@code gsi} of {@code router} (null: INTx goes nowhere).
     */
    final synchronized void attach(PhysicalBus bus, IoPorts io, String location, IntxRouter router, int gsi) {
        attach(bus, io, location, router, gsi, null);
    }

    /** As above, on the secondary bus of {@code bridge} (null: bus 0). */
    final synchronized void attach(PhysicalBus bus, IoPorts io, String location, IntxRouter router, int gsi,
            PciRootPort bridge) {
        if (this.bus != null) {
            throw new IllegalStateException(this + " is already attached");
        }
        this.bus = bus;
        this.io = io;
        this.upstream = bridge;
        this.dmaBus = masterBus();
        this.location = location;
        this.intxRouter = router;
        this.intxGsi = get(INTERRUPT_PIN, 1) != 0 ? gsi : -1;
        updateDecoding();
        updateIntx();
    }

    final synchronized void detach() {
        for (int i = 0; i < 6; i++) {
            unmapBar(i);
        }
        releaseIntx();
        this.bus = null;
        this.dmaBus = null;
        this.upstream = null;
        this.io = null;
        this.location = "unattached";
        this.intxRouter = null;
    }

    final IoPorts ioPorts() {
        return io;
    }

    /** The physical bus the BARs decode on (null when detached); unlike {@link #bus()}, not gated by a bridge. */
    final PhysicalBus decodeBus() {
        return bus;
    }

    /**
     * The bridge above this function changed what it forwards: recompute the BAR decoding and
     * the bus mastering path. Called by the bridge with its own lock held (lock order: bridge,
     * then function); reads the bridge only through its published {@link BridgeForwarding}.
     */
    final synchronized void upstreamChanged() {
        if (bus == null) {
            return;
        }
        dmaBus = masterBus();
        updateDecoding();
    }

    private BridgeForwarding forwarding() {
        return upstream == null ? BridgeForwarding.ALL : upstream.forwarding();
    }

    /** Lock held, attached. */
    private PhysicalBus masterBus() {
        if ((get(COMMAND, 2) & CMD_BUS_MASTER) == 0) {
            return noMaster;
        }
        PciRootPort up = upstream;
        return up == null || up.forwarding().busMaster ? bus : up.masterAbortBus();
    }

    /** Memory requests (DMA, MSI) the device model tried while its Bus Master Enable was clear. */
    public final long masterAborts() {
        return noMaster.unmappedReads() + noMaster.unmappedWrites();
    }

    final IntxRouter intxRouter() {
        return intxRouter;
    }

    final void setWriteOneToClear(int offset, int size, long mask) {
        for (int i = 0; i < size; i++) {
            writeOneToClear[offset + i] = (byte) (mask >>> (8 * i));
        }
    }

    /** Stops driving the INTx wire (power-off); the internal state and STATUS are kept. */
    final synchronized void releaseIntx() {
        if (intxDriven) {
            intxDriven = false;
            intxRouter.drive(intxGsi, false);
        }
    }

    // ---- config space access ---------------------------------------------------------------

    /** Reads {@code size} (1, 2, 4) bytes of config space at {@code offset}; out of range reads all-ones. */
    public synchronized long configRead(int offset, int size) {
        if (offset < 0 || offset + size > 4096 || size < 1 || size > 4) {
            return (1L << (8 * Math.min(size, 4))) - 1;
        }
        return get(offset, size);
    }

    /** Writes {@code size} (1, 2, 4) bytes of config space at {@code offset}, honouring RO/RW/W1C bits. */
    public void configWrite(int offset, int size, long value) {
        if (offset < 0 || offset + size > 4096 || size < 1 || size > 4) {
            return;
        }
        MsixTable m;
        int control;
        synchronized (this) {
            for (int i = 0; i < size; i++) {
                int o = offset + i;
                int v = (int) (value >>> (8 * i)) & 0xFF;
                int w = writable[o] & 0xFF;
                int c = writeOneToClear[o] & 0xFF;
                int old = cfg[o] & 0xFF;
                cfg[o] = (byte) (((old & ~w) | (v & w)) & ~(v & c));
            }
            if (overlaps(offset, size, COMMAND, 2) || overlaps(offset, size, BAR0, 24)) {
                updateDecoding();
            }
            if (overlaps(offset, size, COMMAND, 2)) {
                updateIntx();
                if (bus != null) {
                    dmaBus = masterBus();
                }
            }
            if (msix == null || !overlaps(offset, size, msixCap + 2, 2)) {
                return;
            }
            m = msix;
            control = (int) get(msixCap + 2, 2);
        }
        m.controlWritten((control & 0x8000) != 0, (control & 0x4000) != 0); // outside our lock
    }

    static boolean overlaps(int off, int size, int start, int len) {
        return off < start + len && start < off + size;
    }

    // ---- state accessors -------------------------------------------------------------------

    public final int vendorId() {
        return (int) configRead(VENDOR_ID, 2);
    }

    public final int deviceId() {
        return (int) configRead(DEVICE_ID, 2);
    }

    public final int command() {
        return (int) configRead(COMMAND, 2);
    }

    public final boolean busMasterEnabled() {
        return (command() & CMD_BUS_MASTER) != 0;
    }

    /** The declared BAR {@code index}, or null. The upper half of a 64-bit BAR is null. */
    public final Bar bar(int index) {
        return bars[index];
    }

    /** The address currently programmed in BAR {@code index} (0 if unassigned or undeclared). */
    public final synchronized long barAddress(int index) {
        Bar b = bars[index];
        if (b == null) {
            return 0;
        }
        int off = BAR0 + 4 * index;
        return switch (b.type()) {
            case IO -> get(off, 4) & ~0x3L;
            case MEMORY32 -> get(off, 4) & ~0xFL;
            case MEMORY64 -> (get(off, 4) & ~0xFL) | (get(off + 4, 4) << 32);
        };
    }

    /** The MSI-X table, or null if the function has no MSI-X capability. */
    public final MsixTable msix() {
        return msix;
    }

    /** Config offset of the MSI-X capability, or -1. */
    public final int msixCapabilityOffset() {
        return msixCap;
    }

    /**
     * The physical bus this function masters on (DMA, MSI/MSI-X writes), or null when detached.
     * Behind a bridge with Bus Master Enable clear this is a bus on which nothing is mapped (see
     * the class comment); device models should call this per transaction, not keep the result.
     */
    public final PhysicalBus bus() {
        return dmaBus;
    }

    /** "bb:dd.f" once attached. */
    public final String location() {
        return location;
    }

    /** BAR mappings refused because they overlapped another mapping. */
    public final long mappingConflicts() {
        return conflicts.sum();
    }

    /**
     * Sets the function's INTx interrupt state: STATUS.Interrupt Status reads 1 and, unless
     * COMMAND.INTx Disable is set, the function drives its INTx wire. Idempotent.
     */
    protected final synchronized void assertIntx() {
        intxPending = true;
        put(STATUS, 2, (int) get(STATUS, 2) | STATUS_INTERRUPT);
        updateIntx();
    }

    /** Clears the function's INTx interrupt state (STATUS.Interrupt Status, the wire). Idempotent. */
    protected final synchronized void deassertIntx() {
        intxPending = false;
        put(STATUS, 2, (int) get(STATUS, 2) & ~STATUS_INTERRUPT);
        updateIntx();
    }

    /** The GSI (IOAPIC input) this function's INTx pin is wired to, or -1 (no pin, or not attached). */
    public final synchronized int intxGsi() {
        return intxRouter == null ? -1 : intxGsi;
    }

    /** True while this function drives its INTx wire (pending and not disabled). */
    public final synchronized boolean intxDriven() {
        return intxDriven;
    }

    /** Powers the function off: stops its threads, closes its backends. Idempotent. Default: nothing. */
    public void close() {
    }

    @Override
    public String toString() {
        return String.format("%s %04x:%04x", location, vendorId(), deviceId());
    }

    // ---- internals -------------------------------------------------------------------------

    /** Drives or releases the INTx wire to match the interrupt state and INTx Disable. Lock held. */
    private void updateIntx() {
        boolean want = intxPending && intxGsi >= 0 && intxRouter != null
                && (get(COMMAND, 2) & CMD_INTX_DISABLE) == 0;
        if (want != intxDriven) {
            intxDriven = want;
            intxRouter.drive(intxGsi, want);
        }
    }

    private void updateDecoding() {
        PhysicalBus b = bus;
        if (b == null) {
            return;
        }
        int cmd = (int) get(COMMAND, 2);
        BridgeForwarding fw = forwarding();
        for (int i = 0; i < 6; i++) {
            Bar bar = bars[i];
            if (bar == null) {
                continue;
            }
            long addr = barAddress(i);
            boolean isIo = bar.type() == BarType.IO;
            boolean on = isIo ? (cmd & CMD_IO_SPACE) != 0 : (cmd & CMD_MEMORY_SPACE) != 0;
            long[] want = null;
            boolean bad = false;
            if (on && addr != 0) {
                if (isIo && addr + bar.size() > 0x10000) {
                    bad = true; // an I/O BAR above 64K: a conflict, as before
                } else {
                    want = isIo ? fw.ioPieces(addr, bar.size()) : fw.memoryPieces(addr, bar.size());
                    if (want.length == 0) {
                        want = null; // entirely outside what the bridge forwards
                    }
                }
            }
            if (!bad && Arrays.equals(want, mapped[i])) {
                continue;
            }
            unmapBar(i);
            if (bad) {
                conflicts.increment();
                continue;
            }
            if (want == null) {
                continue;
            }
            int done = 0;
            try {
                for (; done < want.length; done += 2) {
                    long start = want[done];
                    long len = want[done + 1];
                    if (isIo) {
                        io.register((int) start, (int) len, bar.io());
                    } else {
                        MmioHandler h = start == addr ? bar.mmio() : new Shifted(bar.mmio(), start - addr);
                        b.mapMmio(start, len, h, location + " BAR" + i);
                    }
                }
                mapped[i] = want;
            } catch (IllegalArgumentException conflict) {
                for (int k = 0; k < done; k += 2) {
                    unmapPiece(bar, want[k], want[k + 1]);
                }
                conflicts.increment();
            }
        }
    }

    /** A BAR's handler seen from a piece that starts {@code shift} bytes into the BAR. */
    private record Shifted(MmioHandler target, long shift) implements MmioHandler {
        @Override
        public long read(long offset, int size) {
            return target.read(offset + shift, size);
        }

        @Override
        public void write(long offset, int size, long value) {
            target.write(offset + shift, size, value);
        }
    }

    private void unmapBar(int i) {
        long[] pieces = mapped[i];
        if (pieces == null) {
            return;
        }
        for (int k = 0; k < pieces.length; k += 2) {
            unmapPiece(bars[i], pieces[k], pieces[k + 1]);
        }
        mapped[i] = null;
    }

    private void unmapPiece(Bar bar, long start, long len) {
        if (bar.type() == BarType.IO) {
            io.unregister((int) start, (int) len, bar.io());
        } else {
            bus.unmapMmio(start);
        }
    }

    final long get(int off, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (cfg[off + i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    final void put(int off, int size, long value) {
        for (int i = 0; i < size; i++) {
            cfg[off + i] = (byte) (value >>> (8 * i));
        }
    }

    final void putMask(int off, int size, long mask) {
        for (int i = 0; i < size; i++) {
            writable[off + i] = (byte) (mask >>> (8 * i));
        }
    }

    /** Stores {@code value} little-endian in {@code size} bytes of {@code a} at {@code off}. */
    protected static void le(byte[] a, int off, int size, long value) {
        for (int i = 0; i < size; i++) {
            a[off + i] = (byte) (value >>> (8 * i));
        }
    }
}
