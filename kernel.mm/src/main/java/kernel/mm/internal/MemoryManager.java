package kernel.mm.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import kernel.core.hal.Hal;
import kernel.core.selftest.SelfTestSuite;
import kernel.mm.DmaAllocator;
import kernel.mm.PageAllocator;
import kernel.mm.SlabAllocator;
import kernel.mm.SlabCache;
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
 * kernel.mm's component: builds the buddy allocator from the memory map (with a per-CPU page
 * cache for each of the machine's vCPUs), publishes it, a per-module {@link DmaAllocator} and a
 * per-module {@link SlabAllocator}, registers the self-test suites {@code mm.buddy} and
 * {@code mm.slab}, and offers {@code meminfo}.
 *
 * <p>The kernel command line word {@code slub_debug} (as on Linux) puts every slab cache in
 * debug mode, whatever its creator asked for.
 *
 * <p>The services are registered by hand (not as DS services) because the DMA and slab
 * allocators are per-module service factories that reclaim what a module leaves behind, and
 * so that everything exists as soon as the memory manager is active.
 */
@Component(service = MemoryManager.class, immediate = true, enabled = false, property = {
    "osgi.command.scope=mm",
    "osgi.command.function=meminfo",
})
public final class MemoryManager {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.mm");

    @Reference
    private Hal hal;

    private BuddyAllocator pages;
    private final Map<String, ModuleDma> modules = new ConcurrentHashMap<>();
    private final List<SlabCacheImpl> caches = new CopyOnWriteArrayList<>();
    private ServiceRegistration<PageAllocator> pageReg;
    private ServiceRegistration<DmaAllocator> dmaReg;
    private ServiceRegistration<SlabAllocator> slabReg;
    private ServiceRegistration<SelfTestSuite> buddyTestReg;
    private ServiceRegistration<SelfTestSuite> slabTestReg;

    @Activate
    void activate(BundleContext context) {
        pages = new BuddyAllocator(hal.bootInfo().memoryMap(), hal.vcpus().size(), hal::currentCpu);
        PageAllocator.Stats s = pages.stats();
        LOG.info("buddy allocator: {} pages free ({} MiB), {} reserved, per-CPU caches for {} vCPUs",
                s.freePages(), s.freePages() * 4 / 1024, s.reservedPages(), hal.vcpus().size());
        boolean slabDebug = java.util.Arrays.asList(hal.bootInfo().commandLine().trim().split("\\s+")).contains("slub_debug");
        if (slabDebug) {
            LOG.info("slub_debug: every slab cache poisons free objects and checks them");
        }
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
        slabReg = context.registerService(SlabAllocator.class, new ServiceFactory<SlabAllocator>() {
            @Override
            public SlabAllocator getService(Bundle bundle, ServiceRegistration<SlabAllocator> reg) {
                return new ModuleSlabs(pages, hal.memory(), bundle.getSymbolicName(), caches, slabDebug);
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<SlabAllocator> reg, SlabAllocator service) {
                ((ModuleSlabs) service).reclaim();
            }
        }, null);
        buddyTestReg = context.registerService(SelfTestSuite.class, new BuddySelfTests(CpuRunner.of(hal), pages), null);
        slabTestReg = context.registerService(SelfTestSuite.class, new SlabSelfTests(pages, hal.memory()), null);
    }

    @Deactivate
    void deactivate() {
        unregister(slabTestReg);
        unregister(buddyTestReg);
        unregister(slabReg);
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

    @Descriptor("show physical memory: zones, free blocks per order, per-CPU caches, slab caches, DMA per module")
    public String meminfo() {
        return format(pages.stats(), pcpTable(pages), caches.stream().map(SlabCacheImpl::stats).toList(), modules);
    }

    /** Pages in each vCPU's caches, per zone; empty without caches. */
    static String pcpTable(BuddyAllocator a) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < a.cpus(); c++) {
            sb.append(String.format("cpu%-3d", c));
            for (kernel.mm.Zone z : kernel.mm.Zone.values()) {
                sb.append(String.format(" %6s %6d", z, a.cachedOn(z, c)));
            }
            sb.append(String.format("%n"));
        }
        if (a.cpus() > 0) {
            int[] l = a.pcpLimits(kernel.mm.Zone.DMA32);
            sb.insert(0, String.format("%nper-CPU page caches (pages; DMA32 batch %d, high %d)%n", l[0], l[1]));
        }
        return sb.toString();
    }

    /** The {@code meminfo} text. */
    static String format(PageAllocator.Stats s, String pcp, List<SlabCache.Stats> slabs, Map<String, ModuleDma> dma) {
        StringBuilder sb = new StringBuilder();
        long slabPages = 0;
        for (SlabCache.Stats c : slabs) {
            slabPages += c.pages();
        }
        sb.append(String.format("MemTotal:   %10d kB%n", s.totalPages() * 4));
        sb.append(String.format("MemFree:    %10d kB%n", s.freePages() * 4));
        sb.append(String.format("PcpCached:  %10d kB%n", s.cachedPages() * 4));
        sb.append(String.format("Slab:       %10d kB%n", slabPages * 4));
        sb.append(String.format("Reserved:   %10d kB%n", s.reservedPages() * 4));
        sb.append(String.format("%nzone      total kB    free kB   free blocks by order 0..%d%n", PageAllocator.MAX_ORDER));
        for (PageAllocator.ZoneStats z : s.zones()) {
            sb.append(String.format("%-6s %11d %10d  ", z.zone(), z.totalPages() * 4, z.freePages() * 4));
            for (long n : z.freeBlocks()) {
                sb.append(String.format(" %6d", n));
            }
            sb.append(String.format("%n"));
        }
        sb.append(pcp);
        sb.append(String.format("%nslab cache             active    total  objsize  objperslab  pagesperslab  pages%n"));
        for (SlabCache.Stats c : slabs) {
            sb.append(String.format("%-20s %8d %8d %8d %11d %13d %6d%n", c.name(), c.activeObjects(), c.totalObjects(),
                    c.objectSize(), c.objectsPerSlab(), c.pagesPerSlab(), c.pages()));
        }
        if (!dma.isEmpty()) {
            sb.append(String.format("%nDMA by module%n"));
            dma.forEach((m, d) -> sb.append(String.format("%-28s %8d kB%n", m, d.allocatedBytes() / 1024)));
        }
        return sb.toString().stripTrailing();
    }
}
