package platform.pc.time;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.time.CmosRtc.*;

import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Port-level tests of the CMOS RTC, written from the MC146818A datasheet. */
class CmosRtcTest {
    VirtualClock clock;
    RecordingSink sink;
    CmosRtc rtc;

    @BeforeEach
    void setUp() {
        clock = VirtualClock.deterministic();
        sink = new RecordingSink(clock);
        rtc = new CmosRtc(clock, sink);
    }

    int rd(int reg) {
        rtc.out(0x70, 1, reg);
        return rtc.in(0x71, 1);
    }

    void wr(int reg, int v) {
        rtc.out(0x70, 1, reg);
        rtc.out(0x71, 1, v);
    }

    @Test
    void deterministicPowerOnTimeAndRegisterDefaults() {
        assertEquals(DETERMINISTIC_EPOCH, rtc.time());
        assertEquals(0x26, rd(REG_A));
        assertEquals(0x02, rd(REG_B)); // BCD, 24-hour
        assertEquals(0x00, rd(REG_C));
        assertEquals(0x80, rd(REG_D));
        assertEquals(0x00, rd(SECONDS));
        assertEquals(0x00, rd(HOURS));
        assertEquals(0x01, rd(DAY_OF_MONTH));
        assertEquals(0x01, rd(MONTH));
        assertEquals(0x00, rd(YEAR));
        assertEquals(0x20, rd(CENTURY));
        assertEquals(7, rd(DAY_OF_WEEK)); // 2000-01-01 was a Saturday
    }

    @Test
    void hostClockStartsAtHostWallTime() {
        try (VirtualClock h = VirtualClock.host()) {
            Instant before = Instant.now().minusSeconds(1);
            CmosRtc r = new CmosRtc(h, null);
            Instant t = r.time();
            assertFalse(t.isBefore(before));
            assertFalse(t.isAfter(Instant.now().plusSeconds(1)));
        }
    }

    @Test
    void bcdTimeAdvancesWithTheVirtualClock() {
        rtc.setTime(Instant.parse("2026-11-22T15:04:59Z"));
        assertEquals(0x59, rd(SECONDS));
        assertEquals(0x04, rd(MINUTES));
        assertEquals(0x15, rd(HOURS));
        assertEquals(0x22, rd(DAY_OF_MONTH));
        assertEquals(0x11, rd(MONTH));
        assertEquals(0x26, rd(YEAR));
        assertEquals(0x20, rd(CENTURY));
        assertEquals(1, rd(DAY_OF_WEEK)); // Sunday
        clock.advance(999_999_999);
        assertEquals(0x59, rd(SECONDS));
        clock.advance(1);
        assertEquals(0x00, rd(SECONDS));
        assertEquals(0x05, rd(MINUTES));
        clock.advance(3_600_000_000_000L * 9);
        assertEquals(0x00, rd(HOURS));
        assertEquals(0x23, rd(DAY_OF_MONTH));
        assertEquals(2, rd(DAY_OF_WEEK));
    }

    @Test
    void binaryMode() {
        rtc.setTime(Instant.parse("1999-12-31T23:59:58Z"));
        wr(REG_B, B_24H | B_DM_BINARY);
        assertEquals(58, rd(SECONDS));
        assertEquals(59, rd(MINUTES));
        assertEquals(23, rd(HOURS));
        assertEquals(31, rd(DAY_OF_MONTH));
        assertEquals(12, rd(MONTH));
        assertEquals(99, rd(YEAR));
        assertEquals(19, rd(CENTURY));
        clock.advance(2_000_000_000L);
        assertEquals(0, rd(YEAR));
        assertEquals(20, rd(CENTURY));
        assertEquals(1, rd(MONTH));
    }

