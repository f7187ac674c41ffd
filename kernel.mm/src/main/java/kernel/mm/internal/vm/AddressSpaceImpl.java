package kernel.mm.internal.vm;

import static kernel.mm.Errno.EBADF;
import static kernel.mm.Errno.EEXIST;
import static kernel.mm.Errno.EFAULT;
import static kernel.mm.Errno.EINVAL;
import static kernel.mm.Errno.ENOMEM;
import static kernel.mm.Errno.EOPNOTSUPP;
import static kernel.mm.Errno.EPERM;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import kernel.mm.AddressSpace;
import kernel.mm.FaultResult;
import kernel.mm.MapFlags;
import kernel.mm.MemoryLimits;
import kernel.mm.OutOfPagesException;
import kernel.mm.Prot;
import kernel.mm.Vma;
import platform.cpu.Vectors;
import platform.pc.Vcpu;

/**
 * An address space on real x86-64 page tables (see {@link AddressSpace} for the contract).
 *
 * <p><b>Linux semantics and deviations.</b> mmap/munmap/mprotect/mremap/brk follow
 * mm/mmap.c, mm/mprotect.c and mm/mremap.c for anonymous memory: page-aligned addresses,
 * lengths rounded up, EINVAL/ENOMEM/EPERM/EEXIST where Linux returns them, MAP_FIXED replacing,
 * top-down placement below {@code mmap_base} (TASK_SIZE - 128 MiB, no randomisation),
 * hints honoured when the range is free, grows-down areas kept {@link #STACK_GUARD_GAP} away.
 * Deviations: no file mappings (-EBADF without MAP_ANONYMOUS; shared objects are mapped with
 * the {@link kernel.mm.SharedMemory} overload, MAP_SHARED only, -EINVAL past the object's end
 * where Linux would map and raise SIGBUS on access); MAP_HUGETLB, MAP_LOCKED and
 * MAP_NORESERVE are accepted and ignored (MAP_LOCKED populates, like MAP_POPULATE); the
 * {@link MemoryLimits} are checked as Linux's may_expand_vm does, but brk counts the heap from
 * {@code start_brk} only (no separate data segment), and over RLIMIT_DATA it leaves the break
 * unchanged (Linux's brk fails the same way); shared areas do not grow
 * down; an in-place mremap grow also keeps a grows-down neighbour's guard gap free. The user
 * copies do not set A/D bits (the hardware would) and may have copied a prefix when they return
 * -EFAULT (Linux reports the bytes not copied).
 *
 * <p><b>Zero page.</b> As Linux's do_anonymous_page: a read fault on untouched private memory
 * maps the shared zero page ({@link VirtualMemoryImpl#zeroPage}) read-only, and the first
 * write replaces it with a private zeroed page (no copy). The zero page is reference-counted
 * like any page, so fork, munmap and close need no special case, but it is never counted in
 * {@link #residentPages} (Linux's RSS leaves it out too).
 *
 * <p><b>Locking.</b> One {@link ReentrantLock} (mmap_lock, always exclusive) guards the areas,
 * the page tables and the counters; faults, copies, fork and the mmap family take it. On a vCPU
 * thread it is acquired by spinning with interrupts serviced, so the holder's TLB shootdown can
 * always reach a vCPU waiting for it. Do not call into an address space from an interrupt
 * handler.
 *
 * <p><b>Ordering.</b> Every change that removes or restricts translations clears the entries,
 * then shoots the TLBs down (all vCPUs the space is active on), then drops the page references
 * and frees emptied page-table pages (Linux's mmu_gather): no vCPU can reach a page after it is
 * handed to someone else.
 */
final class AddressSpaceImpl implements AddressSpace {
    private static final long PAGE = PAGE_SIZE;
    private static final long MMAP_BASE = TASK_SIZE - (128L << 20);
    /** Linux's default vm.max_map_count. */
    static final int MAX_MAP_COUNT = 65530;
    /** PROT_SEM: accepted by mprotect and ignored, as on x86. */
    private static final int PROT_SEM = 0x8;

    /** A VMA; mutable under the lock. */
    static final class Area {
        long start;
        long end;
        int prot;
        int flags;
        boolean heap;
        SharedAnon shm;
        long pgoff; // page offset into shm

        Area(long start, long end, int prot, int flags) {
            this.start = start;
            this.end = end;
            this.prot = prot;
            this.flags = flags;
        }

        Area copy() {
            Area a = new Area(start, end, prot, flags);
            a.heap = heap;
            a.shm = shm;
            a.pgoff = pgoff;
            if (shm != null) {
                shm.ref();
            }
            return a;
        }

        boolean shared() {
            return shm != null;
        }

        boolean growsDown() {
            return (flags & MapFlags.GROWSDOWN) != 0;
        }

        /** Linux's vm_start_gap: a grows-down area keeps the guard gap below it free. */
        long startGap() {
            return growsDown() ? Math.max(0, start - STACK_GUARD_GAP) : start;
        }

        Vma snapshot() {
            return new Vma(start, end, prot, flags, heap ? "[heap]" : growsDown() ? "[stack]" : "");
        }
    }

    /** What a change collected: translations to flush, page references to drop, tables to free. */
    private final class Gather {
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        int count;
        final List<Long> put = new ArrayList<>();
        final List<Long> tables = new ArrayList<>();
        final List<SharedAnon> unref = new ArrayList<>();

