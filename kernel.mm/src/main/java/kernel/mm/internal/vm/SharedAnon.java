package kernel.mm.internal.vm;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory object behind a {@code MAP_SHARED | MAP_ANONYMOUS} mapping (Linux backs it with a
 * shmem file): pages by page offset, created zeroed on first touch, each holding one page
 * reference of its own; every PTE that maps one holds another. Referenced by each area that
 * maps it (in any address space: fork shares it); its pages are released when the last area
 * goes. Thread-safe (areas of different address spaces reach it under different locks).
 */
final class SharedAnon implements kernel.mm.SharedMemory {
    private final VirtualMemoryImpl vm;
    private final Map<Long, Long> pages = new HashMap<>();
    /** Size in pages (Long.MAX_VALUE for the object behind a MAP_SHARED|MAP_ANONYMOUS mapping, which mremap can grow). */
    final long sizePages;
    private int refs = 1;
    private boolean handleClosed;

    SharedAnon(VirtualMemoryImpl vm) {
        this(vm, Long.MAX_VALUE);
    }

    SharedAnon(VirtualMemoryImpl vm, long sizePages) {
        this.vm = vm;
        this.sizePages = sizePages;
    }

    @Override
    public long size() {
        return sizePages == Long.MAX_VALUE ? Long.MAX_VALUE : sizePages * kernel.mm.PageAllocator.PAGE_SIZE;
    }

    @Override
    public synchronized long residentPages() {
        return pages.size();
    }

    /** The handle's reference (objects from {@link VirtualMemoryImpl#createSharedMemory}). */
    @Override
    public void close() {
        java.util.List<Long> put = new java.util.ArrayList<>();
        synchronized (this) {
            if (handleClosed) {
                return;
            }
            handleClosed = true;
            unref(put);
        }
        for (long p : put) {
            vm.pages.putPage(p);
        }
    }

    /** The page at offset {@code index} (pages), created zeroed if new. */
    synchronized long page(long index) {
        Long p = pages.get(index);
        if (p == null) {
            p = vm.allocUserPage();
            pages.put(index, p);
        }
        return p;
    }

    synchronized void ref() {
        refs++;
    }

    /** Drops one area's reference; when none is left, hands its pages to {@code put} to release. */
    synchronized void unref(List<Long> put) {
        if (--refs == 0) {
            put.addAll(pages.values());
            pages.clear();
        }
    }

}
