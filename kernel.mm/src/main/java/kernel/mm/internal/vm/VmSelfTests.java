package kernel.mm.internal.vm;

import static kernel.core.selftest.Check.equal;
import static kernel.core.selftest.Check.isTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import kernel.core.hal.Hal;
import kernel.core.selftest.SelfTest;
import kernel.core.selftest.SelfTestSuite;
import kernel.mm.AddressSpace;
import kernel.mm.Errno;
import kernel.mm.FaultResult;
import kernel.mm.MapFlags;
import kernel.mm.PageAllocator;
import kernel.mm.Prot;
import kernel.mm.VirtualMemory;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.Vectors;
import platform.pc.Vcpu;

/**
 * The {@code mm.vm} self-test suite: address spaces checked with the real CPU (user code run
 * on the machine's vCPUs through the page tables kernel.mm wrote), copy-on-write, demand zero,
 * protections, shared memory across fork, user copies, mmap edge cases and TLB shootdown. Run
 * by {@code selftest mm.vm} on the booted kernel and by JUnit ({@code VmSelfTestsTest}).
 */
public final class VmSelfTests implements SelfTestSuite {
    static final long CODE = 0x40_0000;
    static final long DATA = 0x60_0000;
    /** mov [rdi], rsi; mov rax, [rdx]; syscall */
    static final byte[] WRITE_READ = {0x48, (byte) 0x89, 0x37, 0x48, (byte) 0x8B, 0x02, 0x0F, 0x05};
    /** mov rax, [rdx]; syscall */
    static final byte[] READ = {0x48, (byte) 0x8B, 0x02, 0x0F, 0x05};
    /** l: mov rax, [rdi]; inc rcx; mov [rsi], rcx; jmp l */
    static final byte[] READ_LOOP = {0x48, (byte) 0x8B, 0x07, 0x48, (byte) 0xFF, (byte) 0xC1, 0x48, (byte) 0x89, 0x0E,
        (byte) 0xEB, (byte) 0xF5};
    /** l: mov [rdi], rsi; add rdi, 4096; dec rcx; jnz l; syscall: writes rsi to rcx pages from rdi on. */
    static final byte[] TOUCH_PAGES = {0x48, (byte) 0x89, 0x37, 0x48, (byte) 0x81, (byte) 0xC7, 0x00, 0x10, 0x00, 0x00,
        0x48, (byte) 0xFF, (byte) 0xC9, 0x75, (byte) 0xF1, 0x0F, 0x05};
    static final long WRITE_READ_AT = CODE, READ_AT = CODE + 0x40, LOOP_AT = CODE + 0x80, TOUCH_AT = CODE + 0xC0;
    static final int RWX = Prot.READ | Prot.WRITE | Prot.EXEC, RW = Prot.READ | Prot.WRITE;
    static final int ANON = MapFlags.PRIVATE | MapFlags.ANONYMOUS;

    private final Hal hal;
    private final PageAllocator pages;
    private final VirtualMemory vm;

    public VmSelfTests(Hal hal, PageAllocator pages, VirtualMemory vm) {
        this.hal = hal;
        this.pages = pages;
        this.vm = vm;
    }

    @Override
    public String name() {
        return "mm.vm";
    }

    @Override
    public List<SelfTest> tests() {
        return List.of(
                new SelfTest("user code reads and writes through the page tables, faults with CR2 and error code", this::walk),
                new SelfTest("demand zero: a read maps the shared zero page, the first write a private zeroed page", this::demandZero),
                new SelfTest("copy-on-write after fork: each sees only its own writes, no page leaks", this::cow),
                new SelfTest("mprotect read-only then a write faults ACCERR; PROT_NONE keeps contents", this::mprotect),
                new SelfTest("shared anonymous memory is shared across fork", this::sharedAcrossFork),
                new SelfTest("a shared memory object is shared between unrelated address spaces", this::sharedObject),
                new SelfTest("copy to/from user: demand paging, EFAULT, strings", this::userCopies),
                new SelfTest("mmap/munmap/mremap/brk edge cases", this::mmapEdges),
                new SelfTest("stack grows down; guard gap and no-VMA faults are SIGSEGV MAPERR", this::stackGuard),
                new SelfTest("TLB shootdown: after munmap returns another vCPU's next access faults", this::shootdown));
    }

