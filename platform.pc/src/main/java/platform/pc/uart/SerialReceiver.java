package platform.pc.uart;

/**
 * Contract: the receive side of a UART as seen by the far end of its serial line (a
 * {@link SerialBackend}). Every method is thread-safe and may be called from a backend's
 * own thread.
 *
 * <p>Two ways to deliver a byte:
 * <ul>
 *   <li>{@link #put} is flow-controlled (back-pressure): it blocks while the receive FIFO is
 *       full or the UART is in loopback mode (its serial input disconnected, PC16550D
 *       section 8.6, MCR bit 4), so nothing is lost. Host backends use it.</li>
 *   <li>{@link #push} behaves like a wire with no flow control: a character arriving when
 *       the FIFO is full is an overrun (LSR bit 1, PC16550D section 8.6 LSR1) and is
 *       counted in {@link #overruns}, never dropped silently.</li>
 * </ul>
 */
public interface SerialReceiver {
    /** LSR error bits a character may arrive with (PC16550D section 8.6, LSR2..LSR4). */
    int PARITY_ERROR = 0x04;
    int FRAMING_ERROR = 0x08;
    int BREAK = 0x10;

    /**
     * Delivers {@code b} (low 8 bits), waiting for room. Returns false, without delivering,
     * if the UART has been closed.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    boolean put(int b) throws InterruptedException;

    /** Delivers {@code b} as a wire would: on a full FIFO it is lost and counted as an overrun. */
    void push(int b, int errors);

    /**
     * Sets the modem status inputs, given as MSR bits 4..7 (CTS 0x10, DSR 0x20, RI 0x40,
     * DCD 0x80; a set bit means the signal is asserted). Changes set the MSR delta bits.
     */
    void setModemInputs(int msrBits);

    /** Characters lost to overruns so far. */
    long overruns();
}
