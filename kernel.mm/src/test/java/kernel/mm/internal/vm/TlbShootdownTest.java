package kernel.mm.internal.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import kernel.mm.AddressSpace;
import kernel.mm.FaultResult;
import kernel.mm.MapFlags;
import kernel.mm.Prot;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.pc.Vcpu;

/** TLB shootdown and concurrent faults with user code running on two vCPUs at once. */
@Timeout(60)
class TlbShootdownTest extends VmTest {
    @Override
    int cpus() {
        return 2;
    }

    static final int RW = Prot.READ | Prot.WRITE;
    static final int ANON = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
    static final long P = 4096;

    static long[] regs(long rdi, long rsi, long rcx) {
        long[] r = new long[16];
        r[CpuState.RDI] = rdi;
        r[CpuState.RSI] = rsi;
        r[CpuState.RCX] = rcx;
        return r;
    }

    /** Starts user code on {@code v}; the outcome lands in {@code out} and {@code done} counts down. */
    static CountDownLatch start(Vcpu v, AddressSpace as, long rip, long[] regs, AtomicReference<Object> out) {
        return start(v, as, rip, regs, out, null);
    }

    /**
     * As above; with a {@code barrier}, {@code as} is first made active on {@code v} and the run
     * waits until every party is active, so each one's page-table changes must reach the others.
     */
    static CountDownLatch start(Vcpu v, AddressSpace as, long rip, long[] regs, AtomicReference<Object> out,
                                CyclicBarrier barrier) {
        CountDownLatch done = new CountDownLatch(1);
        v.execute(() -> {
            try {
                if (barrier != null) {
                    as.activate(v);
                    barrier.await(10, TimeUnit.SECONDS);
                }
                out.set(UserRun.run(v, as, rip, regs, Long.MAX_VALUE / 2, true));
            } catch (Throwable t) {
                out.set(t);
            } finally {
                done.countDown();
            }
        });
        return done;
    }

    static UserRun.Outcome outcome(AtomicReference<Object> out) {
        if (out.get() instanceof Throwable t) {
            throw new AssertionError("user run failed", t);
        }
        return (UserRun.Outcome) out.get();
    }

