package platform.pc.pci;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import platform.pc.PhysicalBus;

/**
 * A PCI Express root port with one hot-plug slot (the QEMU "PCIe root port", 1b36:000c, class
 * 060400): a PCI-to-PCI bridge function on bus 0 whose secondary bus holds whatever card is
 * in its slot, as device 0 function 0.
 *
 * <p><b>Type-1 header</b> (PCI-to-PCI Bridge Architecture 1.2, chapter 3): header type 01h;
 * no BARs, no expansion ROM (0x10, 0x14, 0x38 read 0); primary, secondary and subordinate bus
 * numbers (0x18..0x1A) read/write; secondary latency timer 0 (PCIe); I/O base/limit
 * (0x1C/0x1D, bits 7:4 = address bits 15:12, 16-bit I/O decoding: the low nibble and the upper
 * 16 registers at 0x30/0x32 read 0); secondary status (0x1E, error bits RW1C); memory
 * base/limit (0x20/0x22, bits 15:4 = address bits 31:20); prefetchable base/limit (0x24/0x26,
 * low nibble 1 = 64-bit) with upper 32 bits at 0x28/0x2C, all read/write; interrupt pin INTA;
 * bridge control (0x3E) bits 0..4 and 6 read/write. Until the firmware programs them, every
 * window is disabled (base &gt; limit).
 *
 * <p><b>Forwarding</b> (PCI-to-PCI Bridge Architecture 1.2, 4.1-4.3): the port passes a memory
 * transaction down to the card only if its address lies in the memory window or the
 * prefetchable window (64-bit, upper halves included) and COMMAND.Memory Space Enable is set;
 * an I/O transaction only if its port address lies in the I/O window and I/O Space Enable is
 * set. A card BAR outside the windows (or the part of it that is) does not decode: reads return
 * all-ones, writes are dropped. The port passes the card's memory requests up (DMA, MSI/MSI-X)
 * only while its COMMAND.Bus Master Enable is set; otherwise the card masters on a bus where
 * nothing answers ({@link #upstreamRequestsDiscarded()} counts them). Config cycles reach the card
 * only while its bus number is the port's secondary bus and within secondary..subordinate (see
 * {@link PciHostBridge}). The card's decoding is recomputed when the port's COMMAND or windows
 * change, so accesses cost nothing extra. Not modelled: the ISA Enable and VGA Enable bits of
 * Bridge Control (stored; no legacy ranges are forwarded), and the port's own Bus Master Enable
 * does not gate the port's own hot-plug MSI (as for every function, see {@link PciFunction}).
 *
 * <p><b>Capabilities</b>: MSI at {@value #MSI_CAP} (ID 05h, 64-bit address, one message, no
 * per-vector masking), then PCI Express at {@value #PCIE_CAP} (ID 10h, capability version 2,
 * device/port type 4 = Root Port, Slot Implemented, interrupt message number 0). Inside it:
 * Device Capabilities (128-byte payload, role-based error reporting); Link Capabilities (2.5
 * GT/s, x1, Data Link Layer Link Active Reporting Capable, port number = physical slot);
 * Link Status (2.5 GT/s x1, slot clock, DLLLA while a powered card is in the slot); Slot
 * Capabilities = Attention Button, Power Controller, Attention Indicator, Power Indicator
 * present, Hot-Plug Surprise, Hot-Plug Capable, <em>No Command Completed Support</em>
 * (every Slot Control write takes effect at once, so Command Completed is never set and
 * CCIE has no effect), no MRL sensor, no electromechanical interlock, slot power limit 25 W,
 * the physical slot number in bits 31:19; Slot Control (ABPE, PFDE, MRLSCE, PDCE, CCIE, HPIE,
 * AIC, PIC, PCC, DLLSCE read/write; EIC reads 0); Slot Status (ABP, PFD, MRLSC, PDC, CC, DLLSC
 * RW1C events; MRLSS, PDS, EIS read-only state); Root Control/Status; Link Capabilities 2.
 * Link Control, Device Control, Root Control and Bridge Control are stored only: Link Disable,
 * Retrain Link and Secondary Bus Reset have no effect on the slot.
 *
 * <p><b>Hot-plug interrupt</b> (PCIe Base 6.7.3.4): the condition is "HPIE set and at least
 * one Slot Status event bit set together with its enable bit in Slot Control" (ABP/ABPE,
 * PFD/PFDE, MRLSC/MRLSCE, PDC/PDCE, CC/CCIE, DLLSC/DLLSCE). With MSI enabled a message is
 * sent each time the condition goes from false to true; while it stays true (unacknowledged
 * events) no further message is sent, so software clears the status bits it handled and
 * re-reads Slot Status. With MSI disabled the port drives INTx (through the swizzle of its own
 * device number) for as long as the condition holds and COMMAND.INTx Disable is clear.
 *
 * <p><b>Slot behaviour</b>: Slot Control PCC = 1 powers the slot off: a card in it stops
 * decoding config, memory and I/O (its BARs are unmapped) and the link goes down (DLLLA 0,
 * DLLSC). PCC = 0 powers it on: the card's COMMAND register is reset to 0 (no decoding until
 * software enables it again; BARs and device-internal state are kept) and the link comes up
 * (DLLLA 1, DLLSC). {@link #insert} puts a card in (PDS 1, PDC; the link comes up if the slot
 * is powered), {@link #pressAttentionButton()} sets ABP and, as QEMU's {@code device_del}
 * does, arms a removal: when software then powers the slot off, the card is removed (PDS 0,
 * PDC) and closed. {@link #surpriseRemove()} pulls the card out at once (PDS 0, PDC, link
 * down, DLLSC). At power-on the firmware resets the slot: populated slots powered with the
 * power indicator on, empty ones powered off with it off, attention indicator off, no events.
 *
 * <p>Thread-safe: config accesses and slot operations are serialised on this object; cards
 * are closed outside its lock.
 */
