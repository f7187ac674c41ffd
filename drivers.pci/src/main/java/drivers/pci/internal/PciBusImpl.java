package drivers.pci.internal;

import drivers.pci.PciBus;
import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import drivers.pci.PciId;
import java.util.ArrayList;
import java.util.List;
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
 */
public final class PciBusImpl implements PciBus {
    private static final Logger LOG = LoggerFactory.getLogger("drivers.pci");

    private final Hal hal;
    private final List<PciDriver> drivers = new ArrayList<>();
    private volatile List<EcamFunction> devices = List.of();
    private boolean started;

    public PciBusImpl(Hal hal) {
        this.hal = hal;
    }

    /** Enumerates the bus behind {@code hal} and returns it started, with no drivers. */
    public static PciBusImpl scan(Hal hal) {
        PciBusImpl bus = new PciBusImpl(hal);
        bus.start();
        return bus;
    }

    /** Enumerates the functions, then probes them with the drivers registered so far. */
    public synchronized void start() {
        if (started) {
            return;
        }
        devices = List.copyOf(Enumerator.scan(hal));
        started = true;
        LOG.info("{} PCI functions", devices.size());
        for (PciDriver d : drivers) {
            attachDriver(d);
        }
    }

    /** Unbinds every function (drivers stay registered). */
    public synchronized void stop() {
        for (EcamFunction f : devices) {
            if (f.boundDriver() != null) {
                unbind(f);
            }
        }
        started = false;
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
