package drivers.pci.internal;

import static drivers.pci.Pci.*;

import drivers.pci.PciAddress;
import drivers.pci.PciBar;
import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kernel.core.hal.Hal;
import kernel.core.hal.Interrupts;
import kernel.core.hal.IrqHandler;
import kernel.core.hal.IrqVector;
import kernel.core.hal.Mmio;

/**
 * A PCI function reached through its 4 KiB ECAM window. Identity and BARs are captured at
 * construction (by {@link Enumerator}); config accesses go straight to the window. The driver
 * binding is owned by {@link PciBusImpl}.
 */
final class EcamFunction implements PciDevice {
    private final Hal hal;
    private final PciAddress address;
    private final Mmio cfg;
    private final int vendorId;
    private final int deviceId;
    private final int classCode;
    private final int revision;
    private final int subsystemVendorId;
    private final int subsystemId;
    private final int headerType;
    private final PciBar[] bars;
    private final Mmio[] mapped = new Mmio[6];
    private final Msix msix;
    private final Msi msi;
    private volatile PciDriver driver;
    private volatile boolean disconnected;

    /** Reads the identity of the function behind {@code cfg}; {@code bars} come from {@link BarSizer}. */
    EcamFunction(Hal hal, PciAddress address, Mmio cfg, PciBar[] bars) {
        this.hal = hal;
        this.address = address;
        this.cfg = cfg;
        this.vendorId = cfg.read16(VENDOR_ID);
        this.deviceId = cfg.read16(DEVICE_ID);
        this.revision = cfg.read8(REVISION_ID);
        this.classCode = cfg.read32(REVISION_ID) >>> 8;
        this.headerType = cfg.read8(HEADER_TYPE) & 0x7F;
        this.subsystemVendorId = headerType == 0 ? cfg.read16(SUBSYSTEM_VENDOR_ID) : 0;
        this.subsystemId = headerType == 0 ? cfg.read16(SUBSYSTEM_ID) : 0;
        this.bars = bars.clone();
        this.msix = new Msix(this);
        this.msi = new Msi(this);
    }

    @Override public PciAddress address() { return address; }
    @Override public int vendorId() { return vendorId; }
    @Override public int deviceId() { return deviceId; }
    @Override public int classCode() { return classCode; }
    @Override public int revision() { return revision; }
    @Override public int subsystemVendorId() { return subsystemVendorId; }
    @Override public int subsystemId() { return subsystemId; }
    @Override public int headerType() { return headerType; }

    // ---- configuration space -------------------------------------------------------------------

    private static int check(int offset, int width) {
        if (offset < 0 || offset + width > 4096 || (offset & (width - 1)) != 0) {
            throw new IllegalArgumentException(String.format("bad config offset %#x for a %d-byte access", offset, width));
        }
        return offset;
    }

    @Override public int configRead8(int offset) { return cfg.read8(check(offset, 1)); }
    @Override public int configRead16(int offset) { return cfg.read16(check(offset, 2)); }
    @Override public int configRead32(int offset) { return cfg.read32(check(offset, 4)); }
    @Override public void configWrite8(int offset, int value) { cfg.write8(check(offset, 1), value); }
    @Override public void configWrite16(int offset, int value) { cfg.write16(check(offset, 2), value); }
    @Override public void configWrite32(int offset, int value) { cfg.write32(check(offset, 4), value); }

    @Override
    public int findCapability(int id) {
        List<Integer> all = capabilities(id);
        return all.isEmpty() ? 0 : all.get(0);
    }

    /** Follows the capability list from 0x34; stops at 48 entries so a looping list cannot hang us. */
    @Override
    public List<Integer> capabilities(int id) {
        List<Integer> out = new ArrayList<>();
        if ((configRead16(STATUS) & STATUS_CAPABILITIES) == 0) {
            return out;
        }
        int ptr = configRead8(CAPABILITIES_POINTER) & 0xFC;
        for (int guard = 0; ptr >= 0x40 && ptr < 0x100 && guard < 48; guard++) {
            if (configRead8(ptr) == id) {
                out.add(ptr);
            }
            ptr = configRead8(ptr + 1) & 0xFC;
        }
        return out;
    }

