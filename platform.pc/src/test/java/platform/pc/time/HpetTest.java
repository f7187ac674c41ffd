package platform.pc.time;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.time.Hpet.*;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Register-level tests of the HPET, written from the IA-PC HPET 1.0a register descriptions. */
class HpetTest {
    static final int GCAP = 0x000, CONF = 0x010, STA = 0x020, CNT = 0x0F0;

    static int tconf(int n) {
        return 0x100 + 0x20 * n;
    }

    static int tcmp(int n) {
        return 0x108 + 0x20 * n;
    }

    VirtualClock clock;
    RecordingSink sink;
    Hpet hpet;

    @BeforeEach
    void setUp() {
        clock = VirtualClock.deterministic();
        sink = new RecordingSink(clock);
        hpet = new Hpet(clock, sink);
    }

    long r64(int off) {
        return hpet.read(off, 8);
    }

    void w64(int off, long v) {
        hpet.write(off, 8, v);
    }

    @Test
    void capabilitiesAndIdRegister() {
        assertEquals(0x05F5_E100_8086_A201L, r64(GCAP));
        // 32-bit halves: low = rev 1, 3 timers (NUM_TIM_CAP 2), 64-bit, LEG_RT_CAP, vendor 8086
        assertEquals(0x8086_A201L, hpet.read(GCAP, 4));
        assertEquals(100_000_000L, hpet.read(GCAP + 4, 4)); // 10 MHz period in fs
        w64(GCAP, 0); // read-only
        assertEquals(0x05F5_E100_8086_A201L, r64(GCAP));
    }

    @Test
    void resetValues() {
        assertEquals(0, r64(CONF));
        assertEquals(0, r64(STA));
        assertEquals(0, r64(CNT));
        // timers 0 and 1: periodic-capable, 64-bit, route cap GSIs 20..23; timer 2 one-shot
        assertEquals(0x00F0_0000_0000_0030L, r64(tconf(0)));
        assertEquals(0x00F0_0000_0000_0030L, r64(tconf(1)));
        assertEquals(0x00F0_0000_0000_0020L, r64(tconf(2)));
        for (int n = 0; n < 3; n++) {
            assertEquals(-1L, r64(tcmp(n)));
            assertEquals(0, r64(0x110 + 0x20 * n)); // FSB route: FSB delivery not supported
        }
    }

    @Test
    void counterRunsAt10MHzOnlyWhenEnabled() {
        clock.advance(1_000);
        assertEquals(0, r64(CNT));
        w64(CONF, ENABLE_CNF);
        clock.advance(1_099);
        assertEquals(10, r64(CNT));
        clock.advance(1);
        assertEquals(11, r64(CNT));
        clock.advance(1_000_000_000L);
        assertEquals(10_000_011L, r64(CNT));
        w64(CONF, 0);
        clock.advance(5_000);
        assertEquals(10_000_011L, r64(CNT));
        w64(CONF, ENABLE_CNF);
        clock.advance(300);
        assertEquals(10_000_014L, r64(CNT));
    }

    @Test
    void mainCounterWritableOnlyWhileHaltedAndByHalves() {
        w64(CNT, 0x1234_5678_9ABC_DEF0L);
        assertEquals(0x1234_5678_9ABC_DEF0L, r64(CNT));
        assertEquals(0x9ABC_DEF0L, hpet.read(CNT, 4));
        assertEquals(0x1234_5678L, hpet.read(CNT + 4, 4));
        hpet.write(CNT + 4, 4, 0xFFFF_FFFEL);
        assertEquals(0xFFFF_FFFE_9ABC_DEF0L, r64(CNT));
        hpet.write(CNT, 4, 0x11);
        assertEquals(0xFFFF_FFFE_0000_0011L, r64(CNT));
        w64(CONF, ENABLE_CNF);
        w64(CNT, 0); // ignored while running
        clock.advance(200);
        assertEquals(0xFFFF_FFFE_0000_0013L, r64(CNT));
    }

