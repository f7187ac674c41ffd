package fs.fat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** DOS date and time fields to epoch milliseconds. */
class FatTimeTest {
    private static int date(int year, int month, int day) {
        return (year - 1980) << 9 | month << 5 | day;
    }

    private static int time(int hour, int minute, int second) {
        return hour << 11 | minute << 5 | second / 2;
    }

    @Test
    void decodesDateAndTimeAsUtc() {
        assertEquals(Instant.parse("2021-03-04T05:06:08Z").toEpochMilli(),
                FatTime.toMillis(date(2021, 3, 4), time(5, 6, 8)));
        assertEquals(Instant.parse("1980-01-01T00:00:00Z").toEpochMilli(), FatTime.toMillis(date(1980, 1, 1), 0));
        assertEquals(Instant.parse("2107-12-31T23:59:58Z").toEpochMilli(),
                FatTime.toMillis(date(2107, 12, 31), time(23, 59, 58)));
        assertEquals(Instant.parse("2000-02-29T12:00:00Z").toEpochMilli(),
                FatTime.toMillis(date(2000, 2, 29), time(12, 0, 0)));
    }

    @Test
    void zeroOrImpossibleFieldsMeanUnknown() {
        assertEquals(0, FatTime.toMillis(0, time(1, 2, 4)));
        assertEquals(0, FatTime.toMillis(date(2021, 0, 1), 0));
        assertEquals(0, FatTime.toMillis(date(2021, 13, 1), 0));
        assertEquals(0, FatTime.toMillis(date(2021, 2, 29), 0));
        assertEquals(0, FatTime.toMillis(date(2021, 4, 0), 0));
        assertEquals(0, FatTime.toMillis(date(2021, 4, 1), time(24, 0, 0)));
        assertEquals(0, FatTime.toMillis(date(2021, 4, 1), time(0, 60, 0)));
        assertEquals(0, FatTime.toMillis(date(2021, 4, 1), 0x1E)); // 60 seconds
    }
}
