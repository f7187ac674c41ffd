package platform.devices.ahci;

import platform.pc.BusError;
import platform.pc.PhysicalBus;

/**
 * One port of the HBA: its registers (AHCI 1.3 section 3.3), its command engine (section 5)
 * and the SATA disk attached to it, if any.
 *
 * <p><b>Registers</b> (offsets within the port's 80h bytes): PxCLB/PxCLBU 00h/04h (1 KiB
 * aligned), PxFB/PxFBU 08h/0Ch (256-byte aligned), PxIS 10h (write 1 to clear; PCS and PRCS
 * are read-only mirrors of PxSERR.DIAG.X and DIAG.N), PxIE 14h, PxCMD 18h, PxTFD 20h, PxSIG
 * 24h, PxSSTS 28h, PxSCTL 2Ch, PxSERR 30h (write 1 to clear), PxSACT 34h, PxCI 38h; PxSNTF,
 * PxFBS and PxDEVSLP read 0 (features not offered in CAP/CAP2).
 *
 * <p><b>PxCMD</b>: ST, FRE, ATAPI, DLAE, ALPE and ASP are read/write; SUD and POD read 1 (no
 * staggered spin-up, no cold presence detection); CLO clears PxTFD.BSY and DRQ and reads 0;
 * ICC accepts any value and reads 0 (interface always active); FR follows FRE and CR follows ST
 * at once (section 10.3: the engines start and stop without delay here); CCS is the slot in
 * progress. Clearing ST clears PxCI and PxSACT and leaves the error state (section 10.3.2).
 *
 * <p><b>Link</b>: with a disk, PxSSTS is 123h (DET 3 device present and phy up, SPD 2 Gen2,
 * IPM 1 active) and after each COMRESET the device's signature D2H FIS (status 50h, error
 * 01h, PxSIG 00000101h) arrives, setting PxSERR.DIAG.X (so PxIS.PCS). PxSCTL.DET = 1 holds
 * the link in COMRESET (PxSSTS.DET 0, PxTFD BSY), 4 takes it offline, 0 brings it up. Without
 * a disk PxSSTS is 0, PxSIG FFFFFFFFh and PxTFD 7Fh, and issued commands never complete (no
 * device to send them to, as on hardware).
 *
 * <p><b>Commands</b> (section 5.3.2): while ST is set, slots set in PxCI are fetched in
 * round-robin order after the last one (CCS), one at a time: command header, command FIS
 * (a Register H2D FIS; see {@link AhciCommand}; its 20 bytes are read whatever CFL says),
 * PRDT. A command FIS with C set is executed
 * by the {@link SataDisk}. On success PRDBC is written, PxCI's bit cleared, and a D2H
 * Register FIS (DMA and non-data commands, PxIS.DHRS) or a PIO Setup FIS (IDENTIFY, PxIS.PSS)
 * is posted to the received-FIS area when FRE is set, PxTFD taking its status and error;
 * PxIS.DPS is set if a PRD with I was consumed. A device-control FIS (C clear) updates the
 * control register only: clearing SRST after setting it resets the device, which sends its
 * signature FIS again; such commands complete without a FIS of their own. Non-H2D FIS types
 * are rejected by the device (ABRT).
 *
 * <p><b>Errors</b> (section 6.1): an ATA error (status ERR) posts its D2H FIS, sets PxIS.TFES
 * and stops the port: PxCI keeps the failed slot's bit, CCS names it, nothing more runs until
 * software clears ST. A command list, command table, PRD region or received-FIS area outside
 * RAM is a host bus fatal error (PxIS.HBFS) and a PRDT smaller than the data is an overflow
 * (PxIS.OFS), both stopping the port in the same way.
 *
 * <p>All methods are called with the controller lock held.
 */
final class AhciPort {
    static final int CLB = 0x00, CLBU = 0x04, FB = 0x08, FBU = 0x0C, IS = 0x10, IE = 0x14, CMD = 0x18, TFD = 0x20,
            SIG = 0x24, SSTS = 0x28, SCTL = 0x2C, SERR = 0x30, SACT = 0x34, CI = 0x38;

    static final int IS_DHRS = 1, IS_PSS = 1 << 1, IS_DSS = 1 << 2, IS_SDBS = 1 << 3, IS_UFS = 1 << 4,
            IS_DPS = 1 << 5, IS_PCS = 1 << 6, IS_DMPS = 1 << 7, IS_PRCS = 1 << 22, IS_IPMS = 1 << 23,
            IS_OFS = 1 << 24, IS_INFS = 1 << 26, IS_IFS = 1 << 27, IS_HBDS = 1 << 28, IS_HBFS = 1 << 29,
            IS_TFES = 1 << 30, IS_CPDS = 1 << 31;
    static final int IS_VALID = 0xFDC0_00FF;
    static final int IS_WRITE_ONE_TO_CLEAR = IS_VALID & ~(IS_PCS | IS_PRCS);

