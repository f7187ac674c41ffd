package platform.pc.acpi;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import platform.pc.Machine;
import platform.pc.MemoryRegion;
import platform.pc.PhysicalBus;

/** Parses the tables back out of guest RAM the way a kernel's ACPI code would. */
class AcpiTablesTest {
    static byte[] bytes(PhysicalBus bus, long addr, int len) {
        byte[] b = new byte[len];
        bus.read(addr, b, 0, len);
        return b;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static String str(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.US_ASCII);
    }

    /** Reads a whole SDT, checking its checksum, OEM ID and signature. */
    static byte[] table(PhysicalBus bus, long addr, String sig) {
        byte[] hdr = bytes(bus, addr, 36);
        assertEquals(sig, str(hdr, 0, 4));
        int len = le(hdr).getInt(4);
        assertTrue(len >= 36 && len < 4096);
        byte[] t = bytes(bus, addr, len);
        assertEquals(0, AcpiTables.sum(t, 0, len), sig + " checksum");
        assertEquals(AcpiTables.OEM_ID, str(t, 10, 6));
        return t;
    }

    @Test
    void tablesAreValidAndDescribeTheMachine() {
        try (Machine m = Machine.builder().memory(64L << 20).cpus(3).build().powerOn()) {
            PhysicalBus bus = m.bus();
            long rsdpAddr = m.bootInfo().acpiRsdp();
            assertEquals(0, rsdpAddr % 16);
            MemoryRegion acpi = m.bootInfo().memoryMap().stream()
                    .filter(r -> r.type() == MemoryRegion.Type.ACPI).findFirst().orElseThrow();
            assertTrue(rsdpAddr >= acpi.base() && rsdpAddr + 36 <= acpi.end());

            byte[] rsdp = bytes(bus, rsdpAddr, 36);
            assertEquals("RSD PTR ", str(rsdp, 0, 8));
            assertEquals(0, AcpiTables.sum(rsdp, 0, 20), "ACPI 1.0 checksum");
            assertEquals(0, AcpiTables.sum(rsdp, 0, 36), "extended checksum");
            assertEquals("KESTRL", str(rsdp, 9, 6));
            assertEquals(2, rsdp[15]);
            assertEquals(36, le(rsdp).getInt(20));
            long xsdtAddr = le(rsdp).getLong(24);
            long rsdtAddr = le(rsdp).getInt(16) & 0xFFFF_FFFFL;

            byte[] xsdt = table(bus, xsdtAddr, "XSDT");
            byte[] rsdt = table(bus, rsdtAddr, "RSDT");
            int n = (xsdt.length - 36) / 8;
            assertEquals(4, n);
            assertEquals(n, (rsdt.length - 36) / 4);
            List<String> sigs = new ArrayList<>();
            byte[] mcfg = null;
            byte[] madt = null;
            for (int i = 0; i < n; i++) {
                long a = le(xsdt).getLong(36 + 8 * i);
                assertEquals(a, le(rsdt).getInt(36 + 4 * i) & 0xFFFF_FFFFL);
                assertTrue(a >= acpi.base() && a < acpi.end());
                String sig = str(bytes(bus, a, 4), 0, 4);
                sigs.add(sig);
                if (sig.equals("MCFG")) {
                    mcfg = table(bus, a, "MCFG");
                } else if (sig.equals("APIC")) {
                    madt = table(bus, a, "APIC");
                } else {
                    byte[] t = table(bus, a, sig);
                    if (sig.equals("FACP")) {
                        assertEquals(276, t.length);
                        assertEquals(6, t[8], "FADT revision");
                        assertEquals(1 << 20, le(t).getInt(112), "HW_REDUCED_ACPI");
                        table(bus, le(t).getLong(140), "DSDT");
                    } else {
                        assertEquals("HPET", sig);
                        assertEquals(AcpiTables.HPET_ADDRESS, le(t).getLong(44));
                    }
                }
            }
            assertEquals(List.of("MCFG", "APIC", "FACP", "HPET"), sigs);

            // MCFG: one allocation
            assertEquals(36 + 8 + 16, mcfg.length);
            ByteBuffer mc = le(mcfg);
            assertEquals(Machine.ECAM_BASE, mc.getLong(44));
            assertEquals(0, mc.getShort(52));
            assertEquals(0, mcfg[54]);
            assertEquals(255, mcfg[55] & 0xFF);

            // MADT
            ByteBuffer ma = le(madt);
            assertEquals(0xFEE0_0000, ma.getInt(36));
            assertEquals(1, ma.getInt(40) & 1, "PCAT_COMPAT");
            int off = 44;
            List<Integer> apicIds = new ArrayList<>();
            int ioapics = 0;
            while (off < madt.length) {
                int type = madt[off] & 0xFF;
                int len = madt[off + 1] & 0xFF;
                assertTrue(len >= 2 && off + len <= madt.length);
                if (type == 0) {
                    assertEquals(8, len);
                    assertEquals(1, ma.getInt(off + 4) & 1, "enabled");
                    apicIds.add(madt[off + 3] & 0xFF);
                } else if (type == 1) {
                    assertEquals(12, len);
                    assertEquals(0xFEC0_0000, ma.getInt(off + 4));
                    assertEquals(0, ma.getInt(off + 8), "GSI base");
                    ioapics++;
                } else if (type == 4) {
                    assertEquals(6, len);
                    assertEquals(0xFF, madt[off + 2] & 0xFF, "NMI: all processors");
                    assertEquals(1, madt[off + 5], "LINT1");
                } else if (type == 2) {
                    assertEquals(10, len);
                    assertEquals(0, madt[off + 3], "IRQ 0");
                    assertEquals(2, ma.getInt(off + 4), "-> GSI 2");
                }
                off += len;
            }
            assertEquals(madt.length, off, "entries fill the table exactly");
            assertEquals(List.of(0, 1, 2), apicIds);
            assertEquals(1, ioapics);
        }
    }

    @Test
    void manyCpusFit() {
        try (Machine m = Machine.builder().memory(16L << 20).cpus(Machine.MAX_CPUS).build().powerOn()) {
            byte[] rsdp = bytes(m.bus(), m.bootInfo().acpiRsdp(), 36);
            long xsdt = le(rsdp).getLong(24);
            byte[] x = table(m.bus(), xsdt, "XSDT");
            byte[] madt = table(m.bus(), le(x).getLong(44), "APIC");
            assertEquals(36 + 8 + 8 * Machine.MAX_CPUS + 12 + 10 + 6, madt.length);
        }
    }
}
