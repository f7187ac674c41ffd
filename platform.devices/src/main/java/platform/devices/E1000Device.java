package platform.devices;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import platform.devices.net.FrameSink;
import platform.devices.net.Frames;
import platform.devices.net.MacAddress;
import platform.devices.net.NetPort;
import platform.pc.BusError;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;
import platform.pc.PortHandler;
import platform.pc.pci.PciFunction;

/**
 * Intel 82540EM Gigabit Ethernet controller ("e1000"), PCI 8086:100E, class 02 00 00, modelled at
 * register level from the PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
 * Manual (8254x SDM): ch. 3.2 (receive descriptors), 3.3-3.4 (transmit descriptors, legacy and
 * TCP/IP data), 4.1 (PCI configuration), 5 (EEPROM map, checksum 0xBABA), 13 (registers).
 *
 * <p>PCI: BAR0 is the 128 KiB memory register window (32-bit, non-prefetchable); BAR1 a 64-port
 * I/O window with IOADDR (offset 0) selecting a register and IODATA (offset 4) accessing it (SDM
 * 13.1). Interrupt pin INTA. The 82540EM has no MSI or MSI-X capability, so none is offered.
 *
 * <p>Registers (SDM 13.4), all 32 bits; unknown offsets read 0 and ignore writes:
 * <ul>
 *   <li>CTRL: RST resets the whole device and self-clears; SLU lets the MAC see the PHY's link
 *       (required on the 82540EM, 13.4.1). STATUS: FD, LU, SPEED=1000. LU is "cable connected
 *       ({@link #setLinkUp}) and CTRL.SLU"; every change of LU raises LSC.</li>
 *   <li>EECD (EE_PRES set; EE_REQ is granted at once; bit-banged Microwire is not modelled),
 *       EERD: writing START with ADDR reads the 16-bit word at once: DATA filled, DONE set,
 *       START clear. The 64-word EEPROM holds the MAC in words 0-2, the device and vendor IDs,
 *       and word 0x3F makes the sum of words 0..0x3F equal 0xBABA.</li>
 *   <li>MDIC reaches a PHY at address 1 (ID 0141:0C20, status with link and auto-negotiation
 *       complete while the link is up); another PHY address sets MDIC.E.</li>
 *   <li>ICR (read clears all; writing 1s clears those bits), ICS (sets causes), IMS (read: the
 *       mask; write: sets mask bits), IMC (clears mask bits). INTA is asserted while ICR &amp; IMS
 *       is not zero and COMMAND.INTx-disable is clear. Causes: TXDW, TXQE, LSC, RXDMT0, RXO,
 *       RXT0, MDAC. Interrupt throttling (ITR) and the receive/transmit delay timers (RDTR,
 *       RADV, TIDV) are stored but not applied: interrupts are raised at once.</li>
 *   <li>RCTL: EN, UPE, MPE, LPE, RDMTS, MO, BAM, BSIZE/BSEX, SECRC; RDBAL/RDBAH/RDLEN/RDH/RDT.
 *       TCTL: EN, PSP; TDBAL/TDBAH/TDLEN/TDH/TDT. RDLEN/TDLEN keep bits 19:7 (a multiple of 128
 *       bytes, 8 descriptors); base addresses keep 16-byte alignment.</li>
 *   <li>RAL/RAH[0..15] exact address filters (AV bit); RAL0/RAH0 are loaded from the EEPROM at
 *       reset. MTA[0..127] the 4096-bit multicast hash table indexed per RCTL.MO.</li>
 *   <li>Statistics (read to clear): CRCERRS, MPC, GPRC, BPRC, MPRC, GPTC, GORC, GOTC, RNBC,
 *       ROC, TOR, TOT, TPR, TPT.</li>
 * </ul>
 *
 * <p>Receive (SDM 3.2): a frame from the {@link NetPort} is dropped unless RCTL.EN and LU; then
 * filtered (UPE accepts any unicast, MPE any multicast, BAM broadcast, otherwise an RA match or,
 * for multicast, the MTA bit). It is padded to 60 bytes, the 4-byte FCS is appended unless
 * RCTL.SECRC, and it is written into as many buffers as it needs (BSIZE each) from RDH on; each
 * descriptor gets its length and status DD (plus EOP on the last, IXSM always: no checksum
 * offload). A frame longer than 1522 bytes (with FCS) without LPE is dropped and counted in ROC.
 * Without enough descriptors between RDH and RDT (RDT == RDH means none) the frame is missed:
 * MPC and RNBC count it and ICR.RXO is raised. RXT0 follows every stored frame; RXDMT0 when the
 * free descriptors fall to the RDMTS threshold.
 *
 * <p>Transmit (SDM 3.3): a write to TDT with TCTL.EN processes descriptors from TDH up to TDT.
 * Legacy descriptors and extended data descriptors (DEXT, DTYP=1) contribute their buffer;
 * context descriptors (DTYP=0) are consumed. EOP ends a packet, which goes to the port (padded
 * to 60 bytes if TCTL.PSP); checksum offload and TSO are not performed. RS makes the device
 * write DD back into the descriptor; TXDW is raised when one was written back, TXQE when the
 * ring is empty. Frames are sent after the device's lock is released.
 *
 * <p>Errors: the emulator never throws for guest values. A ring whose length is 0, or whose head
 * or tail lies beyond its length, does nothing and counts a ring error (a receive frame is then
 * missed, as with a full ring). A descriptor or buffer address outside RAM (a master abort on
 * real hardware) counts a DMA error: the receive frame is dropped leaving the ring untouched; the
 * transmit ring stops at that descriptor (TDH stays on it) until the next TDT write or a reset.
 *
 * <p>Threads: MMIO/port accesses (vCPUs) and frame delivery (the sender's thread) are serialised
 * on one private lock, which is never held while a frame is sent or while the PCI layer's lock is
 * taken other than for the INTx line.
 */
