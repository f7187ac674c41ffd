package platform.pc;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.LocalApic.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The xAPIC register page, timer and IPIs, from Intel SDM vol. 3 chapter 11. */
class LocalApicRegistersTest {
    private final FakeTimer clock = new FakeTimer();

    private LocalApic enabled(int id) {
        LocalApic a = new LocalApic(id, clock);
        a.writeRegister(REG_SVR, SVR_ENABLE | 0xFF);
        return a;
    }

    @Test
    void resetValues() {
        LocalApic a = new LocalApic(3, clock);
        assertEquals(3 << 24, a.readRegister(REG_ID));
        assertEquals(0x0005_0014, a.readRegister(REG_VERSION)); // 11.4.8: version 0x14, max LVT 5
        assertEquals(0, a.readRegister(REG_TPR));
        assertEquals(0, a.readRegister(REG_PPR));
        assertEquals(0, a.readRegister(REG_LDR));
        assertEquals(0xFFFF_FFFF, a.readRegister(REG_DFR));
        assertEquals(0xFF, a.readRegister(REG_SVR)); // software disabled, spurious vector 0xFF
        for (int r = REG_LVT_TIMER; r <= REG_LVT_ERROR; r += 0x10) {
            assertEquals(LVT_MASKED, a.readRegister(r), Integer.toHexString(r));
        }
        assertEquals(0, a.readRegister(REG_TIMER_INITIAL));
        assertEquals(0, a.readRegister(REG_TIMER_CURRENT));
        assertEquals(0, a.readRegister(REG_TIMER_DIVIDE));
        for (int r = REG_ISR; r < REG_ESR; r += 0x10) {
            assertEquals(0, a.readRegister(r));
        }
        assertEquals(0, a.readRegister(REG_ESR));
    }

    @Test
    void mmioAccessThroughThePerCpuPage() {
        LocalApic a = new LocalApic(2, clock);
        MmioHandler m = a.mmio();
        assertEquals(2L << 24, m.read(0x20, 4));
        assertEquals(2, m.read(0x23, 1)); // byte read of the ID field
        m.write(0x80, 4, 0x20);
        assertEquals(0x20, m.read(0x80, 4));
        assertEquals(0x20, a.taskPriority());
        // ID writable (bits 31:24)
        m.write(0x20, 4, 0x0700_00FF);
        assertEquals(7, a.id());
        assertEquals(0x0700_0000L, m.read(0x20, 4));
        // bad accesses: ignored, counted, no exception
        m.write(0x84, 4, 0x40); // misaligned
        m.write(0x80, 1, 0x40); // not a dword
        m.write(0x80, 8, 0x40);
        assertEquals(0x20, a.taskPriority());
        assertEquals(0, m.read(0x82, 4)); // crosses the dword
        assertEquals(0, m.read(0x80, 8));
        assertEquals(0, m.read(0x1000, 4)); // outside the page
        m.write(-16, 4, 1);
        assertEquals(7, a.badAccesses());
        // read-only registers ignore writes
        m.write(0x30, 4, 0);
        assertEquals(VERSION, m.read(0x30, 4));
    }

    @Test
    void illegalRegisterAddressAndWriteToLatchEsr() {
        LocalApic a = new LocalApic(0, clock);
        assertEquals(0, a.readRegister(0x040)); // reserved
        a.writeRegister(0x3F0, 1); // reserved
        assertEquals(0, a.readRegister(REG_ESR)); // not latched yet
        a.writeRegister(REG_ESR, 0);
        assertEquals(ESR_ILLEGAL_REGISTER, a.readRegister(REG_ESR));
        a.writeRegister(REG_ESR, 0);
        assertEquals(0, a.readRegister(REG_ESR)); // cleared by the next write
    }

