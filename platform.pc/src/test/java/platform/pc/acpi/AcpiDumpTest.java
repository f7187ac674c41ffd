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
