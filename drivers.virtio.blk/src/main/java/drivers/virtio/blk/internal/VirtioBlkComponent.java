package drivers.virtio.blk.internal;

import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import drivers.pci.PciId;
import java.util.Hashtable;
import java.util.List;
import kernel.block.BlockDevice;
import kernel.core.hal.Hal;
import kernel.mm.DmaAllocator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The virtio-blk driver as a DS component: registers the {@link PciDriver} whiteboard service
 * and publishes each disk as a {@link BlockDevice} service (property {@code block.name}) from
 * this bundle's context, so the disks belong to this module — as do their DMA buffers and
 * interrupt vectors, which come from this bundle's own DmaAllocator and Hal.
 */
@Component(immediate = true, enabled = false, service = PciDriver.class)
public final class VirtioBlkComponent implements PciDriver {
    private final VirtioBlkDriver driver;

    @Activate
    public VirtioBlkComponent(BundleContext context, @Reference(name = "dma") DmaAllocator dma,
            @Reference(name = "hal") Hal hal) {
        this.driver = new VirtioBlkDriver(dma, hal.interrupts(), disk -> register(context, disk));
    }

    private static DiskRegistrar.Registration register(BundleContext context, BlockDevice disk) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(BlockDevice.NAME, disk.name());
        props.put("block.driver", VirtioBlkDriver.NAME);
        ServiceRegistration<BlockDevice> reg = context.registerService(BlockDevice.class, disk, props);
        return () -> {
            try {
                reg.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping and the framework withdrew it first
            }
        };
    }

    /** Safety net: the bus normally removes every device before our service goes away. */
    @Deactivate
    void deactivate() {
        driver.removeAll();
    }

    @Override
    public String name() {
        return driver.name();
    }

    @Override
    public List<PciId> ids() {
        return driver.ids();
    }

    @Override
    public void probe(PciDevice dev) throws Exception {
        driver.probe(dev);
    }

    @Override
    public void remove(PciDevice dev) {
        driver.remove(dev);
    }
}
