// bench/mm/MmBench.java: microbenchmarks of kernel.mm's page and slab allocators, run by
// bench/mm/run.sh. A plain loop harness (no JMH): each case runs WARMUP rounds, then ROUNDS
// measured rounds of OPS operations; it prints the median and the best ns/op. It lives in
// kernel.mm.internal (on the class path, next to the kernel.mm jar) to reach the package-private
// slab cache class without widening its API.
package kernel.mm.internal;

import java.util.Arrays;
import java.util.function.IntSupplier;
import kernel.core.hal.MachineHal;
import kernel.core.hal.PhysMem;
import kernel.mm.PageAllocator;
import kernel.mm.Zone;
import platform.pc.Machine;

public final class MmBench {
    static final int WARMUP = 5;
    static final int ROUNDS = 7;
    static final int OPS = 1 << 20;
    static final int BATCH = 64;
    static long sink;

    interface Case {
        /** Runs ops/2 allocations and ops/2 frees, in batches of BATCH; returns nanoseconds. */
        long run(int ops);
    }

    static void report(String name, Case c) {
        for (int i = 0; i < WARMUP; i++) {
            c.run(OPS);
        }
        double[] ns = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            ns[i] = (double) c.run(OPS) / OPS;
        }
        Arrays.sort(ns);
        System.out.printf("| %-44s | %7.1f | %7.1f |%n", name, ns[ROUNDS / 2], ns[0]);
    }

    static Case pages(PageAllocator a, int order, Zone zone) {
        return pages(a, order, zone, BATCH);
    }

    static Case pages(PageAllocator a, int order, Zone zone, int batch) {
        long[] held = new long[batch];
        return ops -> {
            long t0 = System.nanoTime();
            for (int done = 0; done < ops; done += 2 * batch) {
                for (int i = 0; i < batch; i++) {
                    held[i] = a.allocPages(order, zone);
                }
                for (int i = batch - 1; i >= 0; i--) {
                    a.freePages(held[i], order);
                }
            }
            return System.nanoTime() - t0;
        };
    }

    static Case slab(SlabCacheImpl c) {
        long[] held = new long[BATCH];
        return ops -> {
            long t0 = System.nanoTime();
            for (int done = 0; done < ops; done += 2 * BATCH) {
                for (int i = 0; i < BATCH; i++) {
                    held[i] = c.alloc();
                }
                for (int i = BATCH - 1; i >= 0; i--) {
                    c.free(held[i]);
                }
            }
            return System.nanoTime() - t0;
        };
    }

    /** Two threads on one allocator, as vCPUs 0 and 1 (cached) or as no vCPU; ns per op over both. */
    static Case twoThreads(java.util.List<platform.pc.MemoryRegion> map, boolean cached) {
        ThreadLocal<Integer> cpu = ThreadLocal.withInitial(() -> -1);
        BuddyAllocator a = new BuddyAllocator(map, 2, cpu::get);
        return ops -> {
            Thread[] t = new Thread[2];
            long t0 = System.nanoTime();
            for (int i = 0; i < 2; i++) {
                int id = i;
                t[i] = Thread.ofPlatform().start(() -> {
                    cpu.set(cached ? id : -1);
                    pages(a, 0, Zone.NORMAL).run(ops / 2);
                });
            }
            for (Thread th : t) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return System.nanoTime() - t0;
        };
    }

    public static void main(String[] args) {
        try (Machine m = Machine.builder().memory(1L << 30).cpus(1).build().powerOn()) {
            var map = m.bootInfo().memoryMap();
            PhysMem mem = new MachineHal(m).memory();
            IntSupplier noCpu = () -> -1;
            IntSupplier cpu0 = () -> 0;
            System.out.println("| case (1 GiB machine, batches of " + BATCH + ", ns per alloc or free) | median | best |");
            System.out.println("|---|---|---|");
            report("allocPages/freePages order 0, no per-CPU cache", pages(new BuddyAllocator(map, 1, noCpu), 0, Zone.NORMAL));
            report("allocPages/freePages order 0, per-CPU cache", pages(new BuddyAllocator(map, 1, cpu0), 0, Zone.NORMAL));
            MachineHal hal = new MachineHal(m);
            BuddyAllocator onVcpu = new BuddyAllocator(map, 1, hal::currentCpu);
            Case viaHal = pages(onVcpu, 0, Zone.NORMAL);
            report("order 0, on vCPU 0, cpu from hal.currentCpu()", ops -> {
                try {
                    return m.vcpu(0).call(() -> viaHal.run(ops));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            report("order 0, per-CPU cache, batches of 1024 (refill/drain)",
                    pages(new BuddyAllocator(map, 1, cpu0), 0, Zone.NORMAL, 1024));
            report("order 0, 2 threads, no per-CPU cache (zone lock contended)", twoThreads(map, false));
            report("order 0, 2 threads as vCPUs 0 and 1, per-CPU caches", twoThreads(map, true));
            report("allocPages/freePages order 3", pages(new BuddyAllocator(map, 1, cpu0), 3, Zone.NORMAL));
            report("allocPages/freePages order 10", pages(new BuddyAllocator(map, 1, cpu0), 10, Zone.NORMAL));
            BuddyAllocator shared = new BuddyAllocator(map, 1, cpu0);
            report("slab alloc/free 64 B (zeroed in emulated RAM)",
                    slab(new SlabCacheImpl("bench-64", 64, 64, Zone.NORMAL, false, shared, mem, c -> { })));
            report("slab alloc/free 64 B, debug (poison + check)",
                    slab(new SlabCacheImpl("bench-64d", 64, 64, Zone.NORMAL, true, shared, mem, c -> { })));
            report("slab alloc/free 4 KiB (page-table page)",
                    slab(new SlabCacheImpl("bench-4k", 4096, 4096, Zone.NORMAL, false, shared, mem, c -> { })));
        }
    }
}
