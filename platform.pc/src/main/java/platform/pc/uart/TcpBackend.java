package platform.pc.uart;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Contract: a TCP server as the far end of the serial line; {@code nc localhost PORT}
 * talks to the guest's serial port. One client at a time: <b>a new client replaces the
 * old one</b>, whose connection is closed (so a client that vanished without closing never
 * locks the console). Bytes are passed through unchanged in both directions (no telnet
 * negotiation).
 *
 * <p>Modem inputs follow the connection: DCD, DSR and CTS are asserted while a client is
 * connected and dropped when it leaves, so the guest sees MSR delta bits (and a modem
 * status interrupt if enabled). Bytes transmitted with no client connected are discarded
 * and counted ({@link #discarded}), as on a line with nothing plugged in. Writes to the
 * client are synchronous: a client that stops reading eventually stalls the transmitting
 * vCPU (output back-pressure). Received bytes are delivered with flow control by the
 * client's reader thread.
 *
 * <p>Threads: one accept thread and one reader per connected client; {@link #close}
 * closes the sockets and joins them.
 */
public final class TcpBackend implements SerialBackend {
    private final ServerSocket server;
    private final Object modemLock = new Object();
    private volatile boolean running = true;
    private volatile SerialReceiver receiver;
    private Thread acceptor;
    private Socket client;
    private OutputStream clientOut;
    private Thread clientReader;
    private long discarded, connections;

    /** Listens on {@code port} of the loopback interface (0: any free port). */
    public TcpBackend(int port) {
        this(InetAddress.getLoopbackAddress(), port);
    }

    /** @throws UncheckedIOException if the port cannot be bound */
    public TcpBackend(InetAddress address, int port) {
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(address, port), 1);
        } catch (IOException e) {
            throw new UncheckedIOException("serial tcp port " + port + ": " + e.getMessage(), e);
        }
    }

    /** The port listened on. */
    public int port() {
        return server.getLocalPort();
    }

    @Override
    public synchronized void attach(SerialReceiver rx) {
        if (receiver != null) {
            throw new IllegalStateException("backend already attached");
        }
        receiver = rx;
        rx.setModemInputs(0);
        acceptor = Thread.ofPlatform().daemon().name("uart-tcp-accept-" + port()).start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (running) {
            Socket s;
            try {
                s = server.accept();
                s.setTcpNoDelay(true);
            } catch (IOException e) {
                if (!running) {
                    return;
                }
                continue;
            }
            boolean replaced;
            synchronized (this) {
                if (!running) {
                    closeQuietly(s);
                    return;
                }
                replaced = dropClient();
                try {
                    clientOut = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    client = s;
                    connections++;
                    clientReader = Thread.ofPlatform().daemon().name("uart-tcp-client-" + port())
                            .start(() -> readLoop(s, in));
                } catch (IOException e) {
                    closeQuietly(s);
                    client = null;
                    clientOut = null;
                }
            }
            publishModem(replaced);
        }
    }

    /**
     * Tells the UART whether a client is connected (with a carrier drop first if
     * {@code blip}). Never called with this object's lock held: the UART calls
     * {@link #transmit} with its own lock held, so the lock order is modemLock, then UART.
     */
    private void publishModem(boolean blip) {
        synchronized (modemLock) {
            boolean connected;
            synchronized (this) {
                connected = client != null;
            }
            if (blip) {
                receiver.setModemInputs(0);
            }
            receiver.setModemInputs(connected ? CONNECTED : 0);
        }
    }

    private void readLoop(Socket s, InputStream in) {
        byte[] buf = new byte[512];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (!receiver.put(buf[i])) {
                        return;
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // connection closed or replaced
        }
        boolean dropped;
        synchronized (this) {
            dropped = client == s && dropClient();
        }
        if (dropped && running) {
            publishModem(false);
        }
    }

    /** Closes the current client, if any; called with this lock held. True if there was one. */
    private boolean dropClient() {
        if (client == null) {
            return false;
        }
        closeQuietly(client);
        if (clientReader != null && clientReader != Thread.currentThread()) {
            clientReader.interrupt();
        }
        client = null;
        clientOut = null;
        clientReader = null;
        return true;
    }

    @Override
    public synchronized void transmit(int b) {
        if (clientOut == null) {
            discarded++;
            return;
        }
        try {
            clientOut.write(b);
        } catch (IOException e) {
            // The reader thread sees the closed socket and drops the client.
            discarded++;
            closeQuietly(client);
            clientOut = null;
        }
    }

    /** Bytes transmitted while no client was connected (or lost to a broken connection). */
    public synchronized long discarded() {
        return discarded;
    }

    /** Clients accepted so far. */
    public synchronized long connections() {
        return connections;
    }

    /** Whether a client is connected now. */
    public synchronized boolean connected() {
        return client != null;
    }

    @Override
    public void close() {
        running = false;
        closeQuietly(server);
        Thread a;
        Thread r;
        synchronized (this) {
            a = acceptor;
            r = clientReader;
            acceptor = null;
            if (client != null) {
                closeQuietly(client);
                client = null;
                clientOut = null;
                clientReader = null;
            }
        }
        BackendThreads.stop(a);
        BackendThreads.stop(r);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }
}