    @Test
    void pprFollowsTprAndInServiceVector() throws Exception {
        LocalApic a = new LocalApic(0, clock);
        a.writeRegister(REG_TPR, 0x35);
        assertEquals(0x35, a.readRegister(REG_PPR)); // TPR class >= ISRV class
        a.raise(0x61);
        assertEquals(0x61, a.poll());
        assertEquals(0x60, a.readRegister(REG_PPR)); // ISRV & 0xF0
        a.writeRegister(REG_TPR, 0x7A);
        assertEquals(0x7A, a.readRegister(REG_PPR));
        a.writeRegister(REG_TPR, 0);
        // ISR/IRR register pages show the bits: vector 0x61 is bit 1 of ISR dword 3
        assertEquals(1 << 1, a.readRegister(REG_ISR + 0x30));
        a.raise(0x45);
        assertEquals(1 << 5, a.readRegister(REG_IRR + 0x20));
        assertFalse(a.pending()); // class 4 below in-service class 6
        a.writeRegister(REG_EOI, 0);
        assertEquals(0, a.readRegister(REG_ISR + 0x30));
        assertEquals(0, a.readRegister(REG_PPR));
        assertTrue(a.pending());
        assertEquals(0x45, a.poll());
    }

    @Test
    void isrNestingAndEoiOrder() {
        LocalApic a = new LocalApic(0, clock);
        a.raise(0x40);
        assertEquals(0x40, a.poll());
        a.raise(0x80);
        assertEquals(0x80, a.poll()); // higher class nests
        a.raise(0x90);
        assertEquals(0x90, a.poll());
        a.raise(0x50);
        assertEquals(-1, a.poll());
        a.eoi();
        a.eoi();
        assertTrue(a.inService(0x40));
        assertEquals(0x50, a.poll());
        a.eoi();
        a.eoi();
        assertFalse(a.inService(0x40));
    }

    @Test
    void softwareDisableKeepsLvtsMasked() {
        LocalApic a = new LocalApic(0, clock);
        a.writeRegister(REG_LVT_TIMER, 0x40);
        assertEquals(LVT_MASKED | 0x40, a.readRegister(REG_LVT_TIMER));
        a.writeRegister(REG_SVR, SVR_ENABLE | 0xEF);
        assertEquals(0x1EF, a.readRegister(REG_SVR));
        a.writeRegister(REG_LVT_TIMER, 0x40);
        assertEquals(0x40, a.readRegister(REG_LVT_TIMER));
        a.writeRegister(REG_SVR, 0xEF); // disable again: masks set
        assertEquals(LVT_MASKED | 0x40, a.readRegister(REG_LVT_TIMER));
    }

    @Test
    void oneShotTimerCountsDownAndFiresOnce() {
        LocalApic a = enabled(0);
        a.writeRegister(REG_TIMER_DIVIDE, 0b0001); // divide by 4
        a.writeRegister(REG_LVT_TIMER, 0x40 | (TIMER_ONE_SHOT << 17));
        a.writeRegister(REG_TIMER_INITIAL, 1000); // 4000 ns
        assertEquals(1000, a.readRegister(REG_TIMER_CURRENT));
        clock.advance(400);
        assertEquals(900, a.readRegister(REG_TIMER_CURRENT));
        assertFalse(a.requested(0x40));
        clock.advance(3600);
        assertTrue(a.requested(0x40));
        assertEquals(0, a.readRegister(REG_TIMER_CURRENT));
        assertEquals(1000, a.readRegister(REG_TIMER_INITIAL));
        assertEquals(0x40, a.poll());
        a.eoi();
        clock.advance(100_000);
        assertFalse(a.requested(0x40));
        assertEquals(0, clock.scheduledCount());
    }

    @Test
    void divideConfigurationValues() {
        int[][] cases = {{0b0000, 2}, {0b0001, 4}, {0b0010, 8}, {0b0011, 16}, {0b1000, 32}, {0b1001, 64},
            {0b1010, 128}, {0b1011, 1}};
        for (int[] c : cases) {
            LocalApic a = enabled(0);
            a.writeRegister(REG_TIMER_DIVIDE, c[0]);
            assertEquals(c[0], a.readRegister(REG_TIMER_DIVIDE));
            a.writeRegister(REG_LVT_TIMER, 0x40);
            a.writeRegister(REG_TIMER_INITIAL, 100);
            clock.advance(100L * c[1] - 1);
            assertFalse(a.requested(0x40), "divide " + c[1]);
            clock.advance(1);
            assertTrue(a.requested(0x40), "divide " + c[1]);
        }
    }

