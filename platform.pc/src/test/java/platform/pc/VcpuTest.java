package platform.pc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import platform.cpu.Cpu;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.pc.time.VirtualClock;

/**
 * vCPUs running real machine code (hand-assembled below) on identity-mapped page tables in
 * machine RAM: per-CPU APIC page routing, preemption of user code by the LAPIC timer, the
 * deterministic clock (exact instruction counts, reproducible RDTSC and timer), the idle warp,
 * INIT/SIPI, IPIs and NMIs waking halted vCPUs, error containment and shutdown.
 */
@Timeout(30)
class VcpuTest {
    static final long PML4 = 0x10000, PDPT = 0x11000;
    static final long CODE = 0x20000;
    static final long BUF = 0x100000;
    static final int TIMER_VECTOR = 0x40;

    /** jmp $ */
    static final byte[] SPIN = {(byte) 0xEB, (byte) 0xFE};

    /**
     * l: inc rcx; rdtsc; shl rdx,32; or rax,rdx; mov [rdi],rax; add rdi,8; jmp l (7 instructions
     * a turn; RDTSC is the second of its block, so its value shows whether instructions before
     * it in the block are counted).
     */
    static final byte[] RDTSC_LOOP = {
        0x48, (byte) 0xFF, (byte) 0xC1,
        0x0F, 0x31,
        0x48, (byte) 0xC1, (byte) 0xE2, 0x20,
        0x48, 0x09, (byte) 0xD0,
        0x48, (byte) 0x89, 0x07,
        0x48, (byte) 0x83, (byte) 0xC7, 0x08,
        (byte) 0xEB, (byte) 0xEB};

    /** mov rbx, 0xFEE00000; mov eax, [rbx+0x20]; hlt: reads the APIC ID register. */
    static final byte[] READ_APIC_ID = {
        0x48, (byte) 0xBB, 0x00, 0x00, (byte) 0xE0, (byte) 0xFE, 0, 0, 0, 0,
        (byte) 0x8B, 0x43, 0x20,
        (byte) 0xF4};

    /** mov rbx, 0xFEE00000; mov dword [rbx+0x310], hi; mov dword [rbx+0x300], lo; hlt: sends an IPI. */
    static byte[] sendIpi(int hi, int lo) {
        byte[] b = {
            0x48, (byte) 0xBB, 0x00, 0x00, (byte) 0xE0, (byte) 0xFE, 0, 0, 0, 0,
            (byte) 0xC7, (byte) 0x83, 0x10, 0x03, 0, 0, 0, 0, 0, 0,
            (byte) 0xC7, (byte) 0x83, 0x00, 0x03, 0, 0, 0, 0, 0, 0,
            (byte) 0xF4};
        putInt(b, 16, hi);
        putInt(b, 26, lo);
        return b;
    }

    static void putInt(byte[] b, int at, int v) {
        for (int k = 0; k < 4; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }

    /** Identity-maps the low 4 GiB with 1 GiB pages (present, writable, user). */
    static Machine boot(Machine m) {
        m.ram().write64(PML4, PDPT | 0x7);
        for (int g = 0; g < 4; g++) {
            m.ram().write64(PDPT + 8L * g, ((long) g << 30) | 0x87);
        }
        return m;
    }

    static Machine machine(int cpus, VirtualClock clock) {
        Machine.Builder b = Machine.builder().memory(32L << 20).cpus(cpus);
        if (clock != null) {
            b.clock(clock);
        }
        return boot(b.build().powerOn());
    }

    /** On the vCPU's thread: points the CPU at the code at {@code at}, at privilege {@code cpl}, paging on. */
    static Cpu enter(Vcpu v, long at, byte[] code, int cpl) {
        Cpu c = v.cpu();
        c.setCr3(PML4);
        c.setRip(at);
        c.setCpl(cpl);
        c.setRflags(cpl == 3 ? 0x202 : 0x2);
        return c;
    }

    static void load(Machine m, long at, byte[] code) {
        m.ram().write(at, code, 0, code.length);
    }

    /** Enables the APIC and arms a one-shot timer of {@code count} ticks (divide by 1) at {@link #TIMER_VECTOR}. */
    static void armOneShot(LocalApic a, long count) {
        a.writeRegister(LocalApic.REG_SVR, 0x1FF);
        a.writeRegister(LocalApic.REG_TIMER_DIVIDE, 0xB);
        a.writeRegister(LocalApic.REG_LVT_TIMER, TIMER_VECTOR);
        a.writeRegister(LocalApic.REG_TIMER_INITIAL, (int) count);
    }

    /** INIT then STARTUP (vector 8) to APIC {@code id}, written by vCPU 0 to its ICR. */
    static void startAp(Machine m, int id) throws Exception {
        m.vcpu(0).call(() -> {
            LocalApic bsp = m.lapic(0);
            bsp.writeRegister(LocalApic.REG_ICR_HIGH, id << 24);
            bsp.writeRegister(LocalApic.REG_ICR_LOW, 0x0000_C500); // INIT, level assert
            bsp.writeRegister(LocalApic.REG_ICR_HIGH, id << 24);
            bsp.writeRegister(LocalApic.REG_ICR_LOW, 0x0000_0608); // STARTUP, vector 8
            return null;
        });
    }

    static void awaitTrue(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting: " + what);
            Thread.sleep(1);
        }
    }