        void flushPage(long va) {
            lo = Math.min(lo, va);
            hi = Math.max(hi, va + PAGE);
            count++;
        }

        void finish() {
            if (count > 0) {
                long pages = (hi - lo) / PAGE;
                vm.tlb.flush(active, lo, pages > Integer.MAX_VALUE ? -1 : (int) pages);
            }
            for (SharedAnon s : unref) {
                s.unref(put);
            }
            for (long p : put) {
                vm.pages.putPage(p);
            }
            for (long t : tables) {
                vm.pages.freePages(t, 0);
            }
        }
    }

    private final VirtualMemoryImpl vm;
    private final PageTables pt;
    private final ReentrantLock lock = new ReentrantLock();
    private final TreeMap<Long, Area> areas = new TreeMap<>();
    private final Set<Integer> active = ConcurrentHashMap.newKeySet();
    private long startBrk;
    private long brk;
    private long resident;
    private boolean closed;
    private volatile MemoryLimits limits = MemoryLimits.DEFAULT;

    AddressSpaceImpl(VirtualMemoryImpl vm) {
        this.vm = vm;
        this.pt = new PageTables(vm);
        vm.spaces.increment();
    }

    /** Ends an operation: {@link Gather#finish} (shootdown, then freeing), then releases the lock. */
    private void finishAndUnlock(Gather g) {
        try {
            g.finish();
        } finally {
            lock.unlock();
        }
    }

    private void lock() {
        vm.lock(lock);
        if (closed) {
            lock.unlock();
            throw new IllegalStateException("address space closed");
        }
    }

    @Override
    public long cr3() {
        return pt.root;
    }

    static long pageAlign(long len) {
        return (len + PAGE - 1) & ~(PAGE - 1);
    }

    // ====================================================================== VMAs

    /** Linux's find_vma: the first area with end &gt; va, or null. */
    private Area find(long va) {
        Map.Entry<Long, Area> e = areas.floorEntry(va);
        if (e != null && e.getValue().end > va) {
            return e.getValue();
        }
        Map.Entry<Long, Area> n = areas.higherEntry(va);
        return n == null ? null : n.getValue();
    }

    private Area containing(long va) {
        Map.Entry<Long, Area> e = areas.floorEntry(va);
        return e != null && e.getValue().end > va ? e.getValue() : null;
    }

    /** Splits the area that strictly contains {@code at}, so an area boundary lies there. */
    private void splitAt(long at) {
        Map.Entry<Long, Area> e = areas.lowerEntry(at);
        if (e == null) {
            return;
        }
        Area a = e.getValue();
        if (a.end <= at) {
            return;
        }
        Area b = a.copy();
        b.start = at;
        b.pgoff = a.pgoff + (at - a.start) / PAGE;
        a.end = at;
        areas.put(at, b);
    }

    private boolean overlaps(long start, long end) {
        Area a = find(start);
        return a != null && a.start < end;
    }

    private static boolean mergeable(Area a, Area b) {
        return a.end == b.start && a.prot == b.prot && a.flags == b.flags && a.heap == b.heap
                && (a.shm == null ? b.shm == null : a.shm == b.shm && b.pgoff == a.pgoff + (a.end - a.start) / PAGE);
    }

    /** Merges compatible neighbours among the areas touching {@code [lo, hi]} (Linux's vma_merge). */
    private void mergeAround(long lo, long hi, Gather g) {
        Map.Entry<Long, Area> e = areas.floorEntry(lo - 1);
        if (e == null) {
            e = areas.ceilingEntry(lo);
        }
        while (e != null && e.getKey() <= hi) {
            Area a = e.getValue();
            Map.Entry<Long, Area> n = areas.higherEntry(a.start);
            if (n != null && mergeable(a, n.getValue())) {
                a.end = n.getValue().end;
                areas.remove(n.getKey());
                if (a.shm != null) {
                    g.unref.add(a.shm);
                }
                continue;
            }
            e = n;
        }
    }

    // ====================================================================== page-level helpers

    /** Clears every entry in {@code [start, end)}, collecting references, flushes and emptied tables. */
    private void zap(long start, long end, Gather g) {
        pt.range(start, end, (va, e) -> {
            g.put.add(Pte.frame(e));
            if (Pte.frame(e) != vm.zeroPage) {
                resident--;
            }
            if (Pte.present(e)) {
                g.flushPage(va);
            }
            return 0;
        }, true, g.tables);
    }

    /** Removes the areas in {@code [start, end)} (splitting those across the edges) and their pages. */
    private void unmapLocked(long start, long end, Gather g) {
        splitAt(start);
        splitAt(end);
        for (Area a : new ArrayList<>(areas.subMap(start, true, end, false).values())) {
            areas.remove(a.start);
            if (a.shm != null) {
                g.unref.add(a.shm);
            }
        }
        zap(start, end, g);
    }

    private void flushLocal(long page) {
        Vcpu me = vm.currentVcpu();
        if (me != null && active.contains(me.index())) {
            me.cpu().invlpg(page);
        }
    }

    // ====================================================================== mmap family