public final class PciRootPort extends PciFunction {
    public static final int VENDOR = 0x1B36;
    public static final int DEVICE = 0x000C;
    public static final int CLASS_PCI_BRIDGE = 0x060400;

    // type-1 header
    public static final int PRIMARY_BUS = 0x18;
    public static final int SECONDARY_BUS = 0x19;
    public static final int SUBORDINATE_BUS = 0x1A;
    public static final int SECONDARY_LATENCY_TIMER = 0x1B;
    public static final int IO_BASE = 0x1C;
    public static final int IO_LIMIT = 0x1D;
    public static final int SECONDARY_STATUS = 0x1E;
    public static final int MEMORY_BASE = 0x20;
    public static final int MEMORY_LIMIT = 0x22;
    public static final int PREF_MEMORY_BASE = 0x24;
    public static final int PREF_MEMORY_LIMIT = 0x26;
    public static final int PREF_BASE_UPPER32 = 0x28;
    public static final int PREF_LIMIT_UPPER32 = 0x2C;
    public static final int IO_BASE_UPPER16 = 0x30;
    public static final int IO_LIMIT_UPPER16 = 0x32;
    public static final int EXPANSION_ROM = 0x38;
    public static final int BRIDGE_CONTROL = 0x3E;

    public static final int CAP_ID_MSI = 0x05;
    /** Config offset of the MSI capability (control at +2, address +4, upper address +8, data +12). */
    public static final int MSI_CAP = 0x40;
    /** Config offset of the PCI Express capability. */
    public static final int PCIE_CAP = 0x50;

    // PCI Express capability registers, offsets from PCIE_CAP
    public static final int PCIE_FLAGS = 0x02;
    public static final int DEVCAP = 0x04;
    public static final int DEVCTL = 0x08;
    public static final int DEVSTA = 0x0A;
    public static final int LNKCAP = 0x0C;
    public static final int LNKCTL = 0x10;
    public static final int LNKSTA = 0x12;
    public static final int SLTCAP = 0x14;
    public static final int SLTCTL = 0x18;
    public static final int SLTSTA = 0x1A;
    public static final int RTCTL = 0x1C;
    public static final int RTCAP = 0x1E;
    public static final int RTSTA = 0x20;
    public static final int DEVCAP2 = 0x24;
    public static final int DEVCTL2 = 0x28;
    public static final int LNKCAP2 = 0x2C;
    public static final int LNKCTL2 = 0x30;
    public static final int LNKSTA2 = 0x32;
    private static final int PCIE_CAP_LENGTH = 0x3C;

    /** PCI Express Capabilities register: version 2, Root Port (4), Slot Implemented. */
    public static final int PCIE_FLAGS_VALUE = 0x2 | 4 << 4 | 1 << 8;

