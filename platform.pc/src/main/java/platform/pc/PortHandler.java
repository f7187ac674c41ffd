package platform.pc;

/**
 * A device's range of x86 I/O ports, registered with {@link IoPorts#register}.
 * {@code port} is the absolute port number (not an offset into the range); {@code size} is
 * 1, 2 or 4. {@code in} returns the value zero-extended (the caller masks it to the size);
 * unused ports read all-ones. A handler must never throw for a guest-controlled access.
 */
public interface PortHandler {
    int in(int port, int size);

    void out(int port, int size, int value);
}
