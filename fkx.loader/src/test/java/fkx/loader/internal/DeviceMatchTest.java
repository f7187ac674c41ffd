package fkx.loader.internal;

import static fkx.loader.internal.DeviceMatch.Quality.EXACT;
import static fkx.loader.internal.DeviceMatch.Quality.GENERIC;
import static fkx.loader.internal.DeviceMatch.Quality.NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceMatchTest {
    @Test
    void exactVendorDevice() {
        assertEquals(EXACT, DeviceMatch.match("pci:1af4:1042", "pci:1af4:1042"));
        assertEquals(EXACT, DeviceMatch.match("pci:1af4:1042", "pci:1AF4:1042"), "hex is case-insensitive");
        assertEquals(EXACT, DeviceMatch.match(" PCI:1AF4:1042 ", "pci:1af4:1042"));
        assertEquals(EXACT, DeviceMatch.match("pci:1af4:1042", "pci:1af4:1042:010000"), "a class in the ID is ignored by a pattern without one");
        assertEquals(NONE, DeviceMatch.match("pci:1af4:1042", "pci:1af4:1041"));
        assertEquals(NONE, DeviceMatch.match("pci:1af4:1042", "pci:8086:1042"));
        assertEquals(EXACT, DeviceMatch.match("pci:8086:100e", "pci:8086:100E"));
    }

    @Test
    void wildcards() {
        assertEquals(GENERIC, DeviceMatch.match("pci:1af4:*", "pci:1af4:1042"));
        assertEquals(GENERIC, DeviceMatch.match("pci:*:1042", "pci:1af4:1042"));
        assertEquals(NONE, DeviceMatch.match("pci:1af4:*", "pci:8086:100e"));
    }

    @Test
    void classPatterns() {
        assertEquals(GENERIC, DeviceMatch.match("pci:*:*:010802/ffffff", "pci:1b36:0010:010802"), "NVMe by class");
        assertEquals(GENERIC, DeviceMatch.match("pci:*:*:010802", "pci:1b36:0010:010802"), "mask defaults to ffffff");
        assertEquals(GENERIC, DeviceMatch.match("pci:*:*:010800/ffff00", "pci:1b36:0010:010802"), "prog-if masked out");
        assertEquals(NONE, DeviceMatch.match("pci:*:*:010601/ffffff", "pci:1b36:0010:010802"));
        assertEquals(NONE, DeviceMatch.match("pci:*:*:010802/ffffff", "pci:1b36:0010"), "a class pattern needs the ID's class");
        assertEquals(EXACT, DeviceMatch.match("pci:1b36:0010:010802", "pci:1b36:0010:010802"));
    }

    @Test
    void malformedPatternsAndIdsMatchNothing() {
        assertEquals(NONE, DeviceMatch.match("pci:1af4", "pci:1af4:1042"));
        assertEquals(NONE, DeviceMatch.match("pci:zzzz:1042", "pci:1af4:1042"));
        assertEquals(NONE, DeviceMatch.match("pci:1af4:10420", "pci:1af4:1042"));
        assertEquals(NONE, DeviceMatch.match("usb:1af4:1042", "pci:1af4:1042"));
        assertEquals(NONE, DeviceMatch.match("pci:*:*:01/02/03", "pci:1af4:1042:010000"));
        assertEquals(NONE, DeviceMatch.match("pci:1af4:1042", "pci:1af4"));
        assertEquals(NONE, DeviceMatch.match("pci:1af4:1042", ""));
        assertEquals(NONE, DeviceMatch.match("pci:1af4:1042", null));
        assertEquals(NONE, DeviceMatch.match(null, "pci:1af4:1042"));
    }

    @Test
    void otherBusesCompareWholeIds() {
        assertEquals(EXACT, DeviceMatch.match("acpi:PNP0501", "acpi:pnp0501"));
        assertEquals(NONE, DeviceMatch.match("acpi:PNP0501", "acpi:PNP0500"));
    }

    @Test
    void validIds() {
        assertTrue(DeviceMatch.validId("pci:1af4:1042"));
        assertTrue(DeviceMatch.validId("pci:1af4:1042:010000"));
        assertTrue(DeviceMatch.validId("acpi:PNP0501"));
        assertFalse(DeviceMatch.validId("pci:1af4"));
        assertFalse(DeviceMatch.validId("pci:1af4:*"), "an ID has no wildcards");
        assertFalse(DeviceMatch.validId("pci:1af4:1042:01000000"));
        assertFalse(DeviceMatch.validId("1af4"));
        assertFalse(DeviceMatch.validId(" "));
        assertFalse(DeviceMatch.validId(null));
    }
}
