package tests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.inject.Inject;
import kernel.core.Kernel;
import kernel.mm.AddressSpace;
import kernel.mm.MapFlags;
import kernel.mm.Prot;
import kernel.mm.VirtualMemory;
import kernel.sched.Completion;
import kernel.sched.MmContext;
import kernel.sched.Sched;
import kernel.sched.SchedParams;
import kernel.sched.Scheduler;
import kernel.sched.Task;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.Vectors;

/**
 * kernel.mm and kernel.sched together in the booted kernel, through their services only: a
 * task whose user code runs in a {@link VirtualMemory} address space (switched in by the
 * scheduler through {@link MmContext}) on vCPU 1 reads a page again and again; another thread
 * unmaps the page. Once {@code munmap} has returned, the task's next read must fault: the
 * scheduler told the address space where it is active, so the TLB shootdown reached vCPU 1,
 * whose TLB would otherwise still hold the page.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UserTaskTest {
    static final long CODE = 0x40_0000L;
    static final long DATA = 0x50_0000L;
    static final long PAGE = 4096;
    /** {@code mov rax, [rdi]; syscall}. */
    static final byte[] READ_AND_RETURN = {0x48, (byte) 0x8B, 0x07, 0x0F, 0x05};

    @Inject
    private Kernel kernel;

    @Inject
    private VirtualMemory vm;

    @Inject
    private Scheduler scheduler;

    @Configuration
    public Option[] config() throws Exception {
        return Kestrel.boot("default", Kestrel.DEFAULT, Map.of("kestrel.cpus", "2"));
    }

    @Before
    public void booted() throws InterruptedException {
        assertTrue("kernel did not finish booting", kernel.awaitBoot(Duration.ofSeconds(60)));
    }

    @Test
    public void munmapReachesTheVcpuRunningTheTaskThroughTheScheduler() throws Exception {
        try (AddressSpace as = vm.createAddressSpace()) {
            int anon = MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED;
            assertEquals(CODE, as.mmap(CODE, PAGE, Prot.READ | Prot.WRITE, anon));
            assertEquals(0, as.copyToUser(CODE, READ_AND_RETURN, 0, READ_AND_RETURN.length));
            assertEquals(0, as.mprotect(CODE, PAGE, Prot.READ | Prot.EXEC));
            assertEquals(DATA, as.mmap(DATA, PAGE, Prot.READ | Prot.WRITE, anon));
            byte[] value = {42, 0, 0, 0, 0, 0, 0, 0};
            assertEquals(0, as.copyToUser(DATA, value, 0, value.length));

            AtomicLong reads = new AtomicLong();
            AtomicReference<String> outcome = new AtomicReference<>("did not finish");
            Completion go = new Completion();
            AtomicBoolean unmapping = new AtomicBoolean(); // set just before munmap is called
            AtomicBoolean gone = new AtomicBoolean(); // set once munmap has returned
            Task t = scheduler.spawn("user-reader", SchedParams.normal(0), 1L << 1, () -> {
                go.await();
                CpuState s = new CpuState();
                for (int i = 0; i < 5_000_000; i++) {
                    boolean after = gone.get(); // munmap had returned before this run started
                    s.cr3 = as.cr3();
                    s.rip = CODE;
                    s.cpl = 3;
                    s.rflags = 0x202;
                    s.gpr[CpuState.RDI] = DATA;
                    Exit e = Sched.runUser(s);
                    if (e == Exit.SYSCALL && s.gpr[CpuState.RAX] == 42) {
                        if (after) {
                            outcome.set("read the page after munmap returned (stale TLB on cpu " + Sched.cpu() + ")");
                            return;
                        }
                        reads.incrementAndGet();
                        continue;
                    }
                    if (e == Exit.EXCEPTION && Sched.lastVector() == Vectors.PF && s.cr2 == DATA) {
                        outcome.set(unmapping.get() ? "fault" : "fault before munmap was called");
                        return;
                    }
                    outcome.set("unexpected exit " + e + " vector " + Sched.lastVector() + " rax " + s.gpr[CpuState.RAX]);
                    return;
                }
            });
            t.setMm(MmContext.of(as::activate, as::deactivate));
            go.complete();
            Kestrel.await("the task reads through its page tables", () -> reads.get() > 200 || t.state() == Task.State.DEAD);
            assertTrue(outcome.get(), reads.get() > 200);
            unmapping.set(true);
            assertEquals(0, as.munmap(DATA, PAGE));
            gone.set(true);
            assertTrue("the task ends", t.join(Duration.ofSeconds(20).toNanos()));
            assertEquals("fault", outcome.get());
            assertEquals("the task ran on vCPU 1", 1, t.cpu());
        }
    }
}
