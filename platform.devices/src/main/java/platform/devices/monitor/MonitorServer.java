package platform.devices.monitor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves a {@link Monitor} on a TCP port of the loopback interface ({@code --monitor tcp:PORT}):
 * each client gets a banner, then a {@code (kestrel) } prompt per line, as with QEMU's
 * {@code -monitor tcp:...,server}. {@code quit} closes the connection (not the machine).
 *
 * <p>Threads: one daemon thread accepts, one per client reads; {@link #close()} stops them all
 * and closes the clients' sockets.
 */
public final class MonitorServer implements AutoCloseable {
    private final Monitor monitor;
    private final ServerSocket server;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private MonitorServer(Monitor monitor, ServerSocket server) {
        this.monitor = monitor;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("monitor-accept").start(this::acceptLoop);
    }

    /**
     * Listens on 127.0.0.1:{@code port} (0: any free port, see {@link #port()}).
     *
     * @throws IOException if the port cannot be bound
     */
    public static MonitorServer listen(Monitor monitor, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new MonitorServer(monitor, s);
    }

    /**
     * Parses {@code tcp:PORT} (the {@code --monitor} option).
     *
     * @throws IllegalArgumentException naming "monitor" for anything else
     */
    public static int parsePort(String spec) {
        if (spec == null || !spec.startsWith("tcp:")) {
            throw new IllegalArgumentException("monitor: expected tcp:PORT, got '" + spec + "'");
        }
        try {
            int p = Integer.parseInt(spec.substring(4));
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("monitor: bad port in '" + spec + "'");
        }
    }

    /** The port listened on. */
    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                clients.add(c);
                Thread.ofPlatform().daemon().name("monitor-client").start(() -> serve(c));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket c) {
        try (c) {
            OutputStream out = c.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
            out.write("Kestrel machine monitor (help lists the commands)\n(kestrel) ".getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.trim().equals("quit")) {
                    return;
                }
                String reply = monitor.execute(line);
                out.write(((reply.isEmpty() ? "" : reply + "\n") + "(kestrel) ").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // client went away
        } finally {
            clients.remove(c);
        }
    }

    /** Stops accepting, disconnects every client. Idempotent. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket c : clients) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
