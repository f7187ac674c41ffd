package drivers.virtio.blk.internal;

/** virtio-blk constants (virtio 1.2 §5.2): feature bits, configuration layout, requests. */
final class VirtioBlk {
    private VirtioBlk() {
    }

    // Feature bits (§5.2.3).
    static final int F_SIZE_MAX = 1;
    static final int F_SEG_MAX = 2;
    static final int F_RO = 5;
    static final int F_BLK_SIZE = 6;
    static final int F_FLUSH = 9;

    // struct virtio_blk_config (§5.2.4).
    static final int CFG_CAPACITY = 0; // le64, in 512-byte sectors
    static final int CFG_SIZE_MAX = 8; // le32
    static final int CFG_SEG_MAX = 12; // le32
    static final int CFG_BLK_SIZE = 20; // le32

    // struct virtio_blk_req (§5.2.6): le32 type, le32 reserved, le64 sector, data, u8 status.
    static final int HEADER_BYTES = 16;
    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;

    static final int S_OK = 0;
    static final int S_IOERR = 1;
    static final int S_UNSUPP = 2;

    /** The unit of the request header's sector field, whatever the logical block size. */
    static final int SECTOR = 512;

    static String statusName(int status) {
        return switch (status) {
            case S_OK -> "VIRTIO_BLK_S_OK";
            case S_IOERR -> "VIRTIO_BLK_S_IOERR";
            case S_UNSUPP -> "VIRTIO_BLK_S_UNSUPP";
            case 0xFF -> "no status written";
            default -> String.format("unknown status %#04x", status);
        };
    }

    static String typeName(int type) {
        return switch (type) {
            case T_IN -> "read";
            case T_OUT -> "write";
            case T_FLUSH -> "flush";
            default -> "request " + type;
        };
    }
}