    // ------------------------------------------------------------------------------- (a)

    @Test
    void eachVcpuReadsItsOwnApicIdAtTheApicPage() throws Exception {
        try (Machine m = machine(2, null)) {
            startAp(m, 1);
            awaitTrue(() -> m.vcpu(1).online(), "AP online");
            long[] ids = new long[2];
            for (int i = 0; i < 2; i++) {
                int cpu = i;
                long at = CODE + 0x1000L * i;
                load(m, at, READ_APIC_ID);
                ids[i] = m.vcpu(i).call(() -> {
                    Cpu c = enter(m.vcpu(cpu), at, READ_APIC_ID, 0);
                    assertEquals(Exit.HLT, m.vcpu(cpu).runUser(100));
                    return c.reg(CpuState.RAX);
                });
            }
            assertEquals(0, ids[0], "vCPU 0 sees APIC ID 0");
            assertEquals(1L << 24, ids[1], "vCPU 1 sees its own APIC (ID 1 in bits 31:24)");
            assertEquals(0xFFFF_FFFFL, m.bus().read(LocalApic.DEFAULT_BASE + 0x20, 4),
                    "the APIC page is not on the shared bus (the MSI window is there)");
        }
    }

    @Test
    void highRamAbove4GiBIsReachedByTheCpu() throws Exception {
        long size = Machine.LOW_RAM_LIMIT + (64L << 20); // 64 MiB of high RAM at 4 GiB
        try (Machine m = boot(Machine.builder().memory(size).build().powerOn())) {
            m.ram().write64(PDPT + 8L * 4, Machine.HIGH_RAM_BASE | 0x87); // identity 4..5 GiB
            long at = Machine.HIGH_RAM_BASE + 0x1000;
            // mov rbx, at + 0x100; mov qword [rbx], 0x1234; hlt
            byte[] code = {0x48, (byte) 0xBB, 0, 0, 0, 0, 0, 0, 0, 0,
                0x48, (byte) 0xC7, 0x03, 0x34, 0x12, 0, 0,
                (byte) 0xF4};
            for (int k = 0; k < 8; k++) {
                code[2 + k] = (byte) ((at + 0x100) >>> (8 * k));
            }
            long ramOffset = Machine.LOW_RAM_LIMIT + 0x1000; // high RAM follows low RAM in Ram
            m.ram().write(ramOffset, code, 0, code.length);
            m.vcpu(0).call(() -> {
                enter(m.vcpu(0), at, code, 0);
                assertEquals(Exit.HLT, m.vcpu(0).runUser(10));
                return null;
            });
            assertEquals(0x1234, m.ram().read64(ramOffset + 0x100));
            assertEquals(0x1234, m.bus().read(at + 0x100, 8), "the bus agrees on where high RAM is");
        }
    }

    // ------------------------------------------------------------------------------- (b)

    @Test
    void lapicTimerPreemptsAUserLoop() throws Exception {
        try (Machine m = machine(1, null)) {
            Vcpu v = m.vcpu(0);
            BlockingQueue<String> seen = new LinkedBlockingQueue<>();
            load(m, CODE, SPIN);
            Exit exit = v.call(() -> {
                v.setInterruptHandler((cpu, vector) -> {
                    seen.add(Thread.currentThread().getName() + ":" + vector);
                    cpu.lapic().eoi();
                });
                enter(v, CODE, SPIN, 3);
                armOneShot(v.lapic(), 2_000_000); // 2 ms of host time
                Exit e = v.runUser(Long.MAX_VALUE);
                assertEquals(CODE, v.cpu().rip(), "stopped at an instruction boundary of the loop");
                assertEquals(1, v.serviceInterrupts());
                return e;
            });
            assertEquals(Exit.INTERRUPT, exit);
            assertEquals("vcpu-0:" + TIMER_VECTOR, seen.poll(5, TimeUnit.SECONDS));
            assertThrows(IllegalStateException.class, () -> v.runUser(1), "runUser only on the vCPU's thread");
            assertThrows(IllegalStateException.class, v::serviceInterrupts);
        }
    }