    public static final int LNKCAP_DLLLARC = 1 << 20;
    public static final int LNKSTA_DLLLA = 1 << 13;

    // Slot Capabilities
    public static final int SLTCAP_ABP = 1;
    public static final int SLTCAP_PCP = 1 << 1;
    public static final int SLTCAP_MRLSP = 1 << 2;
    public static final int SLTCAP_AIP = 1 << 3;
    public static final int SLTCAP_PIP = 1 << 4;
    public static final int SLTCAP_HPS = 1 << 5;
    public static final int SLTCAP_HPC = 1 << 6;
    public static final int SLTCAP_EIP = 1 << 17;
    public static final int SLTCAP_NCCS = 1 << 18;
    public static final int SLTCAP_PSN_SHIFT = 19;
    /** Slot power limit 25 W: value 25, scale 1.0x. */
    public static final int SLTCAP_POWER_LIMIT = 25 << 7;

    // Slot Control
    public static final int SLTCTL_ABPE = 1;
    public static final int SLTCTL_PFDE = 1 << 1;
    public static final int SLTCTL_MRLSCE = 1 << 2;
    public static final int SLTCTL_PDCE = 1 << 3;
    public static final int SLTCTL_CCIE = 1 << 4;
    public static final int SLTCTL_HPIE = 1 << 5;
    public static final int SLTCTL_AIC = 3 << 6;
    public static final int SLTCTL_PIC = 3 << 8;
    public static final int SLTCTL_PCC = 1 << 10;
    public static final int SLTCTL_EIC = 1 << 11;
    public static final int SLTCTL_DLLSCE = 1 << 12;
    /** Indicator control values (AIC at bits 7:6, PIC at bits 9:8). */
    public static final int INDICATOR_ON = 1, INDICATOR_BLINK = 2, INDICATOR_OFF = 3;

    // Slot Status
    public static final int SLTSTA_ABP = 1;
    public static final int SLTSTA_PFD = 1 << 1;
    public static final int SLTSTA_MRLSC = 1 << 2;
    public static final int SLTSTA_PDC = 1 << 3;
    public static final int SLTSTA_CC = 1 << 4;
    public static final int SLTSTA_MRLSS = 1 << 5;
    public static final int SLTSTA_PDS = 1 << 6;
    public static final int SLTSTA_EIS = 1 << 7;
    public static final int SLTSTA_DLLSC = 1 << 8;
    /** The RW1C event bits of Slot Status. */
    public static final int SLTSTA_EVENTS = SLTSTA_ABP | SLTSTA_PFD | SLTSTA_MRLSC | SLTSTA_PDC | SLTSTA_CC | SLTSTA_DLLSC;

    /** Slot Capabilities value except the physical slot number. */
    public static final int SLTCAP_VALUE = SLTCAP_ABP | SLTCAP_PCP | SLTCAP_AIP | SLTCAP_PIP | SLTCAP_HPS | SLTCAP_HPC
            | SLTCAP_NCCS | SLTCAP_POWER_LIMIT;

    private final int physicalSlot;
    private int device = -1;
    private PciFunction card;
    private boolean cardPowered;
    private boolean closed;
    private boolean lastCondition;
    private CompletableFuture<PciFunction> removal;
    private final LongAdder msiSent = new LongAdder();
    /** Published forwarding state, read without this lock by the card (see {@link BridgeForwarding}). */
    private volatile BridgeForwarding forwarding = BridgeForwarding.NONE;
    /** Where the card's upstream requests go while Bus Master Enable is clear: nothing is mapped. */
    private final PhysicalBus masterAbort = new PhysicalBus();

