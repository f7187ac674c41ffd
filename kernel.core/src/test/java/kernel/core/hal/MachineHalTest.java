package kernel.core.hal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import platform.pc.Machine;

class MachineHalTest {
    private Machine machine;
    private MachineHal hal;

    @BeforeEach
    void boot() {
        machine = Machine.builder().memory(64L << 20).cpus(2).build().powerOn();
        hal = new MachineHal(machine);
    }

    @AfterEach
    void off() {
        hal.stop();
        machine.close();
    }

    private static void await(CountDownLatch l) throws InterruptedException {
        assertTrue(l.await(5, TimeUnit.SECONDS), "handler did not run");
    }

    @Test
    void raisedVectorRunsItsHandler() throws Exception {
        hal.start();
        CountDownLatch ran = new CountDownLatch(3);
        AtomicInteger seen = new AtomicInteger();
        IrqVector v = hal.interrupts().allocate("test dev", vec -> {
            seen.set(vec);
            ran.countDown();
        });
        assertTrue(v.vector() >= InterruptTable.FIRST && v.vector() <= InterruptTable.LAST);
        assertEquals(0xFEE0_0000L | ((long) machine.lapic(v.cpu()).id() << 12), v.msiAddress());
        assertEquals(v.vector(), v.msiData());
        for (int i = 0; i < 3; i++) {
            machine.lapic(v.cpu()).raise(v.vector());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (v.count() < i + 1 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        }
        await(ran);
        assertEquals(v.vector(), seen.get());
        assertEquals(3, v.count());
        Interrupts.Line line = hal.interrupts().lines().stream().filter(l -> l.vector() == v.vector() && l.cpu() == v.cpu())
                .findFirst().orElseThrow();
        assertEquals("test dev", line.name());
        assertEquals("kernel", line.owner());
        assertEquals(3, line.count());
    }

    @Test
    void startBringsTheApsOnlineAndHandlersRunOnTheirVcpu() throws Exception {
        assertEquals(1, hal.cpusOnline(), "only the BSP runs before start");
        hal.start();
        assertEquals(2, hal.cpusOnline());
        assertTrue(machine.vcpu(1).online());
        java.util.concurrent.BlockingQueue<String> threads = new java.util.concurrent.LinkedBlockingQueue<>();
        IrqVector[] vs = {hal.interrupts().allocate("a", x -> threads.add(Thread.currentThread().getName())),
            hal.interrupts().allocate("b", x -> threads.add(Thread.currentThread().getName()))};
        Set<String> expected = new HashSet<>();
        for (IrqVector v : vs) {
            expected.add("vcpu-" + v.cpu());
            machine.lapic(v.cpu()).raise(v.vector());
        }
        Set<String> got = new HashSet<>();
        for (int i = 0; i < vs.length; i++) {
            got.add(threads.poll(5, TimeUnit.SECONDS));
        }
        assertEquals(Set.of("vcpu-0", "vcpu-1"), expected, "vectors spread over both CPUs");
        assertEquals(expected, got, "each handler ran on the thread of the vCPU that took it");
        hal.stop();
        hal.start(); // a second start leaves the online APs alone
        assertEquals(2, hal.cpusOnline());
        assertEquals(0, machine.vcpu(1).ignoredInits());
    }

    @Test
    void allocationsAreDistinctAndSpreadOverCpus() {
        Set<List<Integer>> seen = new HashSet<>();
        Set<Integer> cpus = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            IrqVector v = hal.allocateFor("drivers.x", "q" + i, x -> { });
            assertTrue(seen.add(List.of(v.cpu(), v.vector())), "vector handed out twice");
            cpus.add(v.cpu());
        }
        assertEquals(Set.of(0, 1), cpus);
        assertTrue(hal.interrupts().lines().stream().allMatch(l -> l.owner().equals("drivers.x")));
    }

    @Test
    void exhaustionIsAnIllegalStateException() {
        int perCpu = InterruptTable.LAST - InterruptTable.FIRST + 1;
        for (int i = 0; i < 2 * perCpu; i++) {
            hal.interrupts().allocate("v" + i, x -> { });
        }
        assertThrows(IllegalStateException.class, () -> hal.interrupts().allocate("one too many", x -> { }));
    }