    @Test
    void periodicTimerReloads() {
        LocalApic a = enabled(0);
        a.writeRegister(REG_TIMER_DIVIDE, 0b1011); // divide by 1
        a.writeRegister(REG_LVT_TIMER, 0x41 | (TIMER_PERIODIC << 17));
        a.writeRegister(REG_TIMER_INITIAL, 500);
        int fired = 0;
        for (int i = 0; i < 10; i++) {
            clock.advance(500);
            if (a.poll() == 0x41) {
                fired++;
                a.eoi();
            }
        }
        assertEquals(10, fired);
        clock.advance(100);
        assertEquals(400, a.readRegister(REG_TIMER_CURRENT));
        // masked: the counter still runs, no interrupt
        a.writeRegister(REG_LVT_TIMER, LVT_MASKED | 0x41 | (TIMER_PERIODIC << 17));
        clock.advance(2000);
        assertFalse(a.requested(0x41));
        assertEquals(400, a.readRegister(REG_TIMER_CURRENT));
        // initial count 0 stops it
        a.writeRegister(REG_TIMER_INITIAL, 0);
        assertEquals(0, a.readRegister(REG_TIMER_CURRENT));
        assertEquals(0, clock.scheduledCount());
    }

    @Test
    void tscDeadlineMode() {
        LocalApic a = enabled(0);
        // outside TSC-deadline mode the MSR reads 0 and ignores writes
        a.writeTscDeadline(clock.tsc() + 100);
        assertEquals(0, a.readTscDeadline());
        a.writeRegister(REG_LVT_TIMER, 0x42 | (TIMER_TSC_DEADLINE << 17));
        a.writeRegister(REG_TIMER_INITIAL, 1234); // ignored in this mode
        assertEquals(0, a.readRegister(REG_TIMER_INITIAL));
        long deadline = clock.tsc() + 1000;
        a.writeTscDeadline(deadline);
        assertEquals(deadline, a.readTscDeadline());
        clock.advance(999);
        assertFalse(a.requested(0x42));
        clock.advance(1);
        assertTrue(a.requested(0x42));
        assertEquals(0, a.readTscDeadline()); // cleared when it fires
        assertEquals(0x42, a.poll());
        a.eoi();
        // a deadline in the past fires at once
        a.writeTscDeadline(clock.tsc() - 5);
        assertTrue(a.requested(0x42));
        assertEquals(0x42, a.poll());
        a.eoi();
        // writing 0 disarms
        a.writeTscDeadline(clock.tsc() + 50);
        a.writeTscDeadline(0);
        clock.advance(100);
        assertFalse(a.requested(0x42));
        // leaving TSC-deadline mode disarms
        a.writeTscDeadline(clock.tsc() + 50);
        a.writeRegister(REG_LVT_TIMER, 0x42);
        clock.advance(100);
        assertFalse(a.requested(0x42));
        assertEquals(0, a.readTscDeadline());
    }

