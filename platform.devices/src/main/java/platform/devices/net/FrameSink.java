package platform.devices.net;

/**
 * The receive side of a {@link NetPort}: where a port delivers the frames that arrive for it.
 *
 * <p>{@code buf[off..off+len)} is one raw Ethernet frame (destination MAC first, no FCS) whose
 * length the port has already checked ({@link Frames#valid}). The bytes are valid only during
 * the call: a sink that keeps a frame (a NIC copying into its receive ring) copies it. The call
 * comes on the sender's thread (another machine's vCPU, a backend's receive thread), so a sink
 * is thread-safe, returns promptly, never blocks waiting for the guest (it drops instead), and
 * should not throw: a port catches whatever it throws and counts the frame as dropped.
 */
@FunctionalInterface
public interface FrameSink {
    void frame(byte[] buf, int off, int len);
}
