package kernel.mm;

import java.util.List;
import platform.pc.Vcpu;

/**
 * A process's virtual address space ({@code struct mm_struct}): x86-64 4-level page tables in
 * emulated RAM that {@code platform.cpu}'s MMU walks, plus the sorted, non-overlapping list of
 * {@link Vma}s. The lower half ({@code [0, TASK_SIZE)}) is user memory; the upper half holds the
 * kernel's direct map of physical memory (supervisor-only, no-execute) at
 * {@link VirtualMemory#DIRECT_MAP_BASE}, shared by every address space.
 *
 * <p>Results follow the Linux syscalls: the {@code mm*} calls return a value or a negated
 * {@link Errno} ({@code -EINVAL}, ...), never throw for a bad argument. The user-copy calls
 * return {@code -EFAULT} for an unmapped or non-permitted user address; they fault pages in
 * (demand-zero, copy-on-write) as the kernel's {@code copy_to_user} does.
 *
 * <p>Thread-safe: one lock per address space (Linux's {@code mmap_lock}, taken for writing by
 * everything). Changes that remove or restrict mappings are complete on every vCPU the address
 * space is {@linkplain #activate active} on (TLB shootdown) before the call returns.
 */
public interface AddressSpace extends AutoCloseable {
    int PAGE_SIZE = 4096;
    /** End of user space: Linux's TASK_SIZE_MAX for 4-level paging, 2^47 - one guard page. */
    long TASK_SIZE = (1L << 47) - PAGE_SIZE;
    /** Lowest address mmap hands out or MAP_FIXED accepts (vm.mmap_min_addr). */
    long MMAP_MIN_ADDR = 0x10000;
    /** Gap kept below a grows-down (stack) mapping: Linux's stack_guard_gap, 256 pages. */
    long STACK_GUARD_GAP = 256L * PAGE_SIZE;
    /** How far a grows-down mapping may grow by default (RLIMIT_STACK's default, 8 MiB; see {@link #setLimits}). */
    long STACK_LIMIT = 8L << 20;

    /** The physical address of the PML4: the value for CR3. */
    long cr3();

    // ------------------------------------------------------------------ mappings (Linux syscalls)

    /**
     * {@code mmap(addr, length, prot, flags, -1, 0)} for anonymous memory: returns the address or
     * a negated errno. File mappings are not supported here (no MAP_ANONYMOUS: {@code -EBADF}).
     */
    long mmap(long addr, long length, int prot, int flags);

    /**
     * Maps {@code length} bytes of the shared object {@code shm} from byte {@code offset} on,
     * with {@code MAP_SHARED} semantics (what {@code shmat} or {@code mmap} of a memfd does):
     * every address space mapping it sees the same pages. {@code flags} must be
     * {@code MAP_SHARED} (with FIXED, FIXED_NOREPLACE, POPULATE as for {@link #mmap(long, long, int, int)});
     * {@code -EINVAL} for MAP_PRIVATE, an unaligned offset or a range past the object's size.
     */
    long mmap(long addr, long length, int prot, int flags, SharedMemory shm, long offset);

    /** {@code munmap}: 0 or a negated errno; unmapping a range with no mapping is not an error. */
    int munmap(long addr, long length);

    /** {@code mprotect}: 0 or a negated errno ({@code -ENOMEM} if part of the range is unmapped). */
    int mprotect(long addr, long length, int prot);

    /** {@code mremap}: the (new) address or a negated errno. */
    long mremap(long oldAddr, long oldLength, long newLength, int flags, long newAddr);

    /** {@code brk}: the new break, or the current one if the request is refused (as Linux). */
    long brk(long newBrk);

    /** Sets the start of the heap (the loader calls this after placing the program): brk = start. */
    void initBrk(long start);

    // ------------------------------------------------------------------ faults and fork

    /**
     * Handles a page fault at {@code address} with the x86 #PF {@code errorCode} (P, W, U, RSVD,
     * I bits as the CPU reports them): demand-zero, copy-on-write, stack growth, or a SIGSEGV
     * outcome. Call it on the vCPU that faulted (it fixes that vCPU's TLB directly).
     */
    FaultResult handleFault(long address, int errorCode);

    /**
     * Duplicates this address space for {@code fork}: private pages become read-only in both and
     * are shared with their reference count raised (copy-on-write); shared mappings stay shared.
     */
    AddressSpace fork();

    // ------------------------------------------------------------------ user copies

    /** Copies {@code len} bytes from the user address {@code uaddr}: 0, or {@code -EFAULT} (part may be copied). */
    int copyFromUser(long uaddr, byte[] dst, int off, int len);

    /** Copies {@code len} bytes to the user address {@code uaddr}: 0, or {@code -EFAULT} (part may be copied). */
    int copyToUser(long uaddr, byte[] src, int off, int len);

    /**
     * {@code strnlen_user}-like: the length of the NUL-terminated string at {@code uaddr}, not
     * counting the NUL; {@code max} if there is no NUL in the first {@code max} bytes;
     * {@code -EFAULT} on a bad address before either.
     */
    long strnlenUser(long uaddr, long max);

    /**
     * {@code strncpy_from_user}: copies the string at {@code uaddr} with its NUL into
     * {@code dst} (at most {@code dst.length} bytes); returns its length without the NUL,
     * {@code dst.length} if it did not fit (not terminated), or {@code -EFAULT}.
     */
    long strncpyFromUser(long uaddr, byte[] dst);

    // ------------------------------------------------------------------ vCPUs

    /**
     * Loads this address space on {@code vcpu} (context switch in): writes CR3, which flushes its
     * non-global TLB entries, and records the vCPU so later changes shoot its TLB down. Call on
     * {@code vcpu}'s own thread.
     */
    void activate(Vcpu vcpu);

    /** The address space leaves {@code vcpu} (context switch out): no more shootdowns sent there. */
    void deactivate(Vcpu vcpu);

    // ------------------------------------------------------------------ inspection

    /** The VMAs, sorted by address. */
    List<Vma> vmas();

    /** The VMA containing {@code va}, or null. */
    Vma findVma(long va);

    /** The physical address {@code va} maps to now (software walk), or -1 if no page is mapped there. */
    long translate(long va);

    /** The raw page-table entry for {@code va} (0 if none); for tests and debugging. */
    long pte(long va);

    /** Pages mapped into this address space (resident set, in pages). */
    long residentPages();

    /** Page-table pages (PML4 included) this address space holds. */
    long pageTablePages();

    /** The current program break. */
    long currentBrk();

    /** The limits this address space enforces ({@link MemoryLimits#DEFAULT} when new; fork copies them). */
    MemoryLimits limits();

    /**
     * Sets the limits ({@code setrlimit} of RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK). Like Linux,
     * lowering a limit below the current usage removes nothing; it only refuses growth.
     */
    void setLimits(MemoryLimits limits);

    /**
     * Tears the address space down ({@code exit_mmap}): unmaps everything, drops page references,
     * frees every page-table page. Idempotent; the address space must not be active anywhere.
     */
    @Override
    void close();
}