    /** Linux's get_unmapped_area for anonymous memory: hint if free, else top-down below mmap_base, else bottom-up. */
    private long unmappedArea(long hint, long len) {
        if (len > TASK_SIZE - MMAP_MIN_ADDR) {
            return -ENOMEM;
        }
        if (hint != 0) {
            hint = pageAlign(hint);
            if (hint <= TASK_SIZE - len && hint >= MMAP_MIN_ADDR && fits(hint, hint + len)) {
                return hint;
            }
        }
        // top-down from mmap_base
        long gapEnd = MMAP_BASE;
        for (Area a : areas.descendingMap().values()) {
            if (a.start >= gapEnd) {
                gapEnd = Math.min(gapEnd, a.startGap()); // a guard gap may reach below mmap_base
                continue;
            }
            if (a.end <= gapEnd && gapEnd - len >= a.end) {
                return gapEnd - len;
            }
            gapEnd = Math.min(gapEnd, a.startGap());
        }
        if (gapEnd - len >= MMAP_MIN_ADDR && gapEnd >= len) {
            return gapEnd - len;
        }
        // bottom-up above mmap_base
        long at = MMAP_BASE;
        for (Area a : areas.values()) {
            if (a.end <= at) {
                continue;
            }
            if (at + len <= a.startGap()) {
                return at;
            }
            at = Math.max(at, a.end);
        }
        return at <= TASK_SIZE - len ? at : -ENOMEM;
    }

    /** True if {@code [start, end)} is free and clear of the guard gap of the area above. */
    private boolean fits(long start, long end) {
        Area next = find(start);
        return next == null || end <= next.startGap();
    }

    // ====================================================================== limits

    @Override
    public MemoryLimits limits() {
        return limits;
    }

    @Override
    public void setLimits(MemoryLimits l) {
        limits = java.util.Objects.requireNonNull(l);
    }

    /** Linux's is_data_mapping: private, writable, not a stack. */
    private static boolean isData(int prot, int flags) {
        return (prot & Prot.WRITE) != 0 && (flags & MapFlags.TYPE) == MapFlags.PRIVATE
                && (flags & MapFlags.GROWSDOWN) == 0;
    }

    /**
     * Linux's may_expand_vm: may {@code pages} more pages of an area with {@code prot} and
     * {@code flags} be added? Walks the areas only for a finite limit. Caller holds the lock.
     */
    private boolean mayExpand(int prot, int flags, long pages) {
        MemoryLimits l = limits;
        boolean data = isData(prot, flags);
        if (pages <= 0 || (l.addressSpace() == MemoryLimits.UNLIMITED && (!data || l.data() == MemoryLimits.UNLIMITED))) {
            return true;
        }
        long total = 0;
        long dataPages = 0;
        for (Area a : areas.values()) {
            long n = (a.end - a.start) / PAGE;
            total += n;
            if (isData(a.prot, a.flags)) {
                dataPages += n;
            }
        }
        if (total + pages > l.addressSpace() / PAGE) {
            return false;
        }
        return !data || dataPages + pages <= l.data() / PAGE;
    }

    /** Pages of areas inside {@code [start, end)} (Linux's count_vma_pages_range). Caller holds the lock. */
    private long pagesIn(long start, long end) {
        long n = 0;
        for (Area a = find(start); a != null && a.start < end; a = next(a)) {
            n += (Math.min(a.end, end) - Math.max(a.start, start)) / PAGE;
        }
        return n;
    }

    private Area next(Area a) {
        Map.Entry<Long, Area> n = areas.higherEntry(a.start);
        return n == null ? null : n.getValue();
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags) {
        return mmap(addr, length, prot, flags, null, 0, false);
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags, kernel.mm.SharedMemory shm, long offset) {
        if (!(shm instanceof SharedAnon obj) || obj.sizePages == Long.MAX_VALUE) {
            return -EBADF; // not an object made by this service
        }
        if ((flags & MapFlags.TYPE) == MapFlags.PRIVATE || (offset & (PAGE - 1)) != 0 || offset < 0) {
            return -EINVAL;
        }
        long pages = pageAlign(Math.max(0, Math.min(length, TASK_SIZE))) / PAGE;
        if (offset / PAGE > obj.sizePages - pages) {
            return -EINVAL; // past the object's end (Linux would map it and raise SIGBUS on access)
        }
        return mmap(addr, length, prot, flags & ~MapFlags.ANONYMOUS, obj, offset / PAGE, true);
    }

