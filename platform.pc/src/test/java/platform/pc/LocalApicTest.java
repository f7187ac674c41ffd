package platform.pc;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalApicTest {
    @Test
    void highestPendingVectorIsAcceptedFirst() throws Exception {
        LocalApic a = new LocalApic(0);
        assertFalse(a.pending());
        a.raise(0x41);
        a.raise(0x80);
        a.raise(0x42);
        assertTrue(a.pending());
        assertEquals(0x80, a.acceptInterrupt(0));
        assertTrue(a.inService(0x80));
        // 0x42 (class 4) is below in-service class 8: not deliverable
        assertFalse(a.pending());
        assertEquals(-1, a.acceptInterrupt(0));
        a.eoi();
        assertFalse(a.inService(0x80));
        assertEquals(0x42, a.acceptInterrupt(0));
        // same class as in-service: blocked until EOI
        assertEquals(-1, a.acceptInterrupt(1000));
        a.eoi();
        assertEquals(0x41, a.acceptInterrupt(0));
        a.eoi();
        assertEquals(-1, a.acceptInterrupt(0));
    }

    @Test
    void higherClassPreemptsInService() throws Exception {
        LocalApic a = new LocalApic(1);
        a.raise(0x50);
        assertEquals(0x50, a.acceptInterrupt(0));
        a.raise(0x61);
        assertEquals(0x61, a.acceptInterrupt(0));
        a.eoi(); // clears 0x61, the highest
        assertTrue(a.inService(0x50));
        assertFalse(a.inService(0x61));
        a.eoi();
        assertFalse(a.inService(0x50));
    }

    @Test
    void exceptionVectorsAreIgnoredAndCounted() throws Exception {
        LocalApic a = new LocalApic(0);
        a.raise(14);
        a.raise(31);
        a.raise(256);
        assertEquals(3, a.illegalVectors());
        assertFalse(a.pending());
        assertEquals(-1, a.acceptInterrupt(0));
    }

    @Test
    void taskPriorityMasksLowerClasses() throws Exception {
        LocalApic a = new LocalApic(0);
        a.setTaskPriority(0x50);
        a.raise(0x45);
        assertEquals(-1, a.acceptInterrupt(0));
        a.setTaskPriority(0);
        assertEquals(0x45, a.acceptInterrupt(0));
    }

    @Test
    void acceptBlocksLikeHltUntilRaisedFromAnotherThread() throws Exception {
        LocalApic a = new LocalApic(0);
        CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> {
            try {
                return a.acceptInterrupt(TimeUnit.SECONDS.toNanos(10));
            } catch (InterruptedException e) {
                return -2;
            }
        });
        Thread.sleep(50);
        assertFalse(f.isDone());
        Thread t = Thread.ofPlatform().start(() -> a.raise(0x30));
        assertEquals(0x30, f.get(5, TimeUnit.SECONDS));
        t.join();
        long t0 = System.nanoTime();
        assertEquals(-1, a.acceptInterrupt(TimeUnit.MILLISECONDS.toNanos(20)));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(15));
    }
}
