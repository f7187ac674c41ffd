package platform.devices.nvme;

import java.io.IOException;
import platform.devices.BlockBackend;

/**
 * The NVM command set on I/O submission queues (NVMe 1.4, section 6): Flush (00h), Write
 * (01h) and Read (02h) on namespace 1, whose blocks are 512-byte LBAs of a
 * {@link BlockBackend}. Any other opcode is Invalid Command Opcode.
 *
 * <p>Checks, in order: the namespace (Read/Write: NSID 1; Flush: 1 or FFFFFFFFh; otherwise
 * Invalid Namespace or Format), the range (SLBA + NLB beyond the namespace size: LBA Out of
 * Range), the transfer size (beyond MDTS: Invalid Field in Command), a Write to a read-only
 * backend (Attempted Write to Read Only Range, SCT 2), then the PRPs and DMA (PRP Offset
 * Invalid, Data Transfer Error). A backend I/O failure is Unrecovered Read Error or Write
 * Fault. Force Unit Access (CDW12 bit 30) flushes after the write. Runs on the worker with
 * the controller lock held.
 */
final class NvmeIo {
    static final int FLUSH = 0x00, WRITE = 0x01, READ = 0x02;

    private final NvmeController ctrl;
    private final BlockBackend backend;

    NvmeIo(NvmeController ctrl, BlockBackend backend) {
        this.ctrl = ctrl;
        this.backend = backend;
    }

    int execute(NvmeCommand c) throws NvmeStatus {
        int op = c.opcode();
        if (op == FLUSH) {
            if (c.nsid() != 1 && c.nsid() != -1) {
                throw new NvmeStatus(NvmeStatus.INVALID_NAMESPACE);
            }
            flush();
            return 0;
        }
        if (op != READ && op != WRITE) {
            throw new NvmeStatus(NvmeStatus.INVALID_OPCODE);
        }
        if (c.nsid() != 1) {
            throw new NvmeStatus(NvmeStatus.INVALID_NAMESPACE);
        }
        long slba = (c.cdw(10) & 0xFFFF_FFFFL) | (long) c.cdw(11) << 32;
        int nlb = (c.cdw(12) & 0xFFFF) + 1;
        long blocks = ctrl.blocks();
        if (slba < 0 || slba > blocks - nlb) {
            throw new NvmeStatus(NvmeStatus.LBA_OUT_OF_RANGE);
        }
        int len = nlb * NvmeController.LBA_SIZE;
        if (len > ctrl.maxTransfer()) {
            throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
        }
        long offset = slba * NvmeController.LBA_SIZE;
        byte[] data = new byte[len];
        if (op == WRITE) {
            if (backend.readOnly()) {
                throw new NvmeStatus(NvmeStatus.WRITE_TO_READ_ONLY);
            }
            ctrl.fromHost(c, data, len);
            try {
                backend.write(offset, data, 0, len);
            } catch (IOException e) {
                throw new NvmeStatus(NvmeStatus.WRITE_FAULT);
            }
            if ((c.cdw(12) & (1 << 30)) != 0) {
                flush();
            }
        } else {
            try {
                backend.read(offset, data, 0, len);
            } catch (IOException e) {
                throw new NvmeStatus(NvmeStatus.UNRECOVERED_READ_ERROR);
            }
            ctrl.toHost(c, data, len);
        }
        return 0;
    }

    private void flush() throws NvmeStatus {
        if (backend.readOnly()) {
            return; // nothing to make durable
        }
        try {
            backend.flush();
        } catch (IOException e) {
            throw new NvmeStatus(NvmeStatus.WRITE_FAULT);
        }
    }
}