    // ------------------------------------------------------------------------------- (c)

    @Test
    void deterministicClockAdvancesWithInstructions() throws Exception {
        VirtualClock clock = VirtualClock.deterministic();
        try (Machine m = machine(1, clock)) {
            Vcpu v = m.vcpu(0);
            load(m, CODE, SPIN);
            long n = 3 * Vcpu.MAX_SLICE + 12_345;
            v.call(() -> {
                enter(v, CODE, SPIN, 3);
                assertEquals(Exit.BUDGET, v.runUser(n));
                return null;
            });
            assertEquals(n, v.cpu().retired());
            assertEquals(n * Vcpu.NANOS_PER_INSTRUCTION, clock.now());
            assertEquals(clock.now(), v.tsc(), "TSC at 1 GHz on the clock");
        }
    }

    /** The RDTSC values and the retired count at which the timer interrupt was taken. */
    record Trace(long[] tsc, long retiredAtInterrupt, long startTsc, String vector) {
    }

    static Trace traceRun(long timerCount) throws Exception {
        VirtualClock clock = VirtualClock.deterministic();
        try (Machine m = machine(1, clock)) {
            Vcpu v = m.vcpu(0);
            load(m, CODE, RDTSC_LOOP);
            AtomicReference<String> vec = new AtomicReference<>();
            long[] r = v.call(() -> {
                v.setInterruptHandler((cpu, vector) -> {
                    vec.set(Thread.currentThread().getName() + ":" + vector);
                    cpu.lapic().eoi();
                });
                Cpu c = enter(v, CODE, RDTSC_LOOP, 3);
                c.setReg(CpuState.RDI, BUF);
                long start = clock.now();
                long r0 = c.retired();
                armOneShot(v.lapic(), timerCount);
                Exit e = v.runUser(10_000_000);
                assertEquals(Exit.INTERRUPT, e);
                long retired = c.retired() - r0;
                assertEquals(1, v.serviceInterrupts());
                return new long[] {retired, start, (c.reg(CpuState.RDI) - BUF) / 8};
            });
            long[] tsc = new long[(int) r[2]];
            for (int k = 0; k < tsc.length; k++) {
                tsc[k] = m.ram().read64(BUF + 8L * k);
            }
            return new Trace(tsc, r[0], r[1], vec.get());
        }
    }

    @Test
    void deterministicRunsReadTheSameTscAndTakeTheTimerAtTheSameInstruction() throws Exception {
        long count = 1_000;
        Trace a = traceRun(count);
        Trace b = traceRun(count);
        long perNs = 1; // TSC_HZ is 1 GHz
        assertEquals(1_000_000_000L, Vcpu.TSC_HZ);
        assertEquals(count / Vcpu.NANOS_PER_INSTRUCTION * perNs, a.retiredAtInterrupt(),
                "the one-shot timer of " + count + " ns fires after exactly that many instructions");
        assertEquals(a.retiredAtInterrupt(), b.retiredAtInterrupt());
        assertArrayEquals(a.tsc(), b.tsc(), "identical RDTSC values in two runs");
        assertEquals("vcpu-0:" + TIMER_VECTOR, a.vector());
        assertEquals((count + 1) / 7, a.tsc().length, "RDI advanced once per 7-instruction turn (the 6th)");
        for (int k = 0; k < a.tsc().length; k++) {
            assertEquals(a.startTsc() + (7L * k + 1) * Vcpu.NANOS_PER_INSTRUCTION, a.tsc()[k],
                    "RDTSC number " + k + " counts exactly the instructions before it");
        }
    }

    // ------------------------------------------------------------------------------- (d)

