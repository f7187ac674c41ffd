package platform.devices.nvme;

/**
 * The admin command set (NVMe 1.4, section 5) as executed from the admin submission queue:
 * Delete I/O SQ (00h), Create I/O SQ (01h), Get Log Page (02h), Delete I/O CQ (04h), Create
 * I/O CQ (05h), Identify (06h), Abort (08h), Set Features (09h), Get Features (0Ah).
 * Asynchronous Event Request (0Ch) is held by {@link NvmeController} itself. Any other
 * opcode is Invalid Command Opcode.
 *
 * <p>Queue creation (5.3, 5.4) checks, in order: the queue ID (1..allocated, not in use:
 * Invalid Queue Identifier), the size (2..MQES+1 entries: Invalid Queue Size), PC = 1
 * (CAP.CQR is 1: otherwise Invalid Field in Command), the entry sizes in CC.IOSQES/IOCQES
 * (64 and 16 bytes: otherwise Invalid Field), then for a CQ the interrupt vector (below the
 * MSI-X table size: Invalid Interrupt Vector) and for an SQ its CQ (existing: Completion
 * Queue Invalid); PRP1 must be page aligned (PRP Offset Invalid). Deletion (5.5, 5.6)
 * refuses queue 0 and absent queues (Invalid Queue Identifier) and a CQ that SQs still use
 * (Invalid Queue Deletion); entries left unfetched in a deleted SQ are discarded.
 *
 * <p>Features (5.21, 5.14): Arbitration (01h), Power Management (02h), Volatile Write
 * Cache (06h), Number of Queues (07h), Interrupt Coalescing (08h), Interrupt Vector
 * Configuration (09h), Asynchronous Event Configuration (0Bh). None is saveable (SV set:
 * Feature Identifier Not Saveable); Get Features SEL 0..2 all return the current value, SEL 3
 * the capabilities "changeable". Number of Queues grants at most 15 I/O queues of each kind;
 * 0xFFFF requested is Invalid Field.
 *
 * <p>Log pages (5.14.1): 01h Error Information (one empty entry; reading it without RAE
 * re-arms error events), 02h SMART / Health (temperature 313 K, rest zero), 03h Firmware
 * Slot (slot 1 active, revision "1.0"); others Invalid Log Page; a non-zero offset or a
 * length beyond MDTS is Invalid Field. Runs with the controller lock held.
 */
final class NvmeAdmin {
    static final int DELETE_IO_SQ = 0x00, CREATE_IO_SQ = 0x01, GET_LOG_PAGE = 0x02, DELETE_IO_CQ = 0x04,
            CREATE_IO_CQ = 0x05, IDENTIFY = 0x06, ABORT = 0x08, SET_FEATURES = 0x09, GET_FEATURES = 0x0A,
            ASYNC_EVENT_REQUEST = 0x0C;

    private final NvmeController ctrl;

    NvmeAdmin(NvmeController ctrl) {
        this.ctrl = ctrl;
    }

    /** Executes {@code c}; returns completion DW0 or throws the error status. */
    int execute(NvmeCommand c) throws NvmeStatus {
        return switch (c.opcode()) {
            case DELETE_IO_SQ -> deleteSq(c);
            case CREATE_IO_SQ -> createSq(c);
            case GET_LOG_PAGE -> getLogPage(c);
            case DELETE_IO_CQ -> deleteCq(c);
            case CREATE_IO_CQ -> createCq(c);
            case IDENTIFY -> identify(c);
            case ABORT -> 1; // bit 0 set: command not aborted (5.1)
            case SET_FEATURES -> setFeatures(c);
            case GET_FEATURES -> getFeatures(c);
            default -> throw new NvmeStatus(NvmeStatus.INVALID_OPCODE);
        };
    }