    @Test
    void ipisBetweenApics() {
        ApicBus bus = new ApicBus();
        List<LocalApic> cpus = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            LocalApic a = enabled(i);
            bus.attach(a);
            cpus.add(a);
        }
        LocalApic bsp = cpus.get(0);
        // fixed, physical destination 2
        bsp.writeRegister(REG_ICR_HIGH, 2 << 24);
        bsp.writeRegister(REG_ICR_LOW, 0x50);
        assertEquals(0, bsp.readRegister(REG_ICR_LOW) & (1 << 12)); // delivery status idle
        assertTrue(cpus.get(2).requested(0x50));
        assertFalse(cpus.get(1).requested(0x50));
        assertFalse(bsp.requested(0x50));
        // self
        bsp.writeRegister(REG_ICR_LOW, 0x51 | (ApicBus.SELF << 18));
        assertTrue(bsp.requested(0x51));
        assertFalse(cpus.get(1).requested(0x51));
        // all excluding self
        cpus.get(1).writeRegister(REG_ICR_LOW, 0x52 | (ApicBus.ALL_EXCLUDING_SELF << 18));
        assertTrue(bsp.requested(0x52));
        assertFalse(cpus.get(1).requested(0x52));
        assertTrue(cpus.get(2).requested(0x52));
        assertTrue(cpus.get(3).requested(0x52));
        // all including self
        cpus.get(3).writeRegister(REG_ICR_LOW, 0x53 | (ApicBus.ALL_INCLUDING_SELF << 18));
        for (LocalApic a : cpus) {
            assertTrue(a.requested(0x53));
        }
        // physical broadcast 0xFF
        bsp.writeRegister(REG_ICR_HIGH, 0xFF << 24);
        bsp.writeRegister(REG_ICR_LOW, 0x54);
        for (LocalApic a : cpus) {
            assertTrue(a.requested(0x54));
        }
        // illegal vector: not sent, send-illegal-vector error
        bsp.writeRegister(REG_ICR_HIGH, 1 << 24);
        bsp.writeRegister(REG_ICR_LOW, 0x05);
        bsp.writeRegister(REG_ESR, 0);
        assertEquals(ESR_SEND_ILLEGAL_VECTOR, bsp.readRegister(REG_ESR));
        // unknown destination: counted as undeliverable
        bsp.writeRegister(REG_ICR_HIGH, 9 << 24);
        bsp.writeRegister(REG_ICR_LOW, 0x55);
        assertEquals(1, bus.undeliverable());
    }

    @Test
    void logicalDestinationsFlatAndCluster() {
        ApicBus bus = new ApicBus();
        LocalApic[] cpus = new LocalApic[3];
        for (int i = 0; i < 3; i++) {
            cpus[i] = enabled(i);
            bus.attach(cpus[i]);
            cpus[i].writeRegister(REG_LDR, (1 << i) << 24); // flat: one bit each
        }
        bus.deliver(0x60, ApicBus.FIXED, true, 0b101, false, ApicBus.NO_SHORTHAND, null);
        assertTrue(cpus[0].requested(0x60));
        assertFalse(cpus[1].requested(0x60));
        assertTrue(cpus[2].requested(0x60));
        // cluster model: cluster 1, member bit 2
        for (LocalApic a : cpus) {
            a.writeRegister(REG_DFR, 0x0FFF_FFFF);
            assertEquals(0x0FFF_FFFF, a.readRegister(REG_DFR));
        }
        cpus[1].writeRegister(REG_LDR, 0x12 << 24);
        cpus[2].writeRegister(REG_LDR, 0x22 << 24);
        bus.deliver(0x61, ApicBus.FIXED, true, 0x12, false, ApicBus.NO_SHORTHAND, null);
        assertFalse(cpus[0].requested(0x61));
        assertTrue(cpus[1].requested(0x61));
        assertFalse(cpus[2].requested(0x61));
    }

    @Test
    void lowestPriorityPicksLowestTpr() {
        ApicBus bus = new ApicBus();
        LocalApic a = enabled(0), b = enabled(1);
        bus.attach(a);
        bus.attach(b);
        a.writeRegister(REG_TPR, 0x40);
        b.writeRegister(REG_TPR, 0x20);
        assertEquals(1, bus.deliver(0x70, ApicBus.LOWEST_PRIORITY, false, 0xFF, false, ApicBus.NO_SHORTHAND, null));
        assertTrue(b.requested(0x70));
        assertFalse(a.requested(0x70));
    }

    @Test
    void nmiInitAndStartup() {
        ApicBus bus = new ApicBus();
        LocalApic bsp = enabled(0), ap = enabled(1);
        bus.attach(bsp);
        bus.attach(ap);
        List<String> events = new ArrayList<>();
        ap.setEventListener(new LocalApic.EventListener() {
            @Override
            public void onNmi(LocalApic x) {
                events.add("nmi");
            }

            @Override
            public void onInit(LocalApic x) {
                events.add("init");
            }

            @Override
            public void onStartup(LocalApic x, int vector) {
                events.add("sipi" + Integer.toHexString(vector));
            }
        });
        ap.writeRegister(REG_TPR, 0x30);
        ap.raise(0x80);
        bsp.writeRegister(REG_ICR_HIGH, 1 << 24);
        // a STARTUP without INIT first is ignored
        bsp.writeRegister(REG_ICR_LOW, 0x08 | (ApicBus.STARTUP << 8));
        assertEquals(-1, ap.takeStartup());
        bsp.writeRegister(REG_ICR_LOW, ApicBus.NMI << 8);
        assertTrue(ap.takeNmi());
        assertFalse(ap.takeNmi());
        // INIT assert (level, assert), then INIT de-assert (ignored), then SIPI twice
        bsp.writeRegister(REG_ICR_LOW, (ApicBus.INIT << 8) | (1 << 14) | (1 << 15));
        assertTrue(ap.takeInit());
        assertEquals(0, ap.readRegister(REG_TPR)); // INIT resets the APIC...
        assertFalse(ap.requested(0x80));
        assertEquals(0xFF, ap.readRegister(REG_SVR));
        assertEquals(1, ap.id()); // ...except its ID
        bsp.writeRegister(REG_ICR_LOW, (ApicBus.INIT << 8) | (1 << 15));
        bsp.writeRegister(REG_ICR_LOW, 0x08 | (ApicBus.STARTUP << 8));
        bsp.writeRegister(REG_ICR_LOW, 0x09 | (ApicBus.STARTUP << 8)); // second SIPI ignored
        assertEquals(0x08, ap.takeStartup());
        assertEquals(List.of("nmi", "init", "sipi8"), events);
        assertFalse(bsp.takeInit());
    }

    @Test
    void lintPinsAndErrorLvt() {
        LocalApic a = enabled(0);
        a.writeRegister(REG_LVT_LINT1, ApicBus.NMI << 8); // LINT1 as NMI, as firmware sets it
        a.writeRegister(REG_LVT_LINT0, 0x38);
        a.setLint(1, true);
        assertTrue(a.takeNmi());
        a.setLint(0, true);
        assertTrue(a.requested(0x38));
        a.writeRegister(REG_LVT_LINT0, LVT_MASKED | 0x39);
        a.setLint(0, false);
        a.setLint(0, true);
        assertFalse(a.requested(0x39));
        // the error LVT raises its vector on a new error
        a.writeRegister(REG_LVT_ERROR, 0xFE);
        a.readRegister(0x050); // illegal register
        assertTrue(a.requested(0xFE));
    }

    @Test
    void legacyConstructorStillWorksAlone() {
        LocalApic a = new LocalApic(0);
        a.writeRegister(REG_SVR, 0x1FF);
        a.writeRegister(REG_ICR_LOW, 0x77 | (ApicBus.SELF << 18));
        assertTrue(a.requested(0x77));
    }

    @Test
    void stopTimerDisarms() {
        LocalApic a = enabled(0);
        a.writeRegister(REG_LVT_TIMER, 0x40 | (TIMER_PERIODIC << 17));
        a.writeRegister(REG_TIMER_INITIAL, 10);
        a.stopTimer();
        clock.advance(1000);
        assertFalse(a.requested(0x40));
        assertEquals(0, clock.scheduledCount());
    }

    @Test
    void concurrentIpisAndEoisDoNotDeadlock() throws Exception {
        ApicBus bus = new ApicBus();
        IoApic io = new IoApic(4);
        bus.attach(io);
        LocalApic[] cpus = new LocalApic[4];
        for (int i = 0; i < cpus.length; i++) {
            cpus[i] = enabled(i);
            bus.attach(cpus[i]);
        }
        Thread[] threads = new Thread[cpus.length];
        for (int i = 0; i < cpus.length; i++) {
            LocalApic me = cpus[i];
            threads[i] = Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 2000; n++) {
                    me.writeRegister(REG_ICR_LOW, 0x80 | (ApicBus.ALL_EXCLUDING_SELF << 18));
                    io.assertIrq(n % 24);
                    io.deassertIrq(n % 24);
                    if (me.poll() >= 0) {
                        me.writeRegister(REG_EOI, 0);
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive(), "deadlock");
        }
    }

    @Test
    void hostTimerFiresForReal() throws Exception {
        LocalApic a = new LocalApic(0);
        a.writeRegister(REG_SVR, 0x1FF);
        a.writeRegister(REG_TIMER_DIVIDE, 0b1011);
        a.writeRegister(REG_LVT_TIMER, 0x40);
        a.writeRegister(REG_TIMER_INITIAL, 1_000_000); // 1 ms
        assertEquals(0x40, a.acceptInterrupt(5_000_000_000L));
    }
}
