package platform.pc.uart;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.uart.Uart16550.*;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class StdioBackendTest {
    @Test
    void passesBytesBothWays() throws Exception {
        var keyboard = new java.io.PipedOutputStream();
        var in = new java.io.PipedInputStream(keyboard);
        var out = new ByteArrayOutputStream();
        StdioBackend b = new StdioBackend(in, out);
        try (Uart16550 u = new Uart16550(COM1_BASE, b, IrqLine.NONE)) {
            u.out(COM1_BASE + FCR, 1, FCR_ENABLE); // (enabling FIFOs clears the receiver: type after)
            keyboard.write("typed\n".getBytes());
            keyboard.flush();
            StringBuilder got = new StringBuilder();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (got.length() < 6 && System.nanoTime() < deadline) {
                if ((u.in(COM1_BASE + LSR, 1) & LSR_DR) != 0) {
                    got.append((char) u.in(COM1_BASE + RBR, 1));
                } else {
                    Thread.sleep(1);
                }
            }
            assertEquals("typed\n", got.toString());
            u.out(COM1_BASE + THR, 1, 'o');
            u.out(COM1_BASE + THR, 1, 'k');
            assertEquals("ok", out.toString());
            assertEquals(0xB0, u.in(COM1_BASE + MSR, 1) & 0xF0);
        }
        b.close(); // idempotent
    }

    @Test
    void closeStopsTheInputThread() throws Exception {
        var in = new java.io.PipedInputStream(new java.io.PipedOutputStream()); // never delivers
        StdioBackend b = new StdioBackend(in, new ByteArrayOutputStream());
        Uart16550 u = new Uart16550(COM1_BASE, b, IrqLine.NONE);
        Thread.sleep(30);
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("uart-stdio-input")));
        u.close();
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("uart-stdio-input") && t.isAlive()));
    }
}
