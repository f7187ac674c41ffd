package platform.pc.time;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Port-level tests of the 8254 PIT, written from the Intel 8254 datasheet. */
class Pit8254Test {
    VirtualClock clock;
    RecordingSink sink;
    Pit8254 pit;

    @BeforeEach
    void setUp() {
        clock = VirtualClock.deterministic();
        sink = new RecordingSink(clock);
        pit = new Pit8254(clock, sink);
    }

    void advanceToTick(long tick) {
        clock.advance(Pit8254.timeOfTick(tick) - clock.now());
    }

    int readCount16(int port) {
        int lo = pit.in(port, 1);
        int hi = pit.in(port, 1);
        return lo | hi << 8;
    }

    void loadLoHi(int port, int n) {
        pit.out(port, 1, n & 0xFF);
        pit.out(port, 1, n >>> 8);
    }

    @Test
    void tickArithmetic() {
        assertEquals(1_193_182, Pit8254.ticksAt(1_000_000_000L));
        assertEquals(0, Pit8254.ticksAt(838));
        assertEquals(1, Pit8254.ticksAt(839)); // a tick is 838.095 ns
        for (long t : new long[] {1, 2, 1193, 65536, 1_193_182, 1_193_183, 10_000_000_000L}) {
            long ns = Pit8254.timeOfTick(t);
            assertEquals(t, Pit8254.ticksAt(ns));
            assertEquals(t - 1, Pit8254.ticksAt(ns - 1));
        }
    }

    @Test
    void mode2RateGeneratorInterruptsEveryNTicks() {
        pit.out(0x43, 1, 0x34); // counter 0, LSB then MSB, mode 2, binary
        loadLoHi(0x40, 1193);
        clock.advance(10_000_000); // 10 ms = 11931 ticks: 10 periods
        List<Long> expected = new ArrayList<>();
        for (int k = 1; k <= 10; k++) {
            expected.add(Pit8254.timeOfTick(k * 1193L));
        }
        assertEquals(expected, sink.asserts(Pit8254.IRQ));
        assertEquals(20, sink.events.size()); // pulses: assert + deassert
    }

    @Test
    void mode2CountAndOutput() {
        pit.out(0x43, 1, 0x34);
        loadLoHi(0x40, 100);
        assertEquals(100, readCount16(0x40));
        assertTrue(pit.output(0));
        advanceToTick(40);
        assertEquals(60, readCount16(0x40));
        advanceToTick(99);
        assertEquals(1, readCount16(0x40));
        assertFalse(pit.output(0)); // low during count 1
        advanceToTick(100);
        assertEquals(100, readCount16(0x40)); // reloaded
        assertTrue(pit.output(0));
    }

    @Test
    void counterLatchFreezesTheReadValue() {
        pit.out(0x43, 1, 0x34);
        loadLoHi(0x40, 1000);
        advanceToTick(300);
        pit.out(0x43, 1, 0x00); // latch counter 0
        advanceToTick(500);
        pit.out(0x43, 1, 0x00); // second latch before reading: ignored
        assertEquals(700, readCount16(0x40));
        assertEquals(500, readCount16(0x40)); // latch released: live count again
    }

    @Test
    void mode3SquareWave() {
        pit.out(0x43, 1, 0x36); // counter 0, LSB/MSB, mode 3
        loadLoHi(0x40, 1000);
        advanceToTick(10);
        assertEquals(980, readCount16(0x40)); // decrements by two
        assertTrue(pit.output(0));
        advanceToTick(499);
        assertTrue(pit.output(0));
        advanceToTick(500);
        assertFalse(pit.output(0));
        assertEquals(1000, readCount16(0x40));
        advanceToTick(999);
        assertFalse(pit.output(0));
        advanceToTick(3000);
        assertEquals(List.of(Pit8254.timeOfTick(1000), Pit8254.timeOfTick(2000), Pit8254.timeOfTick(3000)),
                sink.asserts(0));
    }

    @Test
    void mode0InterruptsOnceAtTerminalCount() {
        pit.out(0x43, 1, 0x30); // counter 0, LSB/MSB, mode 0
        assertFalse(pit.output(0));
        loadLoHi(0x40, 100);
        advanceToTick(40);
        assertEquals(60, readCount16(0x40));
        assertFalse(pit.output(0));
        advanceToTick(100);
        assertTrue(pit.output(0));
        advanceToTick(100_000);
        assertTrue(pit.output(0));
        assertEquals(List.of(Pit8254.timeOfTick(100)), sink.asserts(0));
    }

