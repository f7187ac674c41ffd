package drivers.pci.internal;

import static drivers.pci.Pci.*;

import drivers.pci.PciSlot;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import kernel.core.hal.Hal;
import kernel.core.hal.IrqVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native PCI Express hot-plug of one slot ({@code pciehp} in miniature; PCIe Base 4.0, 6.7): the
 * slot below a root or downstream port whose Slot Capabilities say Hot-Plug Capable.
 *
 * <p><b>Events.</b> The port signals slot events with MSI (or nothing, if it has no MSI: then
 * the slot is not driven). The interrupt handler, on a vCPU, only reads Slot Status, writes the
 * event bits it saw back to clear them (RW1C), and queues them on the bus's hot-plug worker;
 * {@link #handle} runs there, serialised with every other slot and with driver binding.
 *
 * <p><b>What an event does.</b>
 * <ul>
 *   <li>Presence Detect Changed or Data Link Layer State Changed: if a card is present and the
 *       slot is powered off, power it on and wait for the link; if a card is present with the
 *       link up and not yet in use, <em>add</em> it: assign its BARs in the port's windows,
 *       enumerate its functions and probe drivers. If the card is gone or its link is down,
 *       <em>remove</em> it (surprise removal: drivers' remove sees a device that reads all-ones).
 *   <li>Attention Button Pressed (the orderly removal request, QEMU's {@code device_del}): a
 *       card in use is removed (drivers unbound first), then the slot is powered off, which
 *       tells the board the card may be pulled; a present, powered-off card is powered on.
 * </ul>
 * The power indicator is on while the slot is powered, off otherwise.
 *
 * <p>Lifecycle: {@link #start} (enables MSI and the events, then handles a card already there),
 * {@link #stop} (disables the events and MSI; cards stay as they are).
 */
final class HotplugSlot {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.pci.hotplug");
    private static final long LINK_WAIT_NANOS = 1_000_000_000L; // PCIe: link up within 1 s of power

    private final PciBusImpl bus;
    private final EcamFunction port;
    private final Hal hal;
    private final int pcie;
    private final int slotNumber;
    private final boolean powerController;
    private IrqVector irq;
    private boolean cardInUse; // guarded by the bus lock

    private HotplugSlot(PciBusImpl bus, EcamFunction port, Hal hal, int pcie, int slotCapabilities) {
        this.bus = bus;
        this.port = port;
        this.hal = hal;
        this.pcie = pcie;
        this.slotNumber = slotCapabilities >>> SLOT_CAP_PHYSICAL_SLOT_SHIFT;
        this.powerController = (slotCapabilities & SLOT_CAP_POWER_CONTROLLER) != 0;
    }

    /** A slot driver for {@code fn} if it is a PCIe root or downstream port with a hot-plug capable slot, else null. */
    static HotplugSlot probe(PciBusImpl bus, EcamFunction fn, Hal hal) {
        if (fn.headerType() != 1) {
            return null;
        }
        int pcie = fn.findCapability(CAP_PCI_EXPRESS);
        if (pcie == 0) {
            return null;
        }
        int caps = fn.configRead16(pcie + PCIE_CAPABILITIES);
        int type = (caps >> 4) & 0xF;
        if ((type != PCIE_TYPE_ROOT_PORT && type != PCIE_TYPE_DOWNSTREAM_PORT) || (caps & PCIE_CAP_SLOT_IMPLEMENTED) == 0) {
            return null;
        }
        int slotCaps = fn.configRead32(pcie + PCIE_SLOT_CAPABILITIES);
        if ((slotCaps & SLOT_CAP_HOT_PLUG_CAPABLE) == 0) {
            return null;
        }
        return new HotplugSlot(bus, fn, hal, pcie, slotCaps);
    }

    /** The port this slot hangs off. */
    EcamFunction port() {
        return port;
    }

    /** "Slot(N)", as Linux names it. */
    String name() {
        return "Slot(" + slotNumber + ")";
    }

    int secondaryBus() {
        return port.configRead8(SECONDARY_BUS);
    }

    /**
     * Enables the slot's interrupt and events, then handles what is already there. Caller holds
     * the bus lock. {@code worker} runs the event handling.
     */
    void start(Executor worker) {
        if (!port.hasMsi()) {
            LOG.warn("pciehp {} {}: port has no MSI; slot not driven", port.address(), name());
            return;
        }
        port.enableMemory();
        port.enableBusMaster(); // a port forwards upstream memory requests (DMA, MSI) only with BME set
        irq = port.enableMsi(hal.interrupts(), "pciehp " + name(), v -> {
            // MSI is sent when "an enabled event is pending" becomes true; an event arriving
            // between our read and our clear sends none, so read again until nothing is left.
            for (int events, n = 0; n < 8 && (events = slotStatus() & SLOT_STATUS_EVENTS) != 0; n++) {
                port.configWrite16(pcie + PCIE_SLOT_STATUS, events);
                int e = events;
                try {
                    worker.execute(() -> bus.hotplugEvent(this, e));
                } catch (RejectedExecutionException stopping) {
                    LOG.debug("pciehp {} {}: event {} after the bus stopped: ignored", port.address(), name(),
                            Integer.toHexString(e));
                    return;
                }
            }
        });
        port.configWrite16(pcie + PCIE_SLOT_STATUS, SLOT_STATUS_EVENTS); // stale events
        int ctl = port.configRead16(pcie + PCIE_SLOT_CONTROL);
        ctl |= SLOT_CTL_ATTENTION_BUTTON_ENABLE | SLOT_CTL_PRESENCE_CHANGED_ENABLE | SLOT_CTL_LINK_CHANGED_ENABLE
                | SLOT_CTL_HOT_PLUG_INTERRUPT_ENABLE;
        ctl &= ~SLOT_CTL_COMMAND_COMPLETED_ENABLE;
        port.configWrite16(pcie + PCIE_SLOT_CONTROL, ctl);
        LOG.info("pciehp {}", state());
        handle(SLOT_STATUS_PRESENCE_CHANGED);
    }

    /** Disables the slot's events and its interrupt. Caller holds the bus lock. */
    void stop() {
        if (irq == null) {
            return;
        }
        int ctl = port.configRead16(pcie + PCIE_SLOT_CONTROL);
        port.configWrite16(pcie + PCIE_SLOT_CONTROL, ctl & ~(SLOT_CTL_ATTENTION_BUTTON_ENABLE
                | SLOT_CTL_PRESENCE_CHANGED_ENABLE | SLOT_CTL_LINK_CHANGED_ENABLE | SLOT_CTL_HOT_PLUG_INTERRUPT_ENABLE));
        port.disableMsi();
        irq = null;
    }

    boolean driven() {
        return irq != null;
    }

    int slotStatus() {
        return port.configRead16(pcie + PCIE_SLOT_STATUS);
    }

    private boolean present() {
        return (slotStatus() & SLOT_STATUS_PRESENCE) != 0;
    }

    private boolean linkUp() {
        return (port.configRead16(pcie + PCIE_LINK_STATUS) & LINK_STATUS_DLLLA) != 0;
    }

    private boolean powered() {
        return !powerController || (port.configRead16(pcie + PCIE_SLOT_CONTROL) & SLOT_CTL_POWER_OFF) == 0;
    }

    /** The slot's state now. Caller holds the bus lock. */
    PciSlot state() {
        return new PciSlot(name(), port.address(), secondaryBus(), present(), powered(), linkUp(), cardInUse, driven());
    }

    /** Handles slot events (see the class comment). Caller holds the bus lock. */
    void handle(int events) {
        if ((events & SLOT_STATUS_ATTENTION_BUTTON) != 0) {
            LOG.info("pciehp {} {}: attention button pressed", port.address(), name());
            if (cardInUse) {
                removeCard("removal requested", false);
                setPower(false);
                return;
            }
            if (present() && !powered()) {
                setPower(true);
            }
        }
        if ((events & (SLOT_STATUS_PRESENCE_CHANGED | SLOT_STATUS_LINK_CHANGED | SLOT_STATUS_ATTENTION_BUTTON)) == 0) {
            return;
        }
        boolean present = present();
        if (present && !powered() && (events & SLOT_STATUS_ATTENTION_BUTTON) == 0) {
            setPower(true);
        }
        if (present && powered() && !linkUp()) {
            waitForLink();
        }
        boolean usable = present && powered() && linkUp();
        if (usable && !cardInUse) {
            addCard();
        } else if (!usable && cardInUse) {
            removeCard(present ? "link down" : "card removed", true);
        }
    }

    private void waitForLink() {
        long deadline = System.nanoTime() + LINK_WAIT_NANOS;
        while (!linkUp() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!linkUp()) {
            LOG.error("pciehp {} {}: link did not come up within 1 s of power-on", port.address(), name());
        }
    }

    private void setPower(boolean on) {
        if (!powerController) {
            return;
        }
        int ctl = port.configRead16(pcie + PCIE_SLOT_CONTROL);
        ctl &= ~(SLOT_CTL_POWER_OFF | 3 << SLOT_CTL_POWER_INDICATOR_SHIFT);
        ctl |= on ? SLOT_CTL_INDICATOR_ON << SLOT_CTL_POWER_INDICATOR_SHIFT
                : SLOT_CTL_POWER_OFF | SLOT_CTL_INDICATOR_OFF << SLOT_CTL_POWER_INDICATOR_SHIFT;
        port.configWrite16(pcie + PCIE_SLOT_CONTROL, ctl);
        LOG.info("pciehp {} {}: power {}", port.address(), name(), on ? "on" : "off");
    }

    /** Assigns the card's BARs, enumerates it and lets the bus probe drivers. */
    private void addCard() {
        int secondary = secondaryBus();
        List<EcamFunction> raw = Enumerator.scanDevice(hal, secondary, 0);
        if (raw.isEmpty()) {
            LOG.error("pciehp {} {}: link up but no function answers on bus {}", port.address(), name(),
                    String.format("%02x", secondary));
            return;
        }
        if (raw.stream().noneMatch(f -> f.bars().stream().anyMatch(b -> b.address() != 0))) {
            BridgeWindows windows = BridgeWindows.of(port);
            int failed = windows.assign(raw);
            if (failed > 0) {
                LOG.error("pciehp {} {}: {} BAR(s) could not be assigned in {}", port.address(), name(), failed, windows);
            }
        }
        List<EcamFunction> card = Enumerator.scanDevice(hal, secondary, 0); // with the BARs as assigned
        cardInUse = true;
        LOG.info("pciehp {} {}: card added: {}", port.address(), name(), card);
        bus.addFunctions(card);
    }

    /** Forgets the card's functions; {@code gone}: it has already left (surprise), don't touch it. */
    private void removeCard(String why, boolean gone) {
        int secondary = secondaryBus();
        cardInUse = false;
        LOG.info("pciehp {} {}: {}: removing the card", port.address(), name(), why);
        bus.removeFunctions(a -> a.bus() == secondary, gone);
    }

    /** Caller holds the bus lock: a card found at enumeration counts as in use. */
    void cardEnumerated() {
        cardInUse = true;
    }
}
