package kernel.mm.internal.vm;

import kernel.core.hal.Hal;
import kernel.mm.AddressSpace;
import kernel.mm.PageAllocator;
import kernel.mm.VirtualMemory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@link VirtualMemory} once the page allocator is there: builds the kernel's direct
 * map and allocates the TLB-shootdown IPI vectors. Disabled until fkx.loader starts kernel.mm
 * (as every FKX component).
 */
@Component(service = VirtualMemory.class, immediate = true, enabled = false)
public final class VmComponent implements VirtualMemory {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.mm");

    @Reference
    private Hal hal;

    @Reference
    private PageAllocator pages;

    private VirtualMemoryImpl vm;

    @Activate
    void activate() {
        vm = new VirtualMemoryImpl(hal, pages);
        LOG.info("vm: direct map at {}, {} kernel page-table pages", Long.toHexString(DIRECT_MAP_BASE), vm.kernelMap.tables().size());
    }

    @Deactivate
    void deactivate() {
        try {
            vm.close();
        } catch (RuntimeException e) {
            LOG.warn("vm: releasing the direct map failed: {}", e.toString()); // the allocator may be gone first
        }
    }

    @Override
    public AddressSpace createAddressSpace() {
        return vm.createAddressSpace();
    }

    @Override
    public kernel.mm.SharedMemory createSharedMemory(long size) {
        return vm.createSharedMemory(size);
    }

    @Override
    public Stats stats() {
        return vm.stats();
    }
}