    @Test
    void oneShotEdgeInterruptFiresAtExactTime() {
        w64(tconf(2), TN_INT_ENB_CNF | 22L << TN_INT_ROUTE_SHIFT);
        w64(tcmp(2), 1_000); // 100 us
        w64(CONF, ENABLE_CNF);
        clock.advance(99_999);
        assertTrue(sink.events.isEmpty());
        clock.advance(1);
        assertEquals(List.of("+22@100000", "-22@100000"), sink.events);
        assertEquals(0, r64(STA)); // edge mode: status not used
        clock.advance(10_000_000);
        assertEquals(2, sink.events.size()); // one-shot: fires once
        assertEquals(1_000, r64(tcmp(2)));
    }

    @Test
    void levelInterruptHoldsLineUntilWriteOneToClear() {
        w64(tconf(0), TN_INT_TYPE_CNF | TN_INT_ENB_CNF | 21L << TN_INT_ROUTE_SHIFT);
        w64(tcmp(0), 50);
        w64(CONF, ENABLE_CNF);
        clock.advance(5_000);
        assertEquals(1, r64(STA));
        assertTrue(sink.level[21]);
        assertEquals(List.of("+21@5000"), sink.events);
        w64(STA, 0); // writing 0 has no effect
        assertEquals(1, r64(STA));
        assertTrue(sink.level[21]);
        hpet.write(STA, 4, 0xFFFF_FFFEL); // other bits: no effect
        assertEquals(1, r64(STA));
        hpet.write(STA, 4, 1);
        assertEquals(0, r64(STA));
        assertFalse(sink.level[21]);
        assertEquals(List.of("+21@5000", "-21@5000"), sink.events);
    }

    @Test
    void levelStatusIsSetWithInterruptDisabledAndLineFollowsEnable() {
        w64(tconf(1), TN_INT_TYPE_CNF | 20L << TN_INT_ROUTE_SHIFT);
        w64(tcmp(1), 10);
        w64(CONF, ENABLE_CNF);
        clock.advance(1_000);
        assertEquals(2, r64(STA));
        assertTrue(sink.events.isEmpty());
        w64(tconf(1), TN_INT_TYPE_CNF | TN_INT_ENB_CNF | 20L << TN_INT_ROUTE_SHIFT);
        assertTrue(sink.level[20]);
        w64(tconf(1), TN_INT_TYPE_CNF | 20L << TN_INT_ROUTE_SHIFT);
        assertFalse(sink.level[20]);
        assertEquals(2, r64(STA));
    }

    @Test
    void periodicTimerFiresEveryPeriod() {
        w64(tconf(0), TN_TYPE_CNF | TN_VAL_SET_CNF | TN_INT_ENB_CNF | 20L << TN_INT_ROUTE_SHIFT);
        assertEquals(TN_VAL_SET_CNF, r64(tconf(0)) & TN_VAL_SET_CNF);
        w64(tcmp(0), 500); // VAL_SET: sets the comparator (and the period)
        assertEquals(0, r64(tconf(0)) & TN_VAL_SET_CNF); // cleared by the write
        w64(tcmp(0), 1_000); // without VAL_SET: only the period
        assertEquals(500, r64(tcmp(0)));
        w64(CONF, ENABLE_CNF);
        clock.advance(50_000);
        assertEquals(List.of(50_000L), sink.asserts(20));
        assertEquals(1_500, r64(tcmp(0)));
        clock.advance(300_000);
        assertEquals(List.of(50_000L, 150_000L, 250_000L, 350_000L), sink.asserts(20));
        assertEquals(4_500, r64(tcmp(0)));
    }

    @Test
    void periodicLevelTimerSetsStatusEachPeriod() {
        w64(tconf(1), TN_TYPE_CNF | TN_VAL_SET_CNF | TN_INT_TYPE_CNF | TN_INT_ENB_CNF | 23L << TN_INT_ROUTE_SHIFT);
        w64(tcmp(1), 100);
        w64(CONF, ENABLE_CNF);
        clock.advance(10_000);
        assertTrue(sink.level[23]);
        hpet.write(STA, 4, 2);
        assertFalse(sink.level[23]);
        clock.advance(9_999);
        assertFalse(sink.level[23]);
        clock.advance(1);
        assertTrue(sink.level[23]);
        assertEquals(List.of(10_000L, 20_000L), sink.asserts(23));
    }