    private long mmap(long addr, long length, int prot, int flags, SharedAnon obj, long pgoff, boolean object) {
        if (length == 0) {
            return -EINVAL;
        }
        int type = flags & MapFlags.TYPE;
        if (type != MapFlags.SHARED && type != MapFlags.PRIVATE && type != MapFlags.SHARED_VALIDATE) {
            return -EINVAL;
        }
        if (type == MapFlags.SHARED_VALIDATE && (flags & ~MapFlags.KNOWN) != 0) {
            return -EOPNOTSUPP;
        }
        if ((flags & MapFlags.ANONYMOUS) == 0 && !object) {
            return -EBADF; // no file mappings here
        }
        if ((flags & MapFlags.FIXED_NOREPLACE) != 0) {
            flags |= MapFlags.FIXED;
        }
        boolean fixed = (flags & MapFlags.FIXED) != 0;
        if (!fixed) {
            addr &= ~(PAGE - 1);
            if (addr != 0 && addr < MMAP_MIN_ADDR) {
                addr = MMAP_MIN_ADDR; // round_hint_to_min
            }
        }
        if (length < 0 || length > TASK_SIZE) {
            return -ENOMEM;
        }
        long len = pageAlign(length);
        int keep = MapFlags.GROWSDOWN | MapFlags.ANONYMOUS;
        int areaFlags = (type == MapFlags.PRIVATE ? MapFlags.PRIVATE : MapFlags.SHARED) | (flags & keep);
        lock();
        Gather g = new Gather();
        try {
            if (areas.size() >= MAX_MAP_COUNT) {
                return -ENOMEM; // vm.max_map_count
            }
            if (fixed) {
                if (addr < 0 || addr > TASK_SIZE - len) {
                    return -ENOMEM;
                }
                if ((addr & (PAGE - 1)) != 0) {
                    return -EINVAL;
                }
                if (addr < MMAP_MIN_ADDR) {
                    return -EPERM;
                }
                if ((flags & MapFlags.FIXED_NOREPLACE) != 0 && overlaps(addr, addr + len)) {
                    return -EEXIST;
                }
                if (!mayExpand(prot, areaFlags, len / PAGE - pagesIn(addr, addr + len))) {
                    return -ENOMEM;
                }
                unmapLocked(addr, addr + len, g);
            } else {
                addr = unmappedArea(addr, len);
                if (addr < 0) {
                    return addr;
                }
                if (!mayExpand(prot, areaFlags, len / PAGE)) {
                    return -ENOMEM;
                }
            }
            Area a = new Area(addr, addr + len, prot & (Prot.READ | Prot.WRITE | Prot.EXEC), areaFlags);
            if (object) {
                obj.ref();
                a.shm = obj;
                a.pgoff = pgoff;
            } else if (type != MapFlags.PRIVATE) {
                a.shm = new SharedAnon(vm);
            }
            areas.put(addr, a);
            mergeAround(addr, addr + len, g);
            if ((flags & (MapFlags.POPULATE | MapFlags.LOCKED)) != 0) {
                boolean write = (prot & Prot.WRITE) != 0;
                for (long va = addr; va < addr + len; va += PAGE) {
                    if (!fix(containing(va), va, write).resolved()) {
                        break; // as Linux: populate failures do not fail the mmap
                    }
                }
            }
            return addr;
        } finally {
            finishAndUnlock(g);
        }
    }

    @Override
    public int munmap(long addr, long length) {
        if ((addr & (PAGE - 1)) != 0 || addr < 0 || addr > TASK_SIZE || length <= 0) {
            return -EINVAL;
        }
        long len = pageAlign(length);
        if (len > TASK_SIZE - addr) {
            return -EINVAL;
        }
        lock();
        Gather g = new Gather();
        try {
            unmapLocked(addr, addr + len, g);
            return 0;
        } finally {
            finishAndUnlock(g);
        }
    }

    @Override
    public int mprotect(long addr, long length, int prot) {
        // the checks in Linux's order (do_mprotect_pkey)
        int grows = prot & (Prot.GROWSDOWN | Prot.GROWSUP);
        int bare = prot & ~(Prot.GROWSDOWN | Prot.GROWSUP);
        if (grows == (Prot.GROWSDOWN | Prot.GROWSUP) || (addr & (PAGE - 1)) != 0) {
            return -EINVAL;
        }
        if (length == 0) {
            return 0;
        }
        long len = pageAlign(length);
        long start = addr;
        long end = addr + len;
        if (length < 0 || end <= start) {
            return -ENOMEM;
        }
        if ((bare & ~(Prot.READ | Prot.WRITE | Prot.EXEC | PROT_SEM)) != 0) {
            return -EINVAL;
        }
        int newProt = bare & (Prot.READ | Prot.WRITE | Prot.EXEC);
        lock();
        Gather g = new Gather();
        try {
            Area a = find(start);
            if (a == null) {
                return -ENOMEM;
            }
            if ((grows & Prot.GROWSUP) != 0) {
                return -EINVAL; // no grows-up areas on x86
            }
            if ((grows & Prot.GROWSDOWN) != 0) {
                if (a.start >= end) {
                    return -ENOMEM;
                }
                if (!a.growsDown()) {
                    return -EINVAL;
                }
                start = a.start;
            } else if (a.start > start) {
                return -ENOMEM;
            }
            long at = start;
            while (at < end) {
                Area c = find(at);
                if (c == null || c.start > at) {
                    mergeAround(start, at, g);
                    return -ENOMEM; // a hole: the part before it stays changed, as Linux
                }
                long to = Math.min(c.end, end);
                if (isData(newProt, c.flags) && !isData(c.prot, c.flags) && !mayExpand(newProt, c.flags, (to - at) / PAGE)) {
                    mergeAround(start, at, g);
                    return -ENOMEM; // becoming data would pass RLIMIT_DATA (mprotect_fixup)
                }
                splitAt(at);
                splitAt(to);
                Area piece = areas.get(at);
                protect(piece, newProt, g);
                at = to;
            }
            mergeAround(start, end, g);
            return 0;
        } finally {
            finishAndUnlock(g);
        }
    }

