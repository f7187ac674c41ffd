package platform.devices.nvme;

import platform.pc.BusError;
import platform.pc.PhysicalBus;

/**
 * Physical Region Page walking (NVMe 1.4, section 4.3): turns a command's PRP Entry 1 and
 * PRP Entry 2 and a transfer length into the list of guest-physical segments it describes.
 *
 * <p>Rules followed, with page size P = 2^(12 + CC.MPS):
 * <ul>
 * <li>PRP1 may carry an offset inside its page, which must be dword aligned (bits 1:0
 *     zero); its segment runs to the end of that page.
 * <li>If the rest fits in one page, PRP2 is a data pointer and must have offset 0.
 * <li>Otherwise PRP2 points to a PRP list (dword aligned, any offset in its page). Each list
 *     entry is a page pointer with offset 0; when more entries are needed than remain in
 *     the list page, the last entry of the page points to the next list page.
 * </ul>
 * A violated offset rule is "PRP Offset Invalid"; a list entry outside RAM is "Data
 * Transfer Error" (section 4.6.1.2.1).
 */
final class Prp {
    private Prp() {
    }

    /**
     * Returns {addr0, len0, addr1, len1, ...} covering {@code length} bytes (length > 0).
     */
    static long[] segments(PhysicalBus bus, int pageSize, long prp1, long prp2, int length) throws NvmeStatus {
        if ((prp1 & 3) != 0) {
            throw new NvmeStatus(NvmeStatus.PRP_OFFSET_INVALID);
        }
        int pages = (int) (((prp1 & (pageSize - 1)) + length + pageSize - 1) / pageSize);
        long[] seg = new long[2 * pages];
        int first = (int) Math.min(length, pageSize - (prp1 & (pageSize - 1)));
        seg[0] = prp1;
        seg[1] = first;
        int remaining = length - first;
        if (remaining == 0) {
            return seg;
        }
        if (remaining <= pageSize) {
            if ((prp2 & (pageSize - 1)) != 0) {
                throw new NvmeStatus(NvmeStatus.PRP_OFFSET_INVALID);
            }
            seg[2] = prp2;
            seg[3] = remaining;
            return seg;
        }
        if ((prp2 & 3) != 0) {
            throw new NvmeStatus(NvmeStatus.PRP_OFFSET_INVALID);
        }
        long list = prp2;
        int n = 1;
        try {
            while (remaining > 0) {
                boolean lastSlot = ((list + 8) & (pageSize - 1)) == 0;
                long entry = qword(bus, list);
                if (lastSlot && remaining > pageSize) {
                    if ((entry & 3) != 0) {
                        throw new NvmeStatus(NvmeStatus.PRP_OFFSET_INVALID);
                    }
                    list = entry; // chain to the next list page
                    continue;
                }
                if ((entry & (pageSize - 1)) != 0) {
                    throw new NvmeStatus(NvmeStatus.PRP_OFFSET_INVALID);
                }
                int len = Math.min(remaining, pageSize);
                seg[2 * n] = entry;
                seg[2 * n + 1] = len;
                n++;
                remaining -= len;
                list += 8;
            }
        } catch (BusError e) {
            throw new NvmeStatus(NvmeStatus.DATA_TRANSFER_ERROR);
        }
        return seg;
    }

    /** DMA read of one little-endian qword; throws BusError outside RAM. */
    static long qword(PhysicalBus bus, long addr) {
        byte[] b = new byte[8];
        bus.read(addr, b, 0, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }
}
