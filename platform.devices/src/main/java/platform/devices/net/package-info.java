/**
 * Network backends for the emulated NICs: what a virtio-net or e1000 model plugs into.
 *
 * <p>A NIC model holds a {@link platform.devices.net.NetPort}: it calls {@code send} with each
 * frame the guest transmits and attaches a {@link platform.devices.net.FrameSink} that receives
 * frames for the guest. Frames are raw Ethernet without FCS ({@link platform.devices.net.Frames}
 * gives the size limits). Ports come from an {@link platform.devices.net.EthernetSwitch} (named
 * by {@link platform.devices.net.Networks} for {@code --nic ...,net=NAME}), from a
 * {@link platform.devices.net.UdpBackend} ({@code --netdev udp,...}), or from a
 * {@link platform.devices.net.PcapTap} wrapped around either ({@code pcap=FILE}).
 * {@link platform.devices.net.NetOptions} parses the command-line options. Plain Java: no OSGi.
 */
package platform.devices.net;
