package platform.pc.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import platform.pc.PhysicalBus;
import platform.pc.pci.PciHostBridge;

/**
 * Writes the machine's ACPI tables into guest RAM, as firmware does before handing over to
 * the kernel: RSDP (revision 2, both checksums) &rarr; XSDT (and a matching RSDT for 32-bit
 * readers) &rarr; MCFG, MADT, FADT (&rarr; DSDT) and HPET. Every table carries a valid
 * checksum, its exact length and OEM ID {@value #OEM_ID}.
 *
 * <ul>
 * <li>MCFG: one allocation — PCI segment 0, the ECAM base, buses 0..busCount-1.</li>
 * <li>MADT (revision 5): local APIC address 0xFEE00000, flags PCAT_COMPAT; one enabled
 * processor local APIC entry per CPU (processor UID = APIC ID = CPU index); one I/O APIC
 * (ID = cpuCount, address {@code ioApicBase}, GSI base 0); interrupt source override ISA IRQ 0
 * &rarr; GSI 2 (the PIT, as on every PC); local APIC NMI on LINT1 for all processors.</li>
 * <li>FADT (revision 6, minor 4: ACPI 6.4) of a <em>hardware-reduced</em> ACPI platform: the
 * machine has no ACPI fixed hardware (no PM timer, PM1 blocks, GPEs or SCI), so those fields
 * are zero and HW_REDUCED_ACPI is set; IA-PC boot architecture flags: legacy devices present,
 * no 8042, no VGA; RTC century register index {@value #RTC_CENTURY}. X_DSDT points at the
 * DSDT.</li>
 * <li>DSDT (revision 2, AML written by {@link Aml}): {@code Device (\_SB.PCI0)}, the PCI
 * Express root bridge: _HID EISAID("PNP0A08"), _CID EISAID("PNP0A03"), _UID 0, _SEG 0, _BBN 0;
 * _CRS with the bus range 0..busCount-1 (WordBusNumber), the config ports 0xCF8-0xCFF, the
 * I/O windows 0x0000-0x0CF7 and 0x0D00-0xFFFF (WordIO) and the memory window
 * {@link PciHostBridge#MMIO_WINDOW_START}..{@link PciHostBridge#MMIO_WINDOW_END} - 1
 * (DWordMemory); _PRT with one entry per device 1..31 and pin 0..3 (INTA..INTD):
 * {@code Package { 0xDDDDFFFF, pin, Zero, GSI }} with GSI = {@link PciHostBridge#intxGsi}
 * (16 + ((device + pin) mod 4)), routed straight to IOAPIC inputs (source 0).</li>
 * <li>HPET: event timer block at 0xFED00000, 3 comparators, 64-bit counter,
 * legacy replacement routing capable, PCI vendor 8086 (the ICH9 HPET the board mimics).</li>
 * </ul>
 * The caller must give a RAM range large enough ({@link #requiredBytes(int)}) and report it
 * as ACPI-reclaimable in the memory map.
 */
public final class AcpiTables {
    public static final String OEM_ID = "KESTRL";
    public static final String OEM_TABLE_ID = "KESTREL ";
    public static final long LOCAL_APIC_ADDRESS = 0xFEE0_0000L;
    public static final long HPET_ADDRESS = 0xFED0_0000L;
    /** CMOS index of the RTC's century register, announced in the FADT. */
    public static final int RTC_CENTURY = 0x32;
    private static final int CREATOR_ID = 0x5453_454B; // "KEST"

    /** Where each table was written. */
    public record Layout(long rsdp, long xsdt, long rsdt, long mcfg, long madt, long fadt, long dsdt, long hpet, long end) {
    }

    private AcpiTables() {
    }

    /** Bytes needed for the tables of a machine with {@code cpuCount} CPUs. */
    public static long requiredBytes(int cpuCount) {
        return 0x400 + 8L * cpuCount + dsdtAml(256).length;
    }

