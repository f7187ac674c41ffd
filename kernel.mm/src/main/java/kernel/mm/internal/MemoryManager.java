package kernel.mm.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import kernel.core.hal.Hal;
import kernel.mm.DmaAllocator;
import kernel.mm.PageAllocator;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kernel.mm's component: builds the page allocator from the memory map, publishes it and a
 * per-module {@link DmaAllocator}, and offers {@code meminfo}.
 */
@Component(service = MemoryManager.class, immediate = true, enabled = false, property = {
    "osgi.command.scope=mm",
    "osgi.command.function=meminfo",
})
public final class MemoryManager {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.mm");

    @Reference
    private Hal hal;

    private BitmapPageAllocator pages;
    private final Map<String, ModuleDma> modules = new ConcurrentHashMap<>();
    private ServiceRegistration<PageAllocator> pageReg;
    private ServiceRegistration<DmaAllocator> dmaReg;

    @Activate
    void activate(BundleContext context) {
        pages = new BitmapPageAllocator(hal.bootInfo().memoryMap());
        PageAllocator.Stats s = pages.stats();
        LOG.info("page allocator: {} pages free ({} MiB), {} reserved", s.freePages(), s.freePages() * 4 / 1024, s.reservedPages());
        pageReg = context.registerService(PageAllocator.class, pages, null);
        dmaReg = context.registerService(DmaAllocator.class, new ServiceFactory<DmaAllocator>() {
            @Override
            public DmaAllocator getService(Bundle bundle, ServiceRegistration<DmaAllocator> reg) {
                ModuleDma d = new ModuleDma(pages, hal.memory(), bundle.getSymbolicName());
                modules.put(bundle.getSymbolicName() + "#" + bundle.getBundleId(), d);
                return d;
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<DmaAllocator> reg, DmaAllocator service) {
                modules.remove(bundle.getSymbolicName() + "#" + bundle.getBundleId());
                ((ModuleDma) service).reclaim();
            }
        }, null);
    }

    @Deactivate
    void deactivate() {
        unregister(dmaReg);
        unregister(pageReg);
    }

    private static void unregister(ServiceRegistration<?> r) {
        try {
            if (r != null) {
                r.unregister();
            }
        } catch (IllegalStateException ignored) {
            // already unregistered
        }
    }

    @Descriptor("show physical memory and DMA usage")
    public String meminfo() {
        PageAllocator.Stats s = pages.stats();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("MemTotal:   %10d kB%n", s.totalPages() * 4));
        sb.append(String.format("MemFree:    %10d kB%n", s.freePages() * 4));
        sb.append(String.format("Reserved:   %10d kB", s.reservedPages() * 4));
        modules.forEach((m, d) -> sb.append(String.format("%nDMA %-24s %8d kB", m, d.allocatedBytes() / 1024)));
        return sb.toString();
    }
}
