package kernel.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The parts of the API that work without a machine: parameters, and the primitives used by plain threads (drivers). */
@Timeout(30)
class SchedApiTest {
    @Test
    void paramsAreValidatedAndMappedToOnePriorityScale() {
        assertEquals(-1, SchedParams.deadline(1, 2, 3).prio());
        assertEquals(0, SchedParams.fifo(99).prio());
        assertEquals(98, SchedParams.rr(1).prio());
        assertEquals(100, SchedParams.normal(-20).prio());
        assertEquals(139, SchedParams.normal(19).prio());
        assertEquals(140, SchedParams.idle().prio());
        assertThrows(IllegalArgumentException.class, () -> SchedParams.fifo(0));
        assertThrows(IllegalArgumentException.class, () -> SchedParams.rr(100));
        assertThrows(IllegalArgumentException.class, () -> SchedParams.normal(20));
        assertThrows(IllegalArgumentException.class, () -> SchedParams.deadline(5, 4, 10));
        assertThrows(IllegalArgumentException.class, () -> SchedParams.deadline(1, 11, 10));
        assertEquals(0.25, SchedParams.deadline(25, 50, 100).bandwidth(), 1e-12);
        assertEquals(1L << (Scheduler.BW_SHIFT - 2), Scheduler.bw(SchedParams.deadline(25, 50, 100)), "fixed-point bandwidth");
        assertEquals(0, Scheduler.bw(SchedParams.normal(0)));
        assertEquals(1L << Scheduler.BW_SHIFT, Scheduler.bw(SchedParams.deadline(7, 7, 7)));
        assertEquals(1024, Scheduler.weight(SchedParams.normal(0)));
        assertEquals(335, Scheduler.weight(SchedParams.normal(5)));
    }

    @Test
    void completionWorksForPlainThreadsBeforeAndAfterTheWait() throws Exception {
        Completion c = new Completion();
        assertFalse(c.await(10, TimeUnit.MILLISECONDS), "times out in host time");
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
            c.complete();
        });
        c.await();
        assertTrue(c.isDone());
        t.join();
        assertTrue(c.await(0, TimeUnit.NANOSECONDS), "stays complete");
        c.reinit();
        assertFalse(c.isDone());
        c.complete();
        c.await();
    }

    @Test
    void waitQueueWakesPlainThreadsWithoutLosingWakeUps() throws Exception {
        WaitQueue wq = new WaitQueue();
        int[] box = new int[1];
        AtomicInteger got = new AtomicInteger();
        Thread consumer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 20_000; i++) {
                try {
                    wq.await(() -> {
                        if (box[0] > 0) {
                            box[0]--;
                            return true;
                        }
                        return false;
                    });
                } catch (InterruptedException e) {
                    return;
                }
                got.incrementAndGet();
            }
        });
        for (int i = 0; i < 20_000; i++) {
            synchronized (wq) {
                box[0]++;
            }
            wq.wakeUp(1);
        }
        consumer.join(20_000);
        assertEquals(20_000, got.get());
    }

    @Test
    void mutexBetweenThreadsAndOwnership() throws Exception {
        Mutex m = new Mutex("t", true);
        m.lock();
        assertThrows(IllegalStateException.class, m::lock, "not reentrant");
        AtomicInteger state = new AtomicInteger();
        Thread other = Thread.ofPlatform().start(() -> {
            assertThrows(IllegalStateException.class, m::unlock, "unlock by a non-owner");
            try {
                assertFalse(m.lock(5_000_000), "bounded wait times out");
                m.lock();
                state.set(1);
                m.unlock();
            } catch (InterruptedException e) {
                state.set(-1);
            }
        });
        Thread.sleep(50);
        assertEquals(0, state.get());
        m.unlock();
        other.join(10_000);
        assertEquals(1, state.get());
        assertTrue(m.tryLock());
        m.unlock();
    }

    @Test
    void semaphoresCount() throws Exception {
        Semaphore s = new Semaphore(2);
        assertTrue(s.tryDown());
        assertTrue(s.tryDown());
        assertFalse(s.tryDown());
        assertFalse(s.down(1_000_000));
        s.up();
        s.down();
        assertEquals(0, s.count());
        RwSemaphore rw = new RwSemaphore();
        assertTrue(rw.tryDownRead());
        assertTrue(rw.tryDownRead());
        rw.upRead();
        rw.upRead();
        rw.downWrite();
        assertFalse(rw.tryDownRead());
        rw.downgrade();
        assertTrue(rw.tryDownRead());
        rw.upRead();
        rw.upRead();
        assertThrows(IllegalStateException.class, rw::upRead);
    }
}