    /**
     * Writes the tables at physical address {@code base} (16-byte aligned, RAM) through
     * {@code bus}; they occupy at most {@link #requiredBytes(int)} bytes.
     */
    public static Layout write(PhysicalBus bus, long base, int cpuCount, long ecamBase, int busCount, long ioApicBase) {
        if ((base & 15) != 0 || cpuCount < 1 || cpuCount > 255) {
            throw new IllegalArgumentException("bad ACPI parameters");
        }
        int tables = 4;
        long rsdp = base;
        long xsdt = align(rsdp + 36);
        long rsdt = align(xsdt + 36 + 8 * tables);
        long mcfg = align(rsdt + 36 + 4 * tables);
        long madt = align(mcfg + 60);
        byte[] madtBytes = madt(cpuCount, ioApicBase);
        long dsdt = align(madt + madtBytes.length);
        byte[] aml = dsdtAml(busCount);
        byte[] dsdtBytes = seal(header("DSDT", 36 + aml.length, 2).put(aml));
        long fadt = align(dsdt + dsdtBytes.length);
        byte[] fadtBytes = fadt(dsdt);
        long hpet = align(fadt + fadtBytes.length);
        byte[] hpetBytes = hpet();
        long end = align(hpet + hpetBytes.length);

        put(bus, madt, madtBytes);
        put(bus, mcfg, mcfg(ecamBase, busCount));
        put(bus, dsdt, dsdtBytes);
        put(bus, fadt, fadtBytes);
        put(bus, hpet, hpetBytes);
        long[] entries = {mcfg, madt, fadt, hpet};
        ByteBuffer x = header("XSDT", 36 + 8 * tables, 1);
        ByteBuffer r = header("RSDT", 36 + 4 * tables, 1);
        for (long e : entries) {
            x.putLong(e);
            r.putInt((int) e);
        }
        put(bus, xsdt, seal(x));
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
        return new Layout(rsdp, xsdt, rsdt, mcfg, madt, fadt, dsdt, hpet, end);
    }

    /** The DSDT's definition block (see class comment). */
    static byte[] dsdtAml(int busCount) {
        byte[][] prt = new byte[31 * 4][];
        for (int dev = 1; dev <= 31; dev++) {
            for (int pin = 0; pin < 4; pin++) {
                prt[(dev - 1) * 4 + pin] = Aml.pkg(Aml.integer((long) dev << 16 | 0xFFFF), Aml.integer(pin),
                        Aml.integer(0), Aml.integer(PciHostBridge.intxGsi(dev, pin + 1)));
            }
        }
        byte[] pci0 = Aml.device("PCI0",
                Aml.name("_HID", Aml.dword(Aml.eisaId("PNP0A08"))),
                Aml.name("_CID", Aml.dword(Aml.eisaId("PNP0A03"))),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_SEG", Aml.integer(0)),
                Aml.name("_BBN", Aml.integer(0)),
                Aml.name("_CRS", Aml.buffer(rootBridgeResources(busCount))),
                Aml.name("_PRT", Aml.pkg(prt)));
        return Aml.scope("\\_SB", pci0);
    }

    /** The root bridge's _CRS resource template (ACPI 6.4, 6.4.3: large resource descriptors). */
    private static byte[] rootBridgeResources(int busCount) {
        ByteBuffer r = ByteBuffer.allocate(16 + 8 + 16 + 16 + 26 + 2).order(ByteOrder.LITTLE_ENDIAN);
        wordAddress(r, 2, 0, 0, busCount - 1);                       // WordBusNumber
        r.put((byte) 0x47).put((byte) 1).putShort((short) 0xCF8).putShort((short) 0xCF8)
                .put((byte) 1).put((byte) 8);                       // IO (Decode16, 0xCF8, 0xCF8, 1, 8)
        wordAddress(r, 1, 3, 0x0000, 0x0CF7);                       // WordIO, EntireRange
        wordAddress(r, 1, 3, 0x0D00, 0xFFFF);
        r.put((byte) 0x87).putShort((short) 23).put((byte) 0)       // DWordMemory
                .put((byte) 0x0C).put((byte) 0x01)                  // producer, MinFixed, MaxFixed; ReadWrite, NonCacheable
                .putInt(0).putInt((int) PciHostBridge.MMIO_WINDOW_START).putInt((int) (PciHostBridge.MMIO_WINDOW_END - 1))
                .putInt(0).putInt((int) (PciHostBridge.MMIO_WINDOW_END - PciHostBridge.MMIO_WINDOW_START));
        r.put((byte) 0x79).put((byte) 0);                           // End tag, checksum 0 (ignored)
        return r.array();
    }