    /**
     * Sets {@code a}'s protection and rewrites its entries; restricted ones are flushed. Adding
     * PROT_WRITE makes a private page writable at once only if this space holds its only
     * reference (Linux's can_change_pte_writable for exclusive anonymous pages); a page shared
     * after fork, or the zero page, stays read-only for the write fault to copy.
     */
    private void protect(Area a, int prot, Gather g) {
        a.prot = prot;
        boolean shared = a.shared();
        boolean upgrade = !shared && (prot & Prot.WRITE) != 0;
        pt.range(a.start, a.end, (va, e) -> {
            long frame = Pte.frame(e);
            boolean writable = shared || (e & Pte.RW) != 0
                    || (upgrade && frame != vm.zeroPage && vm.pages.pageCount(frame) == 1);
            long n = Pte.leaf(frame, prot, writable);
            if (n != e && Pte.present(e)) {
                g.flushPage(va);
            }
            return n;
        }, false, null);
    }

    @Override
    public long mremap(long oldAddr, long oldLength, long newLength, int flags, long newAddr) {
        int known = MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED | MapFlags.MREMAP_DONTUNMAP;
        boolean mayMove = (flags & MapFlags.MREMAP_MAYMOVE) != 0;
        boolean fixed = (flags & MapFlags.MREMAP_FIXED) != 0;
        boolean dontUnmap = (flags & MapFlags.MREMAP_DONTUNMAP) != 0;
        if ((flags & ~known) != 0 || (fixed && !mayMove) || (dontUnmap && (!mayMove || oldLength != newLength))) {
            return -EINVAL;
        }
        if ((oldAddr & (PAGE - 1)) != 0 || oldLength < 0 || newLength < 0 || oldLength > TASK_SIZE || newLength > TASK_SIZE) {
            return -EINVAL;
        }
        long oldLen = pageAlign(oldLength);
        long newLen = pageAlign(newLength);
        if (newLen == 0) {
            return -EINVAL;
        }
        lock();
        Gather g = new Gather();
        try {
            if (fixed || dontUnmap) {
                return mremapTo(oldAddr, oldLen, newAddr, newLen, fixed, dontUnmap, g);
            }
            if (oldLen >= newLen && oldLen != 0) {
                if (oldLen > newLen) {
                    unmapLocked(oldAddr + newLen, oldAddr + oldLen, g);
                }
                return oldAddr;
            }
            Area a = find(oldAddr);
            if (a == null || a.start > oldAddr || oldLen > a.end - oldAddr) {
                return -EFAULT;
            }
            if (!mayExpand(a.prot, a.flags, (newLen - oldLen) / PAGE)) {
                return -ENOMEM; // vma_to_resize
            }
            if (oldLen == 0) {
                if (!a.shared()) {
                    return -EINVAL;
                }
                if (!mayMove) {
                    return -ENOMEM;
                }
                long to = unmappedArea(0, newLen);
                if (to < 0) {
                    return to;
                }
                Area dup = a.copy(); // a second mapping of the same shared object
                dup.pgoff = a.pgoff + (oldAddr - a.start) / PAGE;
                dup.start = to;
                dup.end = to + newLen;
                areas.put(to, dup);
                return to;
            }
            // grow in place if the area ends there and the space after it is free
            if (oldAddr + oldLen == a.end && oldAddr + newLen <= TASK_SIZE && oldAddr + newLen > oldAddr) {
                Area next = areas.higherEntry(a.start) == null ? null : areas.higherEntry(a.start).getValue();
                if (next == null || oldAddr + newLen <= next.startGap()) {
                    a.end = oldAddr + newLen;
                    mergeAround(a.start, a.end, g);
                    return oldAddr;
                }
            }
            if (!mayMove) {
                return -ENOMEM;
            }
            long to = unmappedArea(0, newLen);
            if (to < 0) {
                return to;
            }
            return move(oldAddr, oldLen, to, newLen, false, g) ? to : -ENOMEM;
        } finally {
            finishAndUnlock(g);
        }
    }

    private long mremapTo(long oldAddr, long oldLen, long newAddr, long newLen, boolean fixed, boolean dontUnmap, Gather g) {
        if (fixed) {
            if ((newAddr & (PAGE - 1)) != 0 || newAddr < 0 || newAddr > TASK_SIZE - newLen) {
                return -EINVAL;
            }
            if (newAddr < oldAddr + oldLen && oldAddr < newAddr + newLen) {
                return -EINVAL; // overlapping ranges
            }
            if (newAddr < MMAP_MIN_ADDR) {
                return -EPERM;
            }
            unmapLocked(newAddr, newAddr + newLen, g);
        }
        if (oldLen > newLen) {
            unmapLocked(oldAddr + newLen, oldAddr + oldLen, g);
            oldLen = newLen;
        }
        Area a = find(oldAddr);
        if (a == null || a.start > oldAddr || oldLen == 0 || oldLen > a.end - oldAddr) {
            return -EFAULT;
        }
        if (newLen > oldLen && !mayExpand(a.prot, a.flags, (newLen - oldLen) / PAGE)) {
            return -ENOMEM;
        }
        if (!fixed) {
            newAddr = unmappedArea(newAddr, newLen); // without MREMAP_FIXED the address is a hint
            if (newAddr < 0) {
                return newAddr;
            }
        }
        return move(oldAddr, oldLen, newAddr, newLen, dontUnmap, g) ? newAddr : -ENOMEM;
    }