public final class E1000Device extends PciFunction {
    public static final int VENDOR = 0x8086;
    public static final int DEVICE = 0x100E;
    public static final int REG_BAR_SIZE = 128 * 1024;
    public static final int IO_BAR_SIZE = 64;

    // register offsets (SDM table 13-2)
    public static final int CTRL = 0x0000, STATUS = 0x0008, EECD = 0x0010, EERD = 0x0014, CTRL_EXT = 0x0018;
    public static final int MDIC = 0x0020, FCAL = 0x0028, FCAH = 0x002C, FCT = 0x0030, VET = 0x0038;
    public static final int ICR = 0x00C0, ITR = 0x00C4, ICS = 0x00C8, IMS = 0x00D0, IMC = 0x00D8;
    public static final int RCTL = 0x0100, FCTTV = 0x0170, TCTL = 0x0400, TIPG = 0x0410, LEDCTL = 0x0E00;
    public static final int PBA = 0x1000;
    public static final int RDBAL = 0x2800, RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818;
    public static final int RDTR = 0x2820, RXDCTL = 0x2828, RADV = 0x282C, RSRPD = 0x2C00;
    public static final int TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818;
    public static final int TIDV = 0x3820, TXDCTL = 0x3828, TADV = 0x382C;
    public static final int RXCSUM = 0x5000, MTA = 0x5200, RAL0 = 0x5400, RAH0 = 0x5404, VFTA = 0x5600;
    public static final int CRCERRS = 0x4000, MPC = 0x4010, GPRC = 0x4074, BPRC = 0x4078, MPRC = 0x407C;
    public static final int GPTC = 0x4080, GORCL = 0x4088, GORCH = 0x408C, GOTCL = 0x4090, GOTCH = 0x4094;
    public static final int RNBC = 0x40A0, ROC = 0x40AC, TORL = 0x40C0, TORH = 0x40C4, TOTL = 0x40C8;
    public static final int TOTH = 0x40CC, TPR = 0x40D0, TPT = 0x40D4;

    public static final int CTRL_FD = 1, CTRL_ASDE = 1 << 5, CTRL_SLU = 1 << 6, CTRL_SPEED_1000 = 2 << 8;
    public static final int CTRL_RST = 1 << 26, CTRL_PHY_RST = 1 << 31;
    public static final int STATUS_FD = 1, STATUS_LU = 1 << 1, STATUS_SPEED_1000 = 2 << 6;
    public static final int EECD_SK = 1, EECD_CS = 2, EECD_DI = 4, EECD_FWE = 3 << 4, EECD_REQ = 1 << 6;
    public static final int EECD_GNT = 1 << 7, EECD_PRES = 1 << 8;
    public static final int EERD_START = 1, EERD_DONE = 1 << 4;
    public static final int MDIC_READY = 1 << 28, MDIC_INT = 1 << 29, MDIC_ERROR = 1 << 30;
    public static final int ICR_TXDW = 1, ICR_TXQE = 1 << 1, ICR_LSC = 1 << 2, ICR_RXDMT0 = 1 << 4;
    public static final int ICR_RXO = 1 << 6, ICR_RXT0 = 1 << 7, ICR_MDAC = 1 << 9;
    public static final int RCTL_EN = 1 << 1, RCTL_UPE = 1 << 3, RCTL_MPE = 1 << 4, RCTL_LPE = 1 << 5;
    public static final int RCTL_BAM = 1 << 15, RCTL_BSEX = 1 << 25, RCTL_SECRC = 1 << 26;
    public static final int TCTL_EN = 1 << 1, TCTL_PSP = 1 << 3;
    public static final int RAH_AV = 1 << 31;
    // descriptor bits (SDM 3.2.3, 3.3.3)
    public static final int RXD_DD = 1, RXD_EOP = 1 << 1, RXD_IXSM = 1 << 2;
    public static final int TXD_EOP = 1, TXD_IFCS = 1 << 1, TXD_RS = 1 << 3, TXD_DEXT = 1 << 5;
    public static final int TXD_STA_DD = 1;