    /** A Word Address Space Descriptor: producer, MinFixed, MaxFixed, positive decode. */
    private static void wordAddress(ByteBuffer r, int type, int typeFlags, int min, int max) {
        r.put((byte) 0x88).putShort((short) 13).put((byte) type).put((byte) 0x0C).put((byte) typeFlags)
                .putShort((short) 0).putShort((short) min).putShort((short) max).putShort((short) 0)
                .putShort((short) (max - min + 1));
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
        int len = 36 + 8 + 8 * cpus + 12 + 10 + 6;
        ByteBuffer m = header("APIC", len, 5);
        m.putInt((int) LOCAL_APIC_ADDRESS);
        m.putInt(1); // PCAT_COMPAT
        for (int cpu = 0; cpu < cpus; cpu++) {
            m.put((byte) 0).put((byte) 8).put((byte) cpu).put((byte) cpu).putInt(1); // enabled
        }
        m.put((byte) 1).put((byte) 12).put((byte) cpus).put((byte) 0).putInt((int) ioApicBase).putInt(0);
        m.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) 0).putInt(2).putShort((short) 0); // IRQ0 -> GSI2
        m.put((byte) 4).put((byte) 6).put((byte) 0xFF).putShort((short) 0).put((byte) 1); // NMI on LINT1, all CPUs
        return seal(m);
    }

    /** FADT, ACPI 6.4 layout (276 bytes), hardware-reduced. */
    private static byte[] fadt(long dsdt) {
        ByteBuffer f = header("FACP", 276, 6);
        f.putInt(0);               //  36 FIRMWARE_CTRL: no FACS on a hardware-reduced platform
        f.putInt((int) dsdt);      //  40 DSDT
        f.put((byte) 0);           //  44 reserved
        f.put((byte) 0);           //  45 preferred PM profile: unspecified
        f.putShort((short) 0);     //  46 SCI_INT: none
        f.putInt(0);               //  48 SMI_CMD: no SMM
        f.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0); // 52 ACPI_ENABLE, ACPI_DISABLE, S4BIOS_REQ, PSTATE_CNT
        for (int k = 0; k < 8; k++) {
            f.putInt(0);           //  56..87 PM1a/b EVT, PM1a/b CNT, PM2 CNT, PM TMR, GPE0, GPE1 blocks
        }
        f.putLong(0);              //  88..95 block lengths, GPE1_BASE, CST_CNT
        f.putShort((short) 0).putShort((short) 0); // 96 P_LVL2_LAT, P_LVL3_LAT
        f.putShort((short) 0).putShort((short) 0); // 100 FLUSH_SIZE, FLUSH_STRIDE
        f.put((byte) 0).put((byte) 0);              // 104 DUTY_OFFSET, DUTY_WIDTH
        f.put((byte) 0).put((byte) 0);              // 106 DAY_ALRM, MON_ALRM
        f.put((byte) RTC_CENTURY);                  // 108 CENTURY
        f.putShort((short) (1 | 1 << 2));          // 109 IAPC_BOOT_ARCH: LEGACY_DEVICES, VGA not present (no 8042)
        f.put((byte) 0);                            // 111 reserved
        f.putInt(1 << 20);                          // 112 flags: HW_REDUCED_ACPI
        f.put(new byte[12]);                        // 116 RESET_REG: none
        f.put((byte) 0);                            // 128 RESET_VALUE
        f.putShort((short) 0);                      // 129 ARM_BOOT_ARCH
        f.put((byte) 4);                            // 131 FADT minor version: 6.4
        f.putLong(0);                               // 132 X_FIRMWARE_CTRL
        f.putLong(dsdt);                            // 140 X_DSDT
        f.put(new byte[12 * 10]);                   // 148..267 X_ blocks, sleep control/status: none
        f.putLong(0);                               // 268 hypervisor vendor identity
        return seal(f);
    }

    /** HPET description table (IA-PC HPET spec 1.0a, section 3.2.4). */
    private static byte[] hpet() {
        ByteBuffer h = header("HPET", 56, 1);
        int comparators = 3;
        h.putInt(1 | (comparators - 1) << 8 | 1 << 13 | 1 << 15 | 0x8086 << 16); // rev 1, 64-bit, legacy routing
        h.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).putLong(HPET_ADDRESS); // GAS: system memory
        h.put((byte) 0);           // HPET number
        h.putShort((short) 0x80);  // minimum clock ticks in periodic mode
        h.put((byte) 0);           // page protection: none
        return seal(h);
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
