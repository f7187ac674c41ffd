package platform.pc.uart;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.uart.Uart16550.*;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackendTest {
    @TempDir
    Path dir;

    private static void print(Uart16550 u, String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            u.out(COM1_BASE + THR, 1, b);
        }
    }

    @Test
    void transmittedBytesAreAppendedToTheFile() throws Exception {
        Path f = dir.resolve("console.log");
        Files.writeString(f, "old\n");
        try (Uart16550 u = new Uart16550(COM1_BASE, new FileBackend(f), IrqLine.NONE)) {
            print(u, "hello, ");
            assertEquals("old\nhello, ", Files.readString(f), "unbuffered: visible at once");
            print(u, "world\n");
            u.out(COM1_BASE + THR, 1, 0xFF);
            assertEquals(0xB0, u.in(COM1_BASE + MSR, 1), "DCD, DSR, CTS asserted");
            assertEquals(LSR_THRE | LSR_TEMT, u.in(COM1_BASE + LSR, 1), "no input ever");
        }
        byte[] all = Files.readAllBytes(f);
        assertEquals("old\nhello, world\n", new String(all, 0, all.length - 1, StandardCharsets.UTF_8));
        assertEquals((byte) 0xFF, all[all.length - 1]);
    }

    @Test
    void loopbackBytesDoNotReachTheFile() throws Exception {
        Path f = dir.resolve("c.log");
        try (Uart16550 u = new Uart16550(COM1_BASE, new FileBackend(f), IrqLine.NONE)) {
            u.out(COM1_BASE + MCR, 1, MCR_LOOP);
            print(u, "x");
            u.out(COM1_BASE + MCR, 1, 0);
            print(u, "y");
        }
        assertEquals("y", Files.readString(f));
    }

    @Test
    void unopenableFileIsAClearError() {
        Path f = dir.resolve("no/such/dir/file");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new FileBackend(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void writesAfterCloseAreCountedNotThrown() {
        FileBackend b = new FileBackend(dir.resolve("x"));
        b.close();
        b.transmit('a');
        b.close();
        assertEquals(1, b.writeErrors());
    }
}
