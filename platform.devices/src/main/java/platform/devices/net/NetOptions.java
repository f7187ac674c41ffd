package platform.devices.net;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Parses the machine's network options into records, refusing bad ones with an
 * {@link IllegalArgumentException} whose message names the option and quotes the spec:
 *
 * <pre>
 *   --nic virtio|e1000[,net=NAME][,mac=MAC][,pcap=FILE]
 *   --netdev udp,local=HOST:PORT,remote=HOST:PORT[,net=NAME]
 * </pre>
 *
 * <p>A NIC and a netdev with the same {@code net} name (default {@value #DEFAULT_NET}) are
 * ports of the same {@link EthernetSwitch} ({@link Networks}). A NIC without {@code mac} gets
 * {@link MacAddress#defaultFor} its index. HOST is a name, an IPv4 address or a bracketed IPv6
 * address; it is resolved when the backend opens, not here. A local port of 0 picks a free
 * port; the remote port must be 1..65535. Each option may appear once.
 */
public final class NetOptions {
    public static final String DEFAULT_NET = "default";

    /** A NIC: its model ("virtio" or "e1000"), network name, MAC, and capture file or null. */
    public record Nic(String model, String net, MacAddress mac, Path pcap) {
    }

    /** A UDP backend on network {@code net}: one Ethernet frame per datagram. */
    public record UdpNetdev(String net, InetSocketAddress local, InetSocketAddress remote) {
    }

    private NetOptions() {
    }

    /** Parses a {@code --nic} value for the {@code index}-th NIC of the machine (0-based). */
    public static Nic parseNic(String spec, int index) {
        String[] parts = split("nic", spec);
        String model = switch (parts[0].trim().toLowerCase(Locale.ROOT)) {
            case "virtio", "virtio-net" -> "virtio";
            case "e1000", "82540em" -> "e1000";
            default -> throw new IllegalArgumentException("nic: unknown model '" + parts[0] + "' in '" + spec + "' (virtio or e1000)");
        };
        String net = DEFAULT_NET;
        MacAddress mac = null;
        Path pcap = null;
        Set<String> seen = new HashSet<>();
        for (int k = 1; k < parts.length; k++) {
            String key = key("nic", parts[k], spec, seen);
            String val = parts[k].substring(parts[k].indexOf('=') + 1);
            switch (key) {
                case "net" -> net = netName("nic", val, spec);
                case "mac" -> {
                    try {
                        mac = MacAddress.parseNic(val);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("nic: option 'mac': " + e.getMessage() + " in '" + spec + "'");
                    }
                }
                case "pcap" -> {
                    if (val.isEmpty()) {
                        throw new IllegalArgumentException("nic: option 'pcap' needs a file name in '" + spec + "'");
                    }
                    pcap = Path.of(val);
                }
                default -> throw new IllegalArgumentException("nic: unknown option '" + parts[k] + "' in '" + spec + "'");
            }
        }
        return new Nic(model, net, mac != null ? mac : MacAddress.defaultFor(index), pcap);
    }

    /** Parses a {@code --netdev} value. */
    public static UdpNetdev parseNetdev(String spec) {
        String[] parts = split("netdev", spec);
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("udp")) {
            throw new IllegalArgumentException("netdev: type '" + parts[0] + "' is not available (udp only) in '" + spec + "'");
        }
        String net = DEFAULT_NET;
        InetSocketAddress local = null;
        InetSocketAddress remote = null;
        Set<String> seen = new HashSet<>();
        for (int k = 1; k < parts.length; k++) {
            String key = key("netdev", parts[k], spec, seen);
            String val = parts[k].substring(parts[k].indexOf('=') + 1);
            switch (key) {
                case "local" -> local = hostPort("local", val, spec, true);
                case "remote" -> remote = hostPort("remote", val, spec, false);
                case "net" -> net = netName("netdev", val, spec);
                default -> throw new IllegalArgumentException("netdev: unknown option '" + parts[k] + "' in '" + spec + "'");
            }
        }
        if (local == null) {
            throw new IllegalArgumentException("netdev: option 'local=HOST:PORT' is missing in '" + spec + "'");
        }
        if (remote == null) {
            throw new IllegalArgumentException("netdev: option 'remote=HOST:PORT' is missing in '" + spec + "'");
        }
        return new UdpNetdev(net, local, remote);
    }

    private static String[] split(String what, String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException(what + ": empty value");
        }
        String[] parts = spec.split(",", -1);
        if (parts[0].isBlank()) {
            throw new IllegalArgumentException(what + ": missing type before the options in '" + spec + "'");
        }
        return parts;
    }

    /** The lower-case key of {@code key=value}; refuses a missing '=' and repeats. */
    private static String key(String what, String part, String spec, Set<String> seen) {
        int eq = part.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(what + ": unknown option '" + part + "' in '" + spec + "' (expected key=value)");
        }
        String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        if (!seen.add(key)) {
            throw new IllegalArgumentException(what + ": option '" + key + "' given twice in '" + spec + "'");
        }
        return key;
    }

    private static String netName(String what, String val, String spec) {
        if (!val.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException(what + ": option 'net': bad network name '" + val + "' in '" + spec + "'");
        }
        return val;
    }

    /** Parses HOST:PORT or [IPV6]:PORT into an unresolved address. */
    static InetSocketAddress hostPort(String opt, String val, String spec, boolean portZeroOk) {
        String host;
        String port;
        if (val.startsWith("[")) {
            int close = val.indexOf(']');
            if (close < 0 || close + 1 >= val.length() || val.charAt(close + 1) != ':') {
                throw bad(opt, val, spec, "expected [IPV6]:PORT");
            }
            host = val.substring(1, close);
            port = val.substring(close + 2);
        } else {
            int colon = val.lastIndexOf(':');
            if (colon < 0 || val.indexOf(':') != colon) {
                throw bad(opt, val, spec, "expected HOST:PORT");
            }
            host = val.substring(0, colon);
            port = val.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw bad(opt, val, spec, "missing host");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw bad(opt, val, spec, "port '" + port + "' is not a number");
        }
        if (p < (portZeroOk ? 0 : 1) || p > 65535) {
            throw bad(opt, val, spec, "port " + p + " out of range");
        }
        return InetSocketAddress.createUnresolved(host, p);
    }

    private static IllegalArgumentException bad(String opt, String val, String spec, String why) {
        return new IllegalArgumentException("netdev: option '" + opt + "': bad address '" + val + "' (" + why + ") in '" + spec + "'");
    }
}
