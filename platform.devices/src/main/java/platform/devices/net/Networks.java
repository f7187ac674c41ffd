package platform.devices.net;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The named networks of one JVM: {@code net=NAME} on a NIC or netdev means "a port of the
 * switch called NAME", created on first use. Several machines built in one JVM share one
 * {@code Networks} to be on the same segment; separate instances are separate worlds (tests).
 * Thread-safe.
 */
public final class Networks {
    private final Map<String, EthernetSwitch> switches = new ConcurrentHashMap<>();

    /** The switch named {@code name}, created with default settings if new. */
    public EthernetSwitch get(String name) {
        return switches.computeIfAbsent(name, EthernetSwitch::new);
    }

    /** The names in use, sorted. */
    public List<String> names() {
        return switches.keySet().stream().sorted().toList();
    }
}
