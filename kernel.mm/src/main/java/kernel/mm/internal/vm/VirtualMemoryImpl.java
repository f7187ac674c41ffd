package kernel.mm.internal.vm;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import kernel.core.hal.Hal;
import kernel.core.hal.PhysMem;
import kernel.mm.AddressSpace;
import kernel.mm.PageAllocator;
import kernel.mm.VirtualMemory;
import kernel.mm.Zone;
import platform.cpu.CodeCache;
import platform.pc.Machine;
import platform.pc.Vcpu;

/**
 * The virtual-memory service over one machine: the shared kernel half ({@link KernelMap}),
 * the TLB shootdown IPIs ({@link TlbShootdown}), and the factory of address spaces. Public
 * so that unit tests and benchmarks can run it without a framework; the OSGi component is
 * {@link VmComponent}.
 */
public final class VirtualMemoryImpl implements VirtualMemory, AutoCloseable {
    private static final byte[] ZERO = new byte[PageAllocator.PAGE_SIZE];
    /** A page of bounce buffer per thread for copy-on-write copies (no allocation per fault). */
    private static final ThreadLocal<byte[]> COPY = ThreadLocal.withInitial(() -> new byte[PageAllocator.PAGE_SIZE]);

    final Hal hal;
    final PhysMem mem;
    final PageAllocator pages;
    final KernelMap kernelMap;
    final TlbShootdown tlb;
    private final CodeCache code;
    /**
     * The shared zero page (Linux's ZERO_PAGE): read faults on untouched private anonymous
     * memory map it read-only, the first write replaces it with a private zeroed page. Never
     * written; this service holds one reference, each mapping another, so its count is never 1
     * while it is mapped and nothing mistakes it for an exclusively owned page.
     */
    final long zeroPage;

    final LongAdder spaces = new LongAdder();
    final LongAdder tablePages = new LongAdder();
    final LongAdder faults = new LongAdder();
    final LongAdder zeroFills = new LongAdder();
    final LongAdder cowCopies = new LongAdder();
    final LongAdder cowReuses = new LongAdder();
    final LongAdder segvs = new LongAdder();

    public VirtualMemoryImpl(Hal hal, PageAllocator pages) {
        this.hal = hal;
        this.mem = hal.memory();
        this.pages = pages;
        this.code = hal.vcpus().isEmpty() ? null : hal.vcpus().get(0).cpu().codeCache();
        this.kernelMap = new KernelMap(mem, pages, hal.bootInfo().memoryMap(), this);
        this.tlb = new TlbShootdown(hal);
        this.zeroPage = allocUserPage();
    }

    @Override
    public AddressSpace createAddressSpace() {
        return new AddressSpaceImpl(this);
    }

    @Override
    public kernel.mm.SharedMemory createSharedMemory(long size) {
        if (size <= 0 || size > AddressSpace.TASK_SIZE) {
            throw new IllegalArgumentException("shared memory size " + size);
        }
        return new SharedAnon(this, (size + PageAllocator.PAGE_SIZE - 1) / PageAllocator.PAGE_SIZE);
    }

    @Override
    public Stats stats() {
        return new Stats(spaces.sum(), tablePages.sum(), faults.sum(), zeroFills.sum(), cowCopies.sum(),
                cowReuses.sum(), segvs.sum(), tlb.shootdowns.get(), tlb.ipis.get());
    }

    void zero(long pa) {
        mem.write(pa, ZERO, 0, ZERO.length);
    }

    /** A zeroed page for user memory (its old decoded code, if any, forgotten). */
    long allocUserPage() {
        long pa = pages.allocPages(0, Zone.NORMAL);
        zero(pa);
        invalidateCode(pa);
        return pa;
    }

    /**
     * This thread's page-sized scratch buffer (no allocation per fault or per user copy). Its
     * contents last only until the next call into this service on the thread.
     */
    static byte[] pageBuffer() {
        return COPY.get();
    }

    /** Copies the page at {@code from} to {@code to} (the copy half of a copy-on-write fault). */
    void copyPage(long from, long to) {
        byte[] buf = COPY.get();
        mem.read(from, buf, 0, buf.length);
        mem.write(to, buf, 0, buf.length);
        invalidateCode(to);
    }

    /** Tells the CPUs' shared decoded-code cache that the kernel rewrote the page at {@code pa}. */
    void invalidateCode(long pa) {
        if (code != null) {
            // the machine's RAM offsets: low RAM at 0, high RAM right after it (VcpuMemory)
            long off = pa < Machine.HIGH_RAM_BASE ? pa : pa - Machine.HIGH_RAM_BASE + Machine.LOW_RAM_LIMIT;
            code.invalidate(off & ~0xFFFL, PageAllocator.PAGE_SIZE);
        }
    }

    /** The vCPU whose thread is calling, or null. */
    Vcpu currentVcpu() {
        int i = hal.currentCpu();
        return i < 0 ? null : hal.vcpus().get(i);
    }

    /**
     * Takes an address-space lock. On a vCPU thread it spins with interrupts serviced (a
     * shootdown from the lock's holder must be able to reach this vCPU, or both would wait
     * forever); elsewhere it blocks.
     */
    void lock(ReentrantLock lock) {
        if (lock.tryLock()) {
            return;
        }
        Vcpu me = currentVcpu();
        if (me == null) {
            lock.lock();
            return;
        }
        try {
            while (!lock.tryLock(50, java.util.concurrent.TimeUnit.MICROSECONDS)) {
                me.serviceInterrupts();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lock.lock();
        }
    }

    /** Frees the direct map's tables and the IPI vectors. Address spaces must be closed first. */
    @Override
    public void close() {
        tlb.close();
        pages.putPage(zeroPage);
        for (long t : kernelMap.tables()) {
            pages.freePages(t, 0);
        }
        kernelMap.tables().clear();
    }
}
