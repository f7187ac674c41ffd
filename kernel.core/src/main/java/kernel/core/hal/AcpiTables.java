package kernel.core.hal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the ACPI tables from the RSDP: RSDP (revision 2) → XSDT → every table, checking the
 * checksum of each. A table with a bad checksum or a header that runs outside reason is
 * skipped with a warning, as Linux does; a bad RSDP means "no ACPI".
 */
final class AcpiTables implements Acpi {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.core.acpi");
    private static final int MAX_TABLE = 1 << 20;

    private final PhysMem mem;
    private final List<Table> tables;

    private AcpiTables(PhysMem mem, List<Table> tables) {
        this.mem = mem;
        this.tables = List.copyOf(tables);
    }

    static AcpiTables parse(PhysMem mem, long rsdp) {
        List<Table> found = new ArrayList<>();
        if (rsdp == 0) {
            LOG.warn("no RSDP: running without ACPI");
            return new AcpiTables(mem, found);
        }
        byte[] r = new byte[36];
        mem.read(rsdp, r, 0, 36);
        if (!"RSD PTR ".equals(new String(r, 0, 8, StandardCharsets.US_ASCII)) || sum(r, 0, 20) != 0) {
            LOG.warn("bad RSDP at {}: running without ACPI", hex(rsdp));
            return new AcpiTables(mem, found);
        }
        int revision = r[15] & 0xFF;
        if (revision < 2 || sum(r, 0, 36) != 0) {
            LOG.warn("RSDP revision {} without a valid XSDT pointer: running without ACPI", revision);
            return new AcpiTables(mem, found);
        }
        long xsdt = le64(r, 24);
        Table x = header(mem, xsdt);
        if (x == null || !x.signature().equals("XSDT")) {
            LOG.warn("bad XSDT at {}", hex(xsdt));
            return new AcpiTables(mem, found);
        }
        found.add(x);
        int entries = (x.length() - 36) / 8;
        for (int i = 0; i < entries; i++) {
            long addr = mem.read64(xsdt + 36 + 8L * i);
            Table t = header(mem, addr);
            if (t != null) {
                found.add(t);
            }
        }
        return new AcpiTables(mem, found);
    }

    /** Reads and checks the table header at {@code addr}; null (and a warning) if it is bad. */
    private static Table header(PhysMem mem, long addr) {
        byte[] h = new byte[36];
        mem.read(addr, h, 0, 36);
        String sig = new String(h, 0, 4, StandardCharsets.US_ASCII);
        int length = (int) le32(h, 4);
        if (length < 36 || length > MAX_TABLE) {
            LOG.warn("ACPI table {} at {}: bad length {}", sig, hex(addr), length);
            return null;
        }
        byte[] all = new byte[length];
        mem.read(addr, all, 0, length);
        if (sum(all, 0, length) != 0) {
            LOG.warn("ACPI table {} at {}: bad checksum, ignored", sig, hex(addr));
            return null;
        }
        String oem = new String(h, 10, 6, StandardCharsets.US_ASCII).trim();
        return new Table(sig, addr, length, h[8] & 0xFF, oem);
    }

    @Override
    public List<Table> tables() {
        return tables;
    }

    @Override
    public Optional<byte[]> table(String signature) {
        for (Table t : tables) {
            if (t.signature().equals(signature)) {
                byte[] b = new byte[t.length()];
                mem.read(t.address(), b, 0, b.length);
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    @Override
    public List<EcamRegion> ecam() {
        List<EcamRegion> out = new ArrayList<>();
        table("MCFG").ifPresent(b -> {
            for (int off = 44; off + 16 <= b.length; off += 16) {
                out.add(new EcamRegion((int) (le32(b, off + 8) & 0xFFFF), le64(b, off), b[off + 10] & 0xFF, b[off + 11] & 0xFF));
            }
        });
        return out;
    }

    private static int sum(byte[] b, int off, int len) {
        int s = 0;
        for (int i = off; i < off + len; i++) {
            s += b[i];
        }
        return s & 0xFF;
    }

    static long le32(byte[] b, int o) {
        return (b[o] & 0xFFL) | (b[o + 1] & 0xFFL) << 8 | (b[o + 2] & 0xFFL) << 16 | (b[o + 3] & 0xFFL) << 24;
    }

    static long le64(byte[] b, int o) {
        return le32(b, o) | le32(b, o + 4) << 32;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
