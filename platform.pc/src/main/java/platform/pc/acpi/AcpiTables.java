package platform.pc.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import platform.pc.PhysicalBus;

/**
 * Writes the machine's ACPI tables into guest RAM, as firmware does before handing over to
 * the kernel: RSDP (revision 2, both checksums) &rarr; XSDT (and a matching RSDT for 32-bit
 * readers) &rarr; MCFG and MADT. Every table carries a valid checksum, its exact length and
 * OEM ID {@value #OEM_ID}.
 *
 * <ul>
 * <li>MCFG: one allocation — PCI segment 0, the ECAM base, buses 0..busCount-1.</li>
 * <li>MADT: local APIC address 0xFEE00000, flags PCAT_COMPAT; one enabled processor local
 * APIC entry per CPU (processor UID = APIC ID = CPU index); one I/O APIC (ID = cpuCount,
 * address {@code ioApicBase}, GSI base 0); an interrupt source override ISA IRQ 0 &rarr;
 * GSI 2, as on every PC.</li>
 * </ul>
 * The caller must give a RAM range large enough ({@link #requiredBytes(int)}) and report it
 * as ACPI-reclaimable in the memory map.
 */
public final class AcpiTables {
    public static final String OEM_ID = "KESTRL";
    public static final String OEM_TABLE_ID = "KESTREL ";
    public static final long LOCAL_APIC_ADDRESS = 0xFEE0_0000L;
    private static final int CREATOR_ID = 0x5453_454B; // "KEST"

    /** Where each table was written. */
    public record Layout(long rsdp, long xsdt, long rsdt, long mcfg, long madt, long end) {
    }

    private AcpiTables() {
    }

    /** Bytes needed for the tables of a machine with {@code cpuCount} CPUs. */
    public static long requiredBytes(int cpuCount) {
        return 0x200 + 8L * cpuCount;
    }

    /**
     * Writes the tables at physical address {@code base} (16-byte aligned, RAM) through
     * {@code bus}; they occupy at most {@link #requiredBytes(int)} bytes.
     */
    public static Layout write(PhysicalBus bus, long base, int cpuCount, long ecamBase, int busCount, long ioApicBase) {
        if ((base & 15) != 0 || cpuCount < 1 || cpuCount > 255) {
            throw new IllegalArgumentException("bad ACPI parameters");
        }
        long rsdp = base;
        long xsdt = align(rsdp + 36);
        long rsdt = align(xsdt + 36 + 16);
        long mcfg = align(rsdt + 36 + 8);
        long madt = align(mcfg + 60);
        byte[] madtBytes = madt(cpuCount, ioApicBase);
        long end = align(madt + madtBytes.length);

        put(bus, madt, madtBytes);
        put(bus, mcfg, mcfg(ecamBase, busCount));
        ByteBuffer x = header("XSDT", 36 + 16, 1);
        x.putLong(mcfg).putLong(madt);
        put(bus, xsdt, seal(x));
        ByteBuffer r = header("RSDT", 36 + 8, 1);
        r.putInt((int) mcfg).putInt((int) madt);
        put(bus, rsdt, seal(r));

        ByteBuffer p = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        p.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII));
        p.put((byte) 0); // checksum of the first 20 bytes
        p.put(OEM_ID.getBytes(StandardCharsets.US_ASCII));
        p.put((byte) 2); // revision: ACPI 2.0+
        p.putInt((int) rsdt);
        p.putInt(36);
        p.putLong(xsdt);
        p.put((byte) 0); // extended checksum
        byte[] b = p.array();
        b[8] = (byte) -sum(b, 0, 20);
        b[32] = (byte) -sum(b, 0, 36);
        put(bus, rsdp, b);
        return new Layout(rsdp, xsdt, rsdt, mcfg, madt, end);
    }

    private static byte[] mcfg(long ecamBase, int busCount) {
        ByteBuffer m = header("MCFG", 36 + 8 + 16, 1);
        m.putLong(0); // reserved
        m.putLong(ecamBase);
        m.putShort((short) 0); // segment group
        m.put((byte) 0); // start bus
        m.put((byte) (busCount - 1)); // end bus
        m.putInt(0);
        return seal(m);
    }

    private static byte[] madt(int cpus, long ioApicBase) {
        int len = 36 + 8 + 8 * cpus + 12 + 10;
        ByteBuffer m = header("APIC", len, 5);
        m.putInt((int) LOCAL_APIC_ADDRESS);
        m.putInt(1); // PCAT_COMPAT
        for (int cpu = 0; cpu < cpus; cpu++) {
            m.put((byte) 0).put((byte) 8).put((byte) cpu).put((byte) cpu).putInt(1); // enabled
        }
        m.put((byte) 1).put((byte) 12).put((byte) cpus).put((byte) 0).putInt((int) ioApicBase).putInt(0);
        m.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) 0).putInt(2).putShort((short) 0);
        return seal(m);
    }

    private static ByteBuffer header(String sig, int length, int revision) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(sig.getBytes(StandardCharsets.US_ASCII));
        b.putInt(length);
        b.put((byte) revision);
        b.put((byte) 0); // checksum
        b.put(OEM_ID.getBytes(StandardCharsets.US_ASCII));
        b.put(OEM_TABLE_ID.getBytes(StandardCharsets.US_ASCII));
        b.putInt(1); // OEM revision
        b.putInt(CREATOR_ID);
        b.putInt(1); // creator revision
        return b;
    }

    private static byte[] seal(ByteBuffer b) {
        if (b.hasRemaining()) {
            throw new IllegalStateException("table length mismatch");
        }
        byte[] a = b.array();
        a[9] = (byte) -sum(a, 0, a.length);
        return a;
    }

    /** The 8-bit sum of {@code len} bytes (a valid ACPI table sums to 0). */
    public static int sum(byte[] a, int off, int len) {
        int s = 0;
        for (int i = off; i < off + len; i++) {
            s += a[i];
        }
        return s & 0xFF;
    }

    private static void put(PhysicalBus bus, long addr, byte[] bytes) {
        bus.write(addr, bytes, 0, bytes.length);
    }

    private static long align(long v) {
        return (v + 15) & ~15L;
    }
}