    private void checkNewQueue(NvmeCommand c, NvmeQueue[] table, int entrySize, int wanted) throws NvmeStatus {
        int qid = c.cdw(10) & 0xFFFF;
        int size = (c.cdw(10) >>> 16) + 1;
        if (qid == 0 || qid > ctrl.ioQueuesAllocated || qid >= NvmeController.MAX_QUEUES || table[qid] != null) {
            throw new NvmeStatus(NvmeStatus.INVALID_QUEUE_IDENTIFIER);
        }
        if (size < 2 || size > NvmeController.MQES + 1) {
            throw new NvmeStatus(NvmeStatus.INVALID_QUEUE_SIZE);
        }
        if ((c.cdw(11) & 1) == 0 || entrySize != wanted) {
            throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
        }
    }

    private void checkBase(NvmeCommand c) throws NvmeStatus {
        if ((c.prp1() & (ctrl.pageSize() - 1)) != 0) {
            throw new NvmeStatus(NvmeStatus.PRP_OFFSET_INVALID);
        }
    }

    private int createCq(NvmeCommand c) throws NvmeStatus {
        checkNewQueue(c, ctrl.cqs, ctrl.ioCqEntrySize(), NvmeController.CQE_SIZE);
        int vector = c.cdw(11) >>> 16;
        boolean ien = (c.cdw(11) & 2) != 0;
        if (vector >= NvmeController.VECTORS) {
            throw new NvmeStatus(NvmeStatus.INVALID_INTERRUPT_VECTOR);
        }
        checkBase(c);
        int qid = c.cdw(10) & 0xFFFF;
        ctrl.cqs[qid] = NvmeQueue.completionQueue(qid, c.prp1(), (c.cdw(10) >>> 16) + 1, ien, vector);
        return 0;
    }

    private int createSq(NvmeCommand c) throws NvmeStatus {
        checkNewQueue(c, ctrl.sqs, ctrl.ioSqEntrySize(), NvmeController.SQE_SIZE);
        int cqid = c.cdw(11) >>> 16;
        if (cqid == 0 || cqid >= NvmeController.MAX_QUEUES || ctrl.cqs[cqid] == null) {
            throw new NvmeStatus(NvmeStatus.COMPLETION_QUEUE_INVALID);
        }
        checkBase(c);
        int qid = c.cdw(10) & 0xFFFF;
        ctrl.sqs[qid] = NvmeQueue.submissionQueue(qid, c.prp1(), (c.cdw(10) >>> 16) + 1, cqid);
        ctrl.cqs[cqid].sqAttached++;
        return 0;
    }

    private int deleteSq(NvmeCommand c) throws NvmeStatus {
        int qid = c.cdw(10) & 0xFFFF;
        if (qid == 0 || qid >= NvmeController.MAX_QUEUES || ctrl.sqs[qid] == null) {
            throw new NvmeStatus(NvmeStatus.INVALID_QUEUE_IDENTIFIER);
        }
        ctrl.cqs[ctrl.sqs[qid].cqId].sqAttached--;
        ctrl.sqs[qid] = null;
        return 0;
    }

    private int deleteCq(NvmeCommand c) throws NvmeStatus {
        int qid = c.cdw(10) & 0xFFFF;
        if (qid == 0 || qid >= NvmeController.MAX_QUEUES || ctrl.cqs[qid] == null) {
            throw new NvmeStatus(NvmeStatus.INVALID_QUEUE_IDENTIFIER);
        }
        if (ctrl.cqs[qid].sqAttached > 0) {
            throw new NvmeStatus(NvmeStatus.INVALID_QUEUE_DELETION);
        }
        ctrl.cqs[qid] = null;
        return 0;
    }

