package platform.pc.uart;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.uart.Uart16550.*;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The TCP backend with real sockets (java.net.Socket as the client, like nc). */
class TcpBackendTest {
    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(2);
        }
    }

    private static String readGuest(Uart16550 u, int n) throws InterruptedException {
        StringBuilder sb = new StringBuilder();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sb.length() < n) {
            assertTrue(System.nanoTime() < deadline, "guest received only '" + sb + "'");
            if ((u.in(COM1_BASE + LSR, 1) & LSR_DR) != 0) {
                sb.append((char) u.in(COM1_BASE + RBR, 1));
            } else {
                Thread.sleep(1);
            }
        }
        return sb.toString();
    }

    private static void send(Uart16550 u, String s) {
        for (char c : s.toCharArray()) {
            u.out(COM1_BASE + THR, 1, c);
        }
    }

    private static String readClient(InputStream in, int n) throws Exception {
        byte[] b = in.readNBytes(n);
        return new String(b);
    }

    @Test
    void bytesFlowBothWaysAndCarrierFollowsTheClient() throws Exception {
        TcpBackend tcp = new TcpBackend(0);
        try (Uart16550 u = new Uart16550(COM1_BASE, tcp, IrqLine.NONE)) {
            u.out(COM1_BASE + FCR, 1, FCR_ENABLE);
            assertEquals(0x00, u.in(COM1_BASE + MSR, 1), "no client: no carrier");
            send(u, "lost");
            assertEquals(4, tcp.discarded());
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcp.port())) {
                s.setSoTimeout(5000);
                await(tcp::connected, "connection");
                assertEquals(MSR_DCTS | MSR_DDSR | MSR_DDCD | 0xB0, u.in(COM1_BASE + MSR, 1));
                OutputStream out = s.getOutputStream();
                out.write("hello guest\n".getBytes());
                out.flush();
                assertEquals("hello guest\n", readGuest(u, 12));
                send(u, "hi host");
                assertEquals("hi host", readClient(s.getInputStream(), 7));
                // More than a FIFO's worth: flow control holds the rest back, nothing is lost.
                byte[] big = new byte[1000];
                for (int i = 0; i < big.length; i++) {
                    big[i] = (byte) ('a' + i % 26);
                }
                out.write(big);
                out.flush();
                String got = readGuest(u, big.length);
                assertEquals(new String(big), got);
                assertEquals(0, u.overruns());
            }
            await(() -> !tcp.connected(), "disconnect");
            assertEquals(MSR_DCTS | MSR_DDSR | MSR_DDCD, u.in(COM1_BASE + MSR, 1), "carrier dropped");
        }
    }

    @Test
    void aNewClientReplacesTheOldOne() throws Exception {
        TcpBackend tcp = new TcpBackend(0);
        try (Uart16550 u = new Uart16550(COM1_BASE, tcp, IrqLine.NONE);
                Socket first = new Socket(InetAddress.getLoopbackAddress(), tcp.port())) {
            first.setSoTimeout(5000);
            await(() -> tcp.connections() == 1, "first client");
            try (Socket second = new Socket(InetAddress.getLoopbackAddress(), tcp.port())) {
                second.setSoTimeout(5000);
                await(() -> tcp.connections() == 2, "second client");
                assertEquals(-1, first.getInputStream().read(), "old client closed");
                send(u, "to second");
                assertEquals("to second", readClient(second.getInputStream(), 9));
                second.getOutputStream().write('!');
                assertEquals("!", readGuest(u, 1));
                int msr = u.in(COM1_BASE + MSR, 1);
                assertEquals(0xB0, msr & 0xF0, "carrier up");
                assertEquals(MSR_DDCD, msr & MSR_DDCD, "with a carrier blip for the new connection");
            }
        }
    }

    @Test
    void closeStopsThreadsAndFreesThePort() throws Exception {
        TcpBackend tcp = new TcpBackend(0);
        int port = tcp.port();
        Uart16550 u = new Uart16550(COM1_BASE, tcp, IrqLine.NONE);
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(5000);
        await(tcp::connected, "connection");
        u.close();
        assertEquals(-1, s.getInputStream().read(), "client closed by close()");
        s.close();
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().endsWith("-" + port) && t.getName().startsWith("uart-tcp") && t.isAlive()));
        new TcpBackend(port).close(); // the port is free again
        u.out(COM1_BASE + THR, 1, 'x'); // after close: discarded, no exception
    }
}
