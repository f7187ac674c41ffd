package kernel.mm.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import kernel.core.hal.PhysMem;
import kernel.mm.DmaAllocator;
import kernel.mm.DmaBuffer;
import kernel.mm.PageAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One module's DMA allocator (devres-style): it remembers the module's live buffers so that
 * when the module goes away whatever it forgot to free is reclaimed and reported.
 */
final class ModuleDma implements DmaAllocator {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.mm");
    private static final long DMA32_LIMIT = 1L << 32;

    private final PageAllocator pages;
    private final PhysMem mem;
    private final String module;
    private final Set<DmaBufferImpl> live = new LinkedHashSet<>();
    private long bytes;

    ModuleDma(PageAllocator pages, PhysMem mem, String module) {
        this.pages = pages;
        this.mem = mem;
        this.module = module;
    }

    @Override
    public DmaBuffer allocate(int size, String tag) {
        if (size <= 0) {
            throw new IllegalArgumentException("DMA buffer size must be positive: " + size);
        }
        int count = (size + PageAllocator.PAGE_SIZE - 1) / PageAllocator.PAGE_SIZE;
        long phys = pages.allocate(count, DMA32_LIMIT);
        DmaBufferImpl b = new DmaBufferImpl(mem, phys, size, count, tag, this);
        b.zero(0, size);
        synchronized (this) {
            live.add(b);
            bytes += (long) count * PageAllocator.PAGE_SIZE;
        }
        return b;
    }

    void release(DmaBufferImpl b) {
        synchronized (this) {
            if (!live.remove(b)) {
                return;
            }
            bytes -= (long) b.pages() * PageAllocator.PAGE_SIZE;
        }
        pages.free(b.phys(), b.pages());
    }

    @Override
    public synchronized long allocatedBytes() {
        return bytes;
    }

    @Override
    public synchronized int liveBuffers() {
        return live.size();
    }

    /** Frees every buffer the module still holds; returns how many there were. */
    int reclaim() {
        List<DmaBufferImpl> left;
        synchronized (this) {
            left = new ArrayList<>(live);
        }
        for (DmaBufferImpl b : left) {
            LOG.warn("{} leaked DMA buffer {} ({} pages at 0x{}): reclaimed", module, b.tag(), b.pages(), Long.toHexString(b.phys()));
            b.close();
        }
        return left.size();
    }
}
