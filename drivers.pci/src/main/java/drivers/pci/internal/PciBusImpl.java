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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
 *
 * <p>Stopping ({@link #stop}, the component's deactivation) first closes autoload for the bus's
 * current run, then stops the slots and the worker, unbinds, and finally <em>drains</em>, outside
 * the lock: it waits for a module load already under way (one whose hook passed its
 * {@code proceed} check) and for the worker to end. A hook call still waiting for the module
 * loader (whose lock may be held by the very thread that is unloading this bus) is not waited
 * for: its {@code proceed} check fails, so when it gets the loader it loads nothing (logged at
 * debug). No autoload therefore runs after {@code stop} returns.
 */
public final class PciBusImpl implements PciBus {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.pci");

    private final Hal hal;
    private final List<PciDriver> drivers = new ArrayList<>();
    private volatile List<EcamFunction> devices = List.of();
    private boolean started;
    private final List<HotplugSlot> slots = new ArrayList<>();
    private ThreadPoolExecutor hotplugWorker;
    /** While a hot-plug event is handled: the added functions left unbound (guarded by this). */
    private List<EcamFunction> unboundAdded;
    private volatile Autoload autoload;
    /** Guards the autoload gate below; taken inside the module loader's lock, so never held while waiting for it. */
    private final Object autoloadLock = new Object();
    /** The run of the bus autoload is open for (0: closed); a new run per start. Guarded by autoloadLock. */
    private long autoloadRun;
    private long runs; // guarded by this
    /** Hook calls that passed proceed and have not returned: loads under way. Guarded by autoloadLock. */
    private int autoloadsLoading;
    /** Hook calls that have not passed proceed yet (waiting for the loader). Guarded by autoloadLock. */
    private int autoloadsWaiting;
    private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Loads driver modules for a device that no driver binds (the FKX loader's {@code loadFor}). */
    @FunctionalInterface
    public interface Autoload {
        /**
         * @param deviceId {@code pci:vvvv:dddd:cccccc} (lower-case hex; cccccc = class code)
         * @param proceed  to be called once, under the lock that serialises module loads and
         *                 unloads, before anything is loaded; false: the bus has stopped, load nothing
         *                 and return an empty list
         * @return the modules loaded, in load order; empty if none matches, every matching one is
         *         already loaded, or {@code proceed} said no; null if no module loader is available
         * @throws Exception if loading failed (the module was rolled back)
         */
        List<String> loadFor(String deviceId, BooleanSupplier proceed) throws Exception;
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
        enableBridges();
        long run = ++runs;
        synchronized (autoloadLock) {
            autoloadRun = run;
        }
        for (PciDriver d : drivers) {
            attachDriver(d);
        }
        if (hotplug) {
            startHotplug();
        }
    }

    /**
     * Turns on memory and I/O forwarding and bus mastering on every PCI-to-PCI bridge (Linux's
     * {@code pci_enable_bridge}): a bridge passes nothing down without Memory/I/O Space Enable and
     * drops its secondary side's DMA and MSI without Bus Master Enable.
     */
    private void enableBridges() {
        for (EcamFunction f : devices) {
            if (f.headerType() == 1) {
                try {
                    f.enableBridge();
                } catch (RuntimeException e) {
                    LOG.error("pci {}: cannot enable the bridge", f.address(), e);
                }
            }
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
        hotplugWorker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> Thread.ofPlatform().daemon().name("pciehp").unstarted(r));
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

    /**
     * Stops the slots and the worker: queued events are dropped; the worker is interrupted (a
     * wait for a link) unless a module load is under way on it, which is left to finish. Returns
     * the worker for the caller to drain outside the lock. Autoload must be closed already.
     */
    private ThreadPoolExecutor stopHotplug() {
        for (HotplugSlot slot : slots) {
            try {
                slot.stop();
            } catch (RuntimeException e) {
                LOG.error("pciehp {}: stop failed", slot.port().address(), e);
            }
        }
        slots.clear();
        ThreadPoolExecutor w = hotplugWorker;
        hotplugWorker = null;
        if (w != null) {
            w.shutdown();
            int dropped = w.getQueue().size();
            w.getQueue().clear();
            if (dropped > 0) {
                LOG.debug("pciehp: {} queued slot event(s) dropped: the bus is stopping", dropped);
            }
            synchronized (autoloadLock) {
                if (autoloadsLoading == 0) {
                    w.shutdownNow(); // no load under way, and none can start now: interrupt a wait
                }
            }
        }
        return w;
    }

    /**
     * Waits, outside the lock, until no module load is under way for this bus and the worker has
     * ended, or is only waiting for the module loader (its load will be a no-op).
     */
    private void drain(ThreadPoolExecutor worker) {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
        try {
            synchronized (autoloadLock) {
                while (autoloadsLoading > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.warn("pci: a driver module load started by hot-plug is still running after {} s; not waiting longer",
                                TimeUnit.NANOSECONDS.toSeconds(DRAIN_TIMEOUT_NANOS));
                        return;
                    }
                    TimeUnit.NANOSECONDS.timedWait(autoloadLock, left);
                }
            }
            if (worker == null) {
                return;
            }
            worker.shutdownNow(); // nothing is loading now, and nothing can start loading
            while (!worker.awaitTermination(10, TimeUnit.MILLISECONDS)) {
                synchronized (autoloadLock) {
                    if (autoloadsWaiting > 0 && autoloadsLoading == 0) {
                        LOG.debug("pci: the pciehp worker waits for the module loader; its autoload will load nothing");
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    LOG.warn("pci: the pciehp worker did not end");
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        long run;
        synchronized (this) {
            if (!started || !slots.contains(slot)) {
                return;
            }
            run = runs;
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
            autoload(unbound, run);
        }
    }

    /** True while autoload is open for run {@code run} of the bus. */
    private boolean autoloadOpen(long run) {
        synchronized (autoloadLock) {
            return autoloadRun == run;
        }
    }

    /**
     * Calls the hook for {@code id}, counting the call as waiting until its {@code proceed} check
     * and as loading from a successful check until it returns, so that {@link #stop} can drain it.
     */
    private List<String> callHook(Autoload hook, String id, long run) throws Exception {
        boolean[] loading = {false};
        BooleanSupplier proceed = () -> {
            synchronized (autoloadLock) {
                if (loading[0]) {
                    return true;
                }
                if (autoloadRun != run) {
                    LOG.debug("pci: late autoload for {}: the bus has stopped; nothing loaded", id);
                    return false;
                }
                loading[0] = true;
                autoloadsWaiting--;
                autoloadsLoading++;
                return true;
            }
        };
        synchronized (autoloadLock) {
            autoloadsWaiting++;
        }
        try {
            return hook.loadFor(id, proceed);
        } finally {
            synchronized (autoloadLock) {
                if (loading[0]) {
                    autoloadsLoading--;
                } else {
                    autoloadsWaiting--;
                }
                autoloadLock.notifyAll();
            }
        }
    }

    /** Asks the autoload hook for a driver for each function still unbound. Caller: not holding the lock. */
    private void autoload(List<EcamFunction> unbound, long run) {
        List<String> tried = new ArrayList<>();
        for (EcamFunction f : unbound) {
            String id = String.format("pci:%04x:%04x:%06x", f.vendorId(), f.deviceId(), f.classCode() & 0xFF_FFFF);
            if (!autoloadOpen(run)) {
                LOG.debug("pci {}: late autoload for {}: the bus has stopped; nothing loaded", f.address(), id);
                return;
            }
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
                List<String> loaded = callHook(hook, id, run);
                if (!autoloadOpen(run)) {
                    LOG.debug("pci {}: autoload for {} ended after the bus stopped (loaded {})", f.address(), id, loaded);
                    return;
                }
                if (loaded == null) {
                    LOG.info("pci {}: no driver bound; no module loader to load one for {}", f.address(), id);
                } else if (loaded.isEmpty()) {
                    LOG.info("pci {}: no driver bound; no module to load for {} (none matches, or every matching one is loaded)",
                            f.address(), id);
                } else {
                    String module = loaded.get(loaded.size() - 1);
                    LOG.info("pci {}: no driver bound; loaded {}{} for {}", f.address(), module,
                            loaded.size() > 1 ? " (with " + String.join(", ", loaded.subList(0, loaded.size() - 1)) + ")" : "", id);
                    if (f.boundDriver() == null && listed(f)) {
                        LOG.warn("pci {}: still unbound after loading {}", f.address(), String.join(", ", loaded));
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

    /**
     * Unbinds every function (drivers stay registered) and stops hot-plug; then drains the
     * {@code pciehp} worker and any autoload under way (see the class comment). Call it without
     * holding this object's lock.
     */
    public void stop() {
        ThreadPoolExecutor worker;
        synchronized (this) {
            synchronized (autoloadLock) {
                autoloadRun = 0; // no autoload may start loading from here on
            }
            worker = stopHotplug();
            for (EcamFunction f : devices) {
                if (f.boundDriver() != null) {
                    unbind(f);
                }
            }
            started = false;
        }
        drain(worker);
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
