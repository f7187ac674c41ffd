package platform.pc.uart;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Contract: the host terminal as the far end of the serial line. Transmitted bytes are
 * written to the output stream and flushed at once; bytes from the input stream are
 * delivered to the UART with flow control by the backend's input thread. The terminal is
 * not put in raw mode: the host's line discipline (echo, line editing) stays in force, and
 * bytes are passed through unchanged. DCD, DSR and CTS are asserted.
 *
 * <p>The input thread polls {@link InputStream#available} (every 10 ms when idle) rather
 * than blocking in read, so {@link #close} can stop it even on System.in; it stops at end
 * of input or on an I/O error. Output errors are counted ({@link #outputErrors}), never thrown.
 */
public final class StdioBackend implements SerialBackend {
    private final InputStream in;
    private final OutputStream out;
    private volatile boolean running = true;
    private volatile SerialReceiver receiver;
    private Thread reader;
    private long outputErrors;

    /** System.in and System.out. */
    public StdioBackend() {
        this(System.in, System.out);
    }

    public StdioBackend(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    @Override
    public synchronized void attach(SerialReceiver rx) {
        if (receiver != null) {
            throw new IllegalStateException("backend already attached");
        }
        receiver = rx;
        rx.setModemInputs(CONNECTED);
        reader = Thread.ofPlatform().daemon().name("uart-stdio-input").start(this::readLoop);
    }

    private void readLoop() {
        byte[] buf = new byte[256];
        try {
            while (running) {
                int n = in.available();
                if (n <= 0) {
                    Thread.sleep(10);
                    continue;
                }
                n = in.read(buf, 0, Math.min(n, buf.length));
                if (n < 0) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    if (!receiver.put(buf[i])) {
                        return;
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // end of input, or closed
        }
    }

    @Override
    public synchronized void transmit(int b) {
        try {
            out.write(b);
            out.flush();
        } catch (IOException e) {
            outputErrors++;
        }
    }

    public synchronized long outputErrors() {
        return outputErrors;
    }

    @Override
    public void close() {
        running = false;
        Thread t;
        synchronized (this) {
            t = reader;
            reader = null;
        }
        BackendThreads.stop(t);
    }
}
