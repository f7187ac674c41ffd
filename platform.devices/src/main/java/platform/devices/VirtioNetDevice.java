package platform.devices;

import java.util.concurrent.atomic.LongAdder;
import platform.devices.net.FrameSink;
import platform.devices.net.Frames;
import platform.devices.net.MacAddress;
import platform.devices.net.NetPort;
import platform.devices.virtio.DescriptorChain;
import platform.devices.virtio.VirtioException;
import platform.devices.virtio.VirtioPciFunction;

/**
 * virtio-net (virtio device ID 1, PCI 1AF4:1041, class 020000) on a {@link NetPort}, per
 * virtio 1.2 section 5.1, over the modern PCI transport of {@link VirtioPciFunction}
 * (section 4.1) with split virtqueues (section 2.7).
 *
 * <p><b>Queues</b> (5.1.2): receiveq1 = 0, transmitq1 = 1, 256 entries each; no control
 * queue, no multiqueue.
 *
 * <p><b>Features</b> (5.1.3): MAC, STATUS and VERSION_1 only. No checksum, GSO or
 * mergeable-buffer feature is offered, so every packet is a whole Ethernet frame without FCS
 * behind a 12-byte virtio_net_hdr (5.1.6: flags u8, gso_type u8, hdr_len, gso_size,
 * csum_start, csum_offset, num_buffers, all le16). The header and frame may be split across
 * descriptors in any way (VERSION_1 implies ANY_LAYOUT).
 *
 * <p><b>Device configuration</b> (5.1.4): mac[6] at 0, status le16 at 6 (bit 0 LINK_UP),
 * max_virtqueue_pairs le16 at 8 (reads 1). Writes are ignored. {@link #setLinkUp} changes
 * status and raises a configuration-change interrupt (4.1.4.5).
 *
 * <p><b>Transmit</b> (5.1.6.2): each transmitq chain must be device-readable only and hold at
 * least the header. A header with flags != 0 or gso_type != GSO_NONE asks for an offload that
 * was not offered: the packet is dropped and counted ({@link #txBadHeader}). A frame of bad
 * size, or one sent while the link is down, is dropped and counted ({@link #txDropped}).
 * The chain is completed with used length 0 either way. The frame is handed to the port after
 * the transport lock is released, so a port may deliver it synchronously to another NIC.
 *
 * <p><b>Receive</b> (5.1.6.3, 5.1.6.4): frames arriving through the port's {@link FrameSink}
 * are written at once, on the sender's thread, into the next available receiveq chain:
 * header (all zero but num_buffers = 1) then the frame; used length = 12 + frame length;
 * interrupt unless VIRTQ_AVAIL_F_NO_INTERRUPT. The sender is never blocked: with the driver
 * not running, the link down or no buffer available, the frame is dropped and counted
 * ({@link #rxDropped}); a buffer too small for the frame is left available and the frame is
 * dropped and counted ({@link #rxTooSmall}) — without MRG_RXBUF the driver must post buffers
 * of at least 12 + 1514 (1518 with a VLAN tag) bytes.
 *
 * <p><b>Errors:</b> as for every virtio device here, a malformed chain (out of range, loop,
 * outside RAM, wrong direction: a writable descriptor in a transmit chain, a readable one
 * in a receive chain, or a chain shorter than the header) sets DEVICE_NEEDS_RESET with a
 * configuration-change interrupt; the device stops until reset. Nothing reaches the sender.
 */
public final class VirtioNetDevice extends VirtioPciFunction {
    public static final int VIRTIO_ID_NET = 1;
    public static final int QUEUE_SIZE = 256;
    public static final int RXQ = 0;
    public static final int TXQ = 1;
    public static final int HDR_LEN = 12;

    public static final int F_MAC = 5;
    public static final int F_MRG_RXBUF = 15;
    public static final int F_STATUS = 16;
    public static final int F_CTRL_VQ = 17;
    public static final int F_MQ = 22;

    public static final int S_LINK_UP = 1;
    public static final int GSO_NONE = 0;

    private static final int CONFIG_SIZE = 10;
    /** The header of every received packet: no offload flags, GSO_NONE, num_buffers = 1. Never written. */
    private static final byte[] RX_HEADER = {0, GSO_NONE, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};

    private final NetPort port;
    private final MacAddress mac;
    private final byte[] macBytes;
    private volatile boolean linkUp = true;

    // transmit staging, worker thread only
    private final byte[] txHeader = new byte[HDR_LEN];
    private final byte[] txFrame;
    private int txPending;

    private final LongAdder txFrames = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder txBadHeader = new LongAdder();
    private final LongAdder txDropped = new LongAdder();
    private final LongAdder rxFrames = new LongAdder();
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder rxDropped = new LongAdder();
    private final LongAdder rxTooSmall = new LongAdder();

