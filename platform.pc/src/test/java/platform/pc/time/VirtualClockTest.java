package platform.pc.time;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VirtualClockTest {
    @Test
    void deterministicClockMovesOnlyWhenAdvanced() {
        VirtualClock c = VirtualClock.deterministic();
        assertTrue(c.isDeterministic());
        assertEquals(0, c.now());
        c.advance(123);
        assertEquals(123, c.now());
        c.advance(0);
        assertEquals(123, c.now());
        assertThrows(IllegalArgumentException.class, () -> c.advance(-1));
    }

    @Test
    void callbacksFireInDeadlineOrderAtTheirDeadline() {
        VirtualClock c = VirtualClock.deterministic();
        List<String> log = new ArrayList<>();
        c.schedule(300, () -> log.add("c@" + c.now()));
        c.schedule(100, () -> log.add("a@" + c.now()));
        c.schedule(100, () -> log.add("b@" + c.now())); // same deadline: scheduling order
        c.schedule(1000, () -> log.add("late"));
        c.advance(299);
        assertEquals(List.of("a@100", "b@100"), log);
        assertEquals(299, c.now());
        c.advance(1);
        assertEquals(List.of("a@100", "b@100", "c@300"), log);
        assertEquals(1, c.pendingTimers());
    }

    @Test
    void cancelledTimerDoesNotFire() {
        VirtualClock c = VirtualClock.deterministic();
        List<String> log = new ArrayList<>();
        VirtualClock.Timer t = c.schedule(10, () -> log.add("x"));
        assertEquals(10, t.deadline());
        assertTrue(t.cancel());
        assertFalse(t.cancel());
        c.advance(100);
        assertTrue(log.isEmpty());
        assertEquals(0, c.pendingTimers());
    }

    @Test
    void callbackMayRescheduleWithinTheSameAdvance() {
        VirtualClock c = VirtualClock.deterministic();
        List<Long> fired = new ArrayList<>();
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            fired.add(c.now());
            c.schedule(c.now() + 250, tick[0]);
        };
        c.schedule(250, tick[0]);
        c.advance(1000);
        assertEquals(List.of(250L, 500L, 750L, 1000L), fired);
        assertEquals(1000, c.now());
    }

    @Test
    void pastDeadlineFiresOnNextAdvance() {
        VirtualClock c = VirtualClock.deterministic();
        c.advance(500);
        List<Long> fired = new ArrayList<>();
        c.schedule(100, () -> fired.add(c.now()));
        c.advance(0);
        assertEquals(List.of(500L), fired);
    }

    @Test
    void advanceIsRefusedOnHostClockAndInsideCallbacks() {
        try (VirtualClock h = VirtualClock.host()) {
            assertFalse(h.isDeterministic());
            assertThrows(IllegalStateException.class, () -> h.advance(1));
        }
        VirtualClock c = VirtualClock.deterministic();
        c.schedule(5, () -> c.advance(1));
        assertThrows(IllegalStateException.class, () -> c.advance(10));
        c.advance(1); // the clock is still usable
    }

    @Test
    void hostClockIsMonotonicWithOffsetAndFiresOnItsThread() throws Exception {
        try (VirtualClock h = VirtualClock.host(1_000_000_000L)) {
            long a = h.now();
            assertTrue(a >= 1_000_000_000L);
            CountDownLatch done = new CountDownLatch(1);
            long[] at = new long[1];
            long deadline = h.now() + 5_000_000;
            h.schedule(deadline, () -> {
                at[0] = h.now();
                done.countDown();
            });
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertTrue(at[0] >= deadline);
            assertTrue(h.now() >= a);
        }
    }

    @Test
    void closedHostClockFiresNothing() throws Exception {
        VirtualClock h = VirtualClock.host();
        CountDownLatch done = new CountDownLatch(1);
        h.schedule(h.now() + 20_000_000, done::countDown);
        h.close();
        assertFalse(done.await(100, TimeUnit.MILLISECONDS));
        assertEquals(0, h.pendingTimers());
    }

    @Test
    void tickConversionIsExact() {
        long tsc = 2_400_000_000L;
        assertEquals(tsc, VirtualClock.ticksAt(1_000_000_000L, tsc));
        assertEquals(2, VirtualClock.ticksAt(1, tsc));
        // no overflow after a year of 2.4 GHz
        long year = 365L * 24 * 3600 * 1_000_000_000L;
        assertEquals(365L * 24 * 3600 * tsc, VirtualClock.ticksAt(year, tsc));
        for (long hz : new long[] {1, 32_768L, 1_193_182L, 10_000_000L, tsc}) {
            for (long k : new long[] {1, 7, 1_000_003, 9_000_000_000L}) {
                long t = VirtualClock.timeOfTick(k, hz);
                assertTrue(VirtualClock.ticksAt(t, hz) >= k, "hz " + hz + " k " + k);
                assertTrue(VirtualClock.ticksAt(t - 1, hz) < k, "hz " + hz + " k " + k);
                if (hz <= 1_000_000_000L) {
                    assertEquals(k, VirtualClock.ticksAt(t, hz));
                }
            }
        }
        VirtualClock c = VirtualClock.deterministic();
        c.advance(1_500);
        assertEquals(3_600, c.ticks(tsc));
    }
}
