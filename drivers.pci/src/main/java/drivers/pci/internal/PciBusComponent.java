package drivers.pci.internal;

import drivers.pci.PciBus;
import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import drivers.pci.PciSlot;
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
 */
@Component(immediate = true, enabled = false, service = PciBus.class)
public final class PciBusComponent implements PciBus {
    private final PciBusImpl bus;

    @Activate
    public PciBusComponent(@Reference(name = "hal") Hal hal) {
        this.bus = new PciBusImpl(hal);
    }

    @Activate
    void activate() {
        bus.start();
    }

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
