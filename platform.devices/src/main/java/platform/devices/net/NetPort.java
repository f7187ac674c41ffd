package platform.devices.net;

/**
 * One end of a network link, as a NIC model sees it: it sends frames into the port and
 * receives frames through the {@link FrameSink} it attaches.
 *
 * <p>Implementations: a port of an {@link EthernetSwitch}, a {@link UdpBackend}, a
 * {@link PcapTap} around another port. {@link NetPorts#connect} joins two ports with a patch
 * cable (a UDP backend to a switch port, for instance).
 *
 * <p>Rules every implementation keeps:
 * <ul>
 *   <li>{@link #send} never throws into the NIC and never keeps {@code buf}: it copies if it
 *       must hold the frame (the common path needs no allocation). A frame whose length is
 *       outside {@code [Frames.MIN_LEN, maxFrame]}, or a bad {@code off/len} pair, is dropped
 *       and counted as malformed; a frame that cannot be delivered (port closed, host I/O
 *       error) is dropped and counted as dropped. The result says whether it was accepted.</li>
 *   <li>Received frames go to the attached sink; with no sink attached they are counted as
 *       dropped.</li>
 *   <li>All methods are thread-safe. {@link #close} is idempotent; afterwards sends are dropped
 *       and nothing more is delivered.</li>
 * </ul>
 */
public interface NetPort extends AutoCloseable {
    /** Sends the frame {@code buf[off..off+len)}; true if accepted. Never throws. */
    boolean send(byte[] buf, int off, int len);

    /** Registers the receiver of incoming frames, replacing any previous one; null detaches. */
    void attach(FrameSink sink);

    /** Counters as seen from the NIC: tx = frames it sent, rx = frames delivered to it. */
    PortStats stats();

    /** Largest frame this port carries (header included, no FCS). */
    int maxFrame();

    /** A short name for logs and counters ("sw0.port2", "udp:127.0.0.1:5000"). */
    String name();

    @Override
    void close();
}