    /**
     * Moves {@code [old, old+oldLen)} (inside one area) to {@code to} with length {@code newLen},
     * page entries included; false (nothing moved) if there is no page for the new tables.
     */
    private boolean move(long old, long oldLen, long to, long newLen, boolean keepOld, Gather g) {
        splitAt(old);
        splitAt(old + oldLen);
        Area src = areas.get(old);
        try {
            pt.range(old, old + oldLen, (va, e) -> {
                pt.slot(va - old + to, true); // destination tables first: disjoint from the walked range
                return e;
            }, false, null);
        } catch (OutOfPagesException e) {
            return false;
        }
        Area dst = src.copy();
        dst.start = to;
        dst.end = to + newLen;
        // take the entries out, put them at the destination, then free the emptied tables
        List<long[]> moved = new ArrayList<>();
        pt.range(old, old + oldLen, (va, e) -> {
            moved.add(new long[] {va - old + to, e});
            if (Pte.present(e)) {
                g.flushPage(va);
            }
            return 0;
        }, false, null);
        for (long[] m : moved) {
            pt.write(pt.slot(m[0], false), m[1]);
        }
        pt.range(old, old + oldLen, (va, e) -> e, true, g.tables);
        if (!keepOld) {
            areas.remove(old);
            if (src.shm != null) {
                g.unref.add(src.shm);
            }
        }
        areas.put(to, dst);
        mergeAround(to, to + newLen, g);
        if (keepOld) {
            mergeAround(old, old + oldLen, g);
        }
        return true;
    }

