package fs.fat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** 8.3 names with their case flags, and long names assembled from their parts. */
class NameTest {
    /** A 32-byte entry holding the 11-byte name {@code name83} and NT flags {@code flags}. */
    private static byte[] shortEntry(String name83, int flags) {
        byte[] e = new byte[32];
        byte[] raw = name83.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(raw, 0, e, 0, 11);
        e[11] = 0x20;
        e[12] = (byte) flags;
        return e;
    }

    /** The long-name entries of {@code name} for the 8.3 name with {@code checksum}, in disk order. */
    private static List<byte[]> longEntries(String name, int checksum) {
        int parts = (name.length() + 12) / 13;
        List<byte[]> entries = new ArrayList<>();
        int[] at = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
        for (int part = parts; part >= 1; part--) {
            byte[] e = new byte[32];
            e[0] = (byte) (part == parts ? 0x40 | part : part);
            e[11] = 0x0F;
            e[13] = (byte) checksum;
            for (int i = 0; i < 13; i++) {
                int k = (part - 1) * 13 + i;
                int c = k < name.length() ? name.charAt(k) : k == name.length() ? 0 : 0xFFFF;
                e[at[i]] = (byte) c;
                e[at[i] + 1] = (byte) (c >> 8);
            }
            entries.add(e);
        }
        return entries;
    }

    private static String assemble(List<byte[]> parts, byte[] shortEntry) {
        LongName name = new LongName();
        for (byte[] p : parts) name.add(p, 0);
        return name.finish(ShortName.checksum(shortEntry, 0));
    }

    @Test
    void checksumMatchesWhatMtoolsWrites() {
        assertEquals(0xA8, ShortName.checksum(shortEntry("MIXEDC~1TXT", 0), 0));
        byte[] e = shortEntry("GR  E_~1TXT", 0);
        e[2] = (byte) 0x9A; // Ü in code page 437
        e[3] = (byte) 0xE1; // ß
        assertEquals(0xC9, ShortName.checksum(e, 0));
    }

    @Test
    void shortNamesWithCaseFlags() {
        assertEquals("README.TXT", ShortName.decode(shortEntry("README  TXT", 0), 0));
        assertEquals("readme.txt", ShortName.decode(shortEntry("README  TXT", 0x18), 0));
        assertEquals("readme.TXT", ShortName.decode(shortEntry("README  TXT", 0x08), 0));
        assertEquals("README.txt", ShortName.decode(shortEntry("README  TXT", 0x10), 0));
        assertEquals("MAKEFILE", ShortName.decode(shortEntry("MAKEFILE   ", 0), 0));
        byte[] e = shortEntry("XAB     C  ", 0);
        e[0] = 0x05; // stands for 0xE5, σ in code page 437
        assertEquals("σAB.C", ShortName.decode(e, 0));
        byte[] control = shortEntry("AB      C  ", 0);
        control[1] = 0x07;
        assertNull(ShortName.decode(control, 0));
        assertNull(ShortName.decode(shortEntry("A/B     C  ", 0), 0));
    }

    @Test
    void dotEntries() {
        assertTrue(ShortName.isDotEntry(shortEntry(".          ", 0), 0));
        assertTrue(ShortName.isDotEntry(shortEntry("..         ", 0), 0));
        assertFalse(ShortName.isDotEntry(shortEntry("...        ", 0), 0));
        assertFalse(ShortName.isDotEntry(shortEntry("A          ", 0), 0));
    }

    @Test
    void longNamesOfOneAndSeveralParts() {
        byte[] alias = shortEntry("LONGNA~1TXT", 0);
        int sum = ShortName.checksum(alias, 0);
        for (String name : List.of("a", "Thirteen.text", "Fourteen.texts", "Grüße 日本 – ünïcödé.txt", "x".repeat(255)))
            assertEquals(name, assemble(longEntries(name, sum), alias), name);
    }

    @Test
    void brokenLongNamesAreDropped() {
        byte[] alias = shortEntry("LONGNA~1TXT", 0);
        int sum = ShortName.checksum(alias, 0);
        String name = "A name of three parts, forty chars";
        List<byte[]> good = longEntries(name, sum);
        assertEquals(3, good.size());

        assertNull(assemble(longEntries(name, sum + 1), alias), "checksum of another 8.3 name");
        assertNull(assemble(List.of(good.get(0), good.get(2)), alias), "a part missing");
        assertNull(assemble(List.of(good.get(1), good.get(2)), alias), "the first part missing");
        assertNull(assemble(List.of(good.get(0), good.get(2), good.get(1)), alias), "parts out of order");
        byte[] changed = good.get(1).clone();
        changed[13]++;
        assertNull(assemble(List.of(good.get(0), changed, good.get(2)), alias), "checksums differ");
        assertNull(assemble(longEntries("x".repeat(256), sum), alias), "longer than 255");

        LongName ln = new LongName();
        for (byte[] p : good) ln.add(p, 0);
        ln.reset(); // a deleted entry came between
        assertNull(ln.finish(sum));
        for (byte[] p : good) ln.add(p, 0);
        assertEquals(name, ln.finish(sum), "a fresh sequence after a broken one");
        assertNull(ln.finish(sum), "a name is used once");
    }
}
