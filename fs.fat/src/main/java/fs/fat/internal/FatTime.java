package fs.fat.internal;

import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * FAT timestamps. A date is bits 15..9 year since 1980, 8..5 month, 4..0 day; a time is bits
 * 15..11 hours, 10..5 minutes, 4..0 seconds/2. They are local time of an unknown zone, read
 * here as UTC.
 */
final class FatTime {
    private FatTime() {}

    /** Milliseconds since the epoch, or 0 if the date is zero or the fields are out of range. */
    static long toMillis(int date, int time) {
        if (date == 0) return 0;
        int year = 1980 + (date >>> 9);
        int month = (date >>> 5) & 0x0F;
        int day = date & 0x1F;
        int hour = time >>> 11;
        int minute = (time >>> 5) & 0x3F;
        int second = (time & 0x1F) * 2;
        if (month < 1 || month > 12 || day < 1 || day > YearMonth.of(year, month).lengthOfMonth()
                || hour > 23 || minute > 59 || second > 59) return 0;
        return LocalDateTime.of(year, month, day, hour, minute, second).toEpochSecond(ZoneOffset.UTC) * 1000;
    }
}
