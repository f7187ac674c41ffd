package kernel.mm.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import kernel.core.hal.PhysMem;
import kernel.mm.PageAllocator;
import kernel.mm.SlabAllocator;
import kernel.mm.SlabCache;
import kernel.mm.Zone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One module's {@link SlabAllocator}: it creates caches, lists them in the kernel-wide
 * {@code all} list (for {@code meminfo}) and destroys what the module left when it goes away.
 */
final class ModuleSlabs implements SlabAllocator {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.mm");

    private final PageAllocator pages;
    private final PhysMem mem;
    private final String module;
    private final List<SlabCacheImpl> all;
    private final List<SlabCacheImpl> mine = new CopyOnWriteArrayList<>();
    private final boolean forceDebug;

    /** @param all the kernel-wide list of caches, shared by every module's allocator */
    ModuleSlabs(PageAllocator pages, PhysMem mem, String module, List<SlabCacheImpl> all) {
        this(pages, mem, module, all, false);
    }

    /**
     * @param forceDebug create every cache in debug mode (the {@code slub_debug} kernel parameter)
     */
    ModuleSlabs(PageAllocator pages, PhysMem mem, String module, List<SlabCacheImpl> all, boolean forceDebug) {
        this.pages = pages;
        this.mem = mem;
        this.module = module;
        this.all = all;
        this.forceDebug = forceDebug;
    }

    @Override
    public SlabCache create(String name, int size, int align, Zone zone, boolean debug) {
        SlabCacheImpl c = new SlabCacheImpl(name, size, align, zone, debug || forceDebug, pages, mem, x -> {
            mine.remove(x);
            all.remove(x);
        });
        mine.add(c);
        all.add(c);
        return c;
    }

    @Override
    public List<SlabCache.Stats> caches() {
        List<SlabCache.Stats> out = new ArrayList<>();
        for (SlabCacheImpl c : all) {
            out.add(c.stats());
        }
        out.sort(Comparator.comparing(SlabCache.Stats::name));
        return out;
    }

    /** Destroys every cache the module still holds; returns how many there were. */
    int reclaim() {
        int n = 0;
        for (SlabCacheImpl c : List.copyOf(mine)) {
            long leaked = c.reclaim();
            LOG.warn("{} left slab cache {} ({} objects still allocated): destroyed", module, c.name(), leaked);
            n++;
        }
        return n;
    }
}