    @Test
    void timer2CannotBePeriodicAndFsbCannotBeEnabled() {
        w64(tconf(2), TN_TYPE_CNF | TN_FSB_EN_CNF | TN_INT_ENB_CNF);
        assertEquals(0x00F0_0000_0000_0024L, r64(tconf(2)));
    }

    @Test
    void routeOutsideCapabilityIsNotTaken() {
        w64(tconf(0), 21L << TN_INT_ROUTE_SHIFT);
        w64(tconf(0), 5L << TN_INT_ROUTE_SHIFT);
        assertEquals(21, (r64(tconf(0)) & TN_INT_ROUTE_CNF) >>> TN_INT_ROUTE_SHIFT);
    }

    @Test
    void legacyReplacementRoutesTimers0And1ToGsi2And8() {
        w64(tconf(0), TN_INT_ENB_CNF | 20L << TN_INT_ROUTE_SHIFT);
        w64(tconf(1), TN_INT_ENB_CNF | 21L << TN_INT_ROUTE_SHIFT);
        w64(tcmp(0), 10);
        w64(tcmp(1), 20);
        w64(CONF, ENABLE_CNF | LEG_RT_CNF);
        assertEquals(3, r64(CONF));
        clock.advance(2_000);
        assertEquals(List.of(1_000L), sink.asserts(LEGACY_GSI_TIMER0));
        assertEquals(List.of(2_000L), sink.asserts(LEGACY_GSI_TIMER1));
        assertTrue(sink.asserts(20).isEmpty());
        assertTrue(sink.asserts(21).isEmpty());
    }

    @Test
    void comparatorHalvesAnd32BitMode() {
        hpet.write(tcmp(2), 4, 0x89AB_CDEFL);
        assertEquals(0xFFFF_FFFF_89AB_CDEFL, r64(tcmp(2)));
        hpet.write(tcmp(2) + 4, 4, 0x1);
        assertEquals(0x1_89AB_CDEFL, r64(tcmp(2)));
        assertEquals(0x1L, hpet.read(tcmp(2) + 4, 4));
        // 32-bit mode: the comparator is 32 bits, its high half ignored
        w64(tconf(2), TN_32MODE_CNF | TN_INT_ENB_CNF | 22L << TN_INT_ROUTE_SHIFT);
        assertEquals(0x89AB_CDEFL, r64(tcmp(2)));
        hpet.write(tcmp(2) + 4, 4, 0x5);
        assertEquals(0, hpet.read(tcmp(2) + 4, 4));
        // matches the low half of the counter
        w64(CNT, 0x7_0000_0000L);
        hpet.write(tcmp(2), 4, 30);
        w64(CONF, ENABLE_CNF);
        clock.advance(3_000);
        assertEquals(List.of(3_000L), sink.asserts(22));
    }

    @Test
    void periodic32BitTimerWrapsWithTheLowHalf() {
        w64(CNT, 0xFFFF_FFF0L);
        w64(tconf(0), TN_32MODE_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | TN_INT_ENB_CNF | 20L << TN_INT_ROUTE_SHIFT);
        hpet.write(tcmp(0), 4, 0xFFFF_FFFAL);
        hpet.write(tcmp(0), 4, 0x10);
        w64(CONF, ENABLE_CNF);
        clock.advance(10 * 100); // counter ..FA
        assertEquals(List.of(1_000L), sink.asserts(20));
        assertEquals(0xA, r64(tcmp(0)));
        clock.advance(16 * 100); // counter 0x1_0000_000A
        assertEquals(List.of(1_000L, 2_600L), sink.asserts(20));
    }

