import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import kernel.core.hal.MachineHal;
import kernel.mm.AddressSpace;
import kernel.mm.FaultResult;
import kernel.mm.MapFlags;
import kernel.mm.Prot;
import kernel.mm.internal.BuddyAllocator;
import kernel.mm.internal.vm.UserRun;
import kernel.mm.internal.vm.VirtualMemoryImpl;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.pc.Machine;
import platform.pc.Vcpu;

/**
 * Page-fault handling measured through the real CPU loop: user code on vCPU 0 stores to one
 * word in each of PAGES pages; every store faults to the kernel (AddressSpace.handleFault),
 * which resolves it, and the instruction restarts. Three kinds: demand-zero (fresh anonymous
 * memory), copy-on-write copy (a forked child writes pages it shares with its parent) and
 * copy-on-write reuse (the parent writes them after the child has its own copies); and, on a
 * second area, a read of each fresh page (the shared zero page mapped read-only) followed by a
 * write (the zero page replaced by a private zeroed page). The cost
 * of the loop itself (4 instructions and a TLB miss a page), the fastest of three runs of the
 * same loop over pages already mapped, is subtracted from each fault run of the round.
 *
 * Usage: java -cp CLASSPATH bench/vm/FaultBench.java [PAGES] [ROUNDS]
 */
public class FaultBench {
    static final long CODE = 0x40_0000;
    /** l: mov [rdi], rsi; add rdi, 4096; dec rcx; jnz l; syscall */
    static final byte[] TOUCH = {0x48, (byte) 0x89, 0x37, 0x48, (byte) 0x81, (byte) 0xC7, 0x00, 0x10, 0x00, 0x00,
        0x48, (byte) 0xFF, (byte) 0xC9, 0x75, (byte) 0xF1, 0x0F, 0x05};
    /** l: mov rax, [rdi]; add rdi, 4096; dec rcx; jnz l; syscall */
    static final byte[] READ = {0x48, (byte) 0x8B, 0x07, 0x48, (byte) 0x81, (byte) 0xC7, 0x00, 0x10, 0x00, 0x00,
        0x48, (byte) 0xFF, (byte) 0xC9, 0x75, (byte) 0xF1, 0x0F, 0x05};
    static final long READ_AT = CODE + 0x40;

    record Run(long nanos, long faults, FaultResult.Kind kind) {}

    public static void main(String[] args) throws Exception {
        int pages = args.length > 0 ? Integer.parseInt(args[0]) : 16384;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int warmup = 2;
        try (Machine m = Machine.builder().memory(((long) pages * 4096 * 2) + (128L << 20)).cpus(1).build().powerOn()) {
            MachineHal hal = new MachineHal(m);
            hal.start();
            BuddyAllocator alloc = new BuddyAllocator(m.bootInfo().memoryMap(), 1, hal::currentCpu);
            VirtualMemoryImpl vm = new VirtualMemoryImpl(hal, alloc);
            Vcpu v = m.vcpu(0);
            List<Double> zero = new ArrayList<>(), copy = new ArrayList<>(), reuse = new ArrayList<>(), loop = new ArrayList<>();
            List<Double> zeroRead = new ArrayList<>(), zeroWrite = new ArrayList<>();
            for (int r = 0; r < warmup + rounds; r++) {
                AddressSpace parent = vm.createAddressSpace();
                parent.mmap(CODE, 4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
                parent.copyToUser(CODE, TOUCH, 0, TOUCH.length);
                parent.copyToUser(READ_AT, READ, 0, READ.length);
                parent.mprotect(CODE, 4096, Prot.READ | Prot.EXEC);
                long a = parent.mmap(0, (long) pages * 4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
                Run z = touch(v, parent, a, pages, FaultResult.Kind.ZERO_FILL);
                long fresh = parent.mmap(0, (long) pages * 4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
                Run zr = run(v, parent, READ_AT, fresh, pages, FaultResult.Kind.ZERO_PAGE);
                Run zw = touch(v, parent, fresh, pages, FaultResult.Kind.ZERO_FILL);
                parent.munmap(fresh, (long) pages * 4096);
                Run base = touch(v, parent, a, pages, null);
                for (int k = 0; k < 2; k++) {
                    Run b = touch(v, parent, a, pages, null);
                    base = b.nanos < base.nanos ? b : base;
                }
                AddressSpace child = parent.fork();
                Run c = touch(v, child, a, pages, FaultResult.Kind.COW_COPY);
                Run u = touch(v, parent, a, pages, FaultResult.Kind.COW_REUSE);
                child.close();
                parent.close();
                if (r >= warmup) {
                    zero.add(rate(z, base));
                    zeroRead.add(rate(zr, base));
                    zeroWrite.add(rate(zw, base));
                    copy.add(rate(c, base));
                    reuse.add(rate(u, base));
                    loop.add(base.nanos / 1e6);
                }
            }
            vm.close();
            hal.stop();
            System.out.printf("page faults through the CPU loop, %d pages a round, %d rounds (after %d warm-up)%n", pages, rounds, warmup);
            System.out.println("| fault | median faults/s | best faults/s | median us/fault |");
            System.out.println("|---|---|---|---|");
            row("demand-zero", zero);
            row("COW copy", copy);
            row("COW reuse", reuse);
            row("read: zero page mapped", zeroRead);
            row("write after read: zero page replaced", zeroWrite);
            Collections.sort(loop);
            System.out.printf("(the loop alone over mapped pages: median %.2f ms a round)%n", loop.get(loop.size() / 2));
        }
    }

    static double rate(Run run, Run base) {
        return run.faults * 1e9 / Math.max(run.nanos - base.nanos, run.nanos / 20);
    }

    static void row(String name, List<Double> rates) {
        List<Double> s = new ArrayList<>(rates);
        Collections.sort(s);
        double median = s.get(s.size() / 2);
        double best = s.get(s.size() - 1);
        System.out.printf("| %s | %,.0f | %,.0f | %.2f |%n", name, median, best, 1e6 / median);
    }

    static Run touch(Vcpu v, AddressSpace as, long a, int pages, FaultResult.Kind expect) throws Exception {
        return run(v, as, CODE, a, pages, expect);
    }

    /** Runs the loop at {@code rip} over {@code pages} pages from {@code a}; expects one fault of kind {@code expect} a page. */
    static Run run(Vcpu v, AddressSpace as, long rip, long a, int pages, FaultResult.Kind expect) throws Exception {
        long[] regs = new long[16];
        regs[CpuState.RDI] = a;
        regs[CpuState.RSI] = 0x5A5A;
        regs[CpuState.RCX] = pages;
        long t0 = System.nanoTime();
        UserRun.Outcome o = v.call(() -> UserRun.run(v, as, rip, regs, Long.MAX_VALUE / 2, true));
        long t = System.nanoTime() - t0;
        if (o.exit() != Exit.SYSCALL) {
            throw new IllegalStateException("run ended with " + o.exit() + " " + o.unresolved());
        }
        long n = o.faults().stream().filter(f -> f.kind() == expect).count();
        long code = o.faults().stream().filter(f -> f.kind() != expect).count();
        if (expect != null && n != pages) {
            throw new IllegalStateException("expected " + pages + " " + expect + " faults, got " + n + " (+" + code + " other)");
        }
        return new Run(t, n, expect);
    }
}