    static final int EEPROM_WORDS = 64;
    static final int EEPROM_CHECKSUM_WORD = 0x3F;
    static final int SUBSYSTEM_ID = 0x001E;
    static final int PHY_ADDR = 1;
    static final int MAX_FRAME_NO_LPE = 1522; // with FCS and one VLAN tag
    static final int MAX_FRAME_LPE = 16384;

    private static final int WRITABLE_CTRL_MASK = ~(CTRL_RST | CTRL_PHY_RST);

    private final NetPort port;
    private final MacAddress mac;
    private final int[] eeprom = new int[EEPROM_WORDS];
    private final Object lock = new Object();

    // register state, guarded by lock
    private int ctrl, eecd, eerd, ctrlExt, mdic, icr, ims, rctl, tctl;
    private long rdba, tdba;
    private int rdlen, rdh, rdt, tdlen, tdh, tdt;
    private final int[] ral = new int[16];
    private final int[] rah = new int[16];
    private final int[] mta = new int[128];
    private final int[] vfta = new int[128];
    private final int[] phy = new int[32];
    private final java.util.Map<Integer, Integer> plain = new java.util.HashMap<>();
    private long mpc, gprc, bprc, mprc, gptc, gorc, gotc, rnbc, roc, tor, tot, tpr, tpt;
    private boolean cable = true;
    private boolean linkUp; // STATUS.LU as last reported
    private boolean intxAsserted;
    private int ioAddr;
    // transmit packet being assembled across descriptors
    private final byte[] txPacket = new byte[MAX_FRAME_LPE];
    private int txLen;
    private boolean txBad;
    private final byte[] rxScratch = new byte[MAX_FRAME_LPE + 64];

    private final AtomicLong dmaErrors = new AtomicLong();
    private final AtomicLong ringErrors = new AtomicLong();
    private final AtomicLong filtered = new AtomicLong();
    private final AtomicLong rxDropped = new AtomicLong();
    private final AtomicLong txDropped = new AtomicLong();
    private final AtomicLong intxAssertions = new AtomicLong();

    /** Registers (plain storage) a driver may set and read back though the model does not act on them. */
    private static final int[] STORED = {CTRL_EXT, FCAL, FCAH, FCT, VET, ITR, FCTTV, TIPG, LEDCTL, PBA, RDTR,
            RXDCTL, RADV, RSRPD, TIDV, TXDCTL, TADV, RXCSUM};

    /**
     * An 82540EM with MAC address {@code mac} (unicast) on {@code port}. The device attaches
     * itself as the port's sink and owns the port: {@link #close()} closes it.
     */
    public E1000Device(NetPort port, MacAddress mac) {
        super(VENDOR, DEVICE, 0x020000, 0x02);
        if (port == null || mac == null || mac.isMulticast()) {
            throw new IllegalArgumentException("e1000 needs a port and a unicast MAC address");
        }
        this.port = port;
        this.mac = mac;
        setSubsystem(VENDOR, SUBSYSTEM_ID);
        setInterruptPin(1);
        buildEeprom();
        addMemoryBar(0, REG_BAR_SIZE, false, false, new Registers());
        addIoBar(1, IO_BAR_SIZE, new IoWindow());
        synchronized (lock) {
            reset();
        }
        FrameSink sink = this::receive;
        port.attach(sink);
    }

    // ---- EEPROM (SDM ch. 5) ------------------------------------------------------------------

    private void buildEeprom() {
        byte[] b = mac.bytes();
        for (int i = 0; i < 3; i++) {
            eeprom[i] = (b[2 * i] & 0xFF) | (b[2 * i + 1] & 0xFF) << 8;
        }
        eeprom[0x0A] = 0x64C0; // initialization control words 1 and 2: kept for the checksum,
        // not interpreted by the model (the defaults they would load are the reset values below)
        eeprom[0x0B] = SUBSYSTEM_ID;
        eeprom[0x0C] = VENDOR;
        eeprom[0x0D] = DEVICE;
        eeprom[0x0E] = VENDOR;
        eeprom[0x0F] = 0x3000;
        int sum = 0;
        for (int i = 0; i < EEPROM_CHECKSUM_WORD; i++) {
            sum += eeprom[i];
        }
        eeprom[EEPROM_CHECKSUM_WORD] = (0xBABA - sum) & 0xFFFF;
    }

