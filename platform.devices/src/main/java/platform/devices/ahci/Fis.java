package platform.devices.ahci;

/**
 * Frame Information Structures exchanged between the HBA and a SATA device, and where the HBA
 * posts the device-to-host ones in a port's received-FIS area.
 *
 * <p>Layouts follow SATA 3.x section 10.5 (Register H2D 27h, Register D2H 34h, PIO Setup 5Fh);
 * the received-FIS area (256 bytes at PxFB) follows AHCI 1.3 section 4.2.1: DMA Setup FIS at
 * 00h, PIO Setup FIS at 20h, D2H Register FIS at 40h, Set Device Bits FIS at 58h, unknown FIS
 * at 60h. Builders return the FIS bytes; the port writes them by DMA.
 */
final class Fis {
    static final int TYPE_REG_H2D = 0x27;
    static final int TYPE_REG_D2H = 0x34;
    static final int TYPE_PIO_SETUP = 0x5F;

    static final int RFIS_SIZE = 256;
    static final int RFIS_PIO_SETUP = 0x20;
    static final int RFIS_REG_D2H = 0x40;

    /** Interrupt bit of byte 1 of a device-to-host FIS. */
    static final int FLAG_INTERRUPT = 0x40;
    /** Direction bit of a PIO Setup FIS: 1 = device to host. */
    static final int FLAG_TO_HOST = 0x20;

    private Fis() {
    }

    /** A Register D2H FIS (SATA 10.5.6): 20 bytes. */
    static byte[] registerD2h(boolean interrupt, int status, int error, long lba, int device, int count) {
        byte[] f = new byte[20];
        f[0] = (byte) TYPE_REG_D2H;
        f[1] = (byte) (interrupt ? FLAG_INTERRUPT : 0);
        f[2] = (byte) status;
        f[3] = (byte) error;
        putLba(f, lba);
        f[7] = (byte) device;
        f[12] = (byte) count;
        f[13] = (byte) (count >>> 8);
        return f;
    }

    /** A PIO Setup FIS (SATA 10.5.11) for a device-to-host data transfer: 20 bytes. */
    static byte[] pioSetupToHost(int status, int endStatus, int error, int transferCount) {
        byte[] f = new byte[20];
        f[0] = (byte) TYPE_PIO_SETUP;
        f[1] = (byte) (FLAG_INTERRUPT | FLAG_TO_HOST);
        f[2] = (byte) status;
        f[3] = (byte) error;
        f[15] = (byte) endStatus;
        f[16] = (byte) transferCount;
        f[17] = (byte) (transferCount >>> 8);
        return f;
    }

    private static void putLba(byte[] f, long lba) {
        f[4] = (byte) lba;
        f[5] = (byte) (lba >>> 8);
        f[6] = (byte) (lba >>> 16);
        f[8] = (byte) (lba >>> 24);
        f[9] = (byte) (lba >>> 32);
        f[10] = (byte) (lba >>> 40);
    }
}