    /** A root port with an empty, powered-off slot numbered {@code physicalSlot} (1..8191). */
    public PciRootPort(int physicalSlot) {
        super(VENDOR, DEVICE, CLASS_PCI_BRIDGE, 0);
        if (physicalSlot < 1 || physicalSlot > 0x1FFF) {
            throw new IllegalArgumentException("physical slot number " + physicalSlot);
        }
        this.physicalSlot = physicalSlot;
        put(HEADER_TYPE, 1, 1);
        setInterruptPin(1);
        setWritable(PRIMARY_BUS, 3, 0xFF_FFFF);
        put(IO_BASE, 1, 0xF0); // disabled: base > limit
        setWritable(IO_BASE, 2, 0xF0F0);
        setWriteOneToClear(SECONDARY_STATUS, 2, 0xF900);
        put(MEMORY_BASE, 2, 0xFFF0);
        setWritable(MEMORY_BASE, 4, 0xFFF0_FFF0L);
        put(PREF_MEMORY_BASE, 4, 0x0001_FFF1L);
        setWritable(PREF_MEMORY_BASE, 4, 0xFFF0_FFF0L);
        setWritable(PREF_BASE_UPPER32, 4, 0xFFFF_FFFFL);
        setWritable(PREF_LIMIT_UPPER32, 4, 0xFFFF_FFFFL);
        setWritable(BRIDGE_CONTROL, 2, 0x005F);

        byte[] msi = new byte[12]; // control, address, upper address, data
        msi[0] = (byte) 0x80; // 64-bit address capable, one message
        int msiCap = addCapability(CAP_ID_MSI, msi);
        setWritable(msiCap + 2, 2, 0x0001);
        setWritable(msiCap + 4, 4, 0xFFFF_FFFCL);
        setWritable(msiCap + 8, 4, 0xFFFF_FFFFL);
        setWritable(msiCap + 12, 2, 0xFFFF);

        byte[] e = new byte[PCIE_CAP_LENGTH - 2];
        le(e, PCIE_FLAGS - 2, 2, PCIE_FLAGS_VALUE);
        le(e, DEVCAP - 2, 4, 1 << 15);
        le(e, LNKCAP - 2, 4, 1 | 1 << 4 | LNKCAP_DLLLARC | (physicalSlot & 0xFF) << 24);
        le(e, LNKSTA - 2, 2, 1 | 1 << 4 | 1 << 12);
        le(e, SLTCAP - 2, 4, SLTCAP_VALUE | physicalSlot << SLTCAP_PSN_SHIFT);
        le(e, SLTCTL - 2, 2, INDICATOR_OFF << 6 | INDICATOR_OFF << 8 | SLTCTL_PCC);
        le(e, LNKCAP2 - 2, 4, 1 << 1);
        le(e, LNKCTL2 - 2, 2, 1);
        int pcie = addCapability(CAP_ID_PCI_EXPRESS, e);
        if (msiCap != MSI_CAP || pcie != PCIE_CAP) {
            throw new AssertionError("capability layout");
        }
        setWritable(PCIE_CAP + DEVCTL, 2, 0x70FF);
        setWriteOneToClear(PCIE_CAP + DEVSTA, 2, 0x000F);
        setWritable(PCIE_CAP + LNKCTL, 2, 0x0CD3);
        setWriteOneToClear(PCIE_CAP + LNKSTA, 2, 0xC000);
        setWritable(PCIE_CAP + SLTCTL, 2, 0x17FF);
        setWriteOneToClear(PCIE_CAP + SLTSTA, 2, SLTSTA_EVENTS);
        setWritable(PCIE_CAP + RTCTL, 2, 0x001F);
        setWriteOneToClear(PCIE_CAP + RTSTA, 4, 1 << 16);
        setWritable(PCIE_CAP + LNKCTL2, 2, 0x000F);
    }

    // ---- the slot, as the machine's user sees it ------------------------------------------

    /** The physical slot number (Slot Capabilities bits 31:19). */
    public int physicalSlot() {
        return physicalSlot;
    }

    /** The bus-0 device number of this port, or -1 before it is attached. */
    public synchronized int device() {
        return device;
    }

    /** The card in the slot (powered or not), or null. */
    public synchronized PciFunction card() {
        return card;
    }

    /** True while Slot Control PCC is 0 (slot powered). */
    public synchronized boolean slotPowered() {
        return (slotControl() & SLTCTL_PCC) == 0;
    }

    /** True while the link to the card is up (Link Status DLLLA). */
    public synchronized boolean linkActive() {
        return (get(PCIE_CAP + LNKSTA, 2) & LNKSTA_DLLLA) != 0;
    }

    /** Slot Control as software last wrote it. */
    public synchronized int slotControl() {
        return (int) get(PCIE_CAP + SLTCTL, 2);
    }

    /** Slot Status. */
    public synchronized int slotStatus() {
        return (int) get(PCIE_CAP + SLTSTA, 2);
    }

    /** The secondary bus number as programmed. */
    public synchronized int secondaryBus() {
        return (int) get(SECONDARY_BUS, 1);
    }