    /** The EEPROM image (64 words), for tests and diagnostics. */
    public int[] eepromWords() {
        return eeprom.clone();
    }

    public MacAddress mac() {
        return mac;
    }

    // ---- reset and link ------------------------------------------------------------------------

    /** Device reset (power-on, CTRL.RST): every register to its default, RA0 from the EEPROM. */
    private void reset() {
        ctrl = CTRL_FD | CTRL_ASDE | CTRL_SPEED_1000;
        eecd = EECD_PRES | (1 << 4); // FWE = 01b: flash writes disabled
        eerd = ctrlExt = mdic = icr = ims = rctl = tctl = 0;
        rdba = tdba = 0;
        rdlen = rdh = rdt = tdlen = tdh = tdt = 0;
        java.util.Arrays.fill(ral, 0);
        java.util.Arrays.fill(rah, 0);
        java.util.Arrays.fill(mta, 0);
        java.util.Arrays.fill(vfta, 0);
        plain.clear();
        mpc = gprc = bprc = mprc = gptc = gorc = gotc = rnbc = roc = tor = tot = tpr = tpt = 0;
        ral[0] = eeprom[0] | eeprom[1] << 16;
        rah[0] = eeprom[2] | RAH_AV;
        txLen = 0;
        txBad = false;
        ioAddr = 0;
        java.util.Arrays.fill(phy, 0);
        phy[0] = 0x1140; // PHY control: auto-negotiation enabled, 1000 Mb/s, full duplex
        phy[2] = 0x0141;
        phy[3] = 0x0C20;
        phy[4] = 0x01E1;
        phy[9] = 0x0300;
        linkUp = false;
        updateInterrupt();
    }

    /** Connects or disconnects the cable. STATUS.LU follows (with CTRL.SLU) and LSC is raised on a change. */
    public void setLinkUp(boolean up) {
        synchronized (lock) {
            cable = up;
            linkChanged();
        }
    }

    /** STATUS.LU as the guest sees it. */
    public boolean linkUp() {
        synchronized (lock) {
            return linkUp;
        }
    }

    private void linkChanged() {
        boolean now = cable && (ctrl & CTRL_SLU) != 0;
        if (now != linkUp) {
            linkUp = now;
            icr |= ICR_LSC;
            updateInterrupt();
        }
    }

    private int status() {
        return STATUS_FD | STATUS_SPEED_1000 | (linkUp ? STATUS_LU : 0);
    }

    // ---- interrupts ----------------------------------------------------------------------------

    private void raise(int cause) {
        icr |= cause;
        updateInterrupt();
    }

    private void updateInterrupt() {
        boolean want = (icr & ims) != 0; // INTx Disable masks the wire in PciFunction, not the state
        if (want && !intxAsserted) {
            intxAssertions.incrementAndGet();
            assertIntx();
        } else if (!want && intxAsserted) {
            deassertIntx();
        }
        intxAsserted = want;
    }

    /**
     * Whether the interrupt is pending now (ICR &amp; IMS not zero; PCI STATUS.Interrupt Status).
     * INTA is driven while it is and COMMAND.INTx Disable is clear ({@link #intxDriven()}).
     */
    public boolean interruptAsserted() {
        synchronized (lock) {
            return intxAsserted;
        }
    }

    /** Times INTA went from deasserted to asserted. */
    public long intxAssertions() {
        return intxAssertions.get();
    }

    // ---- register file -------------------------------------------------------------------------

    /** Reads register {@code off} as an unsigned 32-bit value (with its read side effects). */
    private long readReg(int off) {
        return readReg0(off) & 0xFFFF_FFFFL;
    }

