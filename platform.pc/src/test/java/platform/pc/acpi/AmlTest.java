package platform.pc.acpi;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The AML encodings of ACPI 6.4 chapter 20 that the DSDT uses. */
class AmlTest {
    @Test
    void integersUseTheSmallestEncoding() {
        assertArrayEquals(new byte[] {0x00}, Aml.integer(0));
        assertArrayEquals(new byte[] {0x01}, Aml.integer(1));
        assertArrayEquals(new byte[] {0x0A, 0x13}, Aml.integer(0x13));
        assertArrayEquals(new byte[] {0x0A, (byte) 0xFF}, Aml.integer(0xFF));
        assertArrayEquals(new byte[] {0x0B, 0x00, 0x01}, Aml.integer(0x100));
        assertArrayEquals(new byte[] {0x0C, (byte) 0xFF, (byte) 0xFF, 0x03, 0x00}, Aml.integer(0x3FFFF));
        assertArrayEquals(new byte[] {0x0E, 0, 0, 0, 0, 1, 0, 0, 0}, Aml.integer(1L << 32));
        assertArrayEquals(new byte[] {0x0C, 0x41, (byte) 0xD0, 0x0A, 0x08}, Aml.dword(Aml.eisaId("PNP0A08")));
        assertEquals(0x080A_D041L, Aml.eisaId("PNP0A08"));
        assertEquals(0x030A_D041L, Aml.eisaId("PNP0A03"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("PNP0A0"));
    }

    @Test
    void pkgLengthCountsItself() {
        assertArrayEquals(new byte[] {1}, Aml.pkgLength(0));
        assertArrayEquals(new byte[] {63}, Aml.pkgLength(62));
        assertArrayEquals(new byte[] {0x41, 0x04}, Aml.pkgLength(63)); // 65 = 0x41: two bytes
        assertArrayEquals(new byte[] {0x4F, (byte) 0xFF}, Aml.pkgLength(4093)); // 4095: largest two-byte
        assertArrayEquals(new byte[] {(byte) 0x81, 0x00, 0x01}, Aml.pkgLength(4094)); // 4097: three bytes
    }

    @Test
    void namesAndTerms() {
        assertArrayEquals("_HID".getBytes(StandardCharsets.US_ASCII), Aml.nameString("_HID"));
        assertArrayEquals("_SB_".getBytes(StandardCharsets.US_ASCII), Aml.nameString("_SB"));
        byte[] path = Aml.nameString("\\_SB.PCI0");
        assertEquals(0x5C, path[0]);
        assertEquals(0x2E, path[1]);
        assertEquals("_SB_PCI0", new String(path, 2, 8, StandardCharsets.US_ASCII));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("TOOLONG"));
        byte[] pkg = Aml.pkg(Aml.integer(0), Aml.integer(0x13));
        assertArrayEquals(new byte[] {0x12, 5, 2, 0x00, 0x0A, 0x13}, pkg);
        byte[] name = Aml.name("_UID", Aml.integer(0));
        assertArrayEquals(new byte[] {0x08, '_', 'U', 'I', 'D', 0x00}, name);
        byte[] dev = Aml.device("PCI0", name);
        assertEquals(0x5B, dev[0]);
        assertEquals((byte) 0x82, dev[1]);
        assertEquals(1 + 4 + name.length, dev[2]);
        byte[] buf = Aml.buffer(new byte[] {0x79, 0});
        assertArrayEquals(new byte[] {0x11, 5, 0x0A, 2, 0x79, 0}, buf);
    }
}
