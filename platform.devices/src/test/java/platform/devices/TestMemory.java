package platform.devices;

import platform.pc.PhysicalBus;

/** Helpers of the device-model tests for looking at guest memory. */
public final class TestMemory {
    private TestMemory() {
    }

    /** {@code len} bytes of physical memory at {@code addr}, as a device's DMA would see them. */
    public static byte[] read(PhysicalBus bus, long addr, int len) {
        byte[] b = new byte[len];
        bus.read(addr, b, 0, len);
        return b;
    }

    /** A recognisable test pattern: byte i is {@code i * 7 + seed}. */
    public static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }
}