    static final int CMD_ST = 1, CMD_SUD = 1 << 1, CMD_POD = 1 << 2, CMD_CLO = 1 << 3, CMD_FRE = 1 << 4,
            CMD_FR = 1 << 14, CMD_CR = 1 << 15, CMD_ATAPI = 1 << 24, CMD_DLAE = 1 << 25, CMD_ALPE = 1 << 26,
            CMD_ASP = 1 << 27;
    private static final int CMD_WRITABLE = CMD_ST | CMD_FRE | CMD_ATAPI | CMD_DLAE | CMD_ALPE | CMD_ASP;

    static final int SERR_DIAG_N = 1 << 16, SERR_DIAG_X = 1 << 26;
    static final int SSTS_UP = 0x123;
    static final int SIGNATURE_ATA = 0x0000_0101;
    static final int TFD_NO_DEVICE = 0x7F;
    private static final int SIGNATURE_STATUS = 0x50, SIGNATURE_ERROR = 0x01;
    private static final int SRST = 0x04;

    final int index;
    final SataDisk disk;

    private long clb;
    private long fb;
    private int is;
    private int ie;
    private int cmd;
    private int tfd;
    private int sig;
    private int ssts;
    private int sctl;
    private int serr;
    private int sact;
    private int ci;
    private int ccs;
    private boolean halted;
    private boolean srst;
    private int events; // enabled status bits raised since the controller last looked

    AhciPort(int index, SataDisk disk) {
        this.index = index;
        this.disk = disk;
        reset();
    }

    /** Power-on / HBA reset state (section 10.4.3); PxCLB and PxFB survive an HBA reset. */
    void reset() {
        is = 0;
        ie = 0;
        cmd = CMD_SUD | CMD_POD;
        sctl = 0;
        serr = 0;
        sact = 0;
        ci = 0;
        ccs = 0;
        halted = false;
        srst = false;
        linkUp(null);
    }

    /** Link (re)established after COMRESET: the device sends its signature FIS. */
    private void linkUp(PhysicalBus bus) {
        if (disk == null) {
            ssts = 0;
            sig = 0xFFFF_FFFF;
            tfd = TFD_NO_DEVICE;
            return;
        }
        ssts = SSTS_UP;
        serr |= SERR_DIAG_X;
        signature(bus);
    }

    private void signature(PhysicalBus bus) {
        sig = SIGNATURE_ATA;
        tfd = SIGNATURE_ERROR << 8 | SIGNATURE_STATUS;
        if (bus != null && (cmd & CMD_FRE) != 0) {
            try {
                postFis(bus, Fis.RFIS_REG_D2H, Fis.registerD2h(false, SIGNATURE_STATUS, SIGNATURE_ERROR, 1, 0, 1));
            } catch (BusError e) {
                fatal(IS_HBFS);
            }
        }
    }

    // ---- registers ------------------------------------------------------------------------

    int read(int off) {
        return switch (off) {
            case CLB -> (int) clb;
            case CLBU -> (int) (clb >>> 32);
            case FB -> (int) fb;
            case FBU -> (int) (fb >>> 32);
            case IS -> statusBits();
            case IE -> ie;
            case CMD -> cmd | (ccs << 8);
            case TFD -> tfd;
            case SIG -> sig;
            case SSTS -> ssts;
            case SCTL -> sctl;
            case SERR -> serr;
            case SACT -> sact;
            case CI -> ci;
            default -> 0;
        };
    }

    /** Writes a register; {@code bus} is for FISes a link reset makes the device send. */
    void write(int off, int v, PhysicalBus bus) {
        switch (off) {
            case CLB -> clb = (clb & ~0xFFFF_FFFFL) | (v & 0xFFFF_FC00L);
            case CLBU -> clb = (clb & 0xFFFF_FFFFL) | (long) v << 32;
            case FB -> fb = (fb & ~0xFFFF_FFFFL) | (v & 0xFFFF_FF00L);
            case FBU -> fb = (fb & 0xFFFF_FFFFL) | (long) v << 32;
            case IS -> is &= ~(v & IS_WRITE_ONE_TO_CLEAR);
            case IE -> ie = v & IS_VALID;
            case CMD -> writeCmd(v);
            case SCTL -> writeSctl(v & 0xF_FFFF, bus);
            case SERR -> serr &= ~v;
            case SACT -> sact |= (cmd & CMD_ST) != 0 ? v : 0;
            case CI -> ci |= (cmd & CMD_ST) != 0 ? v : 0;
            default -> {
                // read-only or not implemented
            }
        }
    }