    @Override
    public void initBrk(long start) {
        lock();
        try {
            startBrk = pageAlign(start);
            brk = startBrk;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long currentBrk() {
        lock();
        try {
            return brk;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long brk(long newBrk) {
        lock();
        Gather g = new Gather();
        try {
            if (startBrk == 0 || newBrk < startBrk || newBrk > TASK_SIZE) {
                return brk; // below the start (or no heap): unchanged, as Linux
            }
            long newEnd = pageAlign(newBrk);
            long oldEnd = pageAlign(brk);
            if (newEnd == oldEnd) {
                brk = newBrk;
                return brk;
            }
            if (newBrk <= brk) {
                unmapLocked(newEnd, oldEnd, g);
                brk = newBrk;
                return brk;
            }
            Area next = find(oldEnd);
            if (next != null && newEnd + PAGE > next.startGap()) {
                return brk; // would collide: refused, break unchanged
            }
            int heapFlags = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
            if (newBrk - startBrk > limits.data() || !mayExpand(Prot.READ | Prot.WRITE, heapFlags, (newEnd - oldEnd) / PAGE)) {
                return brk; // RLIMIT_DATA or RLIMIT_AS: refused, break unchanged
            }
            Area a = new Area(oldEnd, newEnd, Prot.READ | Prot.WRITE, heapFlags);
            a.heap = true;
            areas.put(oldEnd, a);
            mergeAround(oldEnd, newEnd, g);
            brk = newBrk;
            return brk;
        } finally {
            finishAndUnlock(g);
        }
    }

    // ====================================================================== faults

    @Override
    public FaultResult handleFault(long address, int errorCode) {
        lock();
        try {
            FaultResult r = faultLocked(address, errorCode);
            switch (r.kind()) {
                case ZERO_FILL, SHARED_FILL -> vm.zeroFills.increment();
                case COW_COPY -> vm.cowCopies.increment();
                case COW_REUSE -> vm.cowReuses.increment();
                case SIGSEGV -> vm.segvs.increment();
                default -> { }
            }
            return r;
        } finally {
            lock.unlock();
        }
    }

    private FaultResult faultLocked(long va, int err) {
        vm.faults.increment();
        if ((err & Vectors.PF_RSVD) != 0 || va < 0 || va >= TASK_SIZE) {
            return FaultResult.segv(FaultResult.SEGV_MAPERR, va);
        }
        Area a = find(va);
        if (a == null) {
            return FaultResult.segv(FaultResult.SEGV_MAPERR, va);
        }
        if (va < a.start && !(a.growsDown() && expandStack(a, va))) {
            return FaultResult.segv(FaultResult.SEGV_MAPERR, va);
        }
        // Linux's access_error()
        boolean write = (err & Vectors.PF_W) != 0;
        if (write) {
            if ((a.prot & Prot.WRITE) == 0) {
                return FaultResult.segv(FaultResult.SEGV_ACCERR, va);
            }
        } else if ((err & Vectors.PF_P) != 0) {
            return FaultResult.segv(FaultResult.SEGV_ACCERR, va); // read or fetch of a present page: protection
        } else if ((a.prot & (Prot.READ | Prot.WRITE | Prot.EXEC)) == 0) {
            return FaultResult.segv(FaultResult.SEGV_ACCERR, va);
        }
        if ((err & Vectors.PF_I) != 0 && (a.prot & Prot.EXEC) == 0) {
            return FaultResult.segv(FaultResult.SEGV_ACCERR, va);
        }
        return fix(a, va & ~(PAGE - 1), write);
    }

    /** Linux's expand_downwards with the stack guard gap, RLIMIT_STACK and RLIMIT_AS. */
    private boolean expandStack(Area a, long va) {
        long ns = va & ~(PAGE - 1);
        if (a.shared() || a.end - ns > limits.stack() || ns < MMAP_MIN_ADDR
                || !mayExpand(a.prot, a.flags, (a.start - ns) / PAGE)) {
            return false; // acct_stack_growth: RLIMIT_STACK, RLIMIT_AS
        }
        Map.Entry<Long, Area> pe = areas.lowerEntry(a.start);
        if (pe != null) {
            Area prev = pe.getValue();
            boolean accessible = (prev.prot & (Prot.READ | Prot.WRITE | Prot.EXEC)) != 0;
            if (prev.end > ns || (!prev.growsDown() && accessible && ns - prev.end < STACK_GUARD_GAP)) {
                return false;
            }
        }
        areas.remove(a.start);
        a.start = ns;
        areas.put(ns, a);
        return true;
    }

    /** Makes {@code page} of {@code a} accessible for the access (a write if {@code write}). */
    private FaultResult fix(Area a, long page, boolean write) {
        long slot;
        try {
            slot = pt.slot(page, true);
        } catch (OutOfPagesException e) {
            return new FaultResult(FaultResult.Kind.OOM, 0, page);
        }
        long e = pt.read(slot);
        try {
            if (!Pte.used(e)) {
                if (a.shm != null) {
                    long idx = a.pgoff + (page - a.start) / PAGE;
                    if (idx >= a.shm.sizePages) {
                        return new FaultResult(FaultResult.Kind.SIGBUS, FaultResult.BUS_ADRERR, page);
                    }
                    long f = a.shm.page(idx);
                    vm.pages.getPage(f);
                    pt.write(slot, Pte.leaf(f, a.prot, true));
                    resident++;
                    return new FaultResult(FaultResult.Kind.SHARED_FILL, 0, page);
                }
                if (!write) { // Linux's do_anonymous_page: a read maps the zero page
                    vm.pages.getPage(vm.zeroPage);
                    pt.write(slot, Pte.leaf(vm.zeroPage, a.prot, false));
                    return new FaultResult(FaultResult.Kind.ZERO_PAGE, 0, page);
                }
                long f = vm.allocUserPage();
                pt.write(slot, Pte.leaf(f, a.prot, true));
                resident++;
                return new FaultResult(FaultResult.Kind.ZERO_FILL, 0, page);
            }
            long f = Pte.frame(e);
            if (!Pte.present(e)) { // a PROT_NONE entry left behind: rebuild it from the area
                pt.write(slot, Pte.leaf(f, a.prot, a.shared() || vm.pages.pageCount(f) == 1));
                return new FaultResult(FaultResult.Kind.SPURIOUS, 0, page);
            }
            if (write && (e & Pte.RW) == 0) {
                if (a.shared() || vm.pages.pageCount(f) == 1) {
                    pt.write(slot, e | Pte.RW | Pte.D);
                    return new FaultResult(a.shared() ? FaultResult.Kind.SPURIOUS : FaultResult.Kind.COW_REUSE, 0, page);
                }
                boolean zero = f == vm.zeroPage;
                long n;
                if (zero) { // the first write to a page read before: a private zeroed page, nothing to copy
                    n = vm.allocUserPage();
                    resident++;
                } else {
                    n = vm.pages.allocPages(0, kernel.mm.Zone.NORMAL);
                    vm.copyPage(f, n);
                }
                pt.write(slot, Pte.leaf(n, a.prot, true));
                // the old translation may sit in TLBs (reads of the shared page): flush before dropping it
                vm.tlb.flush(active, page, 1);
                vm.pages.putPage(f);
                return new FaultResult(zero ? FaultResult.Kind.ZERO_FILL : FaultResult.Kind.COW_COPY, 0, page);
            }
            flushLocal(page);
            return new FaultResult(FaultResult.Kind.SPURIOUS, 0, page);
        } catch (OutOfPagesException x) {
            return new FaultResult(FaultResult.Kind.OOM, 0, page);
        }
    }

    // ====================================================================== fork

    @Override
    public AddressSpace fork() {
        lock();
        AddressSpaceImpl child = new AddressSpaceImpl(vm);
        boolean[] protectedAny = {false};
        try {
            child.startBrk = startBrk;
            child.brk = brk;
            child.limits = limits;
            for (Area a : areas.values()) {
                Area c = a.copy();
                child.areas.put(c.start, c);
                if (a.shared()) {
                    continue; // shared pages fault in from the object in the child
                }
                pt.range(a.start, a.end, (va, e) -> {
                    long slot = child.pt.slot(va, true);
                    vm.pages.getPage(Pte.frame(e));
                    long n = e & ~(Pte.RW | Pte.D);
                    child.pt.write(slot, n);
                    if (Pte.frame(e) != vm.zeroPage) {
                        child.resident++;
                    }
                    if (n != e) {
                        protectedAny[0] = true;
                    }
                    return n;
                }, false, null);
            }
            if (protectedAny[0]) {
                vm.tlb.flush(active, 0, -1); // the parent's writable translations are gone
            }
            return child;
        } catch (RuntimeException e) {
            child.close();
            if (protectedAny[0]) {
                vm.tlb.flush(active, 0, -1);
            }
            throw e;
        } finally {
            lock.unlock();
        }
    }

    // ====================================================================== user copies

    @FunctionalInterface
    private interface Chunk {
        /** Handles {@code n} bytes at physical {@code pa}, which are bytes {@code done..done+n} of the request; false stops. */
        boolean accept(long pa, int done, int n);
    }

    /**
     * Walks {@code [uaddr, uaddr+len)} page by page, faulting pages in for the access like the
     * kernel's exception-table fixups; 0, or -EFAULT at the first bad page.
     */
    private int access(long uaddr, long len, boolean write, Chunk c) {
        if (len == 0) {
            return 0;
        }
        if (uaddr < 0 || len < 0 || uaddr > TASK_SIZE || len > TASK_SIZE - uaddr) {
            return -EFAULT;
        }
        lock();
        try {
            long done = 0;
            while (done < len) {
                long va = uaddr + done;
                long page = va & ~(PAGE - 1);
                int n = (int) Math.min(len - done, PAGE - (va - page));
                long frame = userFrame(page, write);
                if (frame < 0) {
                    return -EFAULT;
                }
                if (write) {
                    vm.invalidateCode(frame);
                }
                if (!c.accept(frame + (va - page), (int) done, n)) {
                    return 0;
                }
                done += n;
            }
            return 0;
        } finally {
            lock.unlock();
        }
    }

    /** The frame of user page {@code page} allowing the access, faulting it in; -1 if it cannot be. */
    private long userFrame(long page, boolean write) {
        long e = pt.get(page);
        if (Pte.present(e) && (!write || (e & Pte.RW) != 0)) {
            return Pte.frame(e);
        }
        int err = (Pte.present(e) ? Vectors.PF_P : 0) | (write ? Vectors.PF_W : 0);
        FaultResult r = faultLocked(page, err);
        if (!r.resolved()) {
            return -1;
        }
        e = pt.get(page);
        return Pte.present(e) && (!write || (e & Pte.RW) != 0) ? Pte.frame(e) : -1;
    }

    @Override
    public int copyFromUser(long uaddr, byte[] dst, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        return access(uaddr, len, false, (pa, done, n) -> {
            vm.mem.read(pa, dst, off + done, n);
            return true;
        });
    }

    @Override
    public int copyToUser(long uaddr, byte[] src, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        return access(uaddr, len, true, (pa, done, n) -> {
            vm.mem.write(pa, src, off + done, n);
            return true;
        });
    }

    @Override
    public long strnlenUser(long uaddr, long max) {
        if (max <= 0) {
            return 0;
        }
        long limit = Math.min(max, TASK_SIZE - Math.max(0, Math.min(uaddr, TASK_SIZE)));
        long[] found = {-1};
        byte[] buf = VirtualMemoryImpl.pageBuffer(); // refilled per chunk, after any fault (and COW copy) of its page
        int r = access(uaddr, limit, false, (pa, done, n) -> {
            vm.mem.read(pa, buf, 0, n);
            for (int i = 0; i < n; i++) {
                if (buf[i] == 0) {
                    found[0] = done + i;
                    return false;
                }
            }
            return true;
        });
        if (r < 0) {
            return r;
        }
        if (found[0] >= 0) {
            return found[0];
        }
        return limit < max ? -EFAULT : max; // ran into the end of user space
    }

    @Override
    public long strncpyFromUser(long uaddr, byte[] dst) {
        long n = strnlenUser(uaddr, dst.length);
        if (n < 0) {
            return n;
        }
        int copy = (int) Math.min(dst.length, n + 1);
        int r = copyFromUser(uaddr, dst, 0, copy);
        return r < 0 ? r : n;
    }

    // ====================================================================== vCPUs

    @Override
    public void activate(Vcpu vcpu) {
        if (!vcpu.onVcpuThread()) {
            throw new IllegalStateException("activate on " + vcpu + " from " + Thread.currentThread().getName());
        }
        active.add(vcpu.index()); // first: any change from now on shoots this vCPU down
        vcpu.cpu().setCr3(pt.root); // then flush what it may hold from before
    }

    @Override
    public void deactivate(Vcpu vcpu) {
        active.remove(vcpu.index());
    }

    /** The vCPUs this space is active on (for tests). */
    Set<Integer> activeCpus() {
        return Set.copyOf(active);
    }

    // ====================================================================== inspection

    @Override
    public List<Vma> vmas() {
        lock();
        try {
            List<Vma> out = new ArrayList<>(areas.size());
            for (Area a : areas.values()) {
                out.add(a.snapshot());
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Vma findVma(long va) {
        lock();
        try {
            Area a = containing(va);
            return a == null ? null : a.snapshot();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long translate(long va) {
        long e = pte(va);
        return Pte.present(e) ? Pte.frame(e) | (va & (PAGE - 1)) : -1;
    }

    @Override
    public long pte(long va) {
        if (va < 0 || va >= TASK_SIZE) {
            return 0;
        }
        lock();
        try {
            return pt.get(va);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long residentPages() {
        lock();
        try {
            return resident;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long pageTablePages() {
        lock();
        try {
            return pt.tablePages();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        vm.lock(lock);
        try {
            if (closed) {
                return;
            }
            Gather g = new Gather();
            for (Area a : areas.values()) {
                if (a.shm != null) {
                    g.unref.add(a.shm);
                }
            }
            areas.clear();
            zap(0, TASK_SIZE, g);
            pt.freeRoot(g.tables);
            closed = true;
            vm.spaces.decrement();
            g.finish();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "AddressSpace[cr3=" + Long.toHexString(pt.root) + "]";
    }
}
