package platform.devices.nvme;

/**
 * One 64-byte submission queue entry (NVMe 1.4, section 4.2, figure 104/105), decoded into
 * its sixteen little-endian dwords, with accessors for the common fields: opcode, FUSE,
 * PSDT and command identifier (CDW0), namespace ID (CDW1), PRP Entry 1 and 2 (CDW6..9) and
 * the command-specific CDW10..15.
 */
final class NvmeCommand {
    final int[] dw = new int[16];

    NvmeCommand(byte[] entry) {
        for (int i = 0; i < 16; i++) {
            dw[i] = (entry[4 * i] & 0xFF) | (entry[4 * i + 1] & 0xFF) << 8 | (entry[4 * i + 2] & 0xFF) << 16
                    | (entry[4 * i + 3] & 0xFF) << 24;
        }
    }

    int opcode() {
        return dw[0] & 0xFF;
    }

    int fuse() {
        return (dw[0] >>> 8) & 3;
    }

    int psdt() {
        return (dw[0] >>> 14) & 3;
    }

    int cid() {
        return dw[0] >>> 16;
    }

    int nsid() {
        return dw[1];
    }

    long prp1() {
        return (dw[6] & 0xFFFF_FFFFL) | (long) dw[7] << 32;
    }

    long prp2() {
        return (dw[8] & 0xFFFF_FFFFL) | (long) dw[9] << 32;
    }

    int cdw(int n) {
        return dw[n];
    }
}
