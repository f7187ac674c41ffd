package drivers.pci;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** ID table entries and addresses: matching, printing and parsing. */
class PciIdTest {
    @Test
    void vendorDeviceMatchAndPrint() {
        PciId id = PciId.of(0x1AF4, 0x1042);
        assertTrue(id.matches(0x1AF4, 0x1042, 0x010000));
        assertFalse(id.matches(0x1AF4, 0x1041, 0x010000));
        assertEquals("pci:1af4:1042", id.toString());
        assertEquals(id, PciId.parse("pci:1af4:1042"));
    }

    @Test
    void classMatch() {
        PciId nvme = PciId.ofClass(0x010802, 0xFFFFFF);
        assertTrue(nvme.matches(0x8086, 0x1234, 0x010802));
        assertFalse(nvme.matches(0x8086, 0x1234, 0x010601));
        assertEquals("pci:*:*:010802/ffffff", nvme.toString());
        assertEquals(nvme, PciId.parse(nvme.toString()));
    }

    @Test
    void badIdsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PciId.parse("usb:1:2"));
        assertThrows(IllegalArgumentException.class, () -> PciId.parse("pci:zz:1042"));
        assertThrows(IllegalArgumentException.class, () -> PciId.of(0x10000, 1));
    }

    @Test
    void addresses() {
        PciAddress a = new PciAddress(0, 0, 4, 0);
        assertEquals("0000:00:04.0", a.toString());
        assertEquals(a, PciAddress.parse("00:04.0"));
        assertEquals(new PciAddress(1, 0x1f, 0x1f, 7), PciAddress.parse("0001:1f:1f.7"));
        assertThrows(IllegalArgumentException.class, () -> PciAddress.parse("00:20.0"));
        assertTrue(a.compareTo(new PciAddress(0, 0, 5, 0)) < 0);
    }
}