    @Test
    void idleMachineWarpsToTheNextTimerDeadline() throws Exception {
        VirtualClock clock = VirtualClock.deterministic();
        try (Machine m = machine(2, clock)) {
            startAp(m, 1);
            awaitTrue(() -> m.vcpu(1).online(), "AP online");
            m.vcpu(1).setInterruptHandler((cpu, vector) -> cpu.lapic().eoi());
            Vcpu v = m.vcpu(0);
            CountDownLatch fired = new CountDownLatch(1);
            AtomicReference<Long> at = new AtomicReference<>();
            v.call(() -> {
                v.setInterruptHandler((cpu, vector) -> {
                    at.set(clock.now());
                    cpu.lapic().eoi();
                    fired.countDown();
                });
                LocalApic a = v.lapic();
                a.writeRegister(LocalApic.REG_SVR, 0x1FF);
                a.writeRegister(LocalApic.REG_TIMER_DIVIDE, 0xA); // divide by 128
                a.writeRegister(LocalApic.REG_LVT_TIMER, TIMER_VECTOR);
                a.writeRegister(LocalApic.REG_TIMER_INITIAL, 78_125_000); // 10 s of virtual time
                return null;
            });
            assertTrue(fired.await(5, TimeUnit.SECONDS), "the timer fired while both vCPUs were halted");
            assertEquals(10_000_000_000L, at.get(), "the clock jumped exactly to the deadline");
        }
    }

    @Test
    void noWarpWhileInterruptsAreDisabled() throws Exception {
        VirtualClock clock = VirtualClock.deterministic();
        try (Machine m = machine(1, clock)) {
            Vcpu v = m.vcpu(0);
            v.call(() -> {
                armOneShot(v.lapic(), 1_000); // no handler: IF = 0, nothing wakes an idle vCPU
                return null;
            });
            Thread.sleep(100);
            assertEquals(0, clock.now(), "the clock did not move");
            assertEquals(1, clock.pendingTimers());
        }
    }

    // ------------------------------------------------------------------------------- (e)

    @Test
    void initSipiBringsAnApOnlineAndOthersStayOffline() throws Exception {
        try (Machine m = machine(3, null)) {
            assertTrue(m.vcpu(0).online(), "the BSP runs from power-on");
            assertFalse(m.vcpu(1).online());
            // STARTUP without INIT is ignored, as on hardware
            m.vcpu(0).call(() -> {
                m.lapic(0).writeRegister(LocalApic.REG_ICR_HIGH, 2 << 24);
                m.lapic(0).writeRegister(LocalApic.REG_ICR_LOW, 0x0000_0608);
                return null;
            });
            startAp(m, 1);
            awaitTrue(() -> m.vcpu(1).online(), "AP 1 online");
            assertEquals(8, m.vcpu(1).startupVector());
            assertEquals("vcpu-1", m.vcpu(1).call(() -> Thread.currentThread().getName()));
            Thread.sleep(100);
            assertFalse(m.vcpu(2).online(), "AP 2 got no INIT/SIPI");
            assertEquals(-1, m.vcpu(2).startupVector());
            assertTrue(m.vcpu(2).thread().isAlive(), "AP 2 waits for SIPI");
        }
    }

    // ------------------------------------------------------------------------------- (f)

    @Test
    void fixedIpiAndNmiWakeAHaltedVcpuOnItsThread() throws Exception {
        try (Machine m = machine(2, null)) {
            startAp(m, 1);
            awaitTrue(() -> m.vcpu(1).online(), "AP online");
            Vcpu ap = m.vcpu(1);
            BlockingQueue<String> seen = new LinkedBlockingQueue<>();
            ap.setInterruptHandler((cpu, vector) -> {
                seen.add(Thread.currentThread().getName() + ":" + vector);
                cpu.lapic().eoi();
            });
            ap.setNmiHandler(cpu -> seen.add(Thread.currentThread().getName() + ":nmi"));
            awaitTrue(ap::halted, "AP halted");
            long halts = ap.halts();
            // vCPU 0 runs machine code that writes its ICR: fixed IPI, vector 0x50, to APIC 1
            byte[] code = sendIpi(1 << 24, 0x50);
            load(m, CODE, code);
            m.vcpu(0).call(() -> {
                enter(m.vcpu(0), CODE, code, 0);
                assertEquals(Exit.HLT, m.vcpu(0).runUser(100));
                return null;
            });
            assertEquals("vcpu-1:80", seen.poll(5, TimeUnit.SECONDS));
            assertTrue(ap.halts() >= halts);
            awaitTrue(ap::halted, "AP halted again");
            byte[] nmi = sendIpi(1 << 24, 0x400); // delivery mode NMI
            load(m, CODE + 0x100, nmi);
            m.vcpu(0).call(() -> {
                enter(m.vcpu(0), CODE + 0x100, nmi, 0);
                assertEquals(Exit.HLT, m.vcpu(0).runUser(100));
                return null;
            });
            assertEquals("vcpu-1:nmi", seen.poll(5, TimeUnit.SECONDS));
            assertEquals(1, ap.nmis());
            assertEquals(1, ap.interrupts());
        }
    }

