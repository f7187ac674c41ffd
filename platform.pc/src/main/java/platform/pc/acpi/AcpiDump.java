package platform.pc.acpi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import platform.pc.Machine;
import platform.pc.PhysicalBus;

/**
 * {@code ./kestrel machine acpi-dump DIR [--cpus N] [--memory SIZE]}: powers on a machine,
 * finds its ACPI tables the way a kernel does (RSDP from the boot hand-off, then XSDT, and
 * the DSDT through the FADT) and writes each one raw to {@code DIR/<signature>.dat}
 * (lowercase, as {@code acpidump}/{@code acpixtract} name them), ready for {@code iasl -d}.
 * The RSDP, a pointer structure rather than a description table, goes to {@code rsdp.bin}
 * (iasl 20200925, Debian 12's, does not disassemble a binary RSDP).
 */
public final class AcpiDump {
    private AcpiDump() {}

    /** Reads every table of a powered-on machine, by file name, in discovery order. */
    public static Map<String, byte[]> tables(Machine m) {
        PhysicalBus bus = m.bus();
        Map<String, byte[]> out = new LinkedHashMap<>();
        long rsdpAddr = m.bootInfo().acpiRsdp();
        byte[] rsdp = read(bus, rsdpAddr, 36);
        out.put("rsdp.bin", rsdp);
        long xsdt = le(rsdp).getLong(24);
        long rsdt = le(rsdp).getInt(16) & 0xFFFF_FFFFL;
        byte[] x = table(bus, xsdt);
        out.put("xsdt.dat", x);
        out.put("rsdt.dat", table(bus, rsdt));
        for (int off = 36; off + 8 <= x.length; off += 8) {
            byte[] t = table(bus, le(x).getLong(off));
            String sig = new String(t, 0, 4, StandardCharsets.US_ASCII);
            out.put(sig.toLowerCase(Locale.ROOT) + ".dat", t);
            if (sig.equals("FACP")) {
                long dsdt = le(t).getLong(140);
                out.put("dsdt.dat", table(bus, dsdt != 0 ? dsdt : le(t).getInt(40) & 0xFFFF_FFFFL));
            }
        }
        return out;
    }

    private static byte[] table(PhysicalBus bus, long addr) {
        int len = le(read(bus, addr, 36)).getInt(4);
        if (len < 36 || len > 1 << 20) {
            throw new IllegalStateException("bad ACPI table length " + len + " at 0x" + Long.toHexString(addr));
        }
        return read(bus, addr, len);
    }

    private static byte[] read(PhysicalBus bus, long addr, int len) {
        byte[] b = new byte[len];
        bus.read(addr, b, 0, len);
        return b;
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Parses a size such as 256M, 2G or 65536 (bytes). */
    static long size(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mul = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        if (last == 'K' || last == 'M' || last == 'G') {
            mul = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        return Long.parseLong(t) * mul;
    }

    public static void main(String[] args) throws IOException {
        Path dir = null;
        int cpus = 1;
        long memory = 256L << 20;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--cpus" -> cpus = Integer.parseInt(args[++i]);
                    case "--memory" -> memory = size(args[++i]);
                    default -> {
                        if (args[i].startsWith("-") || dir != null) {
                            throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                        }
                        dir = Path.of(args[i]);
                    }
                }
            }
            if (dir == null) {
                throw new IllegalArgumentException("usage: acpi-dump DIR [--cpus N] [--memory SIZE]");
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            System.err.println("acpi-dump: " + (e instanceof ArrayIndexOutOfBoundsException ? "an option needs a value" : e.getMessage()));
            System.exit(2);
            return;
        }
        Files.createDirectories(dir);
        try (Machine m = Machine.builder().memory(memory).cpus(cpus).build().powerOn()) {
            for (Map.Entry<String, byte[]> e : tables(m).entrySet()) {
                Files.write(dir.resolve(e.getKey()), e.getValue());
                System.out.println(dir.resolve(e.getKey()) + " (" + e.getValue().length + " bytes)");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("acpi-dump: " + e.getMessage());
            System.exit(2);
        }
    }
}
