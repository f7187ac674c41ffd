package platform.pc.uart;

/**
 * Contract: the far end of a UART's serial line, on the host. A backend receives every
 * transmitted byte through {@link #transmit} (called by the UART, possibly from a vCPU
 * thread: it must not block for long) and delivers received bytes asynchronously, from a
 * thread it owns, to the {@link SerialReceiver} given to {@link #attach}, normally with the
 * flow-controlled {@link SerialReceiver#put}. A backend drives the modem status inputs
 * (CTS/DSR/DCD/RI) through {@link SerialReceiver#setModemInputs}.
 *
 * <p>{@link #attach} is called once, by the UART's constructor; the backend starts its
 * input thread there. {@link #close} stops every thread the backend started and releases
 * its host resources; it is idempotent and never throws.
 */
public interface SerialBackend extends AutoCloseable {
    /** MSR inputs of a line whose far end is present: CTS, DSR and DCD asserted. */
    int CONNECTED = 0x10 | 0x20 | 0x80;

    void attach(SerialReceiver receiver);

    /** Sends one byte (low 8 bits) out on the line. */
    void transmit(int b);

    @Override
    void close();
}
