package drivers.pci.internal;

import drivers.pci.PciBus;
import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import drivers.pci.PciId;
import drivers.pci.PciSlot;
import drivers.pci.PciAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import kernel.core.hal.Hal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device list and the driver core ({@code drivers/base/dd.c} in miniature): matches
 * drivers to functions by ID table, calls probe and remove, and records the binding.
 *
 * <p>Every binding change runs under this object's lock, so probe and remove calls are
 * serialised. A probe that throws leaves the function unbound; a driver that leaves MSI-X or
 * bus mastering on after a failed probe or a remove has them turned off for it, with a
 * warning. Drivers may arrive before {@link #start()}: they are probed once the bus is
 * enumerated.
 *
 * <p>Hot-plug: every PCI Express port with a hot-plug capable slot gets a {@link HotplugSlot};
 * its events are handled on one worker thread per bus ({@code pciehp}), under this object's
 * lock, so cards come and go between binding changes, never during one. {@link #devices()} is
 * a snapshot.
 *
 * <p>Driver autoload (modprobe on a uevent): the functions of a hot-added card that no
 * registered driver binds are handed to the {@link Autoload} hook, if one is set, on the
 * {@code pciehp} worker <em>after</em> the lock is released: loading a module registers its
 * driver, which comes back through {@link #addDriver} and takes the lock.
 */
public final class PciBusImpl implements PciBus {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.pci");

    private final Hal hal;
    private final List<PciDriver> drivers = new ArrayList<>();
    private volatile List<EcamFunction> devices = List.of();
    private boolean started;
    private final List<HotplugSlot> slots = new ArrayList<>();
    private ExecutorService hotplugWorker;
    /** While a hot-plug event is handled: the added functions left unbound (guarded by this). */
    private List<EcamFunction> unboundAdded;
    private volatile Autoload autoload;

    /** Loads a driver module for a device that no driver binds (the FKX loader's {@code loadFor}). */
    @FunctionalInterface
    public interface Autoload {
        /**
         * @param deviceId {@code pci:vvvv:dddd:cccccc} (lower-case hex; cccccc = class code)
         * @return the modules loaded, the matching one last; empty if none matches or a matching
         *         one is already loaded; null if no module loader is available
         * @throws Exception if loading failed (the module was rolled back)
         */
        List<String> loadFor(String deviceId) throws Exception;
    }

    public PciBusImpl(Hal hal) {
        this.hal = hal;
    }

    /** Enumerates the bus behind {@code hal} and returns it started, with no drivers. */
    public static PciBusImpl scan(Hal hal) {
        PciBusImpl bus = new PciBusImpl(hal);
        bus.start(false);
        return bus;
    }

    /** Enumerates the functions, probes them with the drivers registered so far, and drives the hot-plug slots. */
    public void start() {
        start(true);
    }

    private synchronized void start(boolean hotplug) {
        if (started) {
            return;
        }
        devices = List.copyOf(Enumerator.scan(hal));
        started = true;
        LOG.info("{} PCI functions", devices.size());
        for (PciDriver d : drivers) {
            attachDriver(d);
        }
        if (hotplug) {
            startHotplug();
        }
    }

    private void startHotplug() {
        for (EcamFunction f : devices) {
            HotplugSlot slot = HotplugSlot.probe(this, f, hal);
            if (slot != null) {
                slots.add(slot);
            }
        }
        if (slots.isEmpty()) {
            return;
        }
        hotplugWorker = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("pciehp").unstarted(r));
        for (HotplugSlot slot : slots) {
            int secondary = slot.secondaryBus();
            if (devices.stream().anyMatch(f -> f.address().bus() == secondary && secondary != 0)) {
                slot.cardEnumerated();
            }
            try {
                slot.start(hotplugWorker);
            } catch (RuntimeException e) {
                LOG.error("pciehp {}: cannot drive the slot", slot.port().address(), e);
            }
        }
    }

    /** Stops the slots; returns the worker, shut down, for the caller to await outside the lock. */
    private ExecutorService stopHotplug() {
        for (HotplugSlot slot : slots) {
            try {
                slot.stop();
            } catch (RuntimeException e) {
                LOG.error("pciehp {}: stop failed", slot.port().address(), e);
            }
        }
        slots.clear();
        ExecutorService w = hotplugWorker;
        hotplugWorker = null;
        if (w != null) {
            w.shutdownNow();
        }
        return w;
    }

    /** Sets (or, with null, clears) the hook that loads drivers for unbound hot-added functions. */
    public void setAutoload(Autoload autoload) {
        this.autoload = autoload;
    }

    /**
     * The hot-plug worker's entry: slot events read and cleared by the slot's interrupt handler.
     * Handles them under the lock, then, outside it, asks for drivers for what stayed unbound.
     */
    void hotplugEvent(HotplugSlot slot, int events) {
        List<EcamFunction> unbound;
        synchronized (this) {
            if (!started || !slots.contains(slot)) {
                return;
            }
            unboundAdded = new ArrayList<>();
            try {
                slot.handle(events);
            } catch (RuntimeException e) {
                LOG.error("pciehp {} {}: event {} failed", slot.port().address(), slot.name(), Integer.toHexString(events), e);
            } finally {
                unbound = unboundAdded;
                unboundAdded = null;
            }
        }
        if (!unbound.isEmpty()) {
            autoload(unbound);
        }
    }

    /** Asks the autoload hook for a driver for each function still unbound. Caller: not holding the lock. */
    private void autoload(List<EcamFunction> unbound) {
        List<String> tried = new ArrayList<>();
        for (EcamFunction f : unbound) {
            String id = String.format("pci:%04x:%04x:%06x", f.vendorId(), f.deviceId(), f.classCode() & 0xFF_FFFF);
            if (f.boundDriver() != null || !listed(f)) {
                continue; // bound by a module loaded for an earlier function, or gone
            }
            if (tried.contains(id)) {
                LOG.info("pci {}: no driver bound; a module for {} was already tried", f.address(), id);
                continue;
            }
            tried.add(id);
            Autoload hook = autoload;
            if (hook == null) {
                LOG.info("pci {}: no driver bound; no module loader to load one for {}", f.address(), id);
                continue;
            }
            try {
                List<String> loaded = hook.loadFor(id);
                if (loaded == null) {
                    LOG.info("pci {}: no driver bound; no module loader to load one for {}", f.address(), id);
                } else if (loaded.isEmpty()) {
                    LOG.info("pci {}: no driver bound; no module to load for {} (none matches, or the matching one is loaded)",
                            f.address(), id);
                } else {
                    String module = loaded.get(loaded.size() - 1);
                    LOG.info("pci {}: no driver bound; loaded {}{} for {}", f.address(), module,
                            loaded.size() > 1 ? " (with " + String.join(", ", loaded.subList(0, loaded.size() - 1)) + ")" : "", id);
                    if (f.boundDriver() == null && listed(f)) {
                        LOG.warn("pci {}: still unbound after loading {}", f.address(), module);
                    }
                }
            } catch (Exception | LinkageError e) {
                LOG.error("pci {}: no driver bound; loading a module for {} failed: {}", f.address(), id, e.getMessage());
            }
        }
    }

    private synchronized boolean listed(EcamFunction f) {
        return started && devices.stream().anyMatch(x -> x == f);
    }

    @Override
    public synchronized List<PciSlot> slots() {
        return slots.stream().map(HotplugSlot::state).toList();
    }

    /** A hot-added card's functions: listed, then offered to the drivers. Caller: a slot, under the lock. */
    synchronized void addFunctions(List<EcamFunction> card) {
        List<EcamFunction> all = new ArrayList<>(devices);
        for (EcamFunction f : card) {
            if (all.stream().anyMatch(x -> x.address().equals(f.address()))) {
                LOG.warn("pci {}: already listed", f.address());
                continue;
            }
            all.add(f);
        }
        all.sort(Comparator.comparing(EcamFunction::address));
        devices = List.copyOf(all);
        for (EcamFunction f : card) {
            for (PciDriver d : drivers) {
                if (f.boundDriver() == null && matches(d, f)) {
                    probe(d, f);
                }
            }
            if (f.boundDriver() == null && unboundAdded != null && devices.stream().anyMatch(x -> x == f)) {
                unboundAdded.add(f);
            }
        }
    }

    /**
     * Unbinds and forgets the functions at the matching addresses (a card leaving); with
     * {@code gone} they are marked disconnected first (surprise removal). Caller: a slot, under the lock.
     */
    synchronized void removeFunctions(Predicate<PciAddress> which, boolean gone) {
        List<EcamFunction> keep = new ArrayList<>();
        for (EcamFunction f : devices) {
            if (!which.test(f.address())) {
                keep.add(f);
                continue;
            }
            if (gone) {
                f.markDisconnected();
            }
            if (f.boundDriver() != null) {
                unbind(f);
            }
            try {
                f.disable();
            } catch (RuntimeException e) {
                // the card may already be gone
            }
            LOG.info("pci {}: removed", f.address());
        }
        devices = List.copyOf(keep);
    }

    /** Unbinds every function (drivers stay registered) and stops hot-plug; waits for its worker to end. */
    public void stop() {
        ExecutorService worker;
        synchronized (this) {
            worker = stopHotplug();
            for (EcamFunction f : devices) {
                if (f.boundDriver() != null) {
                    unbind(f);
                }
            }
            started = false;
        }
        if (worker != null) {
            try {
                worker.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public List<PciDevice> devices() {
        return List.copyOf(devices);
    }

    /** A driver has arrived: probe every unbound function it matches. */
    public synchronized void addDriver(PciDriver d) {
        drivers.add(d);
        if (started) {
            attachDriver(d);
        }
    }

    /** A driver is leaving: remove it from every function it drives, then offer those to the others. */
    public synchronized void removeDriver(PciDriver d) {
        if (!drivers.removeIf(x -> x == d)) {
            return;
        }
        for (EcamFunction f : devices) {
            if (f.boundDriver() == d) {
                unbind(f);
                for (PciDriver other : drivers) {
                    if (f.boundDriver() == null && matches(other, f)) {
                        probe(other, f);
                    }
                }
            }
        }
    }

    private void attachDriver(PciDriver d) {
        for (EcamFunction f : devices) {
            if (f.boundDriver() == null && matches(d, f)) {
                probe(d, f);
            }
        }
    }

    static boolean matches(PciDriver d, PciDevice f) {
        List<PciId> ids;
        try {
            ids = d.ids();
        } catch (RuntimeException e) {
            LOG.error("driver {}: ID table failed", d, e);
            return false;
        }
        for (PciId id : ids) {
            if (id.matches(f)) {
                return true;
            }
        }
        return false;
    }

    private void probe(PciDriver d, EcamFunction f) {
        String name = safeName(d);
        try {
            d.probe(f);
            f.bind(d);
            LOG.info("pci {}: bound to {}", f.address(), name);
        } catch (Exception | LinkageError | AssertionError e) {
            LOG.error("pci {}: probe by {} failed", f.address(), name, e);
            quiesce(f, name);
        }
    }

    private void unbind(EcamFunction f) {
        PciDriver d = f.boundDriver();
        String name = safeName(d);
        try {
            d.remove(f);
        } catch (Exception | LinkageError | AssertionError e) {
            LOG.error("pci {}: remove by {} failed", f.address(), name, e);
        } finally {
            f.bind(null);
            quiesce(f, name);
            LOG.info("pci {}: unbound from {}", f.address(), name);
        }
    }

    /** Turns off what a driver that is no longer bound left on. */
    private static void quiesce(EcamFunction f, String driver) {
        try {
            if (f.msixEnabled()) {
                LOG.warn("pci {}: {} left MSI-X enabled; disabling it", f.address(), driver);
                f.disableMsix();
            }
            if (f.disconnected()) {
                f.disableMsix(); // frees the vectors only
                f.disableMsi();
                return;
            }
            if (f.msiEnabled()) {
                LOG.warn("pci {}: {} left MSI enabled; disabling it", f.address(), driver);
                f.disableMsi();
            }
            if (f.busMasterEnabled()) {
                LOG.warn("pci {}: {} left bus mastering on; turning it off", f.address(), driver);
                f.disableBusMaster();
            }
        } catch (RuntimeException e) {
            LOG.error("pci {}: could not quiesce after {}", f.address(), driver, e);
        }
    }

    private static String safeName(PciDriver d) {
        try {
            return d.name();
        } catch (RuntimeException e) {
            return d.getClass().getName();
        }
    }

    /** One {@code lspci} line: {@code 0000:00:04.0 0100: 1af4:1042 (rev 01) virtio-blk}. */
    public static String lspciLine(PciDevice d) {
        String drv = d.driver();
        return String.format("%s %04x: %04x:%04x (rev %02x) %s", d.address(), d.classCode() >>> 8,
                d.vendorId(), d.deviceId(), d.revision(), drv == null ? "-" : drv);
    }
}
