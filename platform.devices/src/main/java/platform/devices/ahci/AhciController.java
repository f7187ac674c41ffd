package platform.devices.ahci;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;
import platform.pc.pci.PciFunction;

/**
 * An AHCI 1.3 SATA host bus adapter as a PCI function, with up to 32 ports, each empty or
 * holding a {@link SataDisk} (AHCI 1.3 sections 2, 3, 5, 6 and 10).
 *
 * <p><b>PCI identity:</b> 8086:2922, the Intel ICH9 6-port SATA controller in AHCI mode (the
 * chipset the board mimics; Linux's ahci and other drivers know it), class 01 06 01 (mass
 * storage, SATA, AHCI 1.0 interface), revision 2, INTA. Only BAR5 (ABAR) is implemented: a
 * 32-bit memory BAR of 8 KiB, enough for the generic registers (100h bytes) and 32 ports of
 * 80h bytes (section 2.1.11); the ICH9's legacy IDE I/O BARs 0-4 are absent. One capability:
 * MSI (ID 05h, 64-bit address, one message, no per-vector masking; PCI 3.0 section 6.8.1).
 *
 * <p><b>Generic host control</b> (section 3.1): CAP has NP = ports - 1, NCS = 31 (32 command
 * slots), ISS 2 (3 Gbps), SCLO (command list override), SAM (AHCI only) and S64A (64-bit
 * addressing); no NCQ, staggered spin-up, port multipliers, power states, FIS-based
 * switching, command completion coalescing or enclosure management. GHC: HR resets the HBA
 * at once and reads 0 again (section 10.4.3: port registers return to their reset values and
 * each link is reset, so disks send their signature again; PxCLB/PxFB, whose reset values the
 * spec leaves to the implementation, keep their contents), IE gates the
 * PCI interrupt, AE reads 1 (AHCI only), MRSM 0. IS: bit per port, write 1 to clear; a bit is
 * set again while its port still has an enabled status bit (PxIS & PxIE). PI: one bit per
 * port. VS: 0001_0300h. CAP2, BOHC, CCC and EM registers read 0. Ports are in
 * {@link AhciPort}.
 *
 * <p><b>Access:</b> registers are dwords; aligned 32-bit writes take effect, other writes are
 * ignored and counted; reads of any width return the covered bytes.
 *
 * <p><b>Interrupts</b> (section 10.6): the HBA interrupt is pending while GHC.IE is set and
 * IS is non-zero. With MSI enabled, a message is sent when the interrupt becomes pending and
 * whenever a port raises a new enabled status bit while it is; otherwise INTx follows the
 * pending state (PCI STATUS.Interrupt Status, and the INTA wire to the IOAPIC that
 * {@link PciFunction} drives unless COMMAND.INTx Disable is set).
 *
 * <p><b>Threads and locks:</b> register accesses (vCPU threads) and command execution (the
 * controller's worker thread, woken by PxCI writes) take one lock; a command holds it while
 * its data moves, so commands of different ports run one after another. Bus mastering is not
 * checked before DMA (PciFunction does not enforce it yet). An unexpected runtime exception on
 * the worker (a model bug) stops the port that ran the command with PxIS.HBFS rather than
 * escaping.
 * {@link #close()} stops the worker and closes the disks' backends.
 */
public final class AhciController extends PciFunction {
    public static final int VENDOR = 0x8086;
    public static final int DEVICE = 0x2922;
    public static final int CLASS = 0x010601;
    public static final int MAX_PORTS = 32;
    public static final int ABAR = 5;
    public static final int ABAR_SIZE = 0x2000;
    public static final int PORT_BASE = 0x100;
    public static final int PORT_SIZE = 0x80;
    public static final int CAP_ID_MSI = 0x05;

    public static final int REG_CAP = 0x00, REG_GHC = 0x04, REG_IS = 0x08, REG_PI = 0x0C, REG_VS = 0x10,
            REG_CAP2 = 0x24;
    public static final int GHC_HR = 1, GHC_IE = 1 << 1, GHC_AE = 1 << 31;
    public static final int CAP_SCLO = 1 << 24, CAP_SAM = 1 << 18, CAP_S64A = 1 << 31, CAP_SNCQ = 1 << 30,
            CAP_SSS = 1 << 27;
    public static final int VERSION = 0x0001_0300;

    private final Object lock = new Object();
    private final AhciPort[] ports;
    private final int cap;
    private final int pi;
    private final int msiCap;
    private final ExecutorService worker;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong ignoredWrites = new AtomicLong();
    private final AtomicLong messagesSent = new AtomicLong();
    private boolean closed;

    // generic host control, guarded by lock
    private int ghc = GHC_AE;
    private int is;
    private boolean wasPending;