    // ------------------------------------------------------------------ helpers

    private Vcpu vcpu(int i) {
        return hal.vcpus().get(i);
    }

    private static UserRun.Outcome run(Vcpu v, AddressSpace as, long rip, long[] regs, boolean handle) throws Exception {
        return v.call(() -> UserRun.run(v, as, rip, regs, 1_000_000, handle));
    }

    private UserRun.Outcome run(AddressSpace as, long rip, long[] regs, boolean handle) throws Exception {
        return run(vcpu(0), as, rip, regs, handle);
    }

    /** rdi, rsi, rdx as the programs use them. */
    private static long[] regs(long rdi, long rsi, long rdx) {
        long[] r = new long[16];
        r[CpuState.RDI] = rdi;
        r[CpuState.RSI] = rsi;
        r[CpuState.RDX] = rdx;
        return r;
    }

    /** Maps the code page (private, r-x) holding the three programs. */
    static void loadCode(AddressSpace as) {
        long r = as.mmap(CODE, AddressSpace.PAGE_SIZE, RW, ANON | MapFlags.FIXED);
        equal(CODE, r, "mmap code page");
        equal(0, as.copyToUser(WRITE_READ_AT, WRITE_READ, 0, WRITE_READ.length), "copy WRITE_READ");
        equal(0, as.copyToUser(READ_AT, READ, 0, READ.length), "copy READ");
        equal(0, as.copyToUser(LOOP_AT, READ_LOOP, 0, READ_LOOP.length), "copy READ_LOOP");
        equal(0, as.copyToUser(TOUCH_AT, TOUCH_PAGES, 0, TOUCH_PAGES.length), "copy TOUCH_PAGES");
        equal(0, as.mprotect(CODE, AddressSpace.PAGE_SIZE, Prot.READ | Prot.EXEC), "code r-x");
    }