    /** The subordinate bus number as programmed. */
    public synchronized int subordinateBus() {
        return (int) get(SUBORDINATE_BUS, 1);
    }

    /** First address of the memory window (base &gt; limit: disabled). */
    public synchronized long memoryBase() {
        return (get(MEMORY_BASE, 2) & 0xFFF0) << 16;
    }

    /** Last address of the memory window. */
    public synchronized long memoryLimit() {
        return (get(MEMORY_LIMIT, 2) & 0xFFF0) << 16 | 0xF_FFFF;
    }

    /** First address of the prefetchable window, upper 32 bits included (base &gt; limit: disabled). */
    public synchronized long prefetchableBase() {
        long v = (get(PREF_MEMORY_BASE, 2) & 0xFFF0) << 16;
        return (get(PREF_MEMORY_BASE, 2) & 0xF) == 1 ? v | get(PREF_BASE_UPPER32, 4) << 32 : v;
    }

    /** Last address of the prefetchable window, upper 32 bits included. */
    public synchronized long prefetchableLimit() {
        long v = (get(PREF_MEMORY_LIMIT, 2) & 0xFFF0) << 16 | 0xF_FFFF;
        return (get(PREF_MEMORY_LIMIT, 2) & 0xF) == 1 ? v | get(PREF_LIMIT_UPPER32, 4) << 32 : v;
    }

    /**
     * Upstream requests of the card discarded because Bus Master Enable was clear (scalar reads
     * and writes, MSI/MSI-X messages included; a discarded bulk DMA throws {@link platform.pc.BusError}
     * to the card instead).
     */
    public long upstreamRequestsDiscarded() {
        return masterAbort.unmappedReads() + masterAbort.unmappedWrites();
    }

    /** First port of the I/O window. */
    public synchronized int ioBase() {
        return (int) (get(IO_BASE, 1) & 0xF0) << 8;
    }

    /** Last port of the I/O window. */
    public synchronized int ioLimit() {
        return (int) (get(IO_LIMIT, 1) & 0xF0) << 8 | 0xFFF;
    }

    /** Hot-plug MSI messages sent so far. */
    public long msiMessagesSent() {
        return msiSent.sum();
    }

    /** True if the attention button was pressed and the card waits for software to power the slot off. */
    public synchronized boolean removalPending() {
        return removal != null;
    }

