package platform.devices.nvme;

import java.nio.charset.StandardCharsets;

/**
 * The 4096-byte data structures returned by the Identify command (NVMe 1.4, section 5.15):
 * the Identify Controller structure (CNS 01h, figure 247), the Identify Namespace structure
 * for the one NVM namespace (CNS 00h, figure 245), the active namespace ID list (CNS 02h)
 * and the namespace identification descriptor list (CNS 03h, figure 249).
 *
 * <p>Advertised: controller type I/O, MDTS, one namespace, SQES 6/6, CQES 4/4, a volatile
 * write cache, AERL 3 (four outstanding Asynchronous Event Requests), ACL 3, one read-only
 * firmware slot, no optional admin or NVM commands, no SGLs. The namespace has one LBA
 * format: 512-byte data, no metadata; NSATTR bit 0 reports a read-only (write-protected)
 * backend.
 */
final class NvmeIdentify {
    static final int SIZE = 4096;

    private NvmeIdentify() {
    }

    static byte[] controller(int vendor, String serial, int mdts, int version) {
        byte[] d = new byte[SIZE];
        put(d, 0, 2, vendor); // VID
        put(d, 2, 2, vendor); // SSVID
        ascii(d, 4, 20, serial); // SN
        ascii(d, 24, 40, "Kestrel NVMe Controller"); // MN
        ascii(d, 64, 8, "1.0"); // FR
        d[72] = 6; // RAB
        d[77] = (byte) mdts;
        put(d, 78, 2, 0); // CNTLID
        put(d, 80, 4, version); // VER
        put(d, 92, 4, 0); // OAES: no optional notices
        d[111] = 1; // CNTRLTYPE: I/O controller
        put(d, 256, 2, 0); // OACS: no optional admin commands
        d[258] = 3; // ACL (0's based)
        d[259] = 3; // AERL (0's based)
        d[260] = 0x03; // FRMW: one slot, slot 1 read-only
        d[261] = 0; // LPA
        d[262] = 0; // ELPE: one error log entry (0's based)
        put(d, 266, 2, 0x157); // WCTEMP 343 K
        put(d, 268, 2, 0x175); // CCTEMP 373 K
        d[512] = 0x66; // SQES
        d[513] = 0x44; // CQES
        put(d, 516, 4, 1); // NN
        put(d, 520, 2, 0); // ONCS
        d[525] = 1; // VWC present
        put(d, 536, 4, 0); // SGLS: not supported
        ascii(d, 768, 256, "nqn.2026-01.org.kestrel:nvme:" + serial); // SUBNQN
        for (int i = 768; i < 1024; i++) {
            if (d[i] == ' ') {
                d[i] = 0; // SUBNQN is NUL-padded, not space-padded
            }
        }
        put(d, 2048, 2, 2500); // power state 0: 25.00 W
        return d;
    }

    static byte[] namespace(long blocks, boolean readOnly) {
        byte[] d = new byte[SIZE];
        put(d, 0, 8, blocks); // NSZE
        put(d, 8, 8, blocks); // NCAP
        put(d, 16, 8, blocks); // NUSE
        d[24] = 0; // NSFEAT
        d[25] = 0; // NLBAF: one format (0's based)
        d[26] = 0; // FLBAS: format 0, no metadata
        d[99] = (byte) (readOnly ? 1 : 0); // NSATTR: write protected
        put(d, 120, 8, eui64()); // EUI64
        put(d, 128, 4, 9 << 16); // LBAF0: LBADS 9 (512 bytes), MS 0, RP 0
        return d;
    }

    static byte[] activeNamespaces(int afterNsid) {
        byte[] d = new byte[SIZE];
        if (Integer.compareUnsigned(afterNsid, 1) < 0) {
            put(d, 0, 4, 1);
        }
        return d;
    }

    static byte[] namespaceDescriptors() {
        byte[] d = new byte[SIZE];
        d[0] = 1; // NIDT: IEEE EUI-64
        d[1] = 8; // NIDL
        put(d, 4, 8, eui64());
        return d;
    }

    private static long eui64() {
        return 0x4B45_5354_0000_0001L; // "KEST" + namespace 1, locally chosen
    }

    static void put(byte[] d, int off, int size, long v) {
        for (int i = 0; i < size; i++) {
            d[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void ascii(byte[] d, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < len; i++) {
            d[off + i] = i < b.length ? b[i] : (byte) ' ';
        }
    }
}
