package platform.pc.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.pc.Machine;

/**
 * Every table the firmware writes is accepted by the ACPI reference disassembler: {@code iasl
 * -d} (Debian's acpica-tools) decodes each dumped table without errors or warnings, and what it
 * decodes describes the machine.
 */
class AcpiDumpTest {
    @TempDir
    Path dir;

    @Test
    void iaslDisassemblesEveryTable() throws Exception {
        for (int cpus : new int[] {1, 4}) {
            Path d = Files.createDirectories(dir.resolve("cpus" + cpus));
            Map<String, byte[]> tables;
            try (Machine m = Machine.builder().memory(64L << 20).cpus(cpus).build().powerOn()) {
                tables = AcpiDump.tables(m);
            }
            assertEquals(java.util.Set.of("rsdp.bin", "xsdt.dat", "rsdt.dat", "mcfg.dat", "apic.dat", "facp.dat", "dsdt.dat", "hpet.dat"),
                    tables.keySet());
            for (var e : tables.entrySet()) {
                Files.write(d.resolve(e.getKey()), e.getValue());
                if (e.getKey().endsWith(".dat")) {
                    String out = iasl(d, e.getKey());
                    assertFalse(Pattern.compile("(?i)\\b(error|warning)").matcher(out.replace("Errors: 0", "")).find(),
                            e.getKey() + ": " + out);
                    assertTrue(Files.exists(d.resolve(e.getKey().replace(".dat", ".dsl"))), "no .dsl for " + e.getKey());
                }
            }
            String apic = Files.readString(d.resolve("apic.dsl"));
            assertEquals(cpus, count(apic, "Subtable Type : 00 \\[Processor Local APIC\\]"));
            assertEquals(1, count(apic, "Subtable Type : 01 \\[I/O APIC\\]"));
            assertEquals(1, count(apic, "Subtable Type : 02 \\[Interrupt Source Override\\]"));
            assertTrue(Files.readString(d.resolve("hpet.dsl")).contains("00000000FED00000"));
            String facp = Files.readString(d.resolve("facp.dsl"));
            assertTrue(Pattern.compile("Hardware Reduced \\(V5\\) : 1").matcher(facp).find(), facp);
            assertTrue(Files.readString(d.resolve("mcfg.dsl")).contains("00000000B0000000"));
            String dsdt = Files.readString(d.resolve("dsdt.dsl"));
            String flat = dsdt.replaceAll("\\s+", " ");
            assertTrue(flat.contains("Device (PCI0)"), dsdt);
            assertTrue(flat.contains("Name (_HID, EisaId (\"PNP0A08\")"), dsdt);
            assertTrue(flat.contains("Name (_CID, EisaId (\"PNP0A03\")"), dsdt);
            assertTrue(flat.contains("Name (_SEG, Zero)") && flat.contains("Name (_BBN, Zero)")
                    && flat.contains("Name (_UID, Zero)"), dsdt);
            assertTrue(flat.contains("Name (_PRT, Package (0x7C)"), "124 _PRT entries: " + dsdt);
            // device 3, INTA: GSI 16 + (3 + 0) mod 4 = 0x13; device 3, INTD: 16 + (3 + 3) mod 4 = 0x12
            assertTrue(flat.contains("Package (0x04) { 0x0003FFFF, Zero, Zero, 0x13 }"), dsdt);
            assertTrue(flat.contains("Package (0x04) { 0x0003FFFF, 0x03, Zero, 0x12 }"), dsdt);
            assertTrue(flat.contains("Package (0x04) { 0x001FFFFF, One, Zero, 0x10 }"), dsdt);
            assertEquals(124, count(flat, "Package \\(0x04\\) \\{ 0x00[0-9A-F]{2}FFFF, "), dsdt);
            assertTrue(flat.contains("WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, // Granularity 0x0000, // Range Minimum 0x00FF, // Range Maximum"), dsdt);
            assertTrue(flat.contains("0xC0000000, // Range Minimum") && flat.contains("0xFEBFFFFF, // Range Maximum"), dsdt);
        }
    }

    private static int count(String s, String regex) {
        return (int) Pattern.compile(regex).matcher(s).results().count();
    }

    /** Runs {@code iasl -d FILE} in {@code dir}; a missing iasl fails the test naming the package. */
    private static String iasl(Path dir, String file) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("iasl", "-d", file).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("iasl is not installed (apt-get install acpica-tools): " + e.getMessage(), e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "iasl hung");
        assertEquals(0, p.exitValue(), file + ": " + out);
        return out;
    }
}
