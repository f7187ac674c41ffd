package platform.devices.net;

/**
 * A port that records every frame crossing another port, in both directions, to a
 * {@link PcapWriter}: what the NIC sends (each well-formed frame, recorded before the inner port
 * forwards it, so a reply delivered synchronously is recorded after its request) and what is
 * delivered to the NIC (recorded before its sink runs). The NIC uses the tap in place of the
 * port it wraps; {@code --nic ...,pcap=FILE} is this.
 *
 * <p>Malformed frames the inner port rejects are not recorded. Counters are the inner port's.
 * Closing the tap closes the inner port and then the writer.
 */
public final class PcapTap implements NetPort {
    private final NetPort inner;
    private final PcapWriter pcap;

    public PcapTap(NetPort inner, PcapWriter pcap) {
        this.inner = inner;
        this.pcap = pcap;
    }

    @Override
    public boolean send(byte[] buf, int off, int len) {
        if (!Frames.valid(buf, off, len, inner.maxFrame())) {
            return inner.send(buf, off, len); // counts it as malformed
        }
        pcap.write(buf, off, len);
        return inner.send(buf, off, len);
    }

    @Override
    public void attach(FrameSink sink) {
        inner.attach(sink == null ? null : (buf, off, len) -> {
            pcap.write(buf, off, len);
            sink.frame(buf, off, len);
        });
    }

    @Override
    public PortStats stats() {
        return inner.stats();
    }

    @Override
    public int maxFrame() {
        return inner.maxFrame();
    }

    @Override
    public String name() {
        return inner.name() + "+pcap";
    }

    public PcapWriter writer() {
        return pcap;
    }

    @Override
    public void close() {
        try {
            inner.close();
        } finally {
            pcap.close();
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