    static long get64(AddressSpace as, long va) {
        byte[] b = new byte[8];
        equal(0, as.copyFromUser(va, b, 0, 8), "copyFromUser " + Long.toHexString(va));
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static void put64(AddressSpace as, long va, long v) {
        byte[] b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array();
        equal(0, as.copyToUser(va, b, 0, 8), "copyToUser " + Long.toHexString(va));
    }

    private long free() {
        return pages.stats().freePages();
    }

    // ------------------------------------------------------------------ tests

    void walk() throws Exception {
        long free0 = free();
        try (AddressSpace as = vm.createAddressSpace()) {
            loadCode(as);
            equal(DATA, as.mmap(DATA, 4096, RW, ANON | MapFlags.FIXED), "mmap data");
            put64(as, DATA + 8, 0x1122_3344_5566_7788L);
            UserRun.Outcome o = run(as, WRITE_READ_AT, regs(DATA, 0xABCD, DATA + 8), false);
            equal(Exit.SYSCALL, o.exit(), "ran to the syscall");
            equal(0x1122_3344_5566_7788L, o.reg(CpuState.RAX), "read through the tables");
            equal(0xABCD, get64(as, DATA), "the user's store reached the page the tables name");
            equal(0xABCD, hal.memory().read64(as.translate(DATA)), "the physical page the walk finds holds it");

            // a store to an address with no mapping: #PF, CR2, error code W|U (not present)
            o = run(as, WRITE_READ_AT, regs(0x70_0000, 1, DATA), false);
            equal(Exit.EXCEPTION, o.exit(), "unmapped store faults");
            equal(Vectors.PF, o.vector(), "#PF");
            equal(0x70_0000, o.cr2(), "CR2");
            equal(Vectors.PF_W | Vectors.PF_U, o.errorCode(), "error code W|U");
            equal(WRITE_READ_AT, o.rip(), "RIP at the faulting instruction");
            FaultResult r = as.handleFault(o.cr2(), o.errorCode());
            equal(FaultResult.Kind.SIGSEGV, r.kind(), "no VMA: SIGSEGV");
            equal(FaultResult.SEGV_MAPERR, r.siCode(), "MAPERR");

            // the kernel's direct map is there but supervisor-only: P|U protection fault
            long kva = vm.directMap(0);
            o = run(as, READ_AT, regs(0, 0, kva + 0x1000), false);
            equal(Vectors.PF, o.vector(), "direct map from user faults");
            equal(Vectors.PF_P | Vectors.PF_U, o.errorCode(), "present, user: protection violation");
            equal(FaultResult.SEGV_MAPERR, as.handleFault(o.cr2(), o.errorCode()).siCode(), "kernel address: MAPERR");
            isTrue(as.pageTablePages() >= 4, "PML4, PDPT, PD, PT at least");
        }
        equal(free0, free(), "free pages after close (no leak)");
    }

    void demandZero() throws Exception {
        long free0 = free();
        try (AddressSpace as = vm.createAddressSpace(); AddressSpace other = vm.createAddressSpace()) {
            loadCode(as);
            long a = as.mmap(0, 3 * 4096, RW, ANON);
            isTrue(a > 0 && (a & 0xFFF) == 0, "mmap placed the area: " + Long.toHexString(a));
            equal(0, as.pte(a + 4096), "nothing mapped before the first touch");
            UserRun.Outcome o = run(as, READ_AT, regs(0, 0, a + 4096 + 16), false);
            equal(Vectors.PF, o.vector(), "first touch faults");
            equal(a + 4096 + 16, o.cr2(), "CR2 is the address read");
            equal(Vectors.PF_U, o.errorCode(), "user read of a non-present page");
            equal(FaultResult.Kind.ZERO_PAGE, as.handleFault(o.cr2(), o.errorCode()).kind(), "a read maps the zero page");
            isTrue((as.pte(a + 4096) & 2) == 0, "the zero page is mapped read-only");
            o = run(as, READ_AT, regs(0, 0, a + 4096 + 16), false);
            equal(Exit.SYSCALL, o.exit(), "restarted read succeeds");
            equal(0, o.reg(CpuState.RAX), "the page reads zero");
            long zero = as.translate(a + 4096);
            equal(0L, get64(as, a), "copyFromUser of another untouched page reads zero");
            equal(zero, as.translate(a), "... through the same zero page");
            long b = other.mmap(0, 4096, RW, ANON);
            equal(0L, get64(other, b), "an untouched page of another address space reads zero");
            equal(zero, other.translate(b), "the zero page is shared between address spaces");
            equal(1, as.residentPages(), "the zero page is not resident memory (only the code page)");
            o = run(as, WRITE_READ_AT, regs(a + 4096, 55, a + 4096 + 16), true);
            equal(Exit.SYSCALL, o.exit(), "write to the zero page resolved in the run loop");
            equal(List.of(FaultResult.Kind.ZERO_FILL), o.faults().stream().map(FaultResult::kind).toList(),
                    "the first write replaces the zero page with a private zeroed page");
            equal(0, o.reg(CpuState.RAX), "the rest of the new page is zero");
            isTrue(as.translate(a + 4096) != zero, "the written page is private");
            equal(55L, get64(as, a + 4096), "the write landed");
            equal(zero, as.translate(a), "the other read page still maps the zero page");
            equal(0L, hal.memory().read64(zero), "the zero page is still zero");
            o = run(as, WRITE_READ_AT, regs(a + 8192, 77, a + 8192), true);
            equal(Exit.SYSCALL, o.exit(), "write fault resolved in the run loop");
            equal(77, o.reg(CpuState.RAX), "write then read back after the restart");
            equal(1, o.faults().size(), "one fault");
            equal(FaultResult.Kind.ZERO_FILL, o.faults().get(0).kind(), "demand zero on write");
            isTrue((as.pte(a + 8192) & 2) != 0, "writable PTE");
            equal(3, as.residentPages(), "code page + 2 written data pages resident");
        }
        equal(free0, free(), "free pages after close");
    }

    void cow() throws Exception {
        long free0 = free();
        AddressSpace parent = vm.createAddressSpace();
        AddressSpace child = null;
        try {
            loadCode(parent);
            equal(DATA, parent.mmap(DATA, 2 * 4096, RW, ANON | MapFlags.FIXED), "mmap data");
            UserRun.Outcome o = run(parent, WRITE_READ_AT, regs(DATA, 0x1111, DATA), true);
            equal(0x1111, o.reg(CpuState.RAX), "parent wrote");
            long frame = parent.translate(DATA);
            child = parent.fork();
            equal(frame, child.translate(DATA), "child shares the frame");
            equal(2, pages.pageCount(frame), "shared page counted twice");
            equal(2, pages.pageCount(parent.translate(CODE)), "code page shared too");
            isTrue((parent.pte(DATA) & 2) == 0, "parent's PTE write-protected");
            isTrue((child.pte(DATA) & 2) == 0, "child's PTE write-protected");

            o = run(child, WRITE_READ_AT, regs(DATA, 0x2222, DATA), true);
            equal(0x2222, o.reg(CpuState.RAX), "child sees its write");
            equal(FaultResult.Kind.COW_COPY, o.faults().get(0).kind(), "child's write copied the page");
            isTrue(child.translate(DATA) != frame, "child has its own frame");
            equal(1, pages.pageCount(frame), "original now held by the parent only");

            o = run(parent, READ_AT, regs(0, 0, DATA), true);
            equal(0x1111, o.reg(CpuState.RAX), "parent does not see the child's write");
            o = run(parent, WRITE_READ_AT, regs(DATA, 0x3333, DATA), true);
            equal(FaultResult.Kind.COW_REUSE, o.faults().get(0).kind(), "sole owner: write re-enabled in place");
            equal(frame, parent.translate(DATA), "parent kept its frame");
            o = run(child, READ_AT, regs(0, 0, DATA), true);
            equal(0x2222, o.reg(CpuState.RAX), "child does not see the parent's write");

            // second page: never touched before fork, each gets its own zero page
            o = run(child, WRITE_READ_AT, regs(DATA + 4096, 9, DATA + 4096), true);
            equal(FaultResult.Kind.ZERO_FILL, o.faults().get(0).kind(), "untouched page: demand zero in the child");
            o = run(parent, READ_AT, regs(0, 0, DATA + 4096), true);
            equal(0, o.reg(CpuState.RAX), "parent's page is its own");
            long code = parent.translate(CODE);
            child.close();
            child = null;
            equal(1, pages.pageCount(code), "child's exit dropped its references");
        } finally {
            if (child != null) {
                child.close();
            }
            parent.close();
        }
        equal(free0, free(), "free pages after both exit (no leak)");
    }

    void mprotect() throws Exception {
        try (AddressSpace as = vm.createAddressSpace()) {
            loadCode(as);
            equal(DATA, as.mmap(DATA, 4096, RW, ANON | MapFlags.FIXED), "mmap");
            run(as, WRITE_READ_AT, regs(DATA, 0x42, DATA), true);
            equal(0, as.mprotect(DATA, 4096, Prot.READ), "mprotect read-only");
            UserRun.Outcome o = run(as, WRITE_READ_AT, regs(DATA, 0x43, DATA), true);
            equal(Exit.EXCEPTION, o.exit(), "write to read-only faults");
            equal(Vectors.PF_P | Vectors.PF_W | Vectors.PF_U, o.errorCode(), "present, write, user");
            equal(FaultResult.Kind.SIGSEGV, o.unresolved().kind(), "SIGSEGV");
            equal(FaultResult.SEGV_ACCERR, o.unresolved().siCode(), "ACCERR");
            equal(DATA, o.unresolved().address(), "si_addr");
            o = run(as, READ_AT, regs(0, 0, DATA), true);
            equal(0x42, o.reg(CpuState.RAX), "reads still work");
            equal(0, as.mprotect(DATA, 4096, Prot.NONE), "PROT_NONE");
            o = run(as, READ_AT, regs(0, 0, DATA), true);
            equal(FaultResult.SEGV_ACCERR, o.unresolved().siCode(), "PROT_NONE read: ACCERR");
            equal(-Errno.EFAULT, as.copyFromUser(DATA, new byte[8], 0, 8), "kernel copy from PROT_NONE: EFAULT");
            equal(0, as.mprotect(DATA, 4096, RW), "back to read-write");
            o = run(as, WRITE_READ_AT, regs(DATA + 8, 1, DATA), true);
            equal(0x42, o.reg(CpuState.RAX), "contents kept across PROT_NONE");
            equal(-Errno.EINVAL, as.mprotect(DATA + 1, 4096, Prot.READ), "unaligned: EINVAL");
            equal(-Errno.ENOMEM, as.mprotect(DATA, 2 * 4096, Prot.READ), "range beyond the mapping: ENOMEM");
            equal(-Errno.EINVAL, as.mprotect(DATA, 4096, 0x10), "unknown prot bit: EINVAL");
        }
    }

    void sharedAcrossFork() throws Exception {
        long free0 = free();
        AddressSpace parent = vm.createAddressSpace();
        try {
            loadCode(parent);
            long s = parent.mmap(0, 4096, RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
            isTrue(s > 0, "mmap shared");
            run(parent, WRITE_READ_AT, regs(s, 0x5555, s), true);
            try (AddressSpace child = parent.fork()) {
                UserRun.Outcome o = run(child, WRITE_READ_AT, regs(s + 8, 0x6666, s), true);
                equal(0x5555, o.reg(CpuState.RAX), "child sees the parent's write");
                equal(FaultResult.Kind.SHARED_FILL, o.faults().get(0).kind(), "child mapped the shared page");
                equal(parent.translate(s), child.translate(s), "same frame");
                o = run(parent, READ_AT, regs(0, 0, s + 8), true);
                equal(0x6666, o.reg(CpuState.RAX), "parent sees the child's write");
                o = run(parent, WRITE_READ_AT, regs(s + 16, 7, s + 16), true);
                equal(0, o.faults().size(), "shared page is writable in place (no COW)");
            }
        } finally {
            parent.close();
        }
        equal(free0, free(), "shared pages freed with the last mapping");
    }

    void sharedObject() throws Exception {
        long free0 = free();
        kernel.mm.SharedMemory shm = vm.createSharedMemory(3 * 4096);
        try (AddressSpace a = vm.createAddressSpace(); AddressSpace b = vm.createAddressSpace()) {
            loadCode(a);
            loadCode(b);
            int shared = MapFlags.SHARED;
            long x = a.mmap(0x6000_0000L, 2 * 4096, RW, shared | MapFlags.FIXED, shm, 4096);
            long y = b.mmap(0x7000_0000L, 4096, RW, shared | MapFlags.FIXED, shm, 2 * 4096);
            isTrue(x == 0x6000_0000L && y == 0x7000_0000L, "mapped in both");
            UserRun.Outcome o = run(a, WRITE_READ_AT, regs(x + 4096, 0xBEEF, x + 4096), true);
            equal(FaultResult.Kind.SHARED_FILL, o.faults().get(0).kind(), "object page created");
            o = run(b, READ_AT, regs(0, 0, y), true);
            equal(0xBEEF, o.reg(CpuState.RAX), "the other address space sees it (offsets line up)");
            equal(a.translate(x + 4096), b.translate(y), "one frame");
            equal(-Errno.EINVAL, a.mmap(0, 4096, RW, MapFlags.PRIVATE, shm, 0), "MAP_PRIVATE of an object: EINVAL");
            equal(-Errno.EINVAL, a.mmap(0, 2 * 4096, RW, shared, shm, 2 * 4096), "past the end: EINVAL");
            equal(-Errno.EINVAL, a.mmap(0, 4096, RW, shared, shm, 100), "unaligned offset: EINVAL");
            equal(x, a.mremap(x, 2 * 4096, 3 * 4096, 0, 0), "grow the mapping in place, past the object's end");
            equal(FaultResult.Kind.SIGBUS, a.handleFault(x + 2 * 4096, Vectors.PF_U).kind(), "past the end: SIGBUS");
            shm.close();
            equal(1, shm.residentPages(), "mappings keep the object alive");
            o = run(a, READ_AT, regs(0, 0, x + 4096), true);
            equal(0xBEEF, o.reg(CpuState.RAX), "still there after the handle is closed");
        } finally {
            shm.close();
        }
        equal(free0, free(), "object pages freed with the last mapping");
    }

    void userCopies() throws Exception {
        try (AddressSpace as = vm.createAddressSpace()) {
            byte[] b = new byte[16];
            equal(-Errno.EFAULT, as.copyFromUser(0x70_0000, b, 0, 16), "unmapped: EFAULT");
            equal(-Errno.EFAULT, as.copyFromUser(vm.directMap(0), b, 0, 16), "kernel address: EFAULT");
            equal(-Errno.EFAULT, as.copyFromUser(-16, b, 0, 16), "wrapping address: EFAULT");
            long a = as.mmap(0, 2 * 4096, RW, ANON);
            equal(0, as.copyFromUser(a + 4090, b, 0, 16), "demand-zero pages read across a boundary");
            equal(0, as.residentPages(), "both pages read through the zero page: nothing resident");
            equal(as.translate(a), as.translate(a + 4096), "both map the zero page");
            byte[] s = "hello\0world".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            equal(0, as.copyToUser(a + 4093, s, 0, s.length), "string across pages");
            equal(5, as.strnlenUser(a + 4093, 100), "strnlen");
            equal(3, as.strnlenUser(a + 4093, 3), "strnlen capped");
            byte[] dst = new byte[32];
            equal(5, as.strncpyFromUser(a + 4093, dst), "strncpy");
            equal("hello", new String(dst, 0, 5, java.nio.charset.StandardCharsets.US_ASCII), "copied string");
            equal(0, as.mprotect(a + 4096, 4096, Prot.READ), "second page read-only");
            equal(-Errno.EFAULT, as.copyToUser(a + 4090, b, 0, 16), "write into a read-only page: EFAULT");
            equal(-Errno.EFAULT, as.copyFromUser(a + 4096, new byte[8192], 0, 8192), "range running off the mapping: EFAULT");
            byte[] ones = new byte[4096];
            java.util.Arrays.fill(ones, (byte) 0xFF);
            long lone = 0x3000_0000L;
            equal(lone, as.mmap(lone, 4096, RW, ANON | MapFlags.FIXED), "a lone page");
            equal(0, as.copyToUser(lone, ones, 0, 4096), "filled with non-NUL bytes");
            equal(-Errno.EFAULT, as.strnlenUser(lone, 1 << 20), "no NUL before the end of the mapping: EFAULT");
            equal(4096, as.strnlenUser(lone, 4096), "capped before the end: max");
        }
    }

    void mmapEdges() throws Exception {
        try (AddressSpace as = vm.createAddressSpace()) {
            equal(-Errno.EINVAL, as.mmap(0, 0, RW, ANON), "length 0: EINVAL");
            equal(-Errno.EINVAL, as.mmap(0, 4096, RW, MapFlags.ANONYMOUS), "neither shared nor private: EINVAL");
            equal(-Errno.EINVAL, as.mmap(DATA + 1, 4096, RW, ANON | MapFlags.FIXED), "unaligned MAP_FIXED: EINVAL");
            equal(-Errno.EPERM, as.mmap(0x1000, 4096, RW, ANON | MapFlags.FIXED), "below mmap_min_addr: EPERM");
            equal(-Errno.ENOMEM, as.mmap(0, AddressSpace.TASK_SIZE + 4096, RW, ANON), "too long: ENOMEM");
            equal(DATA, as.mmap(DATA, 10, RW, ANON | MapFlags.FIXED), "MAP_FIXED");
            equal(4096, as.findVma(DATA).length(), "length rounded up to a page");
            equal(-Errno.EEXIST, as.mmap(DATA, 4096, RW, ANON | MapFlags.FIXED_NOREPLACE), "FIXED_NOREPLACE: EEXIST");
            long hint = as.mmap(DATA + 0x10_0000 + 5, 4096, RW, ANON);
            equal(DATA + 0x10_0000, hint, "a free hint is used (rounded down)");
            long other = as.mmap(DATA + 0x10_0000, 4096, RW, ANON);
            isTrue(other > 0 && other != DATA + 0x10_0000, "an occupied hint is not used");
            // partial unmap splits a VMA in two
            long a = as.mmap(0, 3 * 4096, RW, ANON);
            put64(as, a, 1);
            put64(as, a + 8192, 3);
            int before = as.vmas().size();
            equal(0, as.munmap(a + 4096, 4096), "munmap the middle page");
            equal(before + 1, as.vmas().size(), "one VMA became two");
            equal(null, as.findVma(a + 4096), "hole");
            equal(3, get64(as, a + 8192), "upper part keeps its page");
            equal(-Errno.EINVAL, as.munmap(a + 1, 4096), "unaligned munmap: EINVAL");
            equal(-Errno.EINVAL, as.munmap(a, 0), "zero-length munmap: EINVAL");
            equal(0, as.munmap(0x7000_0000L, 4096), "munmap of nothing: 0");
            // mremap: grow in place, move keeps contents, shrink
            long m = as.mmap(0, 4096, RW, ANON);
            put64(as, m, 0xCAFE);
            equal(0, as.munmap(m + 4096, 4096), "room after it");
            equal(m, as.mremap(m, 4096, 8192, 0, 0), "grow in place");
            equal(m + 8192, as.mmap(m + 8192, 4096, RW, ANON | MapFlags.FIXED), "blocker after it");
            equal(-Errno.ENOMEM, as.mremap(m, 8192, 4 * 4096, 0, 0), "cannot grow in place without MAYMOVE: ENOMEM");
            equal(0, as.munmap(m + 8192, 4096), "blocker gone");
            long moved = as.mremap(m, 4096, 64 * 4096, MapFlags.MREMAP_MAYMOVE, 0);
            isTrue(moved > 0, "mremap MAYMOVE: " + moved);
            equal(0xCAFE, get64(as, moved), "contents moved");
            isTrue(as.findVma(moved + 63 * 4096) != null && as.findVma(moved).start() <= moved, "grown to 64 pages");
            equal(0, get64(as, moved + 63 * 4096), "grown part is demand-zero");
            long fixedTo = 0x5000_0000L;
            equal(fixedTo, as.mremap(moved, 64 * 4096, 4096, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, fixedTo), "MREMAP_FIXED");
            equal(0xCAFE, get64(as, fixedTo), "contents at the fixed target");
            equal(null, as.findVma(moved), "old range gone");
            equal(-Errno.EINVAL, as.mremap(fixedTo, 4096, 4096, MapFlags.MREMAP_FIXED, 0x6000_0000L), "FIXED without MAYMOVE: EINVAL");
            equal(-Errno.EFAULT, as.mremap(0x7100_0000L, 4096, 8192, MapFlags.MREMAP_MAYMOVE, 0), "nothing mapped: EFAULT");
            equal(-Errno.EINVAL, as.mremap(fixedTo, 4096, 0, 0, 0), "new length 0: EINVAL");
            // brk
            as.initBrk(0x100_0000);
            equal(0x100_0000, as.brk(0), "brk(0) returns the break");
            equal(0x100_0000, as.brk(0x80_0000), "below the start: unchanged");
            equal(0x100_2010, as.brk(0x100_2010), "grow");
            put64(as, 0x100_2000, 5);
            equal("[heap]", as.findVma(0x100_0000).name(), "heap VMA");
            equal(0x100_1000, as.brk(0x100_1000), "shrink");
            equal(null, as.findVma(0x100_1000), "shrunk part unmapped");
        }
    }

    void stackGuard() throws Exception {
        try (AddressSpace as = vm.createAddressSpace()) {
            long top = 0x7000_0000L;
            long st = as.mmap(top - 4 * 4096, 4 * 4096, RW, ANON | MapFlags.GROWSDOWN | MapFlags.FIXED);
            equal(top - 4 * 4096, st, "stack mapped");
            FaultResult r = as.handleFault(st - 100, Vectors.PF_W | Vectors.PF_U);
            equal(FaultResult.Kind.ZERO_FILL, r.kind(), "fault just below the stack grows it");
            equal(st - 4096, as.findVma(st - 4096).start(), "VMA grew down");
            // a mapping below, then faults that would bring the stack within the guard gap
            long low = st - 4096 - AddressSpace.STACK_GUARD_GAP - 4096;
            equal(low - 4096, as.mmap(low - 4096, 4096, RW, ANON | MapFlags.FIXED), "mapping below the stack");
            r = as.handleFault(low + 100, Vectors.PF_W | Vectors.PF_U);
            equal(FaultResult.Kind.SIGSEGV, r.kind(), "inside the guard gap: SIGSEGV");
            equal(FaultResult.SEGV_MAPERR, r.siCode(), "MAPERR");
            r = as.handleFault(0x10_0000, Vectors.PF_U);
            equal(FaultResult.SEGV_MAPERR, r.siCode(), "no VMA: MAPERR");
            long g = as.mmap(0, 4096, Prot.NONE, ANON);
            r = as.handleFault(g, Vectors.PF_U);
            equal(FaultResult.SEGV_ACCERR, r.siCode(), "explicit PROT_NONE guard: ACCERR");
            long placed = as.mmap(st - 2 * 4096, 4096, RW, ANON);
            isTrue(placed + 4096 <= st - 4096 - AddressSpace.STACK_GUARD_GAP || placed >= top,
                    "mmap keeps out of the stack guard gap: " + Long.toHexString(placed));
        }
    }

    void shootdown() throws Exception {
        if (hal.vcpus().size() < 2) {
            return; // needs two vCPUs; nothing to shoot down on one
        }
        long free0 = free();
        try (AddressSpace as = vm.createAddressSpace()) {
            loadCode(as);
            equal(DATA, as.mmap(DATA, 4096, RW, ANON | MapFlags.FIXED), "watched page");
            long counter = as.mmap(0, 4096, RW, ANON);
            put64(as, DATA, 1);
            put64(as, counter, 0);
            long counterPa = as.translate(counter);
            Vcpu v1 = vcpu(1);
            AtomicReference<UserRun.Outcome> out = new AtomicReference<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            v1.execute(() -> {
                try {
                    out.set(UserRun.run(v1, as, LOOP_AT, regs(DATA, counter, 0), Long.MAX_VALUE / 2, true));
                } catch (Throwable t) {
                    failed.set(t);
                } finally {
                    done.countDown();
                }
            });
            long t0 = System.nanoTime();
            while (hal.memory().read64(counterPa) < 1000) {
                isTrue(System.nanoTime() - t0 < 10_000_000_000L, "vCPU 1 did not start reading");
                Thread.sleep(1);
            }
            long sent = vm.stats().shootdownIpis();
            long[] atReturn = new long[1];
            vcpu(0).call(() -> {
                equal(0, as.munmap(DATA, 4096), "munmap on vCPU 0");
                atReturn[0] = hal.memory().read64(counterPa);
                return null;
            });
            isTrue(done.await(10, java.util.concurrent.TimeUnit.SECONDS), "vCPU 1 stopped reading");
            if (failed.get() != null) {
                throw new AssertionError("vCPU 1 failed", failed.get());
            }
            UserRun.Outcome o = out.get();
            isTrue(vm.stats().shootdownIpis() > sent, "an IPI was sent");
            equal(Exit.EXCEPTION, o.exit(), "vCPU 1 faulted");
            equal(DATA, o.cr2(), "on the unmapped page");
            equal(FaultResult.SEGV_MAPERR, o.unresolved().siCode(), "as SIGSEGV MAPERR");
            long after = hal.memory().read64(counterPa) - atReturn[0];
            isTrue(after >= 0 && after <= 1, "no read through a stale TLB after munmap returned (" + after
                    + " loop turns finished after it; at most the one in flight)");
        }
        equal(free0, free(), "no leak");
    }
}