    private void writeCmd(int v) {
        boolean wasStarted = (cmd & CMD_ST) != 0;
        cmd = (cmd & ~CMD_WRITABLE) | (v & CMD_WRITABLE);
        if ((v & CMD_CLO) != 0) {
            tfd &= ~(SataDisk.STATUS_BSY | SataDisk.STATUS_DRQ);
        }
        cmd = (cmd & CMD_FRE) != 0 ? cmd | CMD_FR : cmd & ~CMD_FR;
        boolean started = (cmd & CMD_ST) != 0;
        if (started) {
            cmd |= CMD_CR;
        } else {
            cmd &= ~CMD_CR;
            if (wasStarted) {
                ci = 0;
                sact = 0;
                halted = false;
                ccs = 0;
            }
        }
    }

    private void writeSctl(int v, PhysicalBus bus) {
        int oldDet = sctl & 0xF;
        int det = v & 0xF;
        sctl = v;
        if (disk == null || det == oldDet) {
            return;
        }
        switch (det) {
            case 1 -> {
                ssts = 0;
                tfd = SataDisk.STATUS_BSY | 0x7F;
            }
            case 4 -> ssts = 4;
            case 0 -> linkUp(bus);
            default -> {
                // reserved values: no action
            }
        }
    }

    private int statusBits() {
        int v = is;
        if ((serr & SERR_DIAG_X) != 0) {
            v |= IS_PCS;
        }
        if ((serr & SERR_DIAG_N) != 0) {
            v |= IS_PRCS;
        }
        return v;
    }

    /** True if an enabled status bit is set (this port's bit in GHC IS). */
    boolean interruptPending() {
        return (statusBits() & ie) != 0;
    }

    /** True if an enabled status bit was raised since the last call (an MSI is due). */
    boolean takeEvents() {
        boolean e = events != 0;
        events = 0;
        return e;
    }

    private void raise(int bits) {
        is |= bits;
        events |= bits & ie;
    }

    // ---- command engine -------------------------------------------------------------------

    /** True if the engine has a command to run. */
    boolean runnable() {
        return disk != null && (cmd & CMD_ST) != 0 && !halted && ci != 0 && ssts == SSTS_UP;
    }

    /** Fetches and runs the next issued command (round robin from CCS + 1). */
    void runOne(PhysicalBus bus) {
        int slot = -1;
        for (int i = 1; i <= 32; i++) {
            int s = (ccs + i) & 31;
            if ((ci & (1 << s)) != 0) {
                slot = s;
                break;
            }
        }
        ccs = slot;
        AhciCommand c;
        SataDisk.Outcome o;
        try {
            if (bus == null) {
                throw new BusError(clb, AhciCommand.HEADER_SIZE);
            }
            c = AhciCommand.fetch(bus, clb, slot);
            if (!c.isCommand && c.fisType == Fis.TYPE_REG_H2D) {
                deviceControl(c, bus);
                c.writeByteCount(bus, 0);
                ci &= ~(1 << slot);
                return;
            }
            o = c.fisType == Fis.TYPE_REG_H2D
                    ? disk.execute(c)
                    : new SataDisk.Outcome(SataDisk.STATUS_OK | SataDisk.STATUS_ERR, SataDisk.ERROR_ABRT, false);
            c.writeByteCount(bus, c.prdt.moved());
            if (o.pioIn()) {
                int start = SataDisk.STATUS_OK | SataDisk.STATUS_DRQ;
                postFis(bus, Fis.RFIS_PIO_SETUP, Fis.pioSetupToHost(start, o.status(), o.error(), (int) c.prdt.moved()));
            } else {
                postFis(bus, Fis.RFIS_REG_D2H, Fis.registerD2h(true, o.status(), o.error(), c.lba, c.device, c.count));
            }
        } catch (BusError e) {
            fatal(IS_HBFS);
            return;
        } catch (Prdt.Overflow e) {
            fatal(IS_OFS);
            return;
        }
        tfd = o.error() << 8 | o.status();
        int bits = o.pioIn() ? IS_PSS : IS_DHRS;
        if (c.prdt.interruptDue()) {
            bits |= IS_DPS;
        }
        if (o.failed()) {
            halted = true;
            raise(bits | IS_TFES);
            return;
        }
        ci &= ~(1 << slot);
        raise(bits);
    }

    /** A device-control FIS: SRST set then cleared resets the device (ATA8-ACS 11.2). */
    private void deviceControl(AhciCommand c, PhysicalBus bus) {
        boolean set = (c.control & SRST) != 0;
        if (set) {
            tfd = SataDisk.STATUS_BSY;
        } else if (srst) {
            signature(bus);
        }
        srst = set;
    }

    /** Writes a device-to-host FIS into the received-FIS area (if FIS receive is enabled). */
    private void postFis(PhysicalBus bus, int offset, byte[] fis) {
        if ((cmd & CMD_FRE) != 0) {
            bus.write(fb + offset, fis, 0, fis.length);
        }
    }

    private void fatal(int bit) {
        halted = true;
        raise(bit);
    }

    /** A model bug interrupted a command: report it as a host bus fatal error. */
    void internalError() {
        fatal(IS_HBFS);
    }

    /** True if the port stopped on an error and waits for software to clear ST. */
    boolean halted() {
        return halted;
    }
}
