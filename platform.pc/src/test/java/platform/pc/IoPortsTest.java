package platform.pc;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class IoPortsTest {
    @Test
    void dispatchesToClaimingHandlerWithAbsolutePort() {
        IoPorts io = new IoPorts();
        int[] last = new int[3];
        PortHandler h = new PortHandler() {
            @Override
            public int in(int port, int size) {
                return port + size;
            }

            @Override
            public void out(int port, int size, int value) {
                last[0] = port;
                last[1] = size;
                last[2] = value;
            }
        };
        io.register(0x3F8, 8, h);
        assertEquals(0x3F9 + 2, io.in(0x3F9, 2));
        assertEquals((0x3F9 + 1) & 0xFF, io.in(0x3F9, 1), "masked to the access size");
        io.out(0x3FF, 2, 0x12345);
        assertArrayEquals(new int[] {0x3FF, 2, 0x2345}, last);
        assertEquals(0xFF, io.in(0x3F7, 1));
        assertEquals(0xFFFF, io.in(0x400, 2));
        assertEquals(-1, io.in(0x400, 4));
        assertThrows(IllegalArgumentException.class, () -> io.register(0x3FC, 8, h));
        io.unregister(0x3F8, 8, h);
        assertEquals(0xFF, io.in(0x3F9, 1));
        io.register(0x3FC, 8, h);
    }
}