    @Test
    void mode0FirstByteStopsCountingSecondReloads() {
        pit.out(0x43, 1, 0x30);
        loadLoHi(0x40, 100);
        advanceToTick(30);
        pit.out(0x40, 1, 50); // LSB: counting stops
        advanceToTick(200);
        assertTrue(sink.events.isEmpty());
        pit.out(0x40, 1, 0); // MSB: count 50 loaded at tick 200
        advanceToTick(250);
        assertEquals(List.of(Pit8254.timeOfTick(250)), sink.asserts(0));
    }

    @Test
    void lobyteAndHibyteAccessModes() {
        pit.out(0x43, 1, 0x14); // counter 0, LSB only, mode 2
        pit.out(0x40, 1, 100);
        advanceToTick(10);
        assertEquals(90, pit.in(0x40, 1));
        assertEquals(90, pit.in(0x40, 1));
        pit.out(0x43, 1, 0x24); // MSB only, mode 2
        pit.out(0x40, 1, 0x01); // N = 256
        advanceToTick(10 + 6);
        assertEquals(0x00, pit.in(0x40, 1)); // 250 = 0x00FA: MSB 0
        advanceToTick(266);
        assertEquals(Pit8254.timeOfTick(266), sink.asserts(0).get(sink.asserts(0).size() - 1));
    }

    @Test
    void countZeroMeans65536() {
        pit.out(0x43, 1, 0x34);
        loadLoHi(0x40, 0);
        advanceToTick(65_535);
        assertTrue(sink.events.isEmpty());
        advanceToTick(65_536);
        assertEquals(List.of(Pit8254.timeOfTick(65_536)), sink.asserts(0));
        assertEquals(0, readCount16(0x40)); // 65536 reads as 0
    }

    @Test
    void newCountInMode2TakesEffectAtEndOfPeriod() {
        pit.out(0x43, 1, 0x34);
        loadLoHi(0x40, 100);
        advanceToTick(30);
        loadLoHi(0x40, 50);
        assertEquals(70, readCount16(0x40)); // current period unaffected
        advanceToTick(100);
        assertEquals(50, readCount16(0x40));
        advanceToTick(200);
        assertEquals(List.of(Pit8254.timeOfTick(100), Pit8254.timeOfTick(150), Pit8254.timeOfTick(200)),
                sink.asserts(0));
    }

    @Test
    void otherCountersCountWithoutInterrupts() {
        pit.out(0x43, 1, 0xB4); // counter 2, LSB/MSB, mode 2
        loadLoHi(0x42, 1000);
        pit.out(0x43, 1, 0x74); // counter 1
        loadLoHi(0x41, 500);
        advanceToTick(100);
        assertEquals(900, readCount16(0x42));
        assertEquals(400, readCount16(0x41));
        advanceToTick(5000);
        assertTrue(sink.events.isEmpty());
    }

    @Test
    void controlWordReprogramStopsCounter() {
        pit.out(0x43, 1, 0x34);
        loadLoHi(0x40, 100);
        advanceToTick(50);
        pit.out(0x43, 1, 0x34); // new control word: counting waits for a new count
        advanceToTick(1000);
        assertTrue(sink.events.isEmpty());
    }

    @Test
    void badAccessesAreIgnored() {
        assertEquals(0xFF, pit.in(0x43, 1));
        assertEquals(-1, pit.in(0x40, 2));
        assertEquals(-1, pit.in(0x44, 1));
        pit.out(0x40, 2, 0x1234);
        pit.out(0x43, 4, 0x34);
        pit.out(0x44, 1, 0);
        pit.out(0x43, 1, 0xC2); // read-back command: not supported, ignored
        pit.out(0x40, 1, 5); // data before any control word (default LSB/MSB, mode 0)
        pit.out(0x40, 1, 0);
        advanceToTick(10);
        assertEquals(List.of(Pit8254.timeOfTick(5)), sink.asserts(0));
    }

    @Test
    void outputLineIsConfigurable() {
        List<String> log = new ArrayList<>();
        Pit8254 p = new Pit8254(clock, IrqSink.of(g -> log.add("+" + g), g -> log.add("-" + g)), 2);
        p.out(0x43, 1, 0x34);
        p.out(0x40, 1, 10);
        p.out(0x40, 1, 0);
        advanceToTick(20);
        assertEquals(List.of("+2", "-2", "+2", "-2"), log);
    }
}
