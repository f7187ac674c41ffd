package platform.devices.nvme;

/**
 * Completion status values (NVMe 1.4, section 4.6.1.2: Status Code Type and Status Code)
 * and the exception a command handler throws to complete its command with one of them.
 *
 * <p>A status is encoded here as {@code SCT << 8 | SC}; {@link #field(int)} turns it into the
 * 15-bit Status Field of completion-queue entry DW3 bits 31:17 (SC in bits 7:0 of the field,
 * SCT in 10:8, DNR in 14). Every error except Data Transfer Error and the media errors is
 * reported with Do Not Retry set, since retrying the same command cannot succeed.
 */
final class NvmeStatus extends Exception {
    // Generic command status (SCT 0), figure 128
    static final int SUCCESS = 0x000;
    static final int INVALID_OPCODE = 0x001;
    static final int INVALID_FIELD = 0x002;
    static final int DATA_TRANSFER_ERROR = 0x004;
    static final int INVALID_NAMESPACE = 0x00B;
    static final int PRP_OFFSET_INVALID = 0x013;
    static final int LBA_OUT_OF_RANGE = 0x080;
    // Command specific status (SCT 1), figure 130
    static final int COMPLETION_QUEUE_INVALID = 0x100;
    static final int INVALID_QUEUE_IDENTIFIER = 0x101;
    static final int INVALID_QUEUE_SIZE = 0x102;
    static final int AER_LIMIT_EXCEEDED = 0x105;
    static final int INVALID_INTERRUPT_VECTOR = 0x108;
    static final int INVALID_LOG_PAGE = 0x109;
    static final int INVALID_QUEUE_DELETION = 0x10C;
    static final int FEATURE_NOT_SAVEABLE = 0x10D;
    // Media and data integrity errors (SCT 2), figure 133
    static final int WRITE_FAULT = 0x280;
    static final int UNRECOVERED_READ_ERROR = 0x281;
    static final int WRITE_TO_READ_ONLY = 0x282;

    private static final int DNR = 1 << 14;

    final int status;

    NvmeStatus(int status) {
        super(null, null, false, false);
        this.status = status;
    }

    /** The 15-bit Status Field (without the phase tag) for {@code status}. */
    static int field(int status) {
        if (status == SUCCESS) {
            return 0;
        }
        boolean retry = status == DATA_TRANSFER_ERROR || status == WRITE_FAULT || status == UNRECOVERED_READ_ERROR;
        return (status & 0x7FF) | (retry ? 0 : DNR);
    }
}