    /**
     * Inserts {@code newCard} into the slot: PDS = 1 and PDC; if the slot is powered the card
     * is powered too and the link comes up (DLLLA = 1, DLLSC). The card gets no BARs: the OS
     * assigns them inside this port's windows. Before machine power-on this is a card present
     * at boot (the firmware powers it and assigns its BARs).
     *
     * @throws IllegalStateException if the slot is occupied, the card is attached elsewhere,
     *         or the machine is powered off
     */
    public void insert(PciFunction newCard) {
        Objects.requireNonNull(newCard, "card");
        if (newCard instanceof PciRootPort) {
            throw new IllegalArgumentException("a root port cannot be inserted into a slot");
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("slot " + physicalSlot + ": the machine is powered off");
            }
            if (card != null) {
                throw new IllegalStateException("slot " + physicalSlot + " is occupied by " + card);
            }
            if (newCard.bus() != null) {
                throw new IllegalStateException(newCard + " is already attached");
            }
            card = newCard;
            setStatus(SLTSTA_PDS, true);
            setStatus(SLTSTA_PDC, true);
            if ((slotControl() & SLTCTL_PCC) == 0) {
                powerUpCard();
            }
            updateInterrupt();
        }
    }

    /**
     * Presses the slot's attention button: ABP is set (an interrupt if enabled). The returned
     * future completes with the card once it has been removed and closed: when software powers
     * the slot off (Slot Control PCC = 1), as Linux's pciehp does after the 5-second abort
     * window, or on a surprise removal or machine power-off. If the slot is already powered
     * off, the card is removed at once. Pressing again while a removal is pending returns the
     * same future.
     *
     * @throws IllegalStateException if the slot is empty
     */
    public CompletableFuture<PciFunction> pressAttentionButton() {
        PciFunction removed = null;
        CompletableFuture<PciFunction> f;
        synchronized (this) {
            if (card == null) {
                throw new IllegalStateException("slot " + physicalSlot + " is empty");
            }
            if (removal == null) {
                removal = new CompletableFuture<>();
            }
            f = removal;
            if ((slotControl() & SLTCTL_PCC) != 0) {
                removed = card;
                removeCard();
                removal = null;
            } else {
                setStatus(SLTSTA_ABP, true);
            }
            updateInterrupt();
        }
        if (removed != null) {
            finish(removed, f);
        }
        return f;
    }

    /**
     * Pulls the card out without warning: it stops decoding, PDS = 0 and PDC, the link goes
     * down (DLLLA = 0, DLLSC), and the card is closed. Returns the card.
     *
     * @throws IllegalStateException if the slot is empty
     */
    public PciFunction surpriseRemove() {
        PciFunction removed;
        CompletableFuture<PciFunction> f;
        synchronized (this) {
            if (card == null) {
                throw new IllegalStateException("slot " + physicalSlot + " is empty");
            }
            removed = card;
            removeCard();
            f = removal;
            removal = null;
            updateInterrupt();
        }
        finish(removed, f);
        return removed;
    }

    // ---- config space --------------------------------------------------------------------

    @Override
    public void configWrite(int offset, int size, long value) {
        PciFunction removed = null;
        CompletableFuture<PciFunction> f = null;
        synchronized (this) {
            int before = slotControl();
            super.configWrite(offset, size, value);
            if (overlaps(offset, size, COMMAND, 2) || overlaps(offset, size, IO_BASE, 2)
                    || overlaps(offset, size, MEMORY_BASE, IO_LIMIT_UPPER16 + 2 - MEMORY_BASE)) {
                updateForwarding();
            }
            int after = slotControl();
            if (((before ^ after) & SLTCTL_PCC) != 0) {
                if ((after & SLTCTL_PCC) != 0) {
                    powerDownCard();
                    if (removal != null && card != null) {
                        removed = card;
                        removeCard();
                        f = removal;
                        removal = null;
                    }
                } else {
                    powerUpCard();
                }
            }
            updateInterrupt();
        }
        finish(removed, f);
    }

    // ---- host bridge side ----------------------------------------------------------------

    synchronized void bind(int dev) {
        this.device = dev;
    }

    /** The function answering config cycles on the secondary bus at device 0 function 0, or null. */
    synchronized PciFunction downstream() {
        return cardPowered ? card : null;
    }

    /**
     * How this port routes a config cycle for bus {@code b}: -1 not claimed (outside
     * secondary..subordinate), 0 the secondary bus (type-0 on the card's link), 1 a bus beyond it.
     */
    synchronized int routeBus(int b) {
        int secondary = (int) get(SECONDARY_BUS, 1);
        int subordinate = (int) get(SUBORDINATE_BUS, 1);
        if (b < secondary || b > subordinate) {
            return -1;
        }
        return b == secondary ? 0 : 1;
    }

    /** What the port forwards now; read without the port's lock. */
    BridgeForwarding forwarding() {
        return forwarding;
    }

    /** The bus the card masters on while Bus Master Enable is clear: nothing is mapped on it. */
    PhysicalBus masterAbortBus() {
        return masterAbort;
    }

    /** Publishes the forwarding state from COMMAND and the windows; tells the card if it changed. Lock held. */
    private void updateForwarding() {
        BridgeForwarding f = BridgeForwarding.of((int) get(COMMAND, 2), memoryBase(), memoryLimit(), prefetchableBase(),
                prefetchableLimit(), ioBase(), ioLimit());
        if (!f.equals(forwarding)) {
            forwarding = f;
            if (cardPowered) {
                card.upstreamChanged();
            }
        }
    }

    /** Firmware: what SeaBIOS does for every function, memory and I/O decoding on (bus mastering stays off). */
    synchronized void firmwareEnableDecoding() {
        put(COMMAND, 2, get(COMMAND, 2) | CMD_MEMORY_SPACE | CMD_IO_SPACE);
        updateForwarding();
    }

    synchronized void firmwareSetBuses(int primary, int secondary, int subordinate) {
        put(PRIMARY_BUS, 1, primary);
        put(SECONDARY_BUS, 1, secondary);
        put(SUBORDINATE_BUS, 1, subordinate);
    }

    synchronized void firmwareSetMemoryWindow(long base, long limit) {
        put(MEMORY_BASE, 2, (base >>> 16) & 0xFFF0);
        put(MEMORY_LIMIT, 2, (limit >>> 16) & 0xFFF0);
        updateForwarding();
    }

    synchronized void firmwareSetIoWindow(int base, int limit) {
        put(IO_BASE, 1, (base >>> 8) & 0xF0);
        put(IO_LIMIT, 1, (limit >>> 8) & 0xF0);
        updateForwarding();
    }

    /** Power-on reset of the slot (see class comment). */
    synchronized void firmwareResetSlot() {
        int ctl = slotControl() & ~(SLTCTL_AIC | SLTCTL_PIC | SLTCTL_PCC);
        ctl |= INDICATOR_OFF << 6;
        ctl |= card != null ? INDICATOR_ON << 8 : INDICATOR_OFF << 8 | SLTCTL_PCC;
        put(PCIE_CAP + SLTCTL, 2, ctl);
        if (card != null) {
            powerUpCard();
        }
        put(PCIE_CAP + SLTSTA, 2, slotStatus() & ~SLTSTA_EVENTS);
        lastCondition = false;
        updateInterrupt();
    }

    /** Machine power-off: the card (if any) is detached and closed, a pending removal completes. */
    void closeCard() {
        PciFunction c;
        CompletableFuture<PciFunction> f;
        synchronized (this) {
            closed = true;
            c = card;
            if (cardPowered) {
                card.detach();
                cardPowered = false;
            }
            card = null;
            f = removal;
            removal = null;
        }
        finish(c, f);
    }

    // ---- internals (lock held) -----------------------------------------------------------

    private void powerUpCard() {
        if (card == null || cardPowered || device < 0 || decodeBus() == null) {
            return;
        }
        card.configWrite(COMMAND, 2, 0); // a freshly powered function decodes nothing
        int pin = (int) card.configRead(INTERRUPT_PIN, 1);
        card.attach(decodeBus(), ioPorts(), String.format("%02x:00.0", secondaryBus()), intxRouter(),
                PciHostBridge.intxGsi(device, pin), this);
        cardPowered = true;
        setLink(true);
    }

    private void powerDownCard() {
        if (!cardPowered) {
            return;
        }
        card.detach();
        cardPowered = false;
        setLink(false);
    }

    /** Takes the card out of the slot (it is closed by the caller, outside the lock). */
    private void removeCard() {
        powerDownCard();
        card = null;
        setStatus(SLTSTA_PDS, false);
        setStatus(SLTSTA_PDC, true);
    }

    private void setLink(boolean up) {
        int st = (int) get(PCIE_CAP + LNKSTA, 2);
        boolean was = (st & LNKSTA_DLLLA) != 0;
        put(PCIE_CAP + LNKSTA, 2, up ? st | LNKSTA_DLLLA : st & ~LNKSTA_DLLLA);
        if (was != up) {
            setStatus(SLTSTA_DLLSC, true);
        }
    }

    private void setStatus(int bit, boolean on) {
        int st = slotStatus();
        put(PCIE_CAP + SLTSTA, 2, on ? st | bit : st & ~bit);
    }

    /** Signals the hot-plug interrupt per PCIe 6.7.3.4 (see class comment). */
    private void updateInterrupt() {
        int ctl = slotControl();
        int st = slotStatus();
        boolean event = (st & ctl & 0x1F) != 0 || ((st & SLTSTA_DLLSC) != 0 && (ctl & SLTCTL_DLLSCE) != 0);
        boolean condition = (ctl & SLTCTL_HPIE) != 0 && event;
        boolean msi = (get(MSI_CAP + 2, 2) & 1) != 0;
        if (msi) {
            deassertIntx();
            if (condition && !lastCondition) {
                sendMsi();
            }
        } else if (condition) {
            assertIntx();
        } else {
            deassertIntx();
        }
        lastCondition = condition;
    }

    private void sendMsi() {
        var b = bus();
        if (b == null) {
            return;
        }
        long addr = get(MSI_CAP + 4, 4) | get(MSI_CAP + 8, 4) << 32;
        long data = get(MSI_CAP + 12, 2);
        msiSent.increment();
        b.write(addr, 4, data);
    }

    private static void finish(PciFunction removed, CompletableFuture<PciFunction> f) {
        if (removed != null) {
            try {
                removed.close();
            } catch (RuntimeException e) {
                // the card is gone either way
            }
            removed.releaseIntx();
        }
        if (f != null) {
            f.complete(removed);
        }
    }
}