    // ---- BARs and COMMAND --------------------------------------------------------------------

    @Override
    public PciBar bar(int index) {
        return index >= 0 && index < bars.length ? bars[index] : null;
    }

    @Override
    public List<PciBar> bars() {
        return Arrays.stream(bars).filter(b -> b != null).toList();
    }

    @Override
    public synchronized Mmio mapBar(int index) {
        PciBar b = bar(index);
        if (b == null || b.isIo() || b.address() == 0) {
            throw new IllegalArgumentException(address + ": BAR" + index
                    + (b == null ? " does not exist" : b.isIo() ? " is an I/O BAR" : " is unassigned"));
        }
        if (mapped[index] == null) {
            mapped[index] = hal.mapMmio(b.address(), b.size());
        }
        return mapped[index];
    }

    private synchronized void command(int set, int clear) {
        if (disconnected) {
            return;
        }
        int cmd = configRead16(COMMAND);
        int next = (cmd | set) & ~clear;
        if (next != cmd) {
            configWrite16(COMMAND, next);
        }
    }

    @Override public void enableMemory() { command(COMMAND_MEMORY, 0); }
    @Override public void enableBusMaster() { command(COMMAND_BUS_MASTER, 0); }
    @Override public void disableBusMaster() { command(0, COMMAND_BUS_MASTER); }
    @Override public void disable() { command(0, COMMAND_BUS_MASTER | COMMAND_MEMORY | COMMAND_IO); }

    /** A bridge: memory and I/O forwarding and upstream bus mastering on. */
    void enableBridge() { command(COMMAND_MEMORY | COMMAND_IO | COMMAND_BUS_MASTER, 0); }

    /** Sets or clears COMMAND.INTX_DISABLE. */
    void intxDisable(boolean off) {
        command(off ? COMMAND_INTX_DISABLE : 0, off ? 0 : COMMAND_INTX_DISABLE);
    }

    boolean busMasterEnabled() {
        return (configRead16(COMMAND) & COMMAND_BUS_MASTER) != 0;
    }

    // ---- MSI-X -------------------------------------------------------------------------------

    @Override public int msixTableSize() { return msix.tableSize(); }
    @Override public boolean msixEnabled() { return msix.enabled(); }
    @Override public List<IrqVector> enableMsix(String name, List<IrqHandler> handlers) { return msix.enable(hal.interrupts(), name, handlers); }
    @Override public List<IrqVector> enableMsix(Interrupts irqs, String name, List<IrqHandler> handlers) { return msix.enable(irqs, name, handlers); }
    @Override public boolean msixPending(int entry) { return msix.pending(entry); }
    @Override public void disableMsix() { msix.disable(); }

    // ---- MSI ---------------------------------------------------------------------------------

    @Override public boolean hasMsi() { return msi.present(); }
    @Override public boolean msiEnabled() { return msi.enabled(); }
    @Override public IrqVector enableMsi(Interrupts irqs, String name, IrqHandler handler) { return msi.enable(irqs, name, handler); }
    @Override public void disableMsi() { msi.disable(); }

    // ---- presence ----------------------------------------------------------------------------

    @Override public boolean disconnected() { return disconnected; }

    /** The card is gone (surprise removal): from now on the hardware is not touched by the bus. */
    void markDisconnected() {
        disconnected = true;
    }

    // ---- binding (owned by PciBusImpl) -------------------------------------------------------

    PciDriver boundDriver() {
        return driver;
    }

    void bind(PciDriver d) {
        driver = d;
    }

    @Override
    public String driver() {
        PciDriver d = driver;
        return d == null ? null : d.name();
    }

    @Override
    public String toString() {
        return String.format("%s %04x:%04x class %06x", address, vendorId, deviceId, classCode);
    }
}