    @Test
    void twelveHourMode() {
        wr(REG_B, 0x00); // BCD, 12-hour
        rtc.setTime(Instant.parse("2026-01-01T00:30:00Z"));
        assertEquals(0x12, rd(HOURS)); // 12 AM
        rtc.setTime(Instant.parse("2026-01-01T12:00:00Z"));
        assertEquals(0x92, rd(HOURS)); // 12 PM
        rtc.setTime(Instant.parse("2026-01-01T15:00:00Z"));
        assertEquals(0x83, rd(HOURS)); // 3 PM
        wr(REG_B, B_DM_BINARY); // binary, 12-hour
        rtc.setTime(Instant.parse("2026-01-01T23:00:00Z"));
        assertEquals(0x80 | 11, rd(HOURS));
        rtc.setTime(Instant.parse("2026-01-01T09:00:00Z"));
        assertEquals(9, rd(HOURS));
        // writing in 12-hour form: 0x91 BCD = 11 PM
        wr(REG_B, 0x00);
        wr(HOURS, 0x91);
        assertEquals(Instant.parse("2026-01-01T23:00:00Z"), rtc.time());
        wr(HOURS, 0x12); // 12 AM
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), rtc.time());
    }

    @Test
    void updateInProgressFlag() {
        assertEquals(0, rd(REG_A) & A_UIP);
        clock.advance(1_000_000_000L - UIP_NS - 1);
        assertEquals(0, rd(REG_A) & A_UIP);
        clock.advance(1);
        assertEquals(A_UIP, rd(REG_A) & A_UIP);
        assertEquals(0x00, rd(SECONDS)); // the update has not happened yet
        clock.advance(UIP_NS - 1);
        assertEquals(A_UIP, rd(REG_A) & A_UIP);
        clock.advance(1);
        assertEquals(0, rd(REG_A) & A_UIP);
        assertEquals(0x01, rd(SECONDS));
        wr(REG_A, 0xFF); // UIP is read-only
        assertEquals(0x7F, rd(REG_A));
    }

    @Test
    void setBitFreezesTimeAndWritesSetIt() {
        wr(REG_B, B_SET | B_24H);
        wr(YEAR, 0x26);
        wr(MONTH, 0x11);
        wr(DAY_OF_MONTH, 0x22);
        wr(HOURS, 0x15);
        wr(MINUTES, 0x04);
        wr(SECONDS, 0x30);
        clock.advance(5_000_000_000L);
        assertEquals(0x30, rd(SECONDS));
        assertEquals(0, rd(REG_A) & A_UIP); // no updates while SET
        wr(REG_B, B_24H);
        assertEquals(Instant.parse("2026-11-22T15:04:30Z"), rtc.time());
        clock.advance(1_000_000_000L);
        assertEquals(0x31, rd(SECONDS));
    }

    @Test
    void invalidTimeWritesAreIgnored() {
        wr(MONTH, 0x13);
        wr(MONTH, 0x1A); // not BCD
        wr(SECONDS, 0x60);
        wr(HOURS, 0x24);
        assertEquals(DETERMINISTIC_EPOCH, rtc.time());
        wr(REG_B, 0x00); // 12-hour
        wr(HOURS, 0x00); // hour 0 does not exist in 12-hour form
        assertEquals(DETERMINISTIC_EPOCH, rtc.time());
    }

    @Test
    void nvramAndNmiBit() {
        wr(0x40, 0xA5);
        assertEquals(0xA5, rd(0x40));
        rtc.out(0x70, 1, 0x80 | 0x40); // NMI disable bit ignored
        assertEquals(0xA5, rtc.in(0x71, 1));
        wr(0x7F, 0x5A);
        assertEquals(0x5A, rd(0xFF)); // index is 7 bits
        wr(REG_C, 0xFF);
        wr(REG_D, 0x00);
        assertEquals(0, rd(REG_C));
        assertEquals(0x80, rd(REG_D));
    }

    @Test
    void badAccessesAreIgnored() {
        assertEquals(-1, rtc.in(0x70, 1)); // index port is write-only
        assertEquals(-1, rtc.in(0x71, 2));
        assertEquals(-1, rtc.in(0x72, 1));
        rtc.out(0x70, 2, 0x40);
        rtc.out(0x71, 4, 0x12);
        rtc.out(0x72, 1, 0x12);
        wr(0x41, 0x11);
        rtc.out(0x71, 2, 0x99);
        assertEquals(0x11, rd(0x41));
    }

    @Test
    void flagsAreSetWithoutEnablesAndClearedByReadingC() {
        clock.advance(1_000_000_000L);
        assertEquals(C_PF | C_UF, rd(REG_C)); // default RS = 6: 1024 Hz
        assertEquals(0, rd(REG_C));
        clock.advance(976_563); // one 1024 Hz period (976562.5 ns)
        assertEquals(C_PF, rd(REG_C));
        assertTrue(sink.events.isEmpty());
        wr(REG_A, 0x20); // RS = 0: no periodic flag
        clock.advance(1_000_000_000L);
        assertEquals(C_UF, rd(REG_C));
    }

    @Test
    void updateEndedInterruptEverySecond() {
        wr(REG_B, B_24H | B_UIE);
        clock.advance(999_999_999);
        assertTrue(sink.events.isEmpty());
        clock.advance(1);
        assertEquals(java.util.List.of("+8@1000000000"), sink.events);
        clock.advance(5_000_000_000L); // the line stays asserted until C is read
        assertEquals(1, sink.events.size());
        assertEquals(C_IRQF | C_UF | C_PF, rd(REG_C));
        assertFalse(sink.level[IRQ]);
        clock.advance(1_000_000_000L - 1);
        assertFalse(sink.level[IRQ]);
        clock.advance(1);
        assertTrue(sink.level[IRQ]);
        assertEquals(java.util.List.of(1_000_000_000L, 7_000_000_000L), sink.asserts(IRQ));
    }

    @Test
    void periodicInterruptAtTheSelectedRate() {
        wr(REG_A, 0x2F); // RS = 15: 2 Hz
        wr(REG_B, B_24H | B_PIE);
        clock.advance(499_999_999);
        assertTrue(sink.events.isEmpty());
        clock.advance(1);
        assertTrue(sink.level[IRQ]);
        assertEquals(C_IRQF | C_PF, rd(REG_C));
        clock.advance(500_000_000);
        assertEquals(java.util.List.of(500_000_000L, 1_000_000_000L), sink.asserts(IRQ));
        assertEquals(C_IRQF | C_PF | C_UF, rd(REG_C));
    }

    @Test
    void alarmInterruptWhenTimeMatches() {
        rtc.setTime(Instant.parse("2026-11-22T15:04:50Z"));
        wr(SECONDS_ALARM, 0x55);
        wr(MINUTES_ALARM, 0xC0); // don't care
        wr(HOURS_ALARM, 0x15);
        wr(REG_B, B_24H | B_AIE);
        clock.advance(4_999_999_999L);
        assertTrue(sink.events.isEmpty());
        clock.advance(1);
        assertTrue(sink.level[IRQ]);
        assertEquals(C_IRQF | C_AF | C_UF | C_PF, rd(REG_C));
        clock.advance(59_000_000_000L);
        assertFalse(sink.level[IRQ]);
        clock.advance(1_000_000_000L); // 15:05:55: minutes don't care
        assertTrue(sink.level[IRQ]);
        assertEquals(java.util.List.of(5_000_000_000L, 65_000_000_000L), sink.asserts(IRQ));
    }

    @Test
    void enablingAnInterruptWithItsFlagSetAssertsAtOnce() {
        clock.advance(1_500_000_000L);
        assertTrue(sink.events.isEmpty());
        wr(REG_B, B_24H | B_UIE);
        assertTrue(sink.level[IRQ]);
        assertEquals(C_IRQF | C_UF | C_PF, rd(REG_C));
        wr(REG_B, B_SET | B_24H | B_UIE); // no updates while SET
        clock.advance(10_000_000_000L);
        assertFalse(sink.level[IRQ]);
        assertEquals(C_PF, rd(REG_C));
    }
}