    /** A virtio-net NIC with address {@code mac} on {@code port}; the device owns the port and closes it. */
    public VirtioNetDevice(NetPort port, MacAddress mac) {
        super(VIRTIO_ID_NET, 0x020000, "net", 2, QUEUE_SIZE, (1L << F_MAC) | (1L << F_STATUS), CONFIG_SIZE);
        this.port = port;
        this.mac = mac;
        this.macBytes = mac.bytes();
        this.txFrame = new byte[port.maxFrame()];
        port.attach(this::receive);
    }

    public MacAddress mac() {
        return mac;
    }

    public NetPort port() {
        return port;
    }

    public boolean linkUp() {
        return linkUp;
    }

    /** Sets the link state; a change updates config status and interrupts the driver. */
    public void setLinkUp(boolean up) {
        if (linkUp != up) {
            linkUp = up;
            configChanged();
        }
    }

    /** Frames handed to the port. */
    public long txFrames() {
        return txFrames.sum();
    }

    public long txBytes() {
        return txBytes.sum();
    }

    /** Transmit packets dropped because their header asked for an offload not offered. */
    public long txBadHeader() {
        return txBadHeader.sum();
    }

    /** Transmit packets dropped for bad frame size, link down or refusal by the port. */
    public long txDropped() {
        return txDropped.sum();
    }

    /** Frames written into receive buffers. */
    public long rxFrames() {
        return rxFrames.sum();
    }

    public long rxBytes() {
        return rxBytes.sum();
    }

    /** Frames dropped: driver not running, link down, no receive buffer, or a broken buffer. */
    public long rxDropped() {
        return rxDropped.sum();
    }

    /** Frames dropped because the next receive buffer was too small (the buffer stays). */
    public long rxTooSmall() {
        return rxTooSmall.sum();
    }

    // ---- device configuration --------------------------------------------------------------

    @Override
    protected long readDeviceConfig(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (configByte(offset + i) & 0xFFL) << (8 * i);
        }
        return v;
    }

    private int configByte(int o) {
        if (o >= 0 && o < 6) {
            return macBytes[o];
        }
        if (o == 6) {
            return linkUp ? S_LINK_UP : 0;
        }
        if (o == 8) {
            return 1; // max_virtqueue_pairs
        }
        return 0;
    }

    @Override
    protected boolean isReceiveQueue(int queue) {
        return queue == RXQ;
    }

    // ---- transmit ------------------------------------------------------------------------

    @Override
    protected int processRequest(int queue, DescriptorChain chain) throws VirtioException {
        if (queue != TXQ) {
            return 0; // receive buffers never come here
        }
        if (chain.writableLength() != 0) {
            throw new VirtioException("virtio-net: transmit chain has device-writable descriptors");
        }
        if (chain.readableLength() < HDR_LEN) {
            throw new VirtioException("virtio-net: transmit chain shorter than the 12-byte header");
        }
        chain.read(0, txHeader, 0, HDR_LEN);
        if (txHeader[0] != 0 || txHeader[1] != GSO_NONE) {
            txBadHeader.increment(); // NEEDS_CSUM or GSO without the feature
            return 0;
        }
        long len = chain.readableLength() - HDR_LEN;
        if (len < Frames.MIN_LEN || len > txFrame.length || !linkUp) {
            txDropped.increment();
            return 0;
        }
        chain.read(HDR_LEN, txFrame, 0, (int) len);
        txPending = (int) len;
        return 0;
    }

    @Override
    protected void requestCompleted(int queue) {
        int n = txPending;
        if (queue != TXQ || n == 0) {
            return;
        }
        txPending = 0;
        if (port.send(txFrame, 0, n)) {
            txFrames.increment();
            txBytes.add(n);
        } else {
            txDropped.increment();
        }
    }

    // ---- receive -------------------------------------------------------------------------

    /** The port's sink: copy into the next receive buffer or drop; never blocks. */
    private void receive(byte[] buf, int off, int len) {
        if (!linkUp) {
            rxDropped.increment();
            return;
        }
        int r = fillReceiveBuffer(RXQ, chain -> fill(chain, buf, off, len));
        if (r == 1) {
            rxFrames.increment();
            rxBytes.add(len);
        } else if (r == DECLINED) {
            rxTooSmall.increment();
        } else {
            rxDropped.increment();
        }
    }

    private static int fill(DescriptorChain chain, byte[] buf, int off, int len) throws VirtioException {
        if (chain.readableLength() != 0) {
            throw new VirtioException("virtio-net: receive chain has device-readable descriptors");
        }
        if (chain.writableLength() < HDR_LEN) {
            throw new VirtioException("virtio-net: receive chain shorter than the 12-byte header");
        }
        if (chain.writableLength() < HDR_LEN + len) {
            return DECLINED;
        }
        chain.write(0, RX_HEADER, 0, HDR_LEN);
        chain.write(HDR_LEN, buf, off, len);
        return HDR_LEN + len;
    }

    @Override
    protected void closeDevice() {
        port.attach(null);
        port.close();
    }
}