    private long readReg0(int off) {
        synchronized (lock) {
            switch (off) {
                case CTRL: return ctrl & 0xFFFF_FFFFL;
                case STATUS: return status();
                case EECD: return eecd | ((eecd & EECD_REQ) != 0 ? EECD_GNT : 0);
                case EERD: return eerd & 0xFFFF_FFFFL;
                case MDIC: return mdic & 0xFFFF_FFFFL;
                case ICR: {
                    int v = icr;
                    icr = 0;
                    updateInterrupt();
                    return v & 0xFFFF_FFFFL;
                }
                case IMS: return ims;
                case RCTL: return rctl;
                case TCTL: return tctl;
                case RDBAL: return rdba & 0xFFFF_FFF0L;
                case RDBAH: return rdba >>> 32;
                case RDLEN: return rdlen;
                case RDH: return rdh;
                case RDT: return rdt;
                case TDBAL: return tdba & 0xFFFF_FFF0L;
                case TDBAH: return tdba >>> 32;
                case TDLEN: return tdlen;
                case TDH: return tdh;
                case TDT: return tdt;
                default: break;
            }
            if (off >= MTA && off < MTA + 512) {
                return mta[(off - MTA) >> 2] & 0xFFFF_FFFFL;
            }
            if (off >= VFTA && off < VFTA + 512) {
                return vfta[(off - VFTA) >> 2] & 0xFFFF_FFFFL;
            }
            if (off >= RAL0 && off < RAL0 + 128) {
                int i = (off - RAL0) >> 3;
                return ((off & 4) == 0 ? ral[i] : rah[i]) & 0xFFFF_FFFFL;
            }
            if (off >= 0x4000 && off < 0x4100) {
                return readStat(off) & 0xFFFF_FFFFL;
            }
            Integer v = plain.get(off);
            return v == null ? 0 : v & 0xFFFF_FFFFL;
        }
    }

    /** Statistics registers: clear on read (a 64-bit pair clears when its high half is read). */
    private long readStat(int off) {
        long v;
        switch (off) {
            case MPC: v = mpc; mpc = 0; return sat(v);
            case GPRC: v = gprc; gprc = 0; return sat(v);
            case BPRC: v = bprc; bprc = 0; return sat(v);
            case MPRC: v = mprc; mprc = 0; return sat(v);
            case GPTC: v = gptc; gptc = 0; return sat(v);
            case RNBC: v = rnbc; rnbc = 0; return sat(v);
            case ROC: v = roc; roc = 0; return sat(v);
            case TPR: v = tpr; tpr = 0; return sat(v);
            case TPT: v = tpt; tpt = 0; return sat(v);
            case GORCL: return gorc & 0xFFFF_FFFFL;
            case GORCH: v = gorc; gorc = 0; return v >>> 32;
            case GOTCL: return gotc & 0xFFFF_FFFFL;
            case GOTCH: v = gotc; gotc = 0; return v >>> 32;
            case TORL: return tor & 0xFFFF_FFFFL;
            case TORH: v = tor; tor = 0; return v >>> 32;
            case TOTL: return tot & 0xFFFF_FFFFL;
            case TOTH: v = tot; tot = 0; return v >>> 32;
            default: return 0;
        }
    }

    private static long sat(long v) {
        return Math.min(v, 0xFFFF_FFFFL);
    }

    /** Writes register {@code off}; returns true if the transmit ring must be processed. */
    private boolean writeReg(int off, int v) {
        synchronized (lock) {
            switch (off) {
                case CTRL:
                    if ((v & CTRL_RST) != 0) {
                        reset();
                        return false;
                    }
                    ctrl = v & WRITABLE_CTRL_MASK;
                    linkChanged();
                    return false;
                case EECD:
                    eecd = (eecd & ~(EECD_SK | EECD_CS | EECD_DI | EECD_REQ)) | (v & (EECD_SK | EECD_CS | EECD_DI | EECD_REQ));
                    return false;
                case EERD: {
                    int addr = (v >>> 8) & 0xFF;
                    if ((v & EERD_START) != 0) {
                        eerd = eeprom[addr & (EEPROM_WORDS - 1)] << 16 | addr << 8 | EERD_DONE;
                    } else {
                        eerd = addr << 8;
                    }
                    return false;
                }
                case MDIC:
                    mdio(v);
                    return false;
                case ICR:
                    icr &= ~v;
                    updateInterrupt();
                    return false;
                case ICS:
                    raise(v);
                    return false;
                case IMS:
                    ims |= v;
                    updateInterrupt();
                    return false;
                case IMC:
                    ims &= ~v;
                    updateInterrupt();
                    return false;
                case RCTL:
                    rctl = v;
                    return false;
                case TCTL: {
                    boolean wasOn = (tctl & TCTL_EN) != 0;
                    tctl = v;
                    return !wasOn && (v & TCTL_EN) != 0;
                }
                case RDBAL: rdba = (rdba & ~0xFFFF_FFFFL) | (v & 0xFFFF_FFF0L); return false;
                case RDBAH: rdba = (rdba & 0xFFFF_FFFFL) | (long) v << 32; return false;
                case RDLEN: rdlen = v & 0xFFF80; return false;
                case RDH: rdh = v & 0xFFFF; return false;
                case RDT: rdt = v & 0xFFFF; return false;
                case TDBAL: tdba = (tdba & ~0xFFFF_FFFFL) | (v & 0xFFFF_FFF0L); return false;
                case TDBAH: tdba = (tdba & 0xFFFF_FFFFL) | (long) v << 32; return false;
                case TDLEN: tdlen = v & 0xFFF80; return false;
                case TDH: tdh = v & 0xFFFF; return false;
                case TDT: tdt = v & 0xFFFF; return true;
                default: break;
            }
            if (off >= MTA && off < MTA + 512) {
                mta[(off - MTA) >> 2] = v;
            } else if (off >= VFTA && off < VFTA + 512) {
                vfta[(off - VFTA) >> 2] = v;
            } else if (off >= RAL0 && off < RAL0 + 128) {
                int i = (off - RAL0) >> 3;
                if ((off & 4) == 0) {
                    ral[i] = v;
                } else {
                    rah[i] = v & (RAH_AV | 0x3_FFFF);
                }
            } else {
                for (int s : STORED) {
                    if (s == off) {
                        plain.put(off, v);
                    }
                }
            }
            return false;
        }
    }

