package platform.pc.uart;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Contract: an in-memory far end of a serial line, for tests and for joining a UART to Java
 * code. Transmitted bytes are recorded ({@link #transmitted}). Bytes given to {@link #send}
 * are queued and delivered by the backend's own thread with flow control
 * ({@link SerialReceiver#put}), so none are lost; {@link #pushWire} delivers without flow
 * control (overruns possible), as a wire would. Modem inputs are set with
 * {@link #setModemInputs}. {@link #close} stops the delivery thread.
 */
public final class MemoryBackend implements SerialBackend {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final LinkedBlockingQueue<Integer> input = new LinkedBlockingQueue<>();
    private final int initialModemInputs;
    private volatile SerialReceiver receiver;
    private Thread feeder;
    private int inFlight;

    /** A line with no modem signals asserted. */
    public MemoryBackend() {
        this(0);
    }

    /** A line whose modem inputs (MSR bits 4..7) start as {@code modemInputs}. */
    public MemoryBackend(int modemInputs) {
        this.initialModemInputs = modemInputs;
    }

    @Override
    public synchronized void attach(SerialReceiver rx) {
        if (receiver != null) {
            throw new IllegalStateException("backend already attached");
        }
        receiver = rx;
        rx.setModemInputs(initialModemInputs);
        feeder = Thread.ofPlatform().daemon().name("uart-memory-input").start(this::feed);
    }

    private void feed() {
        try {
            while (true) {
                int b = input.take();
                boolean ok = receiver.put(b);
                synchronized (this) {
                    inFlight--;
                    notifyAll();
                }
                if (!ok) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Queues bytes for flow-controlled delivery to the UART. */
    public void send(byte... bytes) {
        for (byte b : bytes) {
            synchronized (this) {
                inFlight++;
            }
            input.add(b & 0xFF);
        }
    }

    /** Waits until every byte given to {@link #send} has been delivered; false on timeout. */
    public synchronized boolean awaitDelivered(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Delivers one character without flow control, with LSR error bits. */
    public void pushWire(int b, int errors) {
        receiver.push(b, errors);
    }

    public void setModemInputs(int msrBits) {
        receiver.setModemInputs(msrBits);
    }

    @Override
    public synchronized void transmit(int b) {
        out.write(b);
    }

    /** Everything transmitted so far. */
    public synchronized byte[] transmitted() {
        return out.toByteArray();
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = feeder;
            feeder = null;
        }
        BackendThreads.stop(t);
    }
}