    // ------------------------------------------------------------------------------- (g)

    @Test
    void aThrowingWorkItemDoesNotKillTheVcpu() throws Exception {
        try (Machine m = machine(1, null)) {
            Vcpu v = m.vcpu(0);
            List<Throwable> reported = new ArrayList<>();
            v.setErrorListener((cpu, t) -> {
                synchronized (reported) {
                    reported.add(t);
                }
            });
            RuntimeException boom = new RuntimeException("boom");
            v.execute(() -> {
                throw boom;
            });
            assertEquals(42, v.call(() -> 42));
            assertEquals(1, v.errors());
            synchronized (reported) {
                assertEquals(1, reported.size());
                assertSame(boom, reported.get(0));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.call(() -> {
                throw new IllegalArgumentException("to the caller");
            }));
            assertEquals("to the caller", e.getMessage());
            assertTrue(v.online());

            // an interrupt handler that throws (after its EOI) is counted too, and the next interrupt still runs
            BlockingQueue<Integer> taken = new LinkedBlockingQueue<>();
            v.setInterruptHandler((cpu, vector) -> {
                cpu.lapic().eoi();
                taken.add(vector);
                if (vector == 0x60) {
                    throw new IllegalStateException("handler bug");
                }
            });
            v.lapic().raise(0x60);
            assertEquals(0x60, taken.poll(5, TimeUnit.SECONDS));
            v.lapic().raise(0x61);
            assertEquals(0x61, taken.poll(5, TimeUnit.SECONDS));
            awaitTrue(() -> v.errors() == 2, "handler error counted");
            synchronized (reported) {
                assertEquals("handler bug", reported.get(1).getMessage());
            }
        }
    }

    @Test
    void runningSlicesDoesNotAllocate() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (VirtualClock clock : new VirtualClock[] {null, VirtualClock.deterministic()}) {
            try (Machine m = machine(1, clock)) {
                Vcpu v = m.vcpu(0);
                byte[] loop = {0x48, (byte) 0xFF, (byte) 0xC1, 0x0F, 0x31, (byte) 0xEB, (byte) 0xF9}; // l: inc rcx; rdtsc; jmp l
                load(m, CODE, loop);
                long allocated = v.call(() -> {
                    enter(v, CODE, loop, 3);
                    v.runUser(Vcpu.MAX_SLICE); // warm up
                    long before = threads.getThreadAllocatedBytes(Thread.currentThread().threadId());
                    assertEquals(Exit.BUDGET, v.runUser(4 * Vcpu.MAX_SLICE + 7));
                    return threads.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before;
                });
                assertTrue(allocated < 1024, (clock == null ? "host" : "deterministic") + " mode allocated " + allocated + " bytes");
            }
        }
    }

    // ------------------------------------------------------------------------------- (h)

    @Test
    void closeStopsEveryVcpuThread() throws Exception {
        Machine m = machine(3, null);
        startAp(m, 1);
        awaitTrue(() -> m.vcpu(1).online(), "AP online");
        List<Thread> threads = m.vcpus().stream().map(Vcpu::thread).toList();
        assertTrue(threads.stream().allMatch(Thread::isAlive));
        load(m, CODE, SPIN);
        CountDownLatch spinning = new CountDownLatch(1);
        m.vcpu(1).execute(() -> { // a user loop that never exits by itself
            enter(m.vcpu(1), CODE, SPIN, 3);
            spinning.countDown();
            m.vcpu(1).runUser(Long.MAX_VALUE);
        });
        assertTrue(spinning.await(5, TimeUnit.SECONDS));
        m.close();
        for (Thread t : threads) {
            assertFalse(t.isAlive(), t.getName() + " still runs");
        }
        Set<Thread> live = Thread.getAllStackTraces().keySet();
        for (Thread t : threads) {
            assertFalse(live.contains(t));
        }
        assertFalse(m.vcpu(0).online());
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> m.vcpu(0).execute(() -> { }));
        assertThrows(IllegalStateException.class, () -> m.vcpu(2).call(() -> 1));
    }
}
