package platform.devices.net;

/**
 * Helpers shared by the port implementations: joining two ports with a patch cable, and
 * delivering a received frame to a sink under the {@link NetPort} rules (counted, never throws).
 */
public final class NetPorts {
    private NetPorts() {
    }

    /**
     * Joins {@code a} and {@code b} like a cable: every frame received on one is sent out of the
     * other (a switch port joined to a {@link UdpBackend} puts the remote end on the switch).
     * Each port's previous sink is replaced. Closing the returned link detaches both sinks; it
     * does not close the ports.
     */
    public static AutoCloseableLink connect(NetPort a, NetPort b) {
        if (a == b) {
            throw new IllegalArgumentException("cannot connect a port to itself: " + a.name());
        }
        a.attach(b::send);
        b.attach(a::send);
        return () -> {
            a.attach(null);
            b.attach(null);
        };
    }

    /** A connection made by {@link #connect}; closing it never fails. */
    @FunctionalInterface
    public interface AutoCloseableLink extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Hands a received frame to {@code sink}, counting it as received, or as dropped if there is
     * no sink or the sink throws. Returns true if the sink took it.
     */
    static boolean deliver(FrameSink sink, byte[] buf, int off, int len, PortCounters c) {
        if (sink == null) {
            c.dropped();
            return false;
        }
        try {
            sink.frame(buf, off, len);
        } catch (RuntimeException | StackOverflowError e) { // a model bug, or two sinks answering each other forever
            c.dropped();
            return false;
        }
        c.rx(len);
        return true;
    }
}