    @Test
    void oneShot32BitTimerAlsoFiresWhenTheLowHalfWraps() {
        w64(CNT, 0x3_FFFF_FF00L);
        w64(tconf(2), TN_32MODE_CNF | TN_INT_ENB_CNF | 22L << TN_INT_ROUTE_SHIFT);
        hpet.write(tcmp(2), 4, 0xFFFF_FF80L);
        w64(CONF, ENABLE_CNF);
        clock.advance(30_000);
        assertEquals(List.of(12_800L, 25_600L), sink.asserts(22)); // match, then wrap to 0
    }

    @Test
    void disablingTheCounterSuppressesMatches() {
        w64(tconf(0), TN_INT_ENB_CNF | 20L << TN_INT_ROUTE_SHIFT);
        w64(tcmp(0), 100);
        w64(CONF, ENABLE_CNF);
        clock.advance(5_000);
        w64(CONF, 0);
        clock.advance(1_000_000);
        assertTrue(sink.events.isEmpty());
        w64(CONF, ENABLE_CNF); // counter resumes at 50
        clock.advance(4_999);
        assertTrue(sink.events.isEmpty());
        clock.advance(1);
        assertEquals(List.of(1_010_000L), sink.asserts(20));
    }

    @Test
    void rewritingComparatorRearms() {
        w64(tconf(0), TN_INT_ENB_CNF | 20L << TN_INT_ROUTE_SHIFT);
        w64(tcmp(0), 100);
        w64(CONF, ENABLE_CNF);
        clock.advance(5_000);
        w64(tcmp(0), 200); // counter 50: the match at 100 is replaced by one at 200
        clock.advance(14_999);
        assertTrue(sink.events.isEmpty());
        clock.advance(1);
        assertEquals(List.of(20_000L), sink.asserts(20));
    }

    @Test
    void badAccessesAreIgnored() {
        w64(tconf(0), TN_INT_ENB_CNF);
        long conf = r64(tconf(0));
        // wrong sizes
        assertEquals(0xFF, hpet.read(CONF, 1));
        assertEquals(0xFFFF, hpet.read(CONF, 2));
        hpet.write(tconf(0), 1, 0);
        hpet.write(tconf(0), 2, 0);
        hpet.write(CONF, 1, 1);
        assertEquals(conf, r64(tconf(0)));
        assertEquals(0, r64(CONF));
        // misaligned
        assertEquals(-1L, hpet.read(tconf(0) + 4, 8));
        assertEquals(0xFFFF_FFFFL, hpet.read(CONF + 2, 4));
        hpet.write(CONF + 1, 4, 1);
        hpet.write(CONF + 4, 8, -1L);
        assertEquals(0, r64(CONF));
        // reserved registers and bits read 0
        for (int off : new int[] {0x008, 0x018, 0x028, 0x030, 0x0E8, 0x0F8, 0x118, 0x160, 0x3F8}) {
            w64(off, -1L);
            assertEquals(0, r64(off), "offset " + Integer.toHexString(off));
        }
        w64(CONF, -1L);
        assertEquals(ENABLE_CNF | LEG_RT_CNF, r64(CONF));
        // outside the block
        assertEquals(-1L, hpet.read(0x400, 8));
        hpet.write(0x400, 8, 1);
        hpet.write(-8, 8, 1);
    }

    @Test
    void periodicInterruptsOnAHostClock() throws Exception {
        try (VirtualClock host = VirtualClock.host()) {
            java.util.concurrent.CountDownLatch three = new java.util.concurrent.CountDownLatch(3);
            Hpet h = new Hpet(host, IrqSink.of(g -> three.countDown(), g -> { }));
            h.write(tconf(0), 8, TN_TYPE_CNF | TN_VAL_SET_CNF | TN_INT_ENB_CNF | 20L << TN_INT_ROUTE_SHIFT);
            h.write(tcmp(0), 8, 10_000); // 1 ms
            h.write(CONF, 8, ENABLE_CNF);
            assertTrue(three.await(5, java.util.concurrent.TimeUnit.SECONDS));
            h.write(CONF, 8, 0);
            assertTrue(h.read(CNT, 8) >= 30_000);
        }
    }
}