    /** MDI control (SDM 13.4.7): the internal PHY answers at address 1. */
    private void mdio(int v) {
        int data = v & 0xFFFF;
        int reg = (v >>> 16) & 0x1F;
        int phyAddr = (v >>> 21) & 0x1F;
        int op = (v >>> 26) & 3;
        int result = v & ~(MDIC_READY | MDIC_ERROR);
        if (phyAddr != PHY_ADDR || (op != 1 && op != 2)) {
            result |= MDIC_ERROR;
        } else if (op == 2) {
            int value = switch (reg) {
                case 1 -> 0x7949 | (linkUp ? 0x0024 : 0); // link status, auto-negotiation complete
                case 5 -> linkUp ? 0x41E1 : 0;
                case 10 -> linkUp ? 0x3C00 : 0;
                case 17 -> linkUp ? 0xAC00 : 0; // M88 specific status: 1000, FD, resolved, link
                default -> phy[reg];
            };
            result = (result & ~0xFFFF) | value;
        } else if (reg != 1 && reg != 2 && reg != 3) {
            phy[reg] = reg == 0 ? data & ~0x8200 : data; // reset and restart-AN self-clear
        }
        mdic = result | MDIC_READY;
        if ((v & MDIC_INT) != 0) {
            raise(ICR_MDAC);
        }
    }

