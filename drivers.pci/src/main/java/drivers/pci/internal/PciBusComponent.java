package drivers.pci.internal;

import drivers.pci.PciBus;
import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import drivers.pci.PciSlot;
import fkx.loader.FkxLoader;
import java.util.List;
import kernel.core.hal.Hal;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The PCI bus as a DS component: enumerates at activation and binds {@link PciDriver} services
 * (whiteboard: dynamic, multiple, greedy) as they come and go. SCR calls {@link #removeDriver}
 * while the driver's service is still registered, so its devices are removed before it goes.
 *
 * <p>The module loader, when there is one, is the bus's autoload hook: a hot-added card that no
 * registered driver binds gets its driver modules loaded ({@link FkxLoader#loadFor(String,
 * java.util.function.BooleanSupplier)}); once deactivation has begun, a load that has not yet
 * got the loader loads nothing.
 */
@Component(immediate = true, enabled = false, service = PciBus.class)
public final class PciBusComponent implements PciBus {
    private final PciBusImpl bus;
    private volatile FkxLoader loader;

    @Activate
    public PciBusComponent(@Reference(name = "hal") Hal hal) {
        this.bus = new PciBusImpl(hal);
        bus.setAutoload((id, proceed) -> {
            FkxLoader l = loader;
            return l == null ? null : l.loadFor(id, proceed);
        });
    }

    @Reference(name = "loader", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setLoader(FkxLoader l) {
        loader = l;
    }

    void unsetLoader(FkxLoader l) {
        if (loader == l) {
            loader = null;
        }
    }

    @Activate
    void activate() {
        bus.start();
    }

    /** Stops the bus: also stops and drains the pciehp worker and any driver autoload it started. */
    @Deactivate
    void deactivate() {
        bus.stop();
    }

    @Reference(name = "driver", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDriver(PciDriver driver) {
        bus.addDriver(driver);
    }

    void removeDriver(PciDriver driver) {
        bus.removeDriver(driver);
    }

    @Override
    public List<PciDevice> devices() {
        return bus.devices();
    }

    @Override
    public List<PciSlot> slots() {
        return bus.slots();
    }
}
