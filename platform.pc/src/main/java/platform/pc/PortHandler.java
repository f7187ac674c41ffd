package platform.pc;

/** A device's range of x86 I/O ports. {@code size} is 1, 2 or 4; unused ports read all-ones. */
public interface PortHandler {
    int in(int port, int size);

    void out(int port, int size, int value);
}
