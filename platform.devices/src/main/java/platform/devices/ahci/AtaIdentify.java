package platform.devices.ahci;

/**
 * The 512-byte IDENTIFY DEVICE data of a {@link SataDisk} (ATA8-ACS section 7.16, table 22).
 *
 * <p>Words set: 0 (ATA device), 1/3/6 (obsolete CHS geometry 16383/16/63, for old drivers),
 * 10-19 serial, 23-26 firmware revision, 27-46 model (ATA strings: space padded, two
 * characters per word, the first in the high byte), 47 (READ/WRITE MULTIPLE not supported),
 * 49 (LBA and DMA supported), 50, 53 (words 64-70 and 88 valid), 60-61 (28-bit capacity,
 * capped at 0FFFFFFFh), 63 (multiword DMA 0-2), 64 (PIO 3-4), 65-68 (cycle times), 76 (SATA
 * Gen1 and Gen2 speeds; no NCQ), 80 (major version: ATA/ATAPI-5 to ATA8-ACS), 83/86 (48-bit
 * address, FLUSH CACHE and FLUSH CACHE EXT supported and enabled), 84/87 (validity bits), 88
 * (Ultra DMA 0-6, mode 6 selected), 100-103 (48-bit capacity), 106 (512-byte logical = physical
 * sectors), 217 (non-rotating medium), 255 (integrity word: signature A5h and a checksum that
 * makes the 512 bytes sum to zero). Every other word is zero.
 */
final class AtaIdentify {
    private AtaIdentify() {
    }

    static byte[] build(long sectors, String serial, String firmware, String model) {
        int[] w = new int[256];
        w[0] = 0x0040;
        w[1] = 16383;
        w[3] = 16;
        w[6] = 63;
        string(w, 10, 20, serial);
        string(w, 23, 8, firmware);
        string(w, 27, 40, model);
        w[47] = 0x8000;
        w[49] = 0x0300;
        w[50] = 0x4000;
        w[53] = 0x0006;
        long lba28 = Math.min(sectors, 0x0FFF_FFFFL);
        w[60] = (int) (lba28 & 0xFFFF);
        w[61] = (int) (lba28 >>> 16);
        w[63] = 0x0007;
        w[64] = 0x0003;
        w[65] = 120;
        w[66] = 120;
        w[67] = 120;
        w[68] = 120;
        w[76] = 0x0006;
        w[80] = 0x01F0;
        w[82] = 0;
        w[83] = 0x4000 | 0x2000 | 0x1000 | 0x0400;
        w[84] = 0x4000;
        w[85] = 0;
        w[86] = 0x2000 | 0x1000 | 0x0400;
        w[87] = 0x4000;
        w[88] = 0x407F;
        for (int i = 0; i < 4; i++) {
            w[100 + i] = (int) ((sectors >>> (16 * i)) & 0xFFFF);
        }
        w[106] = 0x4000;
        w[217] = 0x0001;
        byte[] b = new byte[512];
        for (int i = 0; i < 255; i++) {
            b[2 * i] = (byte) w[i];
            b[2 * i + 1] = (byte) (w[i] >>> 8);
        }
        b[510] = (byte) 0xA5;
        int sum = 0;
        for (int i = 0; i < 511; i++) {
            sum += b[i] & 0xFF;
        }
        b[511] = (byte) -sum;
        return b;
    }

    /** Stores {@code s} as an ATA string of {@code chars} characters from word {@code first}. */
    private static void string(int[] w, int first, int chars, String s) {
        for (int i = 0; i < chars; i += 2) {
            int hi = i < s.length() ? s.charAt(i) & 0x7F : ' ';
            int lo = i + 1 < s.length() ? s.charAt(i + 1) & 0x7F : ' ';
            w[first + i / 2] = hi << 8 | lo;
        }
    }
}