    private final class Registers implements MmioHandler {
        @Override
        public long read(long offset, int size) {
            if (offset < 0 || offset + size > REG_BAR_SIZE) {
                return 0;
            }
            int off = (int) offset;
            if (size == 8) {
                return readReg(off & ~3) | readReg((off & ~3) + 4) << 32;
            }
            long dword = readReg(off & ~3);
            long mask = size >= 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1;
            return (dword >>> (8 * (off & 3))) & mask;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset < 0 || offset + size > REG_BAR_SIZE || (offset & 3) != 0 || (size != 4 && size != 8)) {
                return; // registers take aligned 32-bit writes (SDM 13.1)
            }
            write32((int) offset, (int) value);
            if (size == 8) {
                write32((int) offset + 4, (int) (value >>> 32));
            }
        }
    }

    /** IOADDR/IODATA (SDM 13.1.2). */
    private final class IoWindow implements PortHandler {
        @Override
        public int in(int p, int size) {
            int off = p - (int) barAddress(1);
            if (off == 0) {
                synchronized (lock) {
                    return ioAddr;
                }
            }
            if (off == 4) {
                int a;
                synchronized (lock) {
                    a = ioAddr;
                }
                return a >= 0 && a < REG_BAR_SIZE ? (int) readReg(a & ~3) : 0;
            }
            return 0;
        }

        @Override
        public void out(int p, int size, int value) {
            int off = p - (int) barAddress(1);
            if (off == 0 && size == 4) {
                synchronized (lock) {
                    ioAddr = value & 0x1FFFC;
                }
            } else if (off == 4 && size == 4) {
                int a;
                synchronized (lock) {
                    a = ioAddr;
                }
                write32(a, value);
            }
        }
    }

    private void write32(int off, int v) {
        if (writeReg(off, v)) {
            transmit();
        }
    }

    // ---- transmit (SDM 3.3) ----------------------------------------------------------------------

    private void transmit() {
        List<byte[]> out = new ArrayList<>();
        synchronized (lock) {
            if ((tctl & TCTL_EN) == 0) {
                return;
            }
            int count = tdlen / 16;
            if (count == 0 || tdh >= count || tdt >= count) {
                if (tdh != tdt) {
                    ringErrors.incrementAndGet();
                }
                return;
            }
            PhysicalBus bus = bus();
            if (bus == null) {
                return;
            }
            byte[] d = new byte[16];
            boolean wroteBack = false;
            while (tdh != tdt) {
                long da = tdba + 16L * tdh;
                try {
                    bus.read(da, d, 0, 16);
                } catch (BusError e) {
                    dmaErrors.incrementAndGet();
                    break; // the ring stops here
                }
                long addr = le(d, 0, 8);
                int lower = (int) le(d, 8, 4);
                int cmd = lower >>> 24;
                boolean dext = (cmd & TXD_DEXT) != 0;
                int dtyp = (lower >>> 20) & 0xF;
                if (!dext || dtyp == 1) {
                    int len = dext ? lower & 0xF_FFFF : lower & 0xFFFF;
                    if (txLen + len > txPacket.length) {
                        txBad = true;
                    } else if (len > 0 && !txBad) {
                        try {
                            bus.read(addr, txPacket, txLen, len);
                            txLen += len;
                        } catch (BusError e) {
                            dmaErrors.incrementAndGet();
                            txBad = true;
                        }
                    }
                    if ((cmd & TXD_EOP) != 0) {
                        endPacket(out);
                    }
                }
                if ((cmd & TXD_RS) != 0) {
                    try {
                        bus.write(da + 12, new byte[] {(byte) (d[12] | TXD_STA_DD)}, 0, 1);
                    } catch (BusError e) {
                        dmaErrors.incrementAndGet();
                    }
                    wroteBack = true;
                }
                tdh = (tdh + 1) % count;
            }
            int causes = (wroteBack ? ICR_TXDW : 0) | (tdh == tdt ? ICR_TXQE : 0);
            if (causes != 0) {
                raise(causes);
            }
        }
        for (byte[] f : out) {
            if (!port.send(f, 0, f.length)) {
                txDropped.incrementAndGet();
            }
        }
    }

    private void endPacket(List<byte[]> out) {
        int len = txLen;
        boolean bad = txBad;
        txLen = 0;
        txBad = false;
        if (bad || len < Frames.MIN_LEN || !linkUp) {
            txDropped.incrementAndGet();
            return;
        }
        int wire = (tctl & TCTL_PSP) != 0 ? Math.max(len, 60) : len;
        byte[] f = new byte[wire];
        System.arraycopy(txPacket, 0, f, 0, len);
        out.add(f);
        gptc++;
        tpt++;
        gotc += wire + 4;
        tot += wire + 4;
    }

    // ---- receive (SDM 3.2) -----------------------------------------------------------------------

    private void receive(byte[] buf, int off, int len) {
        synchronized (lock) {
            if ((rctl & RCTL_EN) == 0 || !linkUp || len < Frames.MIN_LEN) {
                rxDropped.incrementAndGet();
                return;
            }
            long dst = Frames.dst(buf, off);
            if (!accept(dst)) {
                filtered.incrementAndGet();
                return;
            }
            tpr++;
            tor += Math.max(len, 60) + 4;
            int total = Math.max(len, 60) + ((rctl & RCTL_SECRC) != 0 ? 0 : 4);
            int limit = (rctl & RCTL_LPE) != 0 ? MAX_FRAME_LPE : MAX_FRAME_NO_LPE;
            if (total > limit || total > rxScratch.length) {
                roc++;
                rxDropped.incrementAndGet();
                return;
            }
            System.arraycopy(buf, off, rxScratch, 0, len);
            java.util.Arrays.fill(rxScratch, len, Math.max(len, 60), (byte) 0);
            if ((rctl & RCTL_SECRC) == 0) {
                CRC32 crc = new CRC32();
                crc.update(rxScratch, 0, Math.max(len, 60));
                long c = crc.getValue();
                for (int i = 0; i < 4; i++) {
                    rxScratch[Math.max(len, 60) + i] = (byte) (c >>> (8 * i));
                }
            }
            store(total, dst);
        }
    }

    /** Writes rxScratch[0..total) into the ring; called with the lock held. */
    private void store(int total, long dst) {
        int count = rdlen / 16;
        if (count == 0 || rdh >= count || rdt >= count) {
            ringErrors.incrementAndGet();
            missed();
            return;
        }
        int bsize = bufferSize();
        int need = (total + bsize - 1) / bsize;
        int free = Math.floorMod(rdt - rdh, count);
        if (free < need) {
            missed();
            return;
        }
        PhysicalBus bus = bus();
        if (bus == null) {
            rxDropped.incrementAndGet();
            return;
        }
        // check every descriptor and buffer first, so a bad address leaves the ring untouched
        long[] bufs = new long[need];
        byte[] d = new byte[16];
        for (int i = 0; i < need; i++) {
            long da = rdba + 16L * ((rdh + i) % count);
            int chunk = Math.min(bsize, total - i * bsize);
            try {
                bus.read(da, d, 0, 16);
            } catch (BusError e) {
                dmaErrors.incrementAndGet();
                rxDropped.incrementAndGet();
                return;
            }
            bufs[i] = le(d, 0, 8);
            if (!bus.isRam(da, 16) || !bus.isRam(bufs[i], chunk)) {
                dmaErrors.incrementAndGet();
                rxDropped.incrementAndGet();
                return;
            }
        }
        byte[] wb = new byte[8];
        for (int i = 0; i < need; i++) {
            int chunk = Math.min(bsize, total - i * bsize);
            long da = rdba + 16L * rdh;
            wb[0] = (byte) chunk;
            wb[1] = (byte) (chunk >>> 8);
            wb[4] = (byte) (RXD_DD | RXD_IXSM | (i == need - 1 ? RXD_EOP : 0));
            try {
                bus.write(bufs[i], rxScratch, i * bsize, chunk);
                bus.write(da + 8, wb, 0, 8);
            } catch (BusError e) { // RAM unmapped under us (hot-unplug): stop here
                dmaErrors.incrementAndGet();
                rxDropped.incrementAndGet();
                return;
            }
            rdh = (rdh + 1) % count;
        }
        gprc++;
        gorc += total;
        if (dst == MacAddress.BROADCAST.value()) {
            bprc++;
        } else if (Frames.isGroup(dst)) {
            mprc++;
        }
        int cause = ICR_RXT0;
        int threshold = count >> (((rctl >>> 8) & 3) + 1);
        int left = free - need;
        if (left <= threshold && free > threshold) {
            cause |= ICR_RXDMT0;
        }
        raise(cause);
    }

    private void missed() {
        mpc++;
        rnbc++;
        rxDropped.incrementAndGet();
        raise(ICR_RXO);
    }

    /** Receive buffer size from RCTL.BSIZE and BSEX (SDM 13.4.22). */
    private int bufferSize() {
        int bs = (rctl >>> 16) & 3;
        if ((rctl & RCTL_BSEX) != 0) {
            return bs == 0 ? 2048 : 16384 >> (bs - 1); // 00 is reserved: treated as 2048
        }
        return 2048 >> bs;
    }

    /** Destination address filter (SDM 3.2.1). */
    private boolean accept(long dst) {
        boolean group = Frames.isGroup(dst);
        if (dst == MacAddress.BROADCAST.value()) {
            return (rctl & (RCTL_BAM | RCTL_MPE)) != 0;
        }
        if (!group && (rctl & RCTL_UPE) != 0 || group && (rctl & RCTL_MPE) != 0) {
            return true;
        }
        for (int i = 0; i < 16; i++) {
            if ((rah[i] & RAH_AV) != 0 && raAddress(i) == dst) {
                return true;
            }
        }
        if (group) {
            int b4 = (int) (dst >>> 8) & 0xFF;
            int b5 = (int) dst & 0xFF;
            int hash = switch ((rctl >>> 12) & 3) {
                case 0 -> b4 >>> 4 | b5 << 4;
                case 1 -> b4 >>> 3 | b5 << 5;
                case 2 -> b4 >>> 2 | b5 << 6;
                default -> b4 | b5 << 8;
            } & 0xFFF;
            return (mta[hash >>> 5] & (1 << (hash & 31))) != 0;
        }
        return false;
    }

    /** RA entry {@code i} as a 48-bit address in wire order (first byte in bits 47..40). */
    private long raAddress(int i) {
        long v = 0;
        for (int k = 0; k < 4; k++) {
            v = v << 8 | (ral[i] >>> (8 * k)) & 0xFF;
        }
        v = v << 8 | rah[i] & 0xFF;
        v = v << 8 | (rah[i] >>> 8) & 0xFF;
        return v;
    }

    private static long le(byte[] a, int off, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = v << 8 | (a[off + i] & 0xFF);
        }
        return v;
    }

    // ---- diagnostics -----------------------------------------------------------------------------

    /** Descriptor or buffer addresses outside RAM met so far. */
    public long dmaErrors() {
        return dmaErrors.get();
    }

    /** Ring misconfigurations met so far (zero length, head or tail beyond the ring). */
    public long ringErrors() {
        return ringErrors.get();
    }

    /** Frames dropped by the receive address filter. */
    public long filteredFrames() {
        return filtered.get();
    }

    /** Received frames not stored (receiver off, link down, oversize, no descriptors, DMA error). */
    public long rxDropped() {
        return rxDropped.get();
    }

    /** Transmit packets not sent (bad buffer, too short, link down, refused by the port). */
    public long txDropped() {
        return txDropped.get();
    }

    @Override
    public void close() {
        port.attach(null);
        port.close();
    }

    @Override
    public String toString() {
        return "e1000@" + location() + " " + mac;
    }
}
