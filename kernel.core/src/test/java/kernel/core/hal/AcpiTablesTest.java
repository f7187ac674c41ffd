package kernel.core.hal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import platform.pc.Machine;

class AcpiTablesTest {
    private Machine machine;
    private PhysMem mem;
    private long rsdp;

    @BeforeEach
    void boot() {
        machine = Machine.builder().memory(64L << 20).cpus(2).build().powerOn();
        mem = new BusMemory(machine.bus());
        rsdp = machine.bootInfo().acpiRsdp();
    }

    @AfterEach
    void off() {
        machine.close();
    }

    private static List<String> signatures(Acpi a) {
        return a.tables().stream().map(Acpi.Table::signature).toList();
    }

    private Acpi.Table table(Acpi a, String sig) {
        return a.tables().stream().filter(t -> t.signature().equals(sig)).findFirst().orElseThrow();
    }

    @Test
    void findsXsdtMcfgAndMadt() {
        AcpiTables a = AcpiTables.parse(mem, rsdp);
        List<String> sigs = signatures(a);
        assertEquals("XSDT", sigs.get(0));
        assertTrue(sigs.containsAll(List.of("MCFG", "APIC")), sigs.toString());
        Acpi.Table mcfg = table(a, "MCFG");
        assertEquals(60, mcfg.length());
        assertEquals("KESTRL", mcfg.oemId());
        byte[] raw = a.table("MCFG").orElseThrow();
        assertEquals(60, raw.length);
        assertEquals("MCFG", new String(raw, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(a.table("FACP").isPresent()); // the FADT is written since the hardware-reduced ACPI commit
        // tables live in the ACPI region just below the top of low RAM
        long top = Math.min(machine.memorySize(), Machine.LOW_RAM_LIMIT);
        for (Acpi.Table t : a.tables()) {
            assertTrue(t.address() >= top - Machine.ACPI_REGION_SIZE && t.address() < top, t.toString());
        }
    }

    @Test
    void madtListsBothCpus() {
        byte[] madt = AcpiTables.parse(mem, rsdp).table("APIC").orElseThrow();
        int lapics = 0;
        for (int off = 44; off + 2 <= madt.length; off += madt[off + 1] & 0xFF) {
            if (madt[off] == 0) {
                lapics++;
            }
            if ((madt[off + 1] & 0xFF) == 0) {
                break;
            }
        }
        assertEquals(2, lapics);
    }

    @Test
    void ecamFromMcfg() {
        List<Acpi.EcamRegion> ecam = AcpiTables.parse(mem, rsdp).ecam();
        assertEquals(List.of(new Acpi.EcamRegion(0, 0xB000_0000L, 0, 255)), ecam);
    }

    @Test
    void tableWithBadChecksumIsSkipped() {
        long mcfg = table(AcpiTables.parse(mem, rsdp), "MCFG").address();
        int b = mem.read8(mcfg + 40);
        mem.write8(mcfg + 40, b + 1); // reserved byte: only the checksum notices
        AcpiTables a = AcpiTables.parse(mem, rsdp);
        assertFalse(signatures(a).contains("MCFG"), signatures(a).toString());
        assertTrue(signatures(a).contains("APIC"), "the other tables are still found");
        assertEquals(List.of(), a.ecam());
    }

    @Test
    void absurdTableLengthIsSkipped() {
        long madt = table(AcpiTables.parse(mem, rsdp), "APIC").address();
        mem.write32(madt + 4, 12);
        AcpiTables a = AcpiTables.parse(mem, rsdp);
        assertFalse(signatures(a).contains("APIC"));
        assertTrue(signatures(a).contains("MCFG"));
    }

    @Test
    void badRsdpSignatureGivesNoTables() {
        mem.write8(rsdp, 'X');
        AcpiTables a = AcpiTables.parse(mem, rsdp);
        assertEquals(List.of(), a.tables());
        assertEquals(List.of(), a.ecam());
    }

    @Test
    void badRsdpChecksumGivesNoTables() {
        mem.write8(rsdp + 9, mem.read8(rsdp + 9) ^ 0x20); // OEM id byte, covered by the v1 checksum
        assertEquals(List.of(), AcpiTables.parse(mem, rsdp).tables());
    }

    @Test
    void badExtendedChecksumGivesNoTables() {
        mem.write8(rsdp + 33, mem.read8(rsdp + 33) + 1); // reserved byte, only in the extended checksum
        assertEquals(List.of(), AcpiTables.parse(mem, rsdp).tables());
    }

    @Test
    void corruptXsdtGivesNoTables() {
        long xsdt = table(AcpiTables.parse(mem, rsdp), "XSDT").address();
        mem.write8(xsdt + 20, mem.read8(xsdt + 20) + 1);
        assertEquals(List.of(), AcpiTables.parse(mem, rsdp).tables());
    }

    @Test
    void noRsdpGivesNoTables() {
        assertEquals(List.of(), AcpiTables.parse(mem, 0).tables());
    }

    @Test
    void tableReturnsACopy() {
        AcpiTables a = AcpiTables.parse(mem, rsdp);
        byte[] first = a.table("MCFG").orElseThrow();
        first[0] = 'Z';
        assertArrayEquals("MCFG".getBytes(), java.util.Arrays.copyOf(a.table("MCFG").orElseThrow(), 4));
    }
}