    private int identify(NvmeCommand c) throws NvmeStatus {
        int cns = c.cdw(10) & 0xFF;
        int nsid = c.nsid();
        byte[] data = switch (cns) {
            case 0 -> {
                if (nsid != 1) {
                    throw new NvmeStatus(NvmeStatus.INVALID_NAMESPACE);
                }
                yield NvmeIdentify.namespace(ctrl.blocks(), ctrl.readOnly());
            }
            case 1 -> NvmeIdentify.controller(NvmeController.VENDOR, ctrl.serial(), NvmeController.MDTS,
                    NvmeController.VERSION);
            case 2 -> {
                if (Integer.compareUnsigned(nsid, 0xFFFF_FFFE) >= 0) {
                    throw new NvmeStatus(NvmeStatus.INVALID_NAMESPACE);
                }
                yield NvmeIdentify.activeNamespaces(nsid);
            }
            case 3 -> {
                if (nsid != 1) {
                    throw new NvmeStatus(NvmeStatus.INVALID_NAMESPACE);
                }
                yield NvmeIdentify.namespaceDescriptors();
            }
            default -> throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
        };
        ctrl.toHost(c, data, data.length);
        return 0;
    }

    private int setFeatures(NvmeCommand c) throws NvmeStatus {
        if (c.cdw(10) < 0) { // SV
            throw new NvmeStatus(NvmeStatus.FEATURE_NOT_SAVEABLE);
        }
        int v = c.cdw(11);
        switch (c.cdw(10) & 0xFF) {
            case 0x01, 0x02, 0x09 -> { } // accepted, no effect on this controller
            case 0x06 -> ctrl.writeCacheEnabled = (v & 1) != 0;
            case 0x07 -> {
                int nsqr = v & 0xFFFF;
                int ncqr = v >>> 16;
                if (nsqr == 0xFFFF || ncqr == 0xFFFF) {
                    throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
                }
                ctrl.ioQueuesAllocated = Math.min(Math.max(nsqr, ncqr) + 1, NvmeController.MAX_QUEUES - 1);
                return numberOfQueues();
            }
            case 0x08 -> ctrl.interruptCoalescing = v & 0xFFFF;
            case 0x0B -> ctrl.asyncEventConfig = v;
            default -> throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
        }
        return 0;
    }

    private int numberOfQueues() {
        int n = ctrl.ioQueuesAllocated - 1;
        return n << 16 | n;
    }

    private int getFeatures(NvmeCommand c) throws NvmeStatus {
        int fid = c.cdw(10) & 0xFF;
        int sel = (c.cdw(10) >>> 8) & 7;
        if (sel > 3) {
            throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
        }
        int value = switch (fid) {
            case 0x01, 0x02 -> 0;
            case 0x06 -> ctrl.writeCacheEnabled ? 1 : 0;
            case 0x07 -> numberOfQueues();
            case 0x08 -> ctrl.interruptCoalescing;
            case 0x09 -> c.cdw(11) & 0xFFFF;
            case 0x0B -> ctrl.asyncEventConfig;
            default -> throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
        };
        return sel == 3 ? 0b100 : value;
    }

    private int getLogPage(NvmeCommand c) throws NvmeStatus {
        int lid = c.cdw(10) & 0xFF;
        boolean rae = (c.cdw(10) & (1 << 15)) != 0;
        long dwords = (((c.cdw(11) & 0xFFFFL) << 16) | (c.cdw(10) >>> 16)) + 1;
        if (c.cdw(12) != 0 || c.cdw(13) != 0 || dwords * 4 > ctrl.maxTransfer()) {
            throw new NvmeStatus(NvmeStatus.INVALID_FIELD);
        }
        int len = (int) dwords * 4;
        byte[] data = new byte[Math.max(len, 512)];
        switch (lid) {
            case 0x01 -> {
                if (!rae) {
                    ctrl.errorLogRead();
                }
            }
            case 0x02 -> NvmeIdentify.put(data, 1, 2, 313);
            case 0x03 -> {
                data[0] = 1; // AFI: slot 1 active
                NvmeIdentify.put(data, 8, 3, 0x302E31); // "1.0"
            }
            default -> throw new NvmeStatus(NvmeStatus.INVALID_LOG_PAGE);
        }
        ctrl.toHost(c, data, len);
        return 0;
    }
}
