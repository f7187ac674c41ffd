package platform.devices.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * A network backend that carries one Ethernet frame per UDP datagram: each frame sent into
 * the port becomes one datagram from {@code local} to {@code remote}; each datagram arriving
 * on {@code local} is one frame for the attached sink. The payload is the bare frame (no
 * header, no FCS), which is what {@code socat TUN,tun-type=tap,iff-no-pi UDP-DATAGRAM:...}
 * reads from and writes to a Linux TAP device, so a network namespace can reach an emulated
 * NIC; two backends pointed at each other join two machines.
 *
 * <p>Datagrams are accepted from any sender, like socat's UDP-DATAGRAM without {@code range}:
 * bind {@code local} to the loopback or a trusted interface, since whoever can reach it can put
 * frames on the emulated network.
 * A datagram shorter than {@link Frames#MIN_LEN} or longer than the maximum frame is counted
 * as malformed and dropped. A receive thread (a daemon named after the port) reads datagrams
 * and calls the sink; {@link #close} closes the socket and waits for the thread to end.
 * Sending copies the frame into a preallocated buffer (no allocation per frame); a host send
 * error drops the frame and counts it.
 */
public final class UdpBackend implements NetPort {
    private final DatagramChannel channel;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final int maxFrame;
    private final String name;
    private final PortCounters counters = new PortCounters();
    private final ByteBuffer txBuf;
    private final Thread receiver;
    private volatile FrameSink sink;
    private volatile boolean closed;

    private UdpBackend(DatagramChannel channel, InetSocketAddress remote, int maxFrame) throws IOException {
        this.channel = channel;
        this.remote = remote;
        this.local = (InetSocketAddress) channel.getLocalAddress();
        this.maxFrame = maxFrame;
        this.name = "udp:" + hostPort(local) + "->" + hostPort(remote);
        this.txBuf = ByteBuffer.allocateDirect(maxFrame);
        this.receiver = Thread.ofPlatform().daemon().name("kestrel-net-" + name).unstarted(this::receiveLoop);
    }

    /** Binds {@code local} (port 0 picks a free port) and sends to {@code remote}; standard frames. */
    public static UdpBackend open(InetSocketAddress local, InetSocketAddress remote) throws IOException {
        return open(local, remote, Frames.MAX_LEN);
    }

    /** As {@link #open(InetSocketAddress, InetSocketAddress)}, carrying frames up to {@code maxFrame}. */
    public static UdpBackend open(InetSocketAddress local, InetSocketAddress remote, int maxFrame) throws IOException {
        Frames.checkMaxFrame(maxFrame);
        local = resolve(local, "local");
        remote = resolve(remote, "remote");
        if (remote.getPort() == 0) {
            throw new IOException("udp: remote port must not be 0: " + remote);
        }
        var family = local.getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        DatagramChannel ch = DatagramChannel.open(family);
        try {
            ch.bind(local);
            UdpBackend b = new UdpBackend(ch, remote, maxFrame);
            b.receiver.start();
            return b;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static InetSocketAddress resolve(InetSocketAddress a, String what) throws IOException {
        if (a.isUnresolved()) {
            a = new InetSocketAddress(a.getHostString(), a.getPort());
            if (a.isUnresolved()) {
                throw new IOException("udp: cannot resolve " + what + " host '" + a.getHostString() + "'");
            }
        }
        return a;
    }

    private static String hostPort(InetSocketAddress a) {
        String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    /** The bound local address (with the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return local;
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public boolean send(byte[] buf, int off, int len) {
        if (!Frames.valid(buf, off, len, maxFrame)) {
            counters.malformed();
            return false;
        }
        synchronized (txBuf) {
            if (closed) {
                counters.dropped();
                return false;
            }
            txBuf.clear();
            txBuf.put(buf, off, len).flip();
            try {
                if (channel.send(txBuf, remote) != len) { // no room in the socket buffer: the datagram is lost
                    counters.dropped();
                    return false;
                }
            } catch (IOException | RuntimeException e) { // e.g. ICMP port unreachable reported on a later send
                counters.dropped();
                return false;
            }
        }
        counters.tx(len);
        return true;
    }

    private void receiveLoop() {
        // One byte more than the largest frame, so an oversized datagram is seen as such.
        ByteBuffer rx = ByteBuffer.allocate(Math.max(maxFrame + 1, 65536));
        byte[] arr = rx.array();
        while (!closed) {
            rx.clear();
            SocketAddress from;
            try {
                from = channel.receive(rx);
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) { // a transient host error: keep going, without spinning on it
                if (closed) {
                    break;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException ie) {
                    break;
                }
                continue;
            }
            if (from == null) {
                continue;
            }
            int len = rx.position();
            if (len < Frames.MIN_LEN || len > maxFrame) {
                counters.malformed();
                continue;
            }
            NetPorts.deliver(sink, arr, 0, len, counters);
        }
    }

    @Override
    public void attach(FrameSink s) {
        sink = s;
    }

    @Override
    public PortStats stats() {
        return counters.snapshot();
    }

    @Override
    public int maxFrame() {
        return maxFrame;
    }

    @Override
    public String name() {
        return name;
    }

    /** Closes the socket and waits (up to 5 s) for the receive thread to stop. Idempotent. */
    @Override
    public void close() {
        synchronized (txBuf) {
            if (closed) {
                return;
            }
            closed = true;
        }
        sink = null;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
        if (Thread.currentThread() != receiver) {
            try {
                receiver.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** True while the receive thread runs (false after {@link #close}). */
    public boolean receiving() {
        return receiver.isAlive();
    }

    @Override
    public String toString() {
        return name;
    }
}
