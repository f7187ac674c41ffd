package kernel.core.hal;

/** x86 port I/O: {@code in}/{@code out} of 1, 2 or 4 bytes. */
public interface PortIo {
    int inb(int port);

    int inw(int port);

    int inl(int port);

    void outb(int port, int value);

    void outw(int port, int value);

    void outl(int port, int value);
}
