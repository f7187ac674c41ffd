package platform.devices.net;

/**
 * A snapshot of one port's counters, from the NIC's point of view.
 *
 * @param txFrames  frames the NIC sent that the port accepted
 * @param txBytes   their bytes
 * @param rxFrames  frames delivered to the NIC's sink
 * @param rxBytes   their bytes
 * @param malformed frames dropped for a bad size or bad buffer bounds (either direction)
 * @param dropped   well-formed frames dropped: no sink, the sink threw, port closed, host I/O error
 */
public record PortStats(long txFrames, long txBytes, long rxFrames, long rxBytes, long malformed, long dropped) {
}