    @Test
    void closeFreesTheVector() throws Exception {
        hal.start();
        AtomicInteger runs = new AtomicInteger();
        IrqVector v = hal.interrupts().allocate("gone", x -> runs.incrementAndGet());
        assertTrue(hal.interrupts().lines().stream().anyMatch(l -> l.name().equals("gone")));
        v.close();
        v.close();
        assertTrue(hal.interrupts().lines().stream().noneMatch(l -> l.name().equals("gone")));

        InterruptTable table = (InterruptTable) hal.interrupts();
        long spuriousBefore = table.spurious();
        machine.lapic(v.cpu()).raise(v.vector());
        // the vector is now spurious; wait for the irq thread to take it
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (table.spurious() == spuriousBefore && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(spuriousBefore + 1, table.spurious());
        assertEquals(0, runs.get());

        // a closed vector can be reused, and closing the old handle does not remove the new one
        IrqVector again = null;
        for (int i = 0; i < 2 && again == null; i++) {
            IrqVector w = hal.interrupts().allocate("new", x -> { });
            if (w.cpu() == v.cpu() && w.vector() == v.vector()) {
                again = w;
            }
        }
        assertTrue(again != null, "freed vector was not reused");
        v.close();
        assertTrue(hal.interrupts().lines().stream().anyMatch(l -> l.name().equals("new") && l.vector() == v.vector()));
    }

    @Test
    void spuriousVectorsAndFailingHandlersDoNotStopInterrupts() throws Exception {
        hal.start();
        IrqVector bad = hal.interrupts().allocate("throws", x -> {
            throw new RuntimeException("handler bug");
        });
        CountDownLatch ok = new CountDownLatch(1);
        IrqVector good = null;
        while (good == null) { // a vector on the same CPU as the failing one
            IrqVector g = hal.interrupts().allocate("ok", x -> ok.countDown());
            if (g.cpu() == bad.cpu()) {
                good = g;
            }
        }
        machine.lapic(bad.cpu()).raise(0xEE == good.vector() ? 0xED : 0xEE); // nobody's vector
        machine.lapic(bad.cpu()).raise(bad.vector());
        machine.lapic(bad.cpu()).raise(good.vector());
        await(ok);
        // the three vectors are taken in priority order, so the good one may come first
        long end = System.nanoTime() + 5_000_000_000L;
        while ((bad.count() < 1 || ((InterruptTable) hal.interrupts()).spurious() < 1) && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(1, bad.count());
        assertTrue(((InterruptTable) hal.interrupts()).spurious() >= 1);
    }

    @Test
    void stopEndsTheInterruptThreads() throws Exception {
        hal.start();
        hal.stop();
        AtomicInteger runs = new AtomicInteger();
        IrqVector v = hal.interrupts().allocate("after stop", x -> runs.incrementAndGet());
        machine.lapic(v.cpu()).raise(v.vector());
        Thread.sleep(100);
        assertEquals(0, runs.get());
        hal.start(); // restart takes the pending interrupt
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (runs.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(1, runs.get());
    }

    @Test
    void mapMmioRefusesUnalignedAndRamWindows() {
        assertThrows(IllegalArgumentException.class, () -> hal.mapMmio(0xC000_0010L, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> hal.mapMmio(0xC000_0000L, 0));
        assertThrows(IllegalArgumentException.class, () -> hal.mapMmio(0xC000_0000L, -4096));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hal.mapMmio(0x20_0000L, 0x1000));
        assertTrue(e.getMessage().contains("usable RAM"), e.getMessage());
        // a window that starts in MMIO space below RAM's end but straddles into RAM
        assertThrows(IllegalArgumentException.class, () -> hal.mapMmio(0x9F000L, 0x2000));
    }

    @Test
    void mmioWindowIsBoundsChecked() {
        Mmio m = hal.mapMmio(0xB000_0000L, 0x1000); // ECAM bus 0 device 0 config space
        assertEquals(0xB000_0000L, m.base());
        assertEquals(0x1000, m.size());
        m.read32(0xFFC);
        assertThrows(IndexOutOfBoundsException.class, () -> m.read32(0xFFD));
        assertThrows(IndexOutOfBoundsException.class, () -> m.read8(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> m.write64(0x1000, 0));
    }

    @Test
    void memoryIsLittleEndianPhysicalRam() {
        PhysMem mem = hal.memory();
        mem.write32(0x20_0000L, 0xA1B2C3D4);
        assertEquals(0xD4, mem.read8(0x20_0000L));
        assertEquals(0xC3D4, mem.read16(0x20_0000L));
        assertEquals(0xA1B2C3D4, mem.read32(0x20_0000L));
        assertEquals(0xD4, machine.ram().read8(0x20_0000L) & 0xFF);
        assertNotEquals(0, hal.bootInfo().acpiRsdp());
        assertEquals(hal.acpi().ecam().get(0).base(), Machine.ECAM_BASE);
    }
}