    @Test
    void mprotectReadOnlyStopsWritesOnTheOtherVcpu() throws Exception {
        long free0 = pages.stats().freePages();
        try (AddressSpace as = vm.createAddressSpace()) {
            VmSelfTests.loadCode(as);
            long counter = as.mmap(0, P, RW, ANON | MapFlags.POPULATE);
            long counterPa = as.translate(counter);
            // READ_LOOP reads [rdi] and stores its count to [rsi]: make [rdi] the counter page itself
            AtomicReference<Object> out = new AtomicReference<>();
            CountDownLatch done = start(machine.vcpu(1), as, VmSelfTests.LOOP_AT, regs(counter, counter + 8, 0), out);
            long t0 = System.nanoTime();
            while (hal.memory().read64(counterPa + 8) < 1000) {
                assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "vCPU 1 runs");
                Thread.sleep(1);
            }
            long[] at = new long[1];
            machine.vcpu(0).call(() -> {
                assertEquals(0, as.mprotect(counter, P, Prot.READ));
                at[0] = hal.memory().read64(counterPa + 8);
                return null;
            });
            assertTrue(done.await(10, TimeUnit.SECONDS), "vCPU 1 stopped");
            UserRun.Outcome o = outcome(out);
            assertEquals(Exit.EXCEPTION, o.exit());
            assertEquals(counter + 8, o.cr2(), "the store faulted");
            assertEquals(FaultResult.SEGV_ACCERR, o.unresolved().siCode());
            assertEquals(at[0], hal.memory().read64(counterPa + 8), "no store through a stale writable TLB entry");
        }
        assertEquals(free0, pages.stats().freePages());
    }

    @Test
    void concurrentCopyOnWriteFaultsOnTwoVcpus() throws Exception {
        long free0 = pages.stats().freePages();
        int n = 256;
        AddressSpace parent = vm.createAddressSpace();
        AddressSpace child = null;
        try {
            VmSelfTests.loadCode(parent);
            long a = parent.mmap(0, 2L * n * P, RW, ANON);
            // the parent fills every page (demand zero), then forks
            UserRun.Outcome po = machine.vcpu(0).call(() -> UserRun.run(machine.vcpu(0), parent, VmSelfTests.TOUCH_AT,
                    regs(a, 0x1111, 2L * n), 10_000_000, true));
            assertEquals(Exit.SYSCALL, po.exit());
            assertEquals(2 * n, po.faults().size(), "one demand-zero fault a page");
            child = parent.fork();
            AddressSpace c = child;
            long ipis = vm.stats().shootdownIpis();
            long cows = vm.stats().cowCopies();
            // both vCPUs write the child's pages at once: every copy shoots down the other vCPU
            AtomicReference<Object> out0 = new AtomicReference<>();
            AtomicReference<Object> out1 = new AtomicReference<>();
            // both are active before either writes: whichever finishes first, its copies had to reach the other
            CyclicBarrier bothActive = new CyclicBarrier(2);
            CountDownLatch d0 = start(machine.vcpu(0), c, VmSelfTests.TOUCH_AT, regs(a, 0x2222, n), out0, bothActive);
            CountDownLatch d1 = start(machine.vcpu(1), c, VmSelfTests.TOUCH_AT, regs(a + n * P, 0x3333, n), out1,
                    bothActive);
            assertTrue(d0.await(30, TimeUnit.SECONDS) && d1.await(30, TimeUnit.SECONDS), "both finished");
            assertEquals(Exit.SYSCALL, outcome(out0).exit());
            assertEquals(Exit.SYSCALL, outcome(out1).exit());
            assertEquals(2L * n, vm.stats().cowCopies() - cows, "one copy a page");
            assertTrue(vm.stats().shootdownIpis() > ipis, "copies on one vCPU flushed the other");
            for (int i = 0; i < 2 * n; i++) {
                long va = a + (long) i * P;
                assertEquals(0x1111, VmSelfTests.get64(parent, va), "parent page " + i);
                assertEquals(i < n ? 0x2222 : 0x3333, VmSelfTests.get64(c, va), "child page " + i);
                assertNotEquals(parent.translate(va), c.translate(va));
                assertEquals(1, pages.pageCount(parent.translate(va)));
            }
        } finally {
            if (child != null) {
                child.close();
            }
            parent.close();
        }
        pages.drainCaches();
        assertEquals(free0, pages.stats().freePages(), "no leak");
    }

    @Test
    void unmapFromANonVcpuThreadShootsDownThroughTheBspApic() throws Exception {
        try (AddressSpace as = vm.createAddressSpace()) {
            VmSelfTests.loadCode(as);
            long page = as.mmap(0, P, RW, ANON | MapFlags.POPULATE);
            long counter = as.mmap(0, P, RW, ANON | MapFlags.POPULATE);
            long counterPa = as.translate(counter);
            AtomicReference<Object> out = new AtomicReference<>();
            CountDownLatch done = start(machine.vcpu(1), as, VmSelfTests.LOOP_AT, regs(page, counter, 0), out);
            long t0 = System.nanoTime();
            while (hal.memory().read64(counterPa) < 1000) {
                assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "vCPU 1 runs");
                Thread.sleep(1);
            }
            assertEquals(0, as.munmap(page, P)); // on the JUnit thread
            long at = hal.memory().read64(counterPa);
            assertTrue(done.await(10, TimeUnit.SECONDS), "vCPU 1 stopped");
            UserRun.Outcome o = outcome(out);
            assertEquals(page, o.cr2());
            assertTrue(hal.memory().read64(counterPa) - at <= 1, "at most the loop turn in flight");
            assertNull(as.findVma(page));
        }
    }
}