    /**
     * @param disks one entry per port (1 to 32 entries); null for an empty port. The disks'
     *              backends are owned by the controller from now on.
     */
    public AhciController(SataDisk... disks) {
        super(VENDOR, DEVICE, CLASS, 2);
        if (disks.length < 1 || disks.length > MAX_PORTS) {
            throw new IllegalArgumentException("ahci: 1 to 32 ports");
        }
        ports = new AhciPort[disks.length];
        for (int i = 0; i < disks.length; i++) {
            ports[i] = new AhciPort(i, disks[i]);
        }
        cap = (disks.length - 1) | 31 << 8 | CAP_SAM | 2 << 20 | CAP_SCLO | CAP_S64A;
        pi = disks.length == 32 ? -1 : (1 << disks.length) - 1;
        setInterruptPin(1);
        byte[] msi = new byte[12]; // control, address, upper address, data
        msi[0] = (byte) 0x80; // message control: 64-bit address capable, one message
        msiCap = addCapability(CAP_ID_MSI, msi);
        setWritable(msiCap + 2, 2, 0x0001); // MSI enable (MME stays 0: one message)
        setWritable(msiCap + 4, 4, 0xFFFF_FFFCL);
        setWritable(msiCap + 8, 4, 0xFFFF_FFFFL);
        setWritable(msiCap + 12, 2, 0xFFFF);
        addMemoryBar(ABAR, ABAR_SIZE, false, false, new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return regRead(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                regWrite(offset, size, value);
            }
        });
        worker = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("ahci").unstarted(r));
    }

    // ---- public state ---------------------------------------------------------------------

    /** Number of ports (CAP.NP + 1). */
    public int portCount() {
        return ports.length;
    }

    /** Config offset of the MSI capability. */
    public int msiCapabilityOffset() {
        return msiCap;
    }

    /** Register writes ignored (bad width or alignment, read-only register). */
    public long ignoredWrites() {
        return ignoredWrites.get();
    }

    /** MSI messages sent so far. */
    public long messagesSent() {
        return messagesSent.get();
    }

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
        for (AhciPort p : ports) {
            if (p.disk != null) {
                p.disk.close();
            }
        }
    }

    @Override
    public void configWrite(int offset, int size, long value) {
        super.configWrite(offset, size, value);
        if (offset < msiCap + 4 && msiCap + 2 < offset + size) {
            synchronized (lock) {
                wasPending = false; // a newly enabled MSI gets a message for a pending interrupt
                updateInterrupts();
            }
        }
    }

    // ---- registers ------------------------------------------------------------------------

    private long regRead(long offset, int size) {
        long base = offset & ~3L;
        long v = reg32((int) base) & 0xFFFF_FFFFL | (reg32((int) base + 4) & 0xFFFF_FFFFL) << 32;
        return (v >>> (8 * (offset - base))) & (size == 8 ? -1L : (1L << (8 * size)) - 1);
    }

    private int reg32(int off) {
        synchronized (lock) {
            if (off >= PORT_BASE) {
                int p = (off - PORT_BASE) / PORT_SIZE;
                return p < ports.length ? ports[p].read((off - PORT_BASE) % PORT_SIZE) : 0;
            }
            return switch (off) {
                case REG_CAP -> cap;
                case REG_GHC -> ghc;
                case REG_IS -> is;
                case REG_PI -> pi;
                case REG_VS -> VERSION;
                default -> 0;
            };
        }
    }

    private void regWrite(long offset, int size, long value) {
        if (size != 4 || (offset & 3) != 0 || offset >= ABAR_SIZE) {
            ignoredWrites.incrementAndGet();
            return;
        }
        int off = (int) offset;
        int v = (int) value;
        boolean work = false;
        synchronized (lock) {
            if (off >= PORT_BASE) {
                int p = (off - PORT_BASE) / PORT_SIZE;
                if (p >= ports.length) {
                    ignoredWrites.incrementAndGet();
                    return;
                }
                ports[p].write((off - PORT_BASE) % PORT_SIZE, v, bus());
                work = ports[p].runnable();
            } else {
                switch (off) {
                    case REG_GHC -> writeGhc(v);
                    case REG_IS -> {
                        if ((is & v) != 0) {
                            wasPending = false; // still-pending ports re-raise the interrupt
                        }
                        is &= ~v;
                    }
                    default -> ignoredWrites.incrementAndGet();
                }
            }
            updateInterrupts();
        }
        if (work) {
            schedule();
        }
    }

    private void writeGhc(int v) {
        if ((v & GHC_HR) != 0) {
            for (AhciPort p : ports) {
                p.reset();
            }
            ghc = GHC_AE;
            is = 0;
            wasPending = false;
            return;
        }
        ghc = GHC_AE | (v & GHC_IE);
    }

    // ---- interrupts (section 10.6) --------------------------------------------------------

    /** Folds port status into IS and drives MSI or INTx. Lock held. */
    private void updateInterrupts() {
        boolean event = false;
        for (AhciPort p : ports) {
            if (p.interruptPending()) {
                is |= 1 << p.index;
            }
            event |= p.takeEvents();
        }
        boolean pending = (ghc & GHC_IE) != 0 && is != 0;
        boolean msi = (configRead(msiCap + 2, 2) & 1) != 0;
        if (msi) {
            deassertIntx();
            if (pending && (event || !wasPending)) {
                sendMsi();
            }
        } else if (pending) {
            assertIntx();
        } else {
            deassertIntx();
        }
        wasPending = pending;
    }

    private void sendMsi() {
        PhysicalBus b = bus();
        if (b == null) {
            return;
        }
        long addr = configRead(msiCap + 4, 4) | configRead(msiCap + 8, 4) << 32;
        long data = configRead(msiCap + 12, 2);
        messagesSent.incrementAndGet();
        b.write(addr, 4, data);
    }

    // ---- command processing ---------------------------------------------------------------

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                worker.execute(this::runPorts);
            } catch (RejectedExecutionException closing) {
                scheduled.set(false);
            }
        }
    }

    private void runPorts() {
        scheduled.set(false);
        boolean progress = true;
        while (progress && !Thread.currentThread().isInterrupted()) {
            progress = false;
            synchronized (lock) {
                for (AhciPort p : ports) {
                    if (!p.runnable()) {
                        continue;
                    }
                    try {
                        p.runOne(bus());
                    } catch (RuntimeException modelBug) {
                        p.internalError();
                    }
                    progress = true;
                }
                updateInterrupts();
            }
        }
    }
}
